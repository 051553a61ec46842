"""schemathesis hooks for scripts/conformance: log in, so that the protected
operations are exercised past their token check, and keep to what the
local emulator can carry.

The credentials are the local stack's demo user (scripts/dev). Generated
requests to /password send wrong old passwords, which count into the
email's lockout; every login here sends the device token of the one
before, so the lock never keeps these logins out (docs/api.md, "Device
tokens"). Each request gets a token of its own (no caching): generated
calls to /logout and /password retire every earlier token of the user.
"""

import json
import os
import urllib.request

import schemathesis

API = os.environ["SESSIONLESS_API"]
EMAIL = os.environ["SESSIONLESS_EMAIL"]
PASSWORD = os.environ["SESSIONLESS_PASSWORD"]
_device_token = {}


def _login(remember):
    body = {"email": EMAIL, "password": PASSWORD, "remember": remember}
    if "value" in _device_token:
        body["device_token"] = _device_token["value"]
    request = urllib.request.Request(
        API + "/login",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    _device_token["value"] = answer["device_token"]
    return answer


def _present(case, token, body_field):
    """The token in the header and, where the generated body carries the
    field, there too: a client sending both sends the same token, and two
    different ones are a 400 by design."""
    case.headers = case.headers or {}
    case.headers["Authorization"] = f"Bearer {token}"
    if isinstance(case.body, dict) and isinstance(case.body.get(body_field), str):
        case.body[body_field] = token


class _LoggedIn:
    """A token from a fresh login: an access token, presented in the
    header and in `access_token`."""

    remember = False
    field = "access_token"

    def get(self, case, ctx):
        return _login(self.remember)[self.field]

    def set(self, case, data, ctx):
        _present(case, data, self.field)


@schemathesis.auth(refresh_interval=None).apply_to(path="/refresh")
class RefreshToken(_LoggedIn):
    remember = True
    field = "refresh_token"


@schemathesis.auth(refresh_interval=None).apply_to(path_regex="^/(me|logout|password|whoami)$")
class AccessToken(_LoggedIn):
    pass


@schemathesis.hook
def filter_case(ctx, case):
    """Drops bodies that are not UTF-8. cargo lambda watch cannot put such
    a body into an event: it answers its own 500 and never calls the
    function. API Gateway base64-encodes them, and the functions answer
    400 (tests/tests/login.rs, a_body_that_is_not_utf8_is_a_400)."""
    body = case.body
    if isinstance(body, (bytes, bytearray)):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True

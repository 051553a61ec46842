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

import unicodedata

import idna
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


def _idna_refuses(email):
    """Whether IDNA refuses the domain of `email`: a rule openapi.yaml's
    `Email` states in words, since no pattern can (UTS 46 refuses
    unassigned and private-use code points, bad punycode, and labels that
    break the bidi or joiner rules). Python's idna is stricter than the
    functions' UTS 46, so a domain it accepts the functions accept too."""
    if not isinstance(email, str) or "@" not in email:
        return False
    domain = unicodedata.normalize("NFC", email.strip()).rsplit("@", 1)[1]
    try:
        idna.encode(domain, uts46=True)
    except (idna.IDNAError, UnicodeError):
        return True
    return False


@schemathesis.hook
def filter_case(ctx, case):
    """Drops bodies that are not UTF-8. cargo lambda watch cannot put such
    a body into an event: it answers its own 500 and never calls the
    function. API Gateway base64-encodes them, and the functions answer
    400 (tests/tests/login.rs, a_body_that_is_not_utf8_is_a_400).

    Drops emails whose domain IDNA refuses (`_idna_refuses`): schema-valid,
    but answered 400 by design, as tests/tests/input_rules.rs shows."""
    body = case.body
    if isinstance(body, (bytes, bytearray)):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return False
    if isinstance(body, dict) and _idna_refuses(body.get("email")):
        return False
    return True

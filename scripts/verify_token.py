"""Verifies a Sessionless access token the way another service would: with
a standard JWT library (PyJWT) and nothing but what the issuer publishes.

    .venv/bin/python scripts/verify_token.py ISSUER TOKEN [AUDIENCE]

Reads ISSUER/.well-known/openid-configuration, fetches the JWKS it names,
picks the key the token's `kid` names, and checks the signature, `iss`,
`aud`, `exp` and `nbf`, and that it is an access token (`typ` at+jwt). Prints the verified claims as JSON; exits 1 with
the reason when the token is refused.
"""

import json
import sys
import urllib.request

import jwt


def verify(issuer: str, token: str, audience: str) -> dict:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    with urllib.request.urlopen(url, timeout=30) as response:
        discovery = json.load(response)
    if discovery["issuer"] != issuer:
        raise jwt.InvalidIssuerError(f"discovery names issuer {discovery['issuer']!r}")
    keys = jwt.PyJWKClient(discovery["jwks_uri"], cache_keys=True)
    key = keys.get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        key,
        # Only what the published key is for: never a list that would let
        # the token's header choose.
        algorithms=[key.algorithm_name],
        issuer=issuer,
        audience=audience,
        options={"require": ["exp", "nbf", "iss", "aud", "sub"]},
    )
    # The header is covered by the signature just checked: a refresh or
    # device token must not pass as an access token.
    if jwt.get_unverified_header(token).get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("not an access token (typ)")
    return claims


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    issuer, token = sys.argv[1], sys.argv[2]
    audience = sys.argv[3] if len(sys.argv) == 4 else "sessionless"
    try:
        claims = verify(issuer, token, audience)
    except jwt.PyJWTError as error:
        print(f"refused: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(claims, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

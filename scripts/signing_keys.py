"""The rotation steps of scripts/signing-keys.

On a key set in Secrets Manager: a key set is {"current": KID, KID: KEY,
...} (shared/src/tokens/signing_keys.rs). Each step reads the secret, checks
the change keeps the set valid, and writes a new version. Keys are never
printed.

With the template's KMS key: `kms new` makes the next key, and `kms jwks`
prints the public halves of KMS keys as the JWKS the template's ExtraJwks
parameter takes, each under its key id, as tokens name it in `kid`.
"""

import base64

import json
import re
import secrets
import string
import sys

import boto3

CURRENT = "current"
KID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# 64 letters and digits: 381 random bits.
KEY_ALPHABET = string.ascii_letters + string.digits
KEY_LENGTH = 64

USAGE = """usage: scripts/signing-keys SECRET show
       scripts/signing-keys SECRET add KID
       scripts/signing-keys SECRET promote KID
       scripts/signing-keys SECRET retire KID
       scripts/signing-keys kms new
       scripts/signing-keys kms jwks KEY_ARN [KEY_ARN ...]"""


class RefusedStep(Exception):
    """A step that would leave the key set unusable or lose the signing key."""


def read(client, secret_id):
    value = client.get_secret_value(SecretId=secret_id)["SecretString"]
    try:
        keys = json.loads(value)
    except json.JSONDecodeError:
        raise RefusedStep("the secret is not a JSON key set") from None
    if not isinstance(keys, dict) or keys.get(CURRENT) not in keys:
        raise RefusedStep('the secret is not a key set: "current" must name a listed key')
    return keys


def add(keys, kid):
    if not KID_PATTERN.match(kid) or kid == CURRENT:
        raise RefusedStep(f"{kid!r}: a key id is 1 to 64 letters, digits, '-', '_' or '.'")
    if kid in keys:
        raise RefusedStep(f"{kid!r} is already listed")
    keys[kid] = "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def promote(keys, kid):
    if kid == CURRENT or kid not in keys:
        raise RefusedStep(f"{kid!r} is not listed; add it first")
    keys[CURRENT] = kid


def retire(keys, kid):
    if kid == CURRENT or kid not in keys:
        raise RefusedStep(f"{kid!r} is not listed")
    if keys[CURRENT] == kid:
        raise RefusedStep(f"{kid!r} signs new tokens; promote another key first")
    del keys[kid]


STEPS = {"add": add, "promote": promote, "retire": retire}


def describe(keys):
    kids = sorted(kid for kid in keys if kid != CURRENT)
    listed = ", ".join(kids)
    return f"signing with {keys[CURRENT]!r}; verifying {listed}"


def b64url(number):
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(client, key_arn):
    """The public half of a KMS signing key as a JWK: what the custom
    resource publishes (functions/signing-key-jwks), with the key id as kid."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    answer = client.get_public_key(KeyId=key_arn)
    kid = answer["KeyId"].rsplit("/", 1)[-1]
    key = load_der_public_key(answer["PublicKey"])
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        return {"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
                "n": b64url(numbers.n), "e": b64url(numbers.e)}
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1":
        numbers = key.public_numbers()
        coordinate = lambda value: base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()
        return {"kty": "EC", "kid": kid, "alg": "ES256", "use": "sig", "crv": "P-256",
                "x": coordinate(numbers.x), "y": coordinate(numbers.y)}
    raise RefusedStep(f"{key_arn}: not an RSA_2048 or ECC_NIST_P256 signing key")


def kms(args):
    client = boto3.client("kms")
    if args == ["new"]:
        key = client.create_key(
            KeySpec="RSA_2048",
            KeyUsage="SIGN_VERIFY",
            Description="Signs the Sessionless tokens (RS256)",
        )
        print(key["KeyMetadata"]["Arn"])
        return 0
    if len(args) >= 2 and args[0] == "jwks":
        print(json.dumps({"keys": [public_jwk(client, arn) for arn in args[1:]]}))
        return 0
    print(USAGE, file=sys.stderr)
    return 2


def main(args):
    if args and args[0] == "kms":
        try:
            return kms(args[1:])
        except RefusedStep as refused:
            print(f"signing-keys: {refused}", file=sys.stderr)
            return 1
    if len(args) == 2 and args[1] == "show":
        step, kid = None, None
    elif len(args) == 3 and args[1] in STEPS:
        step, kid = STEPS[args[1]], args[2]
    else:
        print(USAGE, file=sys.stderr)
        return 2
    secret_id = args[0]
    client = boto3.client("secretsmanager")
    try:
        keys = read(client, secret_id)
        if step is not None:
            step(keys, kid)
            client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(keys))
    except RefusedStep as refused:
        print(f"signing-keys: {refused}; the secret is unchanged", file=sys.stderr)
        return 1
    print(describe(keys))
    if step is not None:
        print(
            "Functions read the keys at cold start: start fresh environments\n"
            "(any change to their configuration does) before the next step."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

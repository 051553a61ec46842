"""The rotation steps of scripts/signing-keys.

On a key set in Secrets Manager: a key set is {"current": KID, KID: KEY,
...} (shared/src/tokens/signing_keys.rs). Each step reads the secret, checks
the change keeps the set valid, and writes a new version, which becomes
current only if the secret did not change meanwhile (`write`). Keys are
never printed.

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
from botocore.exceptions import ClientError

CURRENT = "current"
KID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# 64 letters and digits: 381 random bits.
KEY_ALPHABET = string.ascii_letters + string.digits
KEY_LENGTH = 64

USAGE = """usage: scripts/signing-keys SECRET show
       scripts/signing-keys SECRET jwks
       scripts/signing-keys SECRET add KID [--algorithm RS256|ES256|HS256]
       scripts/signing-keys SECRET promote KID
       scripts/signing-keys SECRET retire KID
       scripts/signing-keys kms new
       scripts/signing-keys kms jwks KEY_ARN [KEY_ARN ...]"""


class RefusedStep(Exception):
    """A step that would leave the key set unusable or lose the signing key."""


def read(client, secret_id):
    """The key set, and the id of the version it was read from."""
    # AWSCURRENT is the default, named: `write` moves the label, and moto
    # follows it only when a read names it.
    secret = client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")
    value = secret["SecretString"]
    try:
        keys = json.loads(value)
    except json.JSONDecodeError:
        raise RefusedStep("the secret is not a JSON key set") from None
    if not isinstance(keys, dict) or keys.get(CURRENT) not in keys:
        raise RefusedStep('the secret is not a key set: "current" must name a listed key')
    return keys, secret["VersionId"]


# The label a new version carries until it becomes current.
PENDING = "sessionless-pending"


def write(client, secret_id, keys, read_version):
    """Makes `keys` the secret's current version, if the current version is
    still `read_version`: Secrets Manager has no conditional put, so the new
    version is written aside (labelled PENDING), and AWSCURRENT moves to it
    only from `read_version`, which fails if another step moved it since.
    So two rotations at once never lose one's change to the other's."""
    new = client.put_secret_value(
        SecretId=secret_id, SecretString=json.dumps(keys), VersionStages=[PENDING]
    )["VersionId"]
    try:
        client.update_secret_version_stage(
            SecretId=secret_id,
            VersionStage="AWSCURRENT",
            MoveToVersionId=new,
            RemoveFromVersionId=read_version,
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "InvalidParameterException":
            raise
        raise RefusedStep(
            "the key set changed while this step ran (another rotation?): run it again"
        ) from None
    client.update_secret_version_stage(
        SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=new
    )


ALGORITHMS = ("RS256", "ES256", "HS256")


def algorithm_of(key):
    """RS256 for an RSA PEM key, ES256 for an EC one, HS256 for a secret."""
    if not key.lstrip().startswith("-----BEGIN"):
        return "HS256"
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    private = load_pem_private_key(key.encode(), password=None)
    return "ES256" if isinstance(private, ec.EllipticCurvePrivateKey) else "RS256"


def new_key(algorithm):
    """A new key of `algorithm`: a PKCS#8 PEM private key, or 64 random
    letters and digits for HS256."""
    if algorithm == "HS256":
        return "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if algorithm == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        private = ec.generate_private_key(ec.SECP256R1())
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def add(keys, kid, algorithm=None):
    """Adds a new key `kid`, of `algorithm` or else of the current key's."""
    if not KID_PATTERN.match(kid) or kid == CURRENT:
        raise RefusedStep(f"{kid!r}: a key id is 1 to 64 letters, digits, '-', '_' or '.'")
    if kid in keys:
        raise RefusedStep(f"{kid!r} is already listed")
    if algorithm is not None and algorithm not in ALGORITHMS:
        raise RefusedStep(f"{algorithm!r}: the algorithm is RS256, ES256 or HS256")
    keys[kid] = new_key(algorithm or algorithm_of(keys[keys[CURRENT]]))


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


def jwk_of(public_key, kid, where):
    """A public key as the JWK our verifiers take: kid, alg, use, and the
    public numbers; never a private part."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()
        return {"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
                "n": b64url(numbers.n), "e": b64url(numbers.e)}
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1":
        numbers = public_key.public_numbers()
        coordinate = lambda value: base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()
        return {"kty": "EC", "kid": kid, "alg": "ES256", "use": "sig", "crv": "P-256",
                "x": coordinate(numbers.x), "y": coordinate(numbers.y)}
    raise RefusedStep(f"{where}: not an RSA or EC P-256 key")


def public_jwk(client, key_arn):
    """The public half of a KMS signing key: what the custom resource
    publishes (functions/signing-key-jwks), with the key id as kid."""
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    answer = client.get_public_key(KeyId=key_arn)
    kid = answer["KeyId"].rsplit("/", 1)[-1]
    return jwk_of(load_der_public_key(answer["PublicKey"]), kid, key_arn)


def set_jwks(keys):
    """The public halves of a key set's RS256 and ES256 keys; HMAC secrets
    have none and are never published."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return {"keys": [
        jwk_of(load_pem_private_key(key.encode(), password=None).public_key(), kid, kid)
        for kid, key in sorted(keys.items())
        if kid != CURRENT and algorithm_of(key) != "HS256"
    ]}


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
    algorithm = None
    if len(args) == 5 and args[1] == "add" and args[3] == "--algorithm":
        algorithm, args = args[4], args[:3]
    if len(args) == 2 and args[1] == "jwks":
        try:
            keys, _ = read(boto3.client("secretsmanager"), args[0])
        except RefusedStep as refused:
            print(f"signing-keys: {refused}", file=sys.stderr)
            return 1
        print(json.dumps(set_jwks(keys)))
        return 0
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
        keys, version = read(client, secret_id)
        if step is add:
            add(keys, kid, algorithm)
        elif step is not None:
            step(keys, kid)
        if step is not None:
            write(client, secret_id, keys, version)
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

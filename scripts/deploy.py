"""Deploy with cargo-lambda instead of SAM: the library behind
scripts/deploy and scripts/deploy-function.

- `deploy`: every function with `cargo lambda deploy`, each with the memory,
  timeout and description of its `[package.metadata.lambda.deploy]`, the
  values of its `env_names` taken from the caller's environment (or an env
  file), and a role of its own. With `--create-resources`, it first creates
  the users table (`sessionless-admin create-table`) and each function's
  role, with the same least-privilege statements as template.yaml.
- `deploy-function`: one function's new code into a deployed SAM stack:
  finds the function's physical name from the stack, and updates its code
  and nothing else.

Run through the shell wrappers, which install the tools first.
"""

import argparse
import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile

import boto3
from botocore.exceptions import ClientError
from cfnlint.decode import cfn_yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
# What SAM's AWSLambdaBasicExecutionRole gives every function: its logs.
LOGS_STATEMENT = {
    "Effect": "Allow",
    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
    "Resource": "*",
}


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def functions():
    """Each function crate under functions/ and examples/ with its deploy
    metadata."""
    metadata = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--no-deps", "--format-version", "1"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    found = {}
    for package in metadata["packages"]:
        manifest = os.path.relpath(package["manifest_path"], ROOT)
        if not manifest.startswith(("functions/", "examples/")):
            continue
        deploy = ((package.get("metadata") or {}).get("lambda") or {}).get("deploy")
        if not deploy:
            fail(f"{manifest} has no [package.metadata.lambda.deploy]")
        found[package["name"]] = deploy
    return dict(sorted(found.items()))


def template():
    return cfn_yaml.load(os.path.join(ROOT, "template.yaml"))


def logical_id(crate, resources):
    """The template's resource that builds `crate`."""
    for name, resource in resources.items():
        if resource.get("Metadata", {}).get("BuildProperties", {}).get("Binary") == crate:
            return name
    fail(f"template.yaml has no function that builds {crate}")


def read_env_file(path):
    values = {}
    with open(path) as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, value = line.partition("=")
            if not sep:
                fail(f"{path}:{number}: not NAME=VALUE")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[name.strip()] = value
    return values


def build(crates, release):
    command = ["cargo", "lambda", "build", "--arm64"]
    if release:
        command.append("--release")
    for crate in crates:
        command += ["-p", crate]
    subprocess.run(command, cwd=ROOT, check=True)


def lambda_dir(crate):
    """Where `cargo lambda build` puts `crate` (CARGO_TARGET_DIR respected)."""
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(target, "lambda", crate)


def bootstrap(crate):
    path = os.path.join(lambda_dir(crate), "bootstrap")
    if not os.path.exists(path):
        fail(f"{path} is missing: build it with `cargo lambda build --arm64 -p {crate}`")
    return path


def client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint) if endpoint else boto3.client(service)


# --- least privilege, as template.yaml grants it -------------------------


def resolve(value, arns):
    """A template resource (`!GetAtt X.Arn`, `!If [...]`, `!Sub ...`) as the
    ARN it names in a deployment made by this script. In a list, an ARN of
    a resource this deployment does not have (a `!Sub` naming a name
    `arns` lacks) is left out."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        resolved = (resolve(item, arns) for item in value)
        return [item for item in resolved if item is not None]
    (function, argument), = value.items()
    if function == "Fn::GetAtt":
        name = argument[0] if isinstance(argument, list) else argument.split(".")[0]
        return arns[name]
    if function == "Fn::If":
        return resolve(argument[1], arns)
    if function == "Fn::Sub":
        text, names = (argument, {}) if isinstance(argument, str) else argument
        names = {key: resolve(item, arns) for key, item in names.items()}
        wanted = re.findall(r"\$\{([^}]+)\}", text)
        if any(names.get(name, arns.get(name)) is None for name in wanted):
            return None
        return re.sub(
            r"\$\{([^}]+)\}", lambda match: names.get(match.group(1), arns.get(match.group(1))), text
        )
    if function == "Fn::Select":
        return resolve(argument[1], arns)[argument[0]]
    if function == "Fn::Split":
        return resolve(argument[1], arns).split(argument[0])
    if function == "Ref":
        return arns[argument]
    fail(f"cannot resolve {value} outside CloudFormation")


def policy_for(resource, arns):
    statements = [LOGS_STATEMENT]
    for policy in resource["Properties"].get("Policies", []):
        for statement in policy["Statement"]:
            resolved = {
                "Effect": statement["Effect"],
                "Action": statement["Action"],
                "Resource": resolve(statement["Resource"], arns),
            }
            if "Condition" in statement:
                resolved["Condition"] = {
                    operator: {key: resolve(item, arns) for key, item in body.items()}
                    for operator, body in statement["Condition"].items()
                }
            statements.append(resolved)
    return {"Version": "2012-10-17", "Statement": statements}


def deployment_arns(env, endpoint):
    """The ARNs the template's statements name, for this deployment."""
    region = boto3.session.Session().region_name or os.environ.get("AWS_REGION")
    account = client("sts", endpoint).get_caller_identity()["Account"]
    arns = {
        "AWS::Partition": "aws",
        "AWS::Region": region,
        "AWS::AccountId": account,
    }
    table = env.get("USERS_TABLE")
    if table:
        arns["UsersTable"] = client("dynamodb", endpoint).describe_table(TableName=table)[
            "Table"
        ]["TableArn"]
    if env.get("MAIL_QUEUE_URL"):
        arns["MailQueue"] = client("sqs", endpoint).get_queue_attributes(
            QueueUrl=env["MAIL_QUEUE_URL"], AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
    key = env.get("JWT_SIGNING_KMS_KEY_ID")
    if key:
        arns["TokenSigningKey"] = key
        arns["SigningKeyArn"] = key
    if env.get("MAIL_FROM"):
        arns["MailFrom"] = env["MAIL_FROM"]
    # Optional: without it, the mailer's role names no configuration set.
    if env.get("MAIL_CONFIGURATION_SET"):
        arns["MailConfigurationSet"] = env["MAIL_CONFIGURATION_SET"]
    return arns


def create_role(iam, name, policy):
    try:
        role = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
            Description="Sessionless function role (scripts/deploy), as template.yaml grants",
        )["Role"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        role = iam.get_role(RoleName=name)["Role"]
    iam.put_role_policy(
        RoleName=name, PolicyName="least-privilege", PolicyDocument=json.dumps(policy)
    )
    return role["Arn"]


def role_arn(iam, name):
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except ClientError:
        fail(f"no role {name}: create it, or run with --create-resources")


# --- the commands -----------------------------------------------------------


def deploy(args):
    env = dict(os.environ)
    if args.env_file:
        env.update(read_env_file(args.env_file))
    if not env.get("USERS_TABLE"):
        fail("USERS_TABLE must be set (in the environment or --env-file)")
    crates = functions()
    if not args.skip_build:
        build(crates, release=not args.debug)
    resources = template()["Resources"]
    endpoint = args.endpoint_url
    if args.create_resources:
        subprocess.run(
            ["cargo", "run", "--quiet", "-p", "sessionless", "--bin", "sessionless-admin", "--",
             "create-table"],
            cwd=ROOT,
            check=True,
            env={**env, **({"AWS_ENDPOINT_URL_DYNAMODB": endpoint} if endpoint else {})},
        )
    arns = deployment_arns(env, endpoint)
    iam = client("iam", endpoint)
    for crate, settings in crates.items():
        name = f"{args.prefix}-{crate}"
        resource = resources[logical_id(crate, resources)]
        if args.create_resources:
            arn = create_role(iam, name, policy_for(resource, arns))
        else:
            arn = role_arn(iam, name)
        values = {key: env[key] for key in settings.get("env_names", []) if env.get(key)}
        for key, value in values.items():
            if "'" in value or "\n" in value:
                fail(f"{key}: a value with a quote or a line break cannot pass to cargo lambda")
        env_file = os.path.join(lambda_dir(crate), "deploy.env")
        with open(env_file, "w") as out:
            out.writelines(f"{key}='{value}'\n" for key, value in values.items())
        # The settings are passed explicitly: cargo lambda reads a package's
        # metadata only when the function is named like the package.
        command = [
            "cargo", "lambda", "deploy", "--binary-path", bootstrap(crate), "--role", arn,
            "--memory", str(settings["memory"]), "--timeout", str(settings["timeout"]),
            "--description", settings["description"],
            "--env-file", env_file, "--output-format", "json",
        ]
        if endpoint:
            command += ["--endpoint-url", endpoint]
        subprocess.run(command + [name], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        os.remove(env_file)
        print(f"deployed {name}: {settings['memory']} MB, {settings['timeout']} s, "
              f"{len(values)} variables, role {arn}")


def deploy_function(args):
    started = time.monotonic()
    crates = functions()
    if args.name not in crates:
        fail(f"no function {args.name}; one of: {', '.join(crates)}")
    if not args.skip_build:
        build([args.name], release=not args.debug)
    logical = logical_id(args.name, template()["Resources"])
    stacks = client("cloudformation", args.endpoint_url)
    try:
        physical = stacks.describe_stack_resource(StackName=args.stack, LogicalResourceId=logical)[
            "StackResourceDetail"
        ]["PhysicalResourceId"]
    except ClientError as error:
        fail(f"stack {args.stack} has no {logical}: {error.response['Error']['Message']}")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        with open(bootstrap(args.name), "rb") as binary:
            zipped.writestr(info, binary.read())
    lambdas = client("lambda", args.endpoint_url)
    updated = lambdas.update_function_code(FunctionName=physical, ZipFile=archive.getvalue())
    print(
        f"updated the code of {physical} ({logical} in {args.stack}): "
        f"{updated['CodeSha256']}, in {time.monotonic() - started:.1f} s"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    every = commands.add_parser("deploy", help="every function, with cargo lambda deploy")
    every.add_argument("--create-resources", action="store_true",
                       help="create the users table and each function's role first")
    every.add_argument("--env-file", help="NAME=VALUE lines, over the environment")
    every.add_argument("--prefix", default="sessionless",
                       help="function and role names are PREFIX-CRATE (default: sessionless)")

    one = commands.add_parser("deploy-function", help="one function's code into a SAM stack")
    one.add_argument("name", help="the function's crate, e.g. me")
    one.add_argument("stack", nargs="?", default="sessionless",
                     help="the stack (default: sessionless, as samconfig.toml)")

    for command in (every, one):
        command.add_argument("--endpoint-url", help="an AWS endpoint of your own, e.g. a local one")
        command.add_argument("--skip-build", action="store_true", help="deploy what is built")
        command.add_argument("--debug", action="store_true",
                             help="a debug build: quicker to build, slower to run")
    args = parser.parse_args()
    # boto3 reads AWS_DEFAULT_REGION; the AWS SDKs, and Lambda, AWS_REGION.
    if os.environ.get("AWS_REGION"):
        os.environ.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])
    {"deploy": deploy, "deploy-function": deploy_function}[args.command](args)


if __name__ == "__main__":
    main()

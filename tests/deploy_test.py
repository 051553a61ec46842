"""The cargo-lambda deploy path, against moto's Lambda, IAM and
CloudFormation APIs: run by scripts/test-deploy (which starts moto, builds
every function for arm64 and sets the environment), and by .ci/run.

1. `scripts/deploy --create-resources` deploys every function; each is read
   back with GetFunction and compared with its Cargo metadata and with
   template.yaml: runtime, architecture, handler, memory, timeout,
   description, environment names, and a role of its own whose statements
   are the template's.
2. `scripts/deploy-function NAME STACK` finds a stack's function by its
   logical name and changes its code, and nothing else.
"""

import json
import os
import subprocess
import sys
import time

import boto3

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import deploy  # noqa: E402  (scripts/deploy.py)

ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
ROOT = deploy.ROOT
PREFIX = f"deploytest{int(time.time())}"


def aws(service):
    return boto3.client(service, endpoint_url=ENDPOINT)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def template_settings(crate, template):
    """What template.yaml deploys `crate` with."""
    globals_ = template["Globals"]["Function"]
    resource = template["Resources"][deploy.logical_id(crate, template["Resources"])]
    properties = resource["Properties"]
    names = set(globals_["Environment"]["Variables"]) | set(
        properties.get("Environment", {}).get("Variables", {})
    )
    actions = sorted(
        action
        for policy in properties.get("Policies", [])
        for statement in policy["Statement"]
        for action in statement["Action"]
    )
    return {
        "memory": properties["MemorySize"],
        "timeout": properties.get("Timeout", globals_["Timeout"]),
        "architectures": list(properties.get("Architectures", globals_["Architectures"])),
        "runtime": globals_["Runtime"],
        "handler": globals_["Handler"],
        "description": properties["Description"],
        "names": names,
        "actions": actions,
    }


def every_function_deploys_with_its_cargo_metadata(template):
    env = dict(os.environ)
    # A value for every variable any function reads, as a team would give.
    queue = aws("sqs").create_queue(QueueName=f"{PREFIX}-mail")["QueueUrl"]
    key = aws("kms").create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    env.update(
        USERS_TABLE=f"{PREFIX}-users",
        JWT_ISSUER="https://auth.example.com",
        JWT_AUDIENCE="sessionless",
        ACCESS_TOKEN_TTL="900",
        REFRESH_TOKEN_TTL="2592000",
        TOKEN_LOCATIONS="headers,json",
        SIGNUP_ENABLED="true",
        REQUIRE_EMAIL_VERIFICATION="true",
        JWT_PUBLIC_KEYS='{"keys":[]}',
        JWT_SIGNING_KMS_KEY_ID=key,
        MAIL_QUEUE_URL=queue,
        MAIL_FROM="no-reply@example.com",
        MAIL_CONFIGURATION_SET=f"{PREFIX}-mail",
        MAIL_MAX_PER_MINUTE="60",
        RESET_URL="https://app.example.com/reset#token={token}",
        VERIFY_URL="https://app.example.com/verify#token={token}",
    )
    subprocess.run(
        [os.path.join(ROOT, "scripts", "deploy"), "--create-resources", "--skip-build",
         "--prefix", PREFIX, "--endpoint-url", ENDPOINT],
        cwd=ROOT, env=env, check=True,
    )
    lambdas, iam = aws("lambda"), aws("iam")
    crates = deploy.functions()
    check(len(crates) == len([r for r in template["Resources"].values()
                              if r["Type"] == "AWS::Serverless::Function"]),
          "one deployed function per template function")
    for crate, metadata in crates.items():
        expected = template_settings(crate, template)
        config = lambdas.get_function(FunctionName=f"{PREFIX}-{crate}")["Configuration"]
        got = {
            "runtime": config["Runtime"],
            "architectures": config["Architectures"],
            "handler": config["Handler"],
            "memory": config["MemorySize"],
            "timeout": config["Timeout"],
            "names": set(config.get("Environment", {}).get("Variables", {})),
        }
        # (cargo lambda gives the description to the published version,
        # not the function; template.rs holds it to the template.)
        for field in ("runtime", "architectures", "handler", "memory", "timeout", "names"):
            check(got[field] == expected[field],
                  f"{crate}: {field} deployed {got[field]!r}, template {expected[field]!r}")
        check(got["memory"] == metadata["memory"] and got["timeout"] == metadata["timeout"],
              f"{crate}: memory and timeout from its Cargo metadata")
        check(got["names"] == set(metadata["env_names"]), f"{crate}: env_names")
        role = config["Role"]
        check(role.endswith(f"/{PREFIX}-{crate}"), f"{crate}: a role of its own, not {role}")
        policy = iam.get_role_policy(RoleName=f"{PREFIX}-{crate}", PolicyName="least-privilege")
        document = policy["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        statements = document["Statement"]
        actions = sorted(
            action for statement in statements[1:] for action in statement["Action"]
        )
        check(actions == expected["actions"],
              f"{crate}: role allows {actions}, the template {expected['actions']}")
        print(f"ok {crate}: {got['memory']} MB, {got['timeout']} s, {got['architectures']}, "
              f"{len(got['names'])} variables, {len(actions)} actions")


def deploy_function_changes_only_the_code():
    stack = f"{PREFIX}-stack"
    role = aws("iam").create_role(
        RoleName=f"{PREFIX}-stack-role",
        AssumeRolePolicyDocument=json.dumps(deploy.TRUST_POLICY),
    )["Role"]["Arn"]
    stack_template = {
        "Resources": {
            "MeFunction": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "provided.al2023",
                    "Handler": "bootstrap",
                    "Architectures": ["arm64"],
                    "Role": role,
                    "MemorySize": 256,
                    "Timeout": 7,
                    "Environment": {"Variables": {"USERS_TABLE": "set-by-the-stack"}},
                    "Code": {"ZipFile": "placeholder code"},
                },
            }
        }
    }
    stacks = aws("cloudformation")
    stacks.create_stack(StackName=stack, TemplateBody=json.dumps(stack_template))
    physical = stacks.describe_stack_resource(StackName=stack, LogicalResourceId="MeFunction")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    lambdas = aws("lambda")
    before = lambdas.get_function(FunctionName=physical)["Configuration"]
    subprocess.run(
        [os.path.join(ROOT, "scripts", "deploy-function"), "me", stack, "--skip-build",
         "--endpoint-url", ENDPOINT],
        cwd=ROOT, check=True,
    )
    after = lambdas.get_function(FunctionName=physical)["Configuration"]
    check(after["CodeSha256"] != before["CodeSha256"], "the code changed")
    for field in ("MemorySize", "Timeout", "Environment", "Role", "Runtime", "Handler",
                  "Architectures", "Description"):
        check(after.get(field) == before.get(field),
              f"{field} changed: {before.get(field)!r} -> {after.get(field)!r}")
    print(f"ok deploy-function: {physical} got new code, nothing else changed")


def main():
    template = deploy.template()
    every_function_deploys_with_its_cargo_metadata(template)
    deploy_function_changes_only_the_code()


if __name__ == "__main__":
    main()

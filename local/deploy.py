"""`make deploy` / `make destroy` / `make package`: one CloudFormation stack per stage.

    python -m local.deploy package  --stage dev          # build/dev: sam.json, deployment.zip
    python -m local.deploy deploy   --stage dev          # package, then create/update the stack
    python -m local.deploy set-daily-key --stage dev     # merge the Daily key into the secret
    python -m local.deploy destroy  --stage dev          # delete the stack (never prod)

``deploy`` packages (``local/deploy_template.py``), uploads the lean zip to an artifact
bucket it creates once per account and region (``roomlinks-artifacts-<account>-<region>``,
private, TLS only, content-addressed keys), expands the SAM template with aws-sam-translator
and creates or updates the stack ``roomlinks-<stage>``. An unchanged template with unchanged
parameters is not even submitted, and CloudFormation's "No updates are to be performed" is
success too, so a second deploy is a no-op. Parameters not given keep their previous values.

The secret is created empty by the template; ``deploy`` stores generated values (contract
§3: signing_key, every hook secret, links.jwt_secret and a placeholder daily_api_key) only
while the secret has no value at all, and never touches a value that exists.

Every AWS call goes through boto3's ordinary configuration, so ``AWS_ENDPOINT_URL`` points
the whole thing at another endpoint (the tests use moto's server).
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local import deploy_template
from local.secret import generate_secret

BUILD_DIR = deploy_template.PROJECT_DIR / "build"
STACK_PREFIX = "roomlinks"
PROTECTED_STAGES = frozenset({"prod"})
MAX_INLINE_TEMPLATE_BYTES = 51_200
CAPABILITIES = ["CAPABILITY_IAM"]
DAILY_KEY_PLACEHOLDER = "replace-me: python -m local.deploy set-daily-key"
LINKS_AUDIENCE = "roomlinks"
# Secrets Manager's idempotency token for the first value: a second deploy racing the
# first cannot store different generated values under the same version.
INITIAL_SECRET_VERSION = "roomlinks-initial-generated-values-v1"
NO_UPDATES = "No updates are to be performed"

Print = Callable[[str], None]


class DeployError(RuntimeError):
    """Something the operator must fix; the message says what."""


def stack_name(stage: str) -> str:
    return f"{STACK_PREFIX}-{stage}"


def _say(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------- AWS access


class Aws:
    """boto3 clients from the ordinary configuration (AWS_ENDPOINT_URL, profile, region)."""

    def __init__(self) -> None:
        import boto3

        self.session = boto3.Session()
        region = self.session.region_name
        if not region:
            raise DeployError("no AWS region configured: set AWS_DEFAULT_REGION (or a profile)")
        self.region: str = region
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service)  # type: ignore[call-overload]
        return self._clients[service]

    @property
    def account(self) -> str:
        if "account" not in self._clients:
            self._clients["account"] = self.client("sts").get_caller_identity()["Account"]
        return str(self._clients["account"])


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _error_message(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Message", str(exc)))


# ---------------------------------------------------------------- artifacts


def artifact_bucket(aws: Aws) -> str:
    return f"{STACK_PREFIX}-artifacts-{aws.account}-{aws.region}"


def ensure_artifact_bucket(aws: Aws, say: Print = _say) -> str:
    """The private, TLS-only bucket for code zips and large templates (created once)."""
    from botocore.exceptions import ClientError

    s3, bucket = aws.client("s3"), artifact_bucket(aws)
    try:
        s3.head_bucket(Bucket=bucket, ExpectedBucketOwner=aws.account)
        return bucket
    except ClientError as exc:
        if _error_code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
            raise DeployError(f"artifact bucket {bucket}: {_error_message(exc)}") from exc
    say(f"creating artifact bucket {bucket}")
    create: dict[str, Any] = {"Bucket": bucket}
    if aws.region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": aws.region}
    s3.create_bucket(**create)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    deny_plain_http = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    # Only over TLS (AWS always is): the policy would lock out a plain-HTTP test endpoint.
    if str(s3.meta.endpoint_url).startswith("https://"):
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(deny_plain_http))
    return bucket


def upload_once(aws: Aws, bucket: str, key: str, body: bytes) -> None:
    """Content-addressed keys: an object that exists already holds these bytes."""
    from botocore.exceptions import ClientError

    s3 = aws.client("s3")
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return
    except ClientError as exc:
        if _error_code(exc) not in {"404", "NoSuchKey", "NotFound"}:
            raise
    s3.put_object(Bucket=bucket, Key=key, Body=body)


# ---------------------------------------------------------------- stack


@dataclass(frozen=True)
class StackState:
    status: str
    parameters: dict[str, str]
    outputs: dict[str, str]
    termination_protection: bool


def describe_stack(aws: Aws, name: str) -> StackState | None:
    from botocore.exceptions import ClientError

    try:
        stacks = aws.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in _error_message(exc):
            return None
        raise
    if not stacks:
        return None
    stack = stacks[0]
    return StackState(
        status=str(stack["StackStatus"]),
        parameters={
            str(p["ParameterKey"]): str(p.get("ParameterValue", ""))
            for p in stack.get("Parameters", [])
        },
        outputs={str(o["OutputKey"]): str(o["OutputValue"]) for o in stack.get("Outputs", [])},
        termination_protection=bool(stack.get("EnableTerminationProtection")),
    )


def _wait(aws: Aws, waiter_name: str, name: str) -> None:
    from botocore.exceptions import WaiterError

    waiter = aws.client("cloudformation").get_waiter(waiter_name)
    try:
        waiter.wait(StackName=name, WaiterConfig={"Delay": 5, "MaxAttempts": 720})
    except WaiterError as exc:
        raise DeployError(f"stack {name}: {waiter_name} failed\n{_failures(aws, name)}") from exc


def _failures(aws: Aws, name: str) -> str:
    """The stack events that explain a failure, oldest first."""
    try:
        events = aws.client("cloudformation").describe_stack_events(StackName=name)["StackEvents"]
    except Exception as exc:  # only decorating an error already raised
        return f"(no stack events: {exc})"
    failed = [
        f"  {e['LogicalResourceId']} {e['ResourceStatus']}: {e.get('ResourceStatusReason', '')}"
        for e in reversed(events[:50])
        if str(e.get("ResourceStatus", "")).endswith("FAILED")
    ]
    return "\n".join(failed) or "  (no failed resource reported)"


def _stack_parameters(
    template: dict[str, Any], given: dict[str, str], previous: StackState | None
) -> list[dict[str, Any]]:
    """Given values win; a parameter not given keeps the stack's value (or its default).

    A value the stack already has is passed on explicitly (the template has no NoEcho
    parameter) unless it is the template's default anyway, which an omitted parameter gets.
    """
    declared = template.get("Parameters", {})
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise DeployError(f"the template has no parameter {', '.join(unknown)}")
    parameters: list[dict[str, Any]] = []
    for key in sorted(declared):
        if key in given:
            parameters.append({"ParameterKey": key, "ParameterValue": given[key]})
        elif previous is not None and key in previous.parameters:
            value = previous.parameters[key]
            if value != str(declared[key].get("Default", "")) or "Default" not in declared[key]:
                parameters.append({"ParameterKey": key, "ParameterValue": value})
    return parameters


def _values(parameters: list[dict[str, Any]]) -> dict[str, str]:
    return {str(p["ParameterKey"]): str(p["ParameterValue"]) for p in parameters}


def _current_template(aws: Aws, name: str) -> str:
    body = aws.client("cloudformation").get_template(StackName=name, TemplateStage="Original")[
        "TemplateBody"
    ]
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return str(body)  # not ours (YAML): never equal, so the stack gets updated
    return deploy_template.template_body(body)


# ---------------------------------------------------------------- secret


def initial_secret(stage: str) -> dict[str, Any]:
    """Generated values for everything roomlinks can generate; the Daily key a placeholder."""
    secret = generate_secret(DAILY_KEY_PLACEHOLDER)
    secret["links"]["issuer"] = f"{STACK_PREFIX}-{stage}"
    secret["links"]["audience"] = LINKS_AUDIENCE
    return secret


def read_secret(aws: Aws, secret_id: str) -> dict[str, Any] | None:
    """The secret's JSON, or None while it has no value yet."""
    from botocore.exceptions import ClientError

    try:
        raw = aws.client("secretsmanager").get_secret_value(SecretId=secret_id)
    except ClientError as exc:
        if _error_code(exc) == "ResourceNotFoundException":
            return None
        raise
    text = raw.get("SecretString")
    if text is None:
        return None
    value = json.loads(text)
    if not isinstance(value, dict):
        raise DeployError(f"secret {secret_id} holds no JSON object")
    return value


def fill_secret_once(aws: Aws, secret_id: str, stage: str) -> bool:
    """Store generated values if the secret has none; True when it did."""
    if read_secret(aws, secret_id) is not None:
        return False
    aws.client("secretsmanager").put_secret_value(
        SecretId=secret_id,
        SecretString=json.dumps(initial_secret(stage)),
        ClientRequestToken=INITIAL_SECRET_VERSION,
    )
    return True


def daily_key_is_placeholder(secret: dict[str, Any] | None) -> bool:
    key = (secret or {}).get("daily_api_key")
    return not isinstance(key, str) or not key or key == DAILY_KEY_PLACEHOLDER


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class DeployResult:
    stage: str
    stack: str
    action: str  # "created", "updated" or "unchanged"
    api_url: str
    secret_arn: str
    secret_name: str
    table: str
    secret_filled: bool
    daily_key_missing: bool
    code_key: str
    zip_bytes: int


def build(stage: str, package_dir: Path | None = None) -> deploy_template.Package:
    if package_dir is not None:
        return deploy_template.load_package(stage, package_dir)
    return deploy_template.package(stage, BUILD_DIR / stage)


def deploy(
    stage: str,
    *,
    package_dir: Path | None = None,
    parameters: dict[str, str] | None = None,
    say: Print = _say,
) -> DeployResult:
    aws = Aws()
    name = stack_name(stage)
    say(f"deploying stack {name} to account {aws.account}, region {aws.region}")
    pkg = build(stage, package_dir)
    bucket = ensure_artifact_bucket(aws, say)
    code = pkg.zip_path.read_bytes()
    code_key = f"{stage}/code-{hashlib.sha256(code).hexdigest()[:32]}.zip"
    upload_once(aws, bucket, code_key, code)

    given = {"Stage": stage, **(parameters or {})}
    template = deploy_template.cloudformation_template(
        pkg.template(), code_uri=f"s3://{bucket}/{code_key}", parameters=given, region=aws.region
    )
    body = deploy_template.template_body(template)
    source: dict[str, str] = {"TemplateBody": body}
    if len(body.encode()) > MAX_INLINE_TEMPLATE_BYTES:
        key = f"{stage}/template-{hashlib.sha256(body.encode()).hexdigest()[:32]}.json"
        upload_once(aws, bucket, key, body.encode())
        source = {"TemplateURL": f"https://{bucket}.s3.{aws.region}.amazonaws.com/{key}"}

    cfn = aws.client("cloudformation")
    previous = describe_stack(aws, name)
    if previous is not None and previous.status == "ROLLBACK_COMPLETE":
        say(f"stack {name} never got created (ROLLBACK_COMPLETE): deleting it to start over")
        cfn.delete_stack(StackName=name)
        _wait(aws, "stack_delete_complete", name)
        previous = None
    if previous is not None and previous.status.endswith("_IN_PROGRESS"):
        raise DeployError(f"stack {name} is busy ({previous.status}); try again when it is done")

    stack_parameters = _stack_parameters(template, given, previous)
    tags = [{"Key": "app", "Value": STACK_PREFIX}, {"Key": "stage", "Value": stage}]
    if previous is None:
        cfn.create_stack(
            StackName=name,
            Parameters=stack_parameters,
            Capabilities=CAPABILITIES,
            Tags=tags,
            EnableTerminationProtection=stage in PROTECTED_STAGES,
            **source,
        )
        _wait(aws, "stack_create_complete", name)
        action = "created"
    elif (
        _current_template(aws, name) == body
        and _values(stack_parameters).items() <= previous.parameters.items()
    ):
        action = "unchanged"
    else:
        action = _update(aws, name, stack_parameters, tags, source)

    state = describe_stack(aws, name)
    if state is None:
        raise DeployError(f"stack {name} vanished during the deploy")
    if stage in PROTECTED_STAGES and not state.termination_protection:
        cfn.update_termination_protection(StackName=name, EnableTerminationProtection=True)
    secret_arn = state.outputs["SecretArn"]
    filled = fill_secret_once(aws, secret_arn, stage)
    result = DeployResult(
        stage=stage,
        stack=name,
        action=action,
        api_url=state.outputs.get("EndpointURL", ""),
        secret_arn=secret_arn,
        secret_name=state.outputs.get("SecretName", ""),
        table=state.outputs.get("BookingsTableName", ""),
        secret_filled=filled,
        daily_key_missing=daily_key_is_placeholder(read_secret(aws, secret_arn)),
        code_key=code_key,
        zip_bytes=pkg.zip_bytes,
    )
    report(result, say)
    return result


def _update(
    aws: Aws,
    name: str,
    parameters: list[dict[str, Any]],
    tags: list[dict[str, str]],
    source: dict[str, str],
) -> str:
    from botocore.exceptions import ClientError

    try:
        aws.client("cloudformation").update_stack(
            StackName=name, Parameters=parameters, Capabilities=CAPABILITIES, Tags=tags, **source
        )
    except ClientError as exc:
        if NO_UPDATES in _error_message(exc):
            return "unchanged"
        raise
    _wait(aws, "stack_update_complete", name)
    return "updated"


def report(result: DeployResult, say: Print = _say) -> None:
    say(f"stack {result.stack}: {result.action}")
    say(f"  API URL:   {result.api_url}")
    say(f"  secret:    {result.secret_name} ({result.secret_arn})")
    say(
        "             generated values stored (signing_key, hooks, links.jwt_secret)"
        if result.secret_filled
        else "             kept as it was (deploy never overwrites the secret)"
    )
    say(f"  table:     {result.table}")
    say(f"  code:      {result.code_key} ({result.zip_bytes / 1e6:.1f} MB)")
    if result.daily_key_missing:
        say("The secret still holds a placeholder Daily key. Set it with (reads DAILY_API_KEY,")
        say("or asks without echo):")
        say(f"  .venv/bin/python -m local.deploy set-daily-key --stage {result.stage}")


def set_daily_key(stage: str, key: str, say: Print = _say) -> None:
    """Merge ``key`` into the deployed secret's JSON; every other value stays."""
    key = key.strip()
    if not key or any(ch.isspace() for ch in key):
        raise DeployError("the Daily API key must be one non-empty word")
    aws = Aws()
    state = describe_stack(aws, stack_name(stage))
    if state is None or "SecretArn" not in state.outputs:
        raise DeployError(f"stage {stage} is not deployed: make deploy STAGE={stage} first")
    secret_id = state.outputs["SecretArn"]
    secret = read_secret(aws, secret_id)
    if secret is None:
        raise DeployError(f"secret {secret_id} has no value yet: run make deploy STAGE={stage}")
    secret["daily_api_key"] = key
    aws.client("secretsmanager").put_secret_value(
        SecretId=secret_id, SecretString=json.dumps(secret)
    )
    say(f"Daily API key stored in {state.outputs.get('SecretName', secret_id)}")
    say("the service reads it within 5 minutes (at once after a Daily 401)")


def destroy(stage: str, say: Print = _say) -> bool:
    """Delete a non-production stage's stack; False when there was none."""
    if stage in PROTECTED_STAGES:
        raise DeployError(
            f"refusing to destroy {stage!r}: production data and invite links would be lost "
            "(delete it by hand if you really mean it)"
        )
    aws = Aws()
    name = stack_name(stage)
    if describe_stack(aws, name) is None:
        say(f"stack {name} does not exist: nothing to destroy")
        return False
    say(f"deleting stack {name} (table, secret, functions, API, alarms)")
    aws.client("cloudformation").delete_stack(StackName=name)
    _wait(aws, "stack_delete_complete", name)
    say(f"stack {name} deleted")
    return True


# ---------------------------------------------------------------- CLI


def _read_daily_key() -> str:
    from_env = os.environ.get("DAILY_API_KEY", "")
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        return sys.stdin.readline()
    return getpass.getpass("Daily API key: ")


def _parameters(items: Sequence[str]) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise DeployError(f"--parameter wants Key=Value, got {item!r}")
        parameters[key] = value
    return parameters


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.deploy", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for command in ("package", "deploy", "destroy", "set-daily-key"):
        sub = commands.add_parser(command)
        sub.add_argument("--stage", default=os.environ.get("STAGE") or "dev")
        if command == "deploy":
            sub.add_argument("--package-dir", type=Path, help="deploy this earlier package instead")
            sub.add_argument(
                "--parameter",
                action="append",
                default=[],
                metavar="KEY=VALUE",
                help="a template parameter, e.g. AlarmEmail=ops@example.com",
            )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        if args.command == "package":
            pkg = deploy_template.package(args.stage, BUILD_DIR / args.stage)
            _say(
                f"{pkg.directory}: sam.json, deployment.zip {pkg.zip_bytes} bytes "
                f"({pkg.zip_bytes / 1e6:.1f} MB; {pkg.stripped_entries} test and "
                "bytecode files left out)"
            )
        elif args.command == "deploy":
            deploy(args.stage, package_dir=args.package_dir, parameters=_parameters(args.parameter))
        elif args.command == "destroy":
            destroy(args.stage)
        else:
            set_daily_key(args.stage, _read_daily_key())
    except (DeployError, deploy_template.PackageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _say(f"done in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The functions' policy grants exactly the AWS calls the code makes, on this stage's resources.

The DynamoDB and Secrets Manager calls are read from chalicelib's source: in every module that
gets a client from ``chalicelib/aws.py`` (or types one with its boto3 stubs), each call of a
method named like one of the service's operations in botocore's model (``put_item`` ->
``PutItem``, ...) is an action the code needs; a DynamoDB call naming an ``IndexName`` needs
it on the index, any other on the table. The policy in the packaged template must grant
exactly those actions, on exactly those resources, with partition, region and account taken
from the template.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from local.aws import bookings_table
from local.deploy_template import PROJECT_DIR
from tests.deploy.conftest import Packaged

CODE_DIR = PROJECT_DIR / "chalicelib"
# chalicelib/aws.py's client factories, by the botocore service each returns.
FACTORIES = {"dynamodb": "dynamodb", "secretsmanager": "secretsmanager"}
# IAM has no action of their own: it authorizes each item's operation.
TRANSACT_ITEMS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
# Partition, region and account from the template, never written out or wildcarded.
STACK_ARN = re.compile(
    r"^arn:\$\{AWS::Partition\}:([a-z0-9-]+):\$\{AWS::Region\}:\$\{AWS::AccountId\}:(.+)$"
)


@dataclass(frozen=True, order=True)
class Need:
    action: str  # e.g. "dynamodb:PutItem"
    resource: str  # "table", "index" or "secret"


@cache
def operations(service: str) -> dict[str, str]:
    """boto3 method name -> API operation name, from botocore's service model."""
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


def services_used(tree: ast.Module) -> set[str]:
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "chalicelib.aws":
            used |= {FACTORIES[a.name] for a in node.names if a.name in FACTORIES}
        elif isinstance(node, ast.ImportFrom) and node.module == "chalicelib":
            if any(a.name == "aws" for a in node.names):
                used |= set(FACTORIES.values())
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names]
            for service in FACTORIES.values():
                if any(n.startswith(f"mypy_boto3_{service}") for n in names):
                    used.add(service)
    return used


def _keyword_names(call: ast.Call) -> set[str]:
    return {k.arg for k in call.keywords if k.arg}


def _transact_item_kinds(tree: ast.Module) -> set[str]:
    return {
        key.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for key in node.keys
        if isinstance(key, ast.Constant) and key.value in TRANSACT_ITEMS
    }


def needs_of(source: str, where: str = "<code>") -> dict[Need, list[str]]:
    """What one module's calls on the service clients need, with where each call is."""
    tree = ast.parse(source)
    found: dict[Need, list[str]] = {}
    for service in sorted(services_used(tree)):
        ops = operations(service)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method, args = node.func.attr, node.args
            if method == "get_paginator" and args and isinstance(args[0], ast.Constant):
                method = str(args[0].value)
            if method not in ops:
                continue
            operation = ops[method]
            resource = "secret"
            if service == "dynamodb":
                resource = "index" if "IndexName" in _keyword_names(node) else "table"
            actions = [operation]
            if operation == "TransactWriteItems":
                actions = [TRANSACT_ITEMS[k] for k in sorted(_transact_item_kinds(tree))]
            elif operation == "TransactGetItems":
                actions = ["GetItem"]
            for action in actions:
                need = Need(f"{service}:{action}", resource)
                found.setdefault(need, []).append(f"{where}:{node.lineno}")
    return found


def code_needs() -> dict[Need, list[str]]:
    found: dict[Need, list[str]] = {}
    for path in sorted(CODE_DIR.rglob("*.py")):
        where = str(path.relative_to(PROJECT_DIR))
        for need, places in needs_of(path.read_text(encoding="utf-8"), where).items():
            found.setdefault(need, []).extend(places)
    return found


# ---------------------------------------------------------------- the policy


def _policy(packaged: Packaged) -> list[dict[str, Any]]:
    role = packaged.resource("AppRole")["Properties"]
    assert "ManagedPolicyArns" not in role
    (policy,) = role["Policies"]
    statements: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    assert all(s["Effect"] == "Allow" for s in statements)
    return statements


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _classify(resource: Any, packaged: Packaged) -> str:
    """What a policy Resource names; fails on anything broader than one stack resource."""
    if resource == {"Ref": "AppSecret"}:
        return "secret"
    if resource == "*":
        return "*"
    assert isinstance(resource, dict) and set(resource) == {"Fn::Sub"}, resource
    arn = resource["Fn::Sub"]
    match = STACK_ARN.match(arn)
    assert match, f"{arn}: partition, region and account must come from the template"
    service, rest = match.groups()
    assert "*" not in rest.removesuffix(":*"), f"{arn}: no wildcards"
    if rest == "table/${BookingsTable}":
        return "table"
    if rest.startswith("table/${BookingsTable}/index/"):
        index = rest.rsplit("/", 1)[1]
        assert index in bookings_table().index_names, f"{index}: no such index"
        return "index"
    if service == "logs":
        groups = {
            "/aws/lambda/" + f["Properties"]["FunctionName"]["Fn::Sub"]
            for f in packaged.functions().values()
        }
        group = rest.removeprefix("log-group:").removesuffix(":*")
        assert group in groups, f"{group}: not a log group of these functions"
        return "log-group"
    if service == "sqs":
        queue = packaged.resource("ReconcileDeadLetterQueue")["Properties"]["QueueName"]
        assert rest == queue["Fn::Sub"], rest
        return "dead-letter-queue"
    raise AssertionError(f"unexpected resource {arn}")


def granted(packaged: Packaged) -> set[tuple[str, str]]:
    grants: set[tuple[str, str]] = set()
    for statement in _policy(packaged):
        for resource in _listed(statement["Resource"]):
            kind = _classify(resource, packaged)
            grants |= {(action, kind) for action in _listed(statement["Action"])}
    return grants


# ---------------------------------------------------------------- tests


def test_the_scanner_reads_calls_on_the_clients() -> None:
    source = """
from chalicelib.aws import dynamodb, secretsmanager

def work(client):
    dynamodb().put_item(TableName="t", Item={})
    client.query(TableName="t", IndexName="reconcile", KeyConditionExpression="x")
    client.get_paginator("scan").paginate(TableName="t")
    client.transact_write_items(TransactItems=[{"Update": {}}, {"ConditionCheck": {}}])
    secretsmanager().get_secret_value(SecretId="s")
    {"a": 1}.get("a")
"""
    assert set(needs_of(source)) == {
        Need("dynamodb:PutItem", "table"),
        Need("dynamodb:Query", "index"),
        Need("dynamodb:Scan", "table"),
        Need("dynamodb:UpdateItem", "table"),
        Need("dynamodb:ConditionCheckItem", "table"),
        Need("secretsmanager:GetSecretValue", "secret"),
    }
    # A module with no client from chalicelib.aws makes no AWS call.
    assert needs_of("def f(x):\n    x.query(); x.put_item()\n") == {}


def test_the_code_makes_aws_calls_at_all() -> None:
    needs = code_needs()
    assert Need("secretsmanager:GetSecretValue", "secret") in needs
    assert any(n.action == "dynamodb:PutItem" for n in needs), needs


def test_the_policy_grants_exactly_the_calls_the_code_makes(packaged: Packaged) -> None:
    needs = code_needs()
    wanted = {(n.action, n.resource) for n in needs}
    grants = {
        (action, kind)
        for action, kind in granted(packaged)
        if action.split(":")[0] in FACTORIES.values()
    }
    missing = sorted(wanted - grants)
    unused = sorted(grants - wanted)
    lines = [
        f"missing {action} on the {kind} (called at "
        + ", ".join(needs[Need(action, kind)])
        + "): add it to AppRole in infra/template.yaml"
        for action, kind in missing
    ]
    lines += [
        f"{action} on the {kind} is granted but no code calls it: drop it from AppRole"
        for action, kind in unused
    ]
    assert not lines, "\n".join(lines)


def test_the_rest_of_the_policy_is_what_the_runtime_needs(packaged: Packaged) -> None:
    others = {
        (action, kind)
        for action, kind in granted(packaged)
        if action.split(":")[0] not in FACTORIES.values()
    }
    functions = len(packaged.functions())
    assert {k for a, k in others if a.startswith("logs:")} == {"log-group"}
    assert {a for a, _ in others if a.startswith("logs:")} == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    assert functions == 2
    assert {(a, k) for a, k in others if a.startswith("sqs:")} == {
        ("sqs:SendMessage", "dead-letter-queue")
    }
    # X-Ray's two write actions have no resource-level permissions: the one "*".
    assert {(a, k) for a, k in others if k == "*"} == {
        ("xray:PutTraceSegments", "*"),
        ("xray:PutTelemetryRecords", "*"),
    }
    services = {a.split(":")[0] for a, _ in others}
    assert services == {"logs", "sqs", "xray"}


@pytest.mark.parametrize("path", sorted(CODE_DIR.rglob("aws.py")), ids=str)
def test_the_client_factories_are_the_ones_the_scanner_knows(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    factories = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    }
    assert factories == set(FACTORIES), "teach test_least_privilege.FACTORIES the new client"

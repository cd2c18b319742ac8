"""The packaged template: cfn-lint clean, and wired the way the code and contract expect."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib import table as table_layout
from local.aws import bookings_table
from local.deploy_template import INFRA_TEMPLATE, load_cfn_yaml
from tests.deploy.conftest import Packaged

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")

# Contract §2's error vocabulary (plus Daily's own rate-limit-error for 429).
CONTRACT_ERRORS = {
    "json-parsing-error",
    "invalid-request-error",
    "authorization-header-error",
    "authentication-error",
    "forbidden-error",
    "not-found",
    "method-not-allowed",
    "conflict",
    "gone",
    "payload-too-large",
    "unsupported-media-type",
    "upstream-unavailable",
    "rate-limit-error",
}
EXPECTED_GATEWAY_ANSWERS = {
    "MISSING_AUTHENTICATION_TOKEN": ("404", "not-found"),
    "INCOMPLETE_SIGNATURE": ("404", "not-found"),
    "RESOURCE_NOT_FOUND": ("404", "not-found"),
    "UNAUTHORIZED": ("401", "authentication-error"),
    "ACCESS_DENIED": ("403", "forbidden-error"),
    "REQUEST_TOO_LARGE": ("413", "payload-too-large"),
    "UNSUPPORTED_MEDIA_TYPE": ("415", "unsupported-media-type"),
    "THROTTLED": ("429", "rate-limit-error"),
    "DEFAULT_5XX": ("503", "upstream-unavailable"),
    "DEFAULT_4XX": (None, "invalid-request-error"),
}


def _lint(path: Path) -> None:
    done = subprocess.run([CFN_LINT, str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_cfn_lint_passes_the_packaged_sam_template(packaged: Packaged) -> None:
    _lint(packaged.package.sam_template)


def test_cfn_lint_passes_the_template_that_is_deployed(packaged: Packaged) -> None:
    _lint(packaged.cfn_path)


def test_the_merge_template_is_only_completed_by_the_table_definition() -> None:
    merge = load_cfn_yaml(INFRA_TEMPLATE.read_text(encoding="utf-8"))
    own = merge["Resources"]["BookingsTable"]["Properties"]
    assert not set(own) & set(bookings_table().properties)


def test_every_merge_fragment_met_what_chalice_generated(packaged: Packaged) -> None:
    # A fragment for a function app.py does not define would be dropped with a warning.
    assert packaged.package.pruned_fragments == ()


def test_every_function_runs_as_app_role_with_this_stacks_table_and_secret(
    packaged: Packaged,
) -> None:
    functions = packaged.functions()
    assert {"APIHandler", "Reconcile"} <= set(functions)
    for name, function in functions.items():
        props = function["Properties"]
        assert props["Role"] == {"Fn::GetAtt": ["AppRole", "Arn"]}, name
        env = props["Environment"]["Variables"]
        assert env["SECRET_ID"] == {"Ref": "AppSecret"}, name
        assert env["BOOKINGS_TABLE"] == {"Ref": "BookingsTable"}, name
        assert props["Tracing"] == "Active", name
        # Its log group (with retention) exists before it and is the one it writes to.
        group = packaged.resource(function["DependsOn"])
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert group["Properties"]["LogGroupName"] == {
            "Fn::Sub": "/aws/lambda/" + props["FunctionName"]["Fn::Sub"]
        }
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_reconcile_function_has_its_own_settings(packaged: Packaged) -> None:
    props = packaged.resource("Reconcile")["Properties"]
    assert props["Timeout"] == 300
    assert props["ReservedConcurrentExecutions"] == 1
    (event,) = props["Events"].values()
    assert event == {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)"}}
    assert props["EventInvokeConfig"]["MaximumRetryAttempts"] == 0
    assert props["DeadLetterQueue"] == {
        "Type": "SQS",
        "TargetArn": {"Fn::GetAtt": ["ReconcileDeadLetterQueue", "Arn"]},
    }
    api = packaged.resource("APIHandler")["Properties"]
    assert "ReservedConcurrentExecutions" not in api
    assert api["Timeout"] < 29  # within API Gateway's integration timeout


def test_the_table_is_the_shared_definition_with_pitr_and_prod_protection(
    packaged: Packaged,
) -> None:
    table = packaged.resource("BookingsTable")["Properties"]
    definition = bookings_table()
    for key, value in definition.properties.items():
        assert table[key] == value
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}
    assert packaged.sam["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    # The code's idea of the layout (chalicelib/table.py) is the same one.
    assert definition.hash_key == table_layout.KEY_ATTRIBUTE
    assert definition.ttl_attribute == table_layout.TTL_ATTRIBUTE
    assert table["TimeToLiveSpecification"]["Enabled"] is True
    assert definition.index_names == (table_layout.RECONCILE_INDEX,)
    assert definition.index_keys(table_layout.RECONCILE_INDEX) == (
        table_layout.RECONCILE_SHARD_ATTRIBUTE,
        table_layout.RECONCILE_AT_ATTRIBUTE,
    )
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert types == {
        table_layout.KEY_ATTRIBUTE: "S",
        table_layout.RECONCILE_SHARD_ATTRIBUTE: "S",
        table_layout.RECONCILE_AT_ATTRIBUTE: "N",
    }


def test_the_secret_is_created_empty_so_no_update_can_overwrite_it(packaged: Packaged) -> None:
    secret = packaged.resource("AppSecret")
    assert "SecretString" not in secret["Properties"]
    assert "GenerateSecretString" not in secret["Properties"]
    assert secret["Properties"]["Name"] == {"Fn::Sub": "roomlinks/${Stage}"}


def _gateway_responses(packaged: Packaged) -> dict[str, Any]:
    found: dict[str, Any] = packaged.resource("RestAPI")["Properties"]["GatewayResponses"]
    return found


@pytest.mark.parametrize(("kind", "expected"), sorted(EXPECTED_GATEWAY_ANSWERS.items()))
def test_api_gateway_answers_in_the_contract_shape(
    packaged: Packaged, kind: str, expected: tuple[str | None, str]
) -> None:
    response = _gateway_responses(packaged)[kind]
    status, error = expected
    assert response.get("StatusCode") == status
    body = json.loads(response["ResponseTemplates"]["application/json"])
    assert set(body) == {"error", "info"}
    assert body["error"] == error
    headers = response["ResponseParameters"]["Headers"]
    assert headers["Content-Type"] == "'application/json'"


def test_no_gateway_answer_can_echo_anything(packaged: Packaged) -> None:
    for kind, response in _gateway_responses(packaged).items():
        for template in response["ResponseTemplates"].values():
            # No $context/$input/$util: a static body cannot quote a header or token.
            assert "$" not in template, kind
            assert json.loads(template)["error"] in CONTRACT_ERRORS, kind
    # SAM puts them into the API definition that is deployed.
    (api,) = [
        r for r in packaged.cfn["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi"
    ]
    deployed = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    assert set(deployed) == set(_gateway_responses(packaged))


def test_every_deployed_path_sends_every_method_to_the_function(packaged: Packaged) -> None:
    # A method the API definition lacks is API Gateway's 404; routed, the app answers 405.
    (api,) = [
        r for r in packaged.cfn["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi"
    ]
    paths = api["Properties"]["Body"]["paths"]
    assert "/v1/hooks/{source}" in paths
    for path, operations in paths.items():
        methods = {m for m in operations if m != "parameters"}
        assert methods == {"get", "head", "post", "put", "patch", "delete", "options"}, path
        for method in methods:
            integration = operations[method]["x-amazon-apigateway-integration"]
            assert integration["type"] == "aws_proxy", (path, method)


def test_the_api_stage_logs_access_throttles_and_traces(packaged: Packaged) -> None:
    (stage,) = [
        r["Properties"]
        for r in packaged.cfn["Resources"].values()
        if r["Type"] == "AWS::ApiGateway::Stage"
    ]
    assert stage["StageName"] == "api"
    assert stage["TracingEnabled"] is True
    (settings,) = stage["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurstLimit"}
    log = stage["AccessLogSetting"]
    assert log["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    fields = json.loads(log["Format"])
    # Invite refs live in the path (/v1/join/{ref}): only the route template is logged.
    assert fields["resource"] == "$context.resourcePath"
    assert not [v for v in fields.values() if "$context.path" in v or "header" in v.lower()]
    # One stage per stack: no extra stage named "Stage" from SAM.
    deployments = [
        r for r in packaged.cfn["Resources"].values() if r["Type"] == "AWS::ApiGateway::Deployment"
    ]
    assert [d["Properties"].get("StageName") for d in deployments] == [None]


def test_alarms_watch_the_documented_metrics(packaged: Packaged) -> None:
    alarms = {
        name: body["Properties"]
        for name, body in packaged.sam["Resources"].items()
        if body["Type"] == "AWS::CloudWatch::Alarm"
    }
    metrics: set[tuple[str, str, str]] = set()
    for props in alarms.values():
        stats = [props] + [
            m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m
        ]
        for stat in stats:
            if "MetricName" in stat:
                dims = tuple(sorted(json.dumps(d, sort_keys=True) for d in stat["Dimensions"]))
                metrics.add((stat["Namespace"], stat["MetricName"], "|".join(dims)))
        assert props["AlarmActions"]["Fn::If"][0] == "HasAlarmTopicArn"
    # Per stage: the functions set the dimension their alarms watch, so stages never mix.
    per_stage = {"Fn::Sub": "roomlinks-${Stage}"}
    for function in ("APIHandler", "Reconcile"):
        variables = packaged.resource(function)["Properties"]["Environment"]["Variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"] == per_stage
    service = json.dumps({"Name": "service", "Value": per_stage}, sort_keys=True)
    for custom in ("DailyErrors", "PendingOverdue", "ReconcileFailed"):
        assert ("roomlinks", custom, service) in metrics
    api_name = json.dumps(
        {"Name": "ApiName", "Value": packaged.resource("RestAPI")["Properties"]["Name"]},
        sort_keys=True,
    )
    stage = json.dumps({"Name": "Stage", "Value": "api"}, sort_keys=True)
    assert ("AWS/ApiGateway", "5XXError", f"{api_name}|{stage}") in metrics
    reconcile = json.dumps(
        {
            "Name": "FunctionName",
            "Value": packaged.resource("Reconcile")["Properties"]["FunctionName"],
        },
        sort_keys=True,
    )
    assert ("AWS/Lambda", "Errors", reconcile) in metrics


def test_the_local_stack_creates_the_same_table() -> None:
    definition = bookings_table()
    arguments = definition.create_table_arguments("t")
    assert arguments["TableName"] == "t"
    for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"):
        assert arguments[key] == definition.properties[key]

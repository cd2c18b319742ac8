"""`make deploy` against moto's CloudFormation: everything the code expects comes out.

One moto server (on a free loopback port, see moto_cfn.py for the resource types its
CloudFormation lacks) serves the whole module; the tests run in order over one account:
create, inspect, run the code against it, redeploy (no-op), set the Daily key, update a
parameter, prod, destroy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from chalicelib import aws as chalice_aws
from chalicelib import table as table_layout
from chalicelib.dynamo_store import DynamoBookingStore
from chalicelib.secrets import SecretCache, secret_problems
from chalicelib.sources import SOURCES
from local.deploy import DAILY_KEY_PLACEHOLDER
from local.deploy_template import PROJECT_DIR
from tests.deploy.conftest import REGION, Packaged
from tests.deploy.moto_cfn import moto_server

TOPIC = "arn:aws:sns:us-east-1:123456789012:ops-pager"


@dataclass(frozen=True)
class Moto:
    url: str
    env: dict[str, str]

    def client(self, service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def run(self, *command: str, extra: dict[str, str] | None = None) -> Run:
        started = time.monotonic()
        done = subprocess.run(
            command,
            cwd=PROJECT_DIR,
            env={**self.env, **(extra or {})},
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)

    def deploy(self, packaged: Packaged, stage: str = "dev", *args: str) -> Run:
        return self.run(
            sys.executable,
            "-m",
            "local.deploy",
            "deploy",
            "--stage",
            stage,
            "--package-dir",
            str(packaged.package.directory),
            *args,
        )


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float

    def ok(self) -> Run:
        assert self.code == 0, self.out + self.err
        return self


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    with moto_server() as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.pop("DAILY_API_KEY", None)
        env.pop("STAGE", None)
        env.update(
            AWS_ENDPOINT_URL=url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION=REGION,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        )
        yield Moto(url, env)


@pytest.fixture(scope="module")
def first_deploy(moto: Moto, packaged: Packaged, deploy_facts: dict[str, str]) -> Run:
    # The real make target (-o install: this test already runs inside the installed venv),
    # with the session's package instead of packaging again.
    run = moto.run(
        "make",
        "--no-print-directory",
        "-o",
        "install",
        "deploy",
        "STAGE=dev",
        f"DEPLOY_ARGS=--package-dir {packaged.package.directory}",
    ).ok()
    deploy_facts["first deploy (make deploy, moto)"] = f"{run.seconds:.1f} s"
    return run


def _function(moto: Moto, name: str) -> dict[str, Any]:
    config: dict[str, Any] = moto.client("lambda").get_function_configuration(FunctionName=name)
    return config


def _outputs(moto: Moto, stage: str = "dev") -> dict[str, str]:
    (stack,) = moto.client("cloudformation").describe_stacks(StackName=f"roomlinks-{stage}")[
        "Stacks"
    ]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def test_make_deploy_creates_the_stack_and_says_what_is_left(first_deploy: Run) -> None:
    out = first_deploy.out
    assert "stack roomlinks-dev: created" in out
    assert "API URL:   https://" in out and ".execute-api.us-east-1." in out
    assert "secret:    roomlinks/dev (arn:aws:secretsmanager:" in out
    assert "generated values stored" in out
    # The one command the operator still has to run.
    assert ".venv/bin/python -m local.deploy set-daily-key --stage dev" in out


def test_the_functions_point_at_the_stacks_table_and_secret(moto: Moto, first_deploy: Run) -> None:
    outputs = _outputs(moto)
    for name in ("roomlinks-dev", "roomlinks-dev-reconcile"):
        config = _function(moto, name)
        env = config["Environment"]["Variables"]
        assert env["BOOKINGS_TABLE"] == outputs["BookingsTableName"] == "roomlinks-dev-bookings"
        assert env["SECRET_ID"] == outputs["SecretArn"]
        assert config["Role"].split("/")[-1].startswith("roomlinks-dev-AppRole-")
        # (moto's CloudFormation drops TracingConfig: test_template checks Tracing.)
    assert _function(moto, "roomlinks-dev-reconcile")["Timeout"] == 300
    alarms = moto.client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert {a["AlarmName"] for a in alarms} == {
        "roomlinks-dev-api-5xx-rate",
        "roomlinks-dev-daily-errors",
        "roomlinks-dev-pending-overdue",
        "roomlinks-dev-reconcile-failures",
    }


def test_the_table_index_and_ttl_come_out_as_the_code_expects(
    moto: Moto, first_deploy: Run
) -> None:
    dynamodb = moto.client("dynamodb")
    table = dynamodb.describe_table(TableName="roomlinks-dev-bookings")["Table"]
    assert table["KeySchema"] == [{"AttributeName": table_layout.KEY_ATTRIBUTE, "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == table_layout.RECONCILE_INDEX
    assert index["KeySchema"] == [
        {"AttributeName": table_layout.RECONCILE_SHARD_ATTRIBUTE, "KeyType": "HASH"},
        {"AttributeName": table_layout.RECONCILE_AT_ATTRIBUTE, "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    assert table.get("DeletionProtectionEnabled") is False
    ttl = dynamodb.describe_time_to_live(TableName="roomlinks-dev-bookings")
    assert ttl["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": table_layout.TTL_ATTRIBUTE,
    }
    backups = dynamodb.describe_continuous_backups(TableName="roomlinks-dev-bookings")
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"


def _secret(moto: Moto) -> dict[str, Any]:
    raw = moto.client("secretsmanager").get_secret_value(SecretId=_outputs(moto)["SecretArn"])
    value: dict[str, Any] = json.loads(raw["SecretString"])
    return value


def test_the_secret_holds_generated_values_in_the_contract_shape(
    moto: Moto, first_deploy: Run
) -> None:
    described = moto.client("secretsmanager").describe_secret(SecretId=_outputs(moto)["SecretArn"])
    assert described["Name"] == "roomlinks/dev"
    secret = _secret(moto)
    assert secret_problems(secret) == []
    assert set(secret["hooks"]) == set(SOURCES)
    assert len(secret["links"]["jwt_secret"].encode()) >= 32
    assert len(secret["signing_key"]) >= 16
    assert secret["hooks"]["generic"].startswith("whsec_")
    assert secret["daily_api_key"] == DAILY_KEY_PLACEHOLDER


@pytest.fixture
def code_on_moto(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The service's own settings and clients, pointed at the deployed stack."""
    env = _function(moto, "roomlinks-dev")["Environment"]["Variables"]
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, moto.env[key])
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for key in ("SECRET_ID", "BOOKINGS_TABLE"):
        monkeypatch.setenv(key, env[key])
    chalice_aws.dynamodb.cache_clear()
    chalice_aws.secretsmanager.cache_clear()
    yield env
    chalice_aws.dynamodb.cache_clear()
    chalice_aws.secretsmanager.cache_clear()


def test_the_code_runs_against_the_deployed_resources(
    first_deploy: Run, code_on_moto: dict[str, str]
) -> None:
    secret = SecretCache(code_on_moto["SECRET_ID"]).get()
    assert secret.daily_api_key == DAILY_KEY_PLACEHOLDER
    store = DynamoBookingStore(code_on_moto["BOOKINGS_TABLE"])
    now = int(time.time())
    assert store.get("zapier:no-such-event") is None  # GetItem
    assert store.take_lease("reconcile", "test", now, now + 60)  # conditional PutItem
    assert not store.take_lease("reconcile", "other", now, now + 60)
    assert store.due_bookings(now, 10) == []  # Query on the reconcile index


def test_a_second_deploy_is_a_no_op(
    moto: Moto, packaged: Packaged, first_deploy: Run, deploy_facts: dict[str, str]
) -> None:
    cfn = moto.client("cloudformation")
    events = len(cfn.describe_stack_events(StackName="roomlinks-dev")["StackEvents"])
    secret_id = _outputs(moto)["SecretArn"]
    versions = moto.client("secretsmanager").list_secret_version_ids(SecretId=secret_id)
    before = _secret(moto)

    run = moto.deploy(packaged).ok()
    deploy_facts["second deploy (no-op)"] = f"{run.seconds:.1f} s"
    assert "stack roomlinks-dev: unchanged" in run.out
    assert "kept as it was" in run.out
    assert len(cfn.describe_stack_events(StackName="roomlinks-dev")["StackEvents"]) == events
    after = moto.client("secretsmanager").list_secret_version_ids(SecretId=secret_id)
    assert len(after["Versions"]) == len(versions["Versions"]) == 1
    assert _secret(moto) == before


def test_set_daily_key_merges_into_the_secret_and_deploy_keeps_it(
    moto: Moto, packaged: Packaged, first_deploy: Run
) -> None:
    before = _secret(moto)
    run = moto.run(
        sys.executable,
        "-m",
        "local.deploy",
        "set-daily-key",
        "--stage",
        "dev",
        extra={"DAILY_API_KEY": "a-real-daily-key"},
    ).ok()
    assert "a-real-daily-key" not in run.out + run.err
    assert _secret(moto) == {**before, "daily_api_key": "a-real-daily-key"}

    redeploy = moto.deploy(packaged).ok()
    assert "kept as it was" in redeploy.out
    assert "set-daily-key" not in redeploy.out  # nothing left for the operator
    assert _secret(moto)["daily_api_key"] == "a-real-daily-key"


def test_a_parameter_change_updates_the_stack_and_sticks(
    moto: Moto, packaged: Packaged, first_deploy: Run
) -> None:
    run = moto.deploy(packaged, "dev", "--parameter", f"AlarmTopicArn={TOPIC}").ok()
    assert "stack roomlinks-dev: updated" in run.out
    # Not given again: it keeps its value, and nothing changes.
    again = moto.deploy(packaged).ok()
    assert "stack roomlinks-dev: unchanged" in again.out
    (stack,) = moto.client("cloudformation").describe_stacks(StackName="roomlinks-dev")["Stacks"]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["AlarmTopicArn"] == TOPIC


def test_prod_has_deletion_protection_and_destroy_refuses_it(
    moto: Moto, packaged: Packaged, first_deploy: Run
) -> None:
    # The dev package under the prod stage: only the stage-dependent infrastructure is
    # looked at here (the package differs in LOG_LEVEL only).
    moto.deploy(packaged, "prod").ok()
    table = moto.client("dynamodb").describe_table(TableName="roomlinks-prod-bookings")["Table"]
    assert table["DeletionProtectionEnabled"] is True
    (stack,) = moto.client("cloudformation").describe_stacks(StackName="roomlinks-prod")["Stacks"]
    assert stack["EnableTerminationProtection"] is True

    refused = moto.run("make", "--no-print-directory", "-o", "install", "destroy", "STAGE=prod")
    assert refused.code != 0
    assert "refusing to destroy 'prod'" in refused.err
    assert _outputs(moto, "prod")["BookingsTableName"] == "roomlinks-prod-bookings"


def test_destroy_deletes_a_dev_stage(moto: Moto, first_deploy: Run) -> None:
    run = moto.run("make", "--no-print-directory", "-o", "install", "destroy", "STAGE=dev").ok()
    assert "stack roomlinks-dev deleted" in run.out
    stacks = moto.client("cloudformation").list_stacks()["StackSummaries"]
    live = {s["StackName"] for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"}
    assert live == {"roomlinks-prod"}
    assert "roomlinks-dev-bookings" not in moto.client("dynamodb").list_tables()["TableNames"]
    again = moto.run(sys.executable, "-m", "local.deploy", "destroy", "--stage", "dev").ok()
    assert "nothing to destroy" in again.out

"""moto's server in this process, its CloudFormation taught the resource types it lacks.

moto 5.2.5's CloudFormation creates most of the stack through moto's own service backends
(DynamoDB, IAM, Lambda, S3, SQS, Logs, Events, SNS, API Gateway), but it:

- has no model for AWS::SecretsManager::Secret, AWS::CloudWatch::Alarm,
  AWS::ApiGateway::Stage, AWS::ApiGateway::Account, AWS::Lambda::EventInvokeConfig and
  AWS::SNS::Subscription (it warns and skips them, leaving Refs to them empty);
- ignores a DynamoDB table's TimeToLiveSpecification and PointInTimeRecoverySpecification;
- ignores a RestApi's Body (and its put_rest_api reads OpenAPI 3 only, not Swagger 2.0), so
  the API has no methods and its Deployment fails.

Each gap is filled here by a small model that performs the same call on moto's own backend
(create_secret, put_metric_alarm, create_stage, update_time_to_live, create_resource +
put_method, ...), registered only while the server fixture runs. Everything else, and the
whole CloudFormation API the deploy script drives, is moto's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.cloudformation import parsing
from moto.server import ThreadedMotoServer

from local.processes import free_port


class Shim:
    """Just enough of moto's CloudFormationModel for its stack machinery."""

    cfn_type = ""
    name_property: str | None = None

    def __init__(self, physical_id: str, attributes: dict[str, str] | None = None) -> None:
        self.physical_resource_id = physical_id
        self._attributes = attributes or {}

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.cfn_type

    @classmethod
    def cloudformation_name_type(cls) -> str | None:
        return cls.name_property

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def is_created(self) -> bool:
        return True

    def get_cfn_attribute(self, attr: str) -> str:
        return self._attributes[attr]

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cfn: dict[str, Any], account_id: str, region_name: str, **_: Any
    ) -> Shim:
        raise NotImplementedError

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        # The shimmed resources carry nothing an update has to move: keep them.
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cfn: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        return None


class SecretShim(Shim):
    cfn_type = "AWS::SecretsManager::Secret"
    name_property = "Name"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cfn: dict[str, Any], account_id: str, region_name: str, **_: Any
    ) -> Shim:
        from moto.secretsmanager.models import secretsmanager_backends

        props = cfn["Properties"]
        created = secretsmanager_backends[account_id][region_name].create_secret(
            name=resource_name,
            secret_string=props.get("SecretString"),
            secret_binary=None,
            description=props.get("Description"),
            tags=props.get("Tags"),
            kms_key_id=props.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        arn = json.loads(created)["ARN"] if isinstance(created, str) else created["ARN"]
        return cls(arn)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cfn: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        from moto.secretsmanager.models import secretsmanager_backends

        secretsmanager_backends[account_id][region_name].delete_secret(
            secret_id=resource_name,
            recovery_window_in_days=None,
            force_delete_without_recovery=True,
        )


class AlarmShim(Shim):
    cfn_type = "AWS::CloudWatch::Alarm"
    name_property = "AlarmName"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cfn: dict[str, Any], account_id: str, region_name: str, **_: Any
    ) -> Shim:
        from moto.cloudwatch.models import MetricDataQuery, cloudwatch_backends

        p = cfn["Properties"]
        queries = [
            MetricDataQuery(
                query_id=m["Id"],
                label=m.get("Label", ""),
                period=m.get("MetricStat", {}).get("Period"),
                return_data=m.get("ReturnData", True),
                expression=m.get("Expression"),
                metric_stat=m.get("MetricStat"),
            )
            for m in p.get("Metrics", [])
        ]
        cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=resource_name,
            namespace=p.get("Namespace", ""),
            metric_name=p.get("MetricName", ""),
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]),
            period=int(p.get("Period", 0)),
            threshold=float(p["Threshold"]),
            statistic=p.get("Statistic", ""),
            description=p.get("AlarmDescription", ""),
            dimensions=list(p.get("Dimensions", [])),
            alarm_actions=list(p.get("AlarmActions", [])),
            metric_data_queries=queries or None,
            datapoints_to_alarm=p.get("DatapointsToAlarm"),
            ok_actions=list(p.get("OKActions", [])),
            treat_missing_data=p.get("TreatMissingData"),
        )
        return cls(resource_name)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cfn: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        cloudwatch_backends[account_id][region_name].delete_alarms([resource_name])


class StageShim(Shim):
    cfn_type = "AWS::ApiGateway::Stage"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cfn: dict[str, Any], account_id: str, region_name: str, **_: Any
    ) -> Shim:
        from moto.apigateway.models import apigateway_backends

        p = cfn["Properties"]
        stage = apigateway_backends[account_id][region_name].create_stage(
            function_id=p["RestApiId"],
            stage_name=p["StageName"],
            deploymentId=p["DeploymentId"],
            variables=p.get("Variables"),
            description=p.get("Description", ""),
            tracing_enabled=p.get("TracingEnabled"),
        )
        return cls(stage.name)


class AccountShim(Shim):
    cfn_type = "AWS::ApiGateway::Account"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cfn: dict[str, Any], account_id: str, region_name: str, **_: Any
    ) -> Shim:
        from moto.apigateway.models import apigateway_backends

        role = cfn["Properties"]["CloudWatchRoleArn"]
        apigateway_backends[account_id][region_name].update_account(
            [{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}]
        )
        return cls(f"{account_id}-apigateway-account")


class EventInvokeConfigShim(Shim):
    cfn_type = "AWS::Lambda::EventInvokeConfig"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cfn: dict[str, Any], account_id: str, region_name: str, **_: Any
    ) -> Shim:
        from moto.awslambda.models import lambda_backends

        p = dict(cfn["Properties"])
        name = p.pop("FunctionName")
        p.pop("Qualifier", None)
        lambda_backends[account_id][region_name].put_function_event_invoke_config(name, p)
        return cls(f"{name}-event-invoke-config")


class SubscriptionShim(Shim):
    cfn_type = "AWS::SNS::Subscription"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cfn: dict[str, Any], account_id: str, region_name: str, **_: Any
    ) -> Shim:
        from moto.sns.models import sns_backends

        p = cfn["Properties"]
        sub = sns_backends[account_id][region_name].subscribe(
            p["TopicArn"], p["Endpoint"], p["Protocol"]
        )
        return cls(sub.arn)


def _table_shim(original: Any) -> type[Shim]:
    class TableShim(Shim):
        """moto's own table model, then TTL and PITR as UpdateTimeToLive/UpdateContinuousBackups."""

        cfn_type = "AWS::DynamoDB::Table"
        name_property = "TableName"

        @classmethod
        def create_from_cloudformation_json(
            cls,
            resource_name: str,
            cfn: dict[str, Any],
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> Any:
            from moto.dynamodb.models import dynamodb_backends

            table = original.create_from_cloudformation_json(
                resource_name, cfn, account_id, region_name, **kwargs
            )
            backend = dynamodb_backends[account_id][region_name]
            props = cfn["Properties"]
            if "TimeToLiveSpecification" in props:
                backend.update_time_to_live(resource_name, props["TimeToLiveSpecification"])
            if "PointInTimeRecoverySpecification" in props:
                backend.update_continuous_backups(
                    resource_name, props["PointInTimeRecoverySpecification"]
                )
            return table

        @classmethod
        def update_from_cloudformation_json(cls, **kwargs: Any) -> Any:
            return original.update_from_cloudformation_json(**kwargs)

        @classmethod
        def delete_from_cloudformation_json(
            cls, resource_name: str, cfn: dict[str, Any], account_id: str, region_name: str
        ) -> None:
            original.delete_from_cloudformation_json(resource_name, cfn, account_id, region_name)

    return TableShim


def _rest_api_shim(original: Any) -> type[Shim]:
    class RestApiShim(Shim):
        """moto's RestApi, then the Swagger body's paths and methods as API calls."""

        cfn_type = "AWS::ApiGateway::RestApi"
        name_property = "Name"

        @classmethod
        def create_from_cloudformation_json(
            cls,
            resource_name: str,
            cfn: dict[str, Any],
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> Any:
            from moto.apigateway.models import apigateway_backends

            props = cfn["Properties"]
            props.setdefault("Name", props.get("Body", {}).get("info", {}).get("title"))
            api = original.create_from_cloudformation_json(
                resource_name, cfn, account_id, region_name, **kwargs
            )
            backend = apigateway_backends[account_id][region_name]
            body = props.get("Body", {})
            for path, methods in sorted(body.get("paths", {}).items()):
                resource = _resource_for(backend, api, path)
                for method, spec in methods.items():
                    if method == "parameters":
                        continue
                    backend.put_method(
                        api.id, resource.id, method.upper(), authorization_type="NONE"
                    )
                    integration = spec["x-amazon-apigateway-integration"]
                    backend.put_integration(
                        api.id,
                        resource.id,
                        method.upper(),
                        integration_type=integration["type"].upper(),
                        uri=integration["uri"],
                        integration_method=integration["httpMethod"],
                    )
            for kind, response in body.get("x-amazon-apigateway-gateway-responses", {}).items():
                backend.put_gateway_response(
                    api.id,
                    kind,
                    status_code=response.get("statusCode"),
                    response_parameters=response.get("responseParameters"),
                    response_templates=response.get("responseTemplates"),
                )
            return api

        @classmethod
        def delete_from_cloudformation_json(
            cls, resource_name: str, cfn: dict[str, Any], account_id: str, region_name: str
        ) -> None:
            original.delete_from_cloudformation_json(resource_name, cfn, account_id, region_name)

    return RestApiShim


def _resource_for(backend: Any, api: Any, path: str) -> Any:
    parent = api.get_resource_for_path("/")
    walked = ""
    for part in path.strip("/").split("/"):
        walked += "/" + part
        found = api.get_resource_for_path(walked)
        if found is None:
            found = backend.create_resource(
                function_id=api.id, parent_resource_id=parent.id, path_part=part
            )
        parent = found
    return parent


SHIMS: tuple[type[Shim], ...] = (
    SecretShim,
    AlarmShim,
    StageShim,
    AccountShim,
    EventInvokeConfigShim,
    SubscriptionShim,
)


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server on a free loopback port, CloudFormation shims in place; yields its URL."""
    original_map = parsing.get_model_map()
    patched: dict[str, Any] = {**original_map}
    patched.update({shim.cfn_type: shim for shim in SHIMS})
    patched["AWS::DynamoDB::Table"] = _table_shim(original_map["AWS::DynamoDB::Table"])
    patched["AWS::ApiGateway::RestApi"] = _rest_api_shim(original_map["AWS::ApiGateway::RestApi"])
    names = {**parsing.get_name_type_map()}
    names.update({t: m.cloudformation_name_type() for t, m in patched.items()})

    saved = parsing.get_model_map, parsing.get_name_type_map
    parsing.get_model_map = lambda: patched  # type: ignore[assignment]
    parsing.get_name_type_map = lambda: names  # type: ignore[assignment]
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        parsing.get_model_map, parsing.get_name_type_map = saved  # type: ignore[assignment]

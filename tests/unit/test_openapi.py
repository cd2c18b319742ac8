"""``GET /v1/openapi.json`` (contract §2.0) is valid OpenAPI 3.1 and stays true to the service.

Checked: the spec validator; the routes Chalice registers against the documented ones (both
ways, CORS preflight ``OPTIONS`` aside); ``info.version`` against ``pyproject.toml``; the one
``Error`` component behind every error answer, its types against ``errors.py`` and the
contract's table, each route's error statuses; request schemas against the pydantic models;
and real answers of every route, through Chalice's test client, against the document.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
import sys
import tomllib
import typing
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

import app as app_module
from app import app
from chalicelib import errors, openapi, rooms, sources
from chalicelib.adhoc import RoomRequest
from chalicelib.links import LinkRequest
from chalicelib.web import API_GATEWAY_METHODS, WRONG_METHOD_VIEW
from tests.frontend.jwts import bearer, hs256
from tests.plugins.service_harness import Harness, zap

PROJECT = Path(__file__).resolve().parents[2]
DOC = openapi.document()
ERROR_REF = {"$ref": "#/components/schemas/Error"}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Contract §2's error table.
CONTRACT_ERRORS = {
    "json-parsing-error": 400,
    "invalid-request-error": 400,
    "authorization-header-error": 400,
    "authentication-error": 401,
    "forbidden-error": 403,
    "not-found": 404,
    "method-not-allowed": 405,
    "conflict": 409,
    "gone": 410,
    "payload-too-large": 413,
    "unsupported-media-type": 415,
    "upstream-unavailable": 503,
}
# The error statuses contract §2 implies for each route.
ROUTE_ERRORS = {
    ("/v1/openapi.json", "get"): {405},
    ("/v1/health", "get"): {405},
    ("/v1/hooks/{source}", "post"): {400, 401, 405, 413, 415, 503},
    ("/v1/links", "post"): {400, 401, 403, 404, 405, 410, 413, 415, 503},
    ("/v1/rooms", "post"): {400, 401, 403, 405, 409, 413, 415, 503},
    ("/v1/rooms/{booking_id}", "delete"): {400, 401, 403, 404, 405, 503},
    ("/v1/join/{ref}", "get"): {404, 405, 503},
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in DOC["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def test_the_document_is_valid_openapi_3_1() -> None:
    assert DOC["openapi"].startswith("3.1.")
    validate(DOC, cls=OpenAPIV31SpecValidator)
    assert json.loads(json.dumps(DOC)) == DOC  # plain JSON data


def test_info_version_is_the_projects() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    assert DOC["info"]["version"] == project["version"]
    assert DOC["info"]["title"] == "roomlinks"


def test_every_chalice_route_is_documented_and_every_documented_route_exists() -> None:
    registered = {
        path: {
            method.lower()
            for method, entry in entries.items()
            if method != "OPTIONS" and entry.view_name != WRONG_METHOD_VIEW
        }
        for path, entries in app.routes.items()
    }
    documented = {path: {m for m in item if m in METHODS} for path, item in DOC["paths"].items()}
    assert {p: m for p, m in registered.items() if m} == documented


def test_every_path_routes_all_of_api_gateways_methods_so_a_wrong_one_is_ours() -> None:
    # A method a path lacks would be API Gateway's own answer (404) once deployed.
    for path, entries in app.routes.items():
        assert sorted(entries) == sorted(API_GATEWAY_METHODS), path
        served = [m for m in API_GATEWAY_METHODS if entries[m].view_name != WRONG_METHOD_VIEW]
        assert served, path


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/v1/health", "GET"),
        ("HEAD", "/v1/openapi.json", "GET"),
        ("PATCH", "/v1/hooks/zapier", "POST"),
        ("OPTIONS", "/v1/join/abc", "GET"),
        ("GET", "/v1/links", "POST, OPTIONS"),
        ("PUT", "/v1/rooms", "POST, OPTIONS"),
        ("POST", "/v1/rooms/b-1", "DELETE, OPTIONS"),
    ],
)
def test_a_wrong_method_is_a_405_naming_the_right_ones(
    harness: Harness, method: str, path: str, allowed: str
) -> None:
    answer = harness.client.http.request(
        method, path, headers={"Authorization": "Bearer secret-token"}
    )
    assert answer.status_code == 405
    assert answer.headers["Allow"] == allowed
    if method != "HEAD":
        assert json.loads(answer.body) == {
            "error": "method-not-allowed",
            "info": f"{method} is not allowed here",
        }
    assert b"secret-token" not in answer.body


def test_path_parameters_are_the_route_placeholders() -> None:
    for path, method, op in operations():
        in_path = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert in_path == set(re.findall(r"{(\w+)}", path)), (method, path)


def test_the_document_is_built_once_without_file_io_or_heavy_imports() -> None:
    assert openapi.document() is DOC
    probe = (
        "import builtins, json, sys\n"
        "before = set(sys.modules)\n"
        "def refuse(*a, **k): raise AssertionError('file I/O while building the document')\n"
        "builtins.open = refuse\n"
        "import chalicelib.openapi\n"
        "chalicelib.openapi.document()\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(out.stdout)
    ours = {
        "chalicelib",
        "chalicelib.openapi",
        "chalicelib.openapi_schemas",
        "chalicelib.openapi_protocol",
    }
    others = [m for m in loaded if m not in ours and m.split(".")[0] not in sys.stdlib_module_names]
    assert others == []


def test_error_types_are_the_contracts_and_the_services() -> None:
    schema = DOC["components"]["schemas"]["Error"]
    assert set(schema["required"]) == {"error", "info"}
    assert set(schema["properties"]) == {"error", "info", "code"}
    documented = schema["properties"]["error"]["enum"]
    raised: dict[str, int] = {}
    pending = [errors.RoomlinksError]
    while pending:
        cls = pending.pop()
        raised[cls.error] = cls.status
        pending.extend(cls.__subclasses__())
    assert set(documented) == set(raised)
    assert CONTRACT_ERRORS.items() <= raised.items()
    assert {kind: status for kind, (status, _) in openapi.ERROR_STATUS.items()} == raised


def test_every_error_answer_references_the_single_error_component() -> None:
    error_enum = set(DOC["components"]["schemas"]["Error"]["properties"]["error"]["enum"])
    for name, schema in DOC["components"]["schemas"].items():
        if name != "Error":
            assert "error" not in schema.get("properties", {}), name
    for path, method, op in operations():
        for status, answer in op["responses"].items():
            if int(status) < 400:
                continue
            content = answer["content"]
            if "application/json" not in content:  # the invite's "over" page
                assert (path, status, set(content)) == ("/v1/join/{ref}", "410", {"text/html"})
                continue
            assert set(content) == {"application/json"}
            schema = content["application/json"]["schema"]
            assert schema["allOf"][0] == ERROR_REF, (method, path, status)
            kinds = schema["allOf"][1]["properties"]["error"]["enum"]
            assert set(kinds) <= error_enum
            assert {openapi.ERROR_STATUS[kind][0] for kind in kinds} == {int(status)}


def test_each_route_documents_the_contracts_error_statuses() -> None:
    assert {(path, method) for path, method, _ in operations()} == set(ROUTE_ERRORS)
    for path, method, op in operations():
        answers = op["responses"]
        assert ROUTE_ERRORS[path, method] <= {int(s) for s in answers}, (method, path)
        assert answers["405"]["headers"]["Allow"]
        if "503" in answers:
            assert answers["503"]["headers"]["Retry-After"]["required"] is True
    join = DOC["paths"]["/v1/join/{ref}"]["get"]["responses"]
    assert join["302"]["headers"]["Location"]["required"] is True
    assert set(join["200"]["content"]) == {"text/html"}


def test_hooks_follow_the_sources_content_types_and_proofs_of_origin() -> None:
    hook = DOC["paths"]["/v1/hooks/{source}"]["post"]
    (source,) = hook["parameters"]
    assert set(source["schema"]["enum"]) == set(sources.SOURCES)
    content = hook["requestBody"]["content"]
    assert set(content) == set(app_module.HOOK_CONTENT_TYPES)
    schemes = DOC["components"]["securitySchemes"]
    by_source = hook["x-roomlinks-security-by-source"]
    assert set(by_source) == set(sources.SOURCES)
    for name, needed in by_source.items():
        assert {scheme: [] for scheme in needed} in hook["security"], name
    headers = {
        source: sorted(schemes[n].get("name", "Authorization") for n in needed)
        for source, needed in by_source.items()
    }
    assert headers == {
        **{s: ["Authorization"] for s in ("zapier", "google", "graph", "ical")},
        "calcom": ["X-Cal-Signature-256"],
        "calendly": ["Calendly-Webhook-Signature"],
        "generic": ["webhook-id", "webhook-signature", "webhook-timestamp"],
    }
    assert DOC["paths"]["/v1/rooms"]["post"]["security"] == [{"callerJwt": ["rooms:create"]}]
    assert schemes["callerJwt"]["bearerFormat"] == "JWT"


@pytest.mark.parametrize(
    ("model", "name"), [(LinkRequest, "LinkRequest"), (RoomRequest, "RoomRequest")]
)
def test_request_schemas_are_the_models(model: Any, name: str) -> None:
    reads = model.model_json_schema()
    schema = DOC["components"]["schemas"][name]
    assert set(schema["properties"]) == set(reads["properties"])
    assert set(schema["required"]) == set(reads["required"])
    assert schema["additionalProperties"] is False  # extra="forbid"


def test_the_booking_answer_has_every_field_of_the_contract() -> None:
    schemas = DOC["components"]["schemas"]
    booking = schemas["BookingAnswer"]
    assert list(booking["properties"]) == [
        "booking_id", "source", "event_id", "outcome", "status", "pending_reason",
        "room_name", "room_url", "starts_at", "ends_at", "opens_at", "closes_at", "nbf", "exp",
        "host_join_url", "guest_join_url", "invite_url", "attendees",
    ]  # fmt: skip
    assert set(booking["required"]) == set(booking["properties"]) - {"pending_reason"}
    reasons = set(booking["properties"]["pending_reason"]["enum"])
    assert reasons == set(typing.get_args(rooms.PendingReason))
    assert booking["properties"]["room_url"]["type"] == ["string", "null"]
    assert set(schemas["Attendee"]["required"]) == {"email", "name", "join_url", "invite_url"}
    assert schemas["IgnoredAnswer"]["properties"]["outcome"] == {"const": "ignored"}
    links = DOC["paths"]["/v1/links"]["post"]["responses"]["200"]["content"]
    assert set(schemas["LinkAnswer"]["required"]) == {
        "join_url", "token", "room_url", "room_name", "nbf", "exp", "booking_id", "role",
    }  # fmt: skip
    assert links["application/json"]["schema"] == {"$ref": "#/components/schemas/LinkAnswer"}


# Real answers, through the routes, against what the document says of them.


def conforms(answer: Any, path: str, method: str | None = None) -> Any:
    """``answer`` is documented for ``method`` on ``path`` (405: for any of its methods)."""
    item = DOC["paths"][path]
    op = item[method] if method else next(op for m, op in item.items() if m in METHODS)
    status = str(answer.status_code)
    assert status in op["responses"], f"{status} is not documented for {method} {path}"
    documented = op["responses"][status]
    headers = {name.lower(): value for name, value in answer.headers.items()}
    for name, header in documented.get("headers", {}).items():
        if header.get("required"):
            assert name.lower() in headers, (name, status, path)
    if "content" not in documented:
        return answer
    media = headers.get("content-type", "application/json").split(";")[0].strip()
    assert media in documented["content"], (media, status, path)
    if media == "application/json":
        schema = {"components": DOC["components"], **documented["content"][media]["schema"]}
        errors_found = [
            e.message for e in Draft202012Validator(schema).iter_errors(answer.json_body)
        ]
        assert errors_found == [], (status, path, answer.json_body)
    return answer


HOOK = "/v1/hooks/{source}"


def test_hook_answers_conform(harness: Harness) -> None:
    first = conforms(harness.post("zapier", zap()), HOOK, "post").json_body
    assert first["outcome"] == "created"
    again = conforms(harness.post("zapier", zap()), HOOK, "post").json_body
    assert again["outcome"] == "unchanged"
    harness.emulator.faults.fail_next(1000, status=503, error="server-error")
    pending = conforms(harness.post("zapier", zap("evt-down")), HOOK, "post").json_body
    harness.emulator.faults.clear()
    assert (pending["status"], pending["pending_reason"]) == ("pending", "daily-unavailable")
    gone = harness.post("zapier", {"id": "evt-1", "status": "cancelled"})
    assert conforms(gone, HOOK, "post").json_body["guest_join_url"] is None
    ping = b'{"triggerEvent": "PING", "payload": {}}'
    signature = hmac.new(b"calcom-secret", ping, hashlib.sha256).hexdigest()
    ignored = harness.client.http.post(
        "/v1/hooks/calcom",
        headers={"Content-Type": "application/json", "X-Cal-Signature-256": signature},
        body=ping,
    )
    assert conforms(ignored, HOOK, "post").json_body["outcome"] == "ignored"
    for refused, status in [
        (harness.post("zapier", zap(), headers={"Authorization": "Bearer wrong"}), 401),
        (harness.post("zapier", zap(), headers={}), 400),
        (harness.post("nowhere", zap()), 400),
        (harness.post("zapier", "{not json"), 400),
        (harness.post("zapier", zap(), content_type="image/png"), 415),
        (harness.post("zapier", "x" * (256 * 1024 + 1)), 413),
        (harness.client.http.get("/v1/hooks/zapier"), 405),
    ]:
        assert conforms(refused, HOOK).status_code == status


def test_frontend_answers_conform(harness: Harness) -> None:
    booking = harness.post("zapier", zap()).json_body
    asked = {"booking_id": booking["booking_id"], "role": "guest"}
    link = harness.client.http.post("/v1/links", headers=bearer(hs256()), body=json.dumps(asked))
    assert conforms(link, "/v1/links", "post").status_code == 200
    for body, token, status in [
        ({**asked, "role": "host"}, hs256(), 403),
        ({**asked, "booking_id": "zapier:nope"}, hs256(), 404),
        (asked, hs256(aud="elsewhere"), 401),
    ]:
        refused = harness.client.http.post(
            "/v1/links", headers=bearer(token), body=json.dumps(body)
        )
        assert conforms(refused, "/v1/links", "post").status_code == status
    creator = bearer(hs256(sub="agent-1", scope="rooms:create"))
    room = harness.client.http.post(
        "/v1/rooms", headers={**creator, "Idempotency-Key": "k"}, body='{"minutes": 5}'
    )
    created = conforms(room, "/v1/rooms", "post").json_body
    assert created["booking_id"].startswith("adhoc:")
    conflict = harness.client.http.post(
        "/v1/rooms", headers={**creator, "Idempotency-Key": "k"}, body='{"minutes": 6}'
    )
    assert conforms(conflict, "/v1/rooms", "post").status_code == 409
    end = f"/v1/rooms/{created['booking_id']}"
    ended = conforms(harness.client.http.delete(end, headers=creator), "/v1/rooms/{booking_id}")
    assert ended.json_body["status"] == "cancelled"
    unknown = harness.client.http.delete("/v1/rooms/adhoc:nope", headers=creator)
    assert conforms(unknown, "/v1/rooms/{booking_id}", "delete").status_code == 404
    no_header = harness.client.http.delete(end)
    assert conforms(no_header, "/v1/rooms/{booking_id}", "delete").status_code == 400


def test_invite_health_and_document_answers_conform(harness: Harness) -> None:
    booking = harness.post("zapier", zap()).json_body
    ref = booking["invite_url"].rsplit("/", 1)[1]
    for when, status in [
        (booking["nbf"] - 60, 200),
        (booking["nbf"] + 60, 302),
        (booking["exp"], 410),
    ]:
        harness.runtime.clock = lambda when=when: when
        answer = harness.client.http.get(f"/v1/join/{ref}")
        assert conforms(answer, "/v1/join/{ref}", "get").status_code == status
    assert conforms(harness.client.http.get("/v1/join/nope"), "/v1/join/{ref}").status_code == 404
    assert conforms(harness.client.http.get("/v1/health"), "/v1/health").json_body == {
        "status": "ok"
    }
    served = conforms(harness.client.http.get("/v1/openapi.json"), "/v1/openapi.json")
    assert served.json_body == DOC
    wrong = harness.client.http.post("/v1/openapi.json", body="{}")
    assert conforms(wrong, "/v1/openapi.json").status_code == 405

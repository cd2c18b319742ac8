"""Structured logs and EMF metrics: what operators read in CloudWatch."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.observability import emit_metrics
from tests.plugins.service_harness import Harness, zap


def lines(out: str) -> list[dict[str, Any]]:
    parsed = []
    for line in out.splitlines():
        if line.startswith("{"):
            parsed.append(json.loads(line))
    return parsed


def test_a_booking_logs_json_with_its_id_and_emits_emf(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.emulator.faults.fail_next(1, status=500, error="server-error")
    assert harness.post("zapier", zap("obs-1")).status_code == 200
    records = lines(capsys.readouterr().out)
    logs = [r for r in records if "message" in r]
    assert logs and all(r["booking_id"] == "zapier:obs-1" for r in logs)
    metrics = [r for r in records if "_aws" in r]
    ensured = next(m for m in metrics if "RoomsEnsured" in m)
    directive = ensured["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "roomlinks"
    assert directive["Dimensions"] == [["service"]] and ensured["service"] == "roomlinks"
    assert {"Name": "RoomsEnsured", "Unit": "Count"} in directive["Metrics"]


def test_a_refused_request_logs_one_line_with_its_reason_and_never_the_token(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = harness.post(
        "zapier", zap("obs-2"), headers={"Authorization": "Bearer wrong-secret-42"}
    )
    assert answer.status_code == 401
    out = capsys.readouterr().out
    assert "wrong-secret-42" not in out
    refused = [r for r in lines(out) if r.get("message", "").startswith("refused")]
    assert [r["message"].split()[:3] for r in refused] == [
        ["refused", "401:", "authentication-error"]
    ]
    metric = next(r for r in lines(out) if "Refused" in r)
    assert metric["error"] == "authentication-error"


def test_the_service_dimension_is_the_stages(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "roomlinks-prod")
    emit_metrics({"RoomsEnsured": 1}, reason="x")
    (line,) = [r for r in lines(capsys.readouterr().out) if "_aws" in r]
    assert line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["reason", "service"]]
    assert (line["service"], line["reason"], line["RoomsEnsured"]) == ("roomlinks-prod", "x", 1)

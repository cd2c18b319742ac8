"""roomlinks HTTP entry points (Chalice). Thin: parse, call one service function, answer."""

from __future__ import annotations

import logging
import os
from typing import Any

from chalice.app import Chalice, Response

from chalicelib import intake, invites, runtime
from chalicelib.web import answers_errors, public_base_url, raw_body, request_deadline

app = Chalice(app_name="roomlinks")
app.log.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
logging.getLogger("chalicelib").setLevel(app.log.level)

# Every body format a source may send; Chalice answers 415 to anything else.
HOOK_CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/calendar",
    "text/plain",
    "application/octet-stream",
]


@app.route("/v1/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.route("/v1/hooks/{source}", methods=["POST"], content_types=HOOK_CONTENT_TYPES)
@answers_errors
def receive_hook(source: str) -> dict[str, Any]:
    request = app.current_request
    assert request is not None
    return intake.receive_webhook(
        runtime.current(),
        source,
        request.headers,
        raw_body(request),
        request.headers.get("content-type"),
        public_url=public_base_url(request),
        deadline=request_deadline(app.lambda_context),
    )


@app.route("/v1/join/{ref}", methods=["GET"])
@answers_errors
def join(ref: str) -> Response:
    answer = invites.open_invite(runtime.current(), ref, request_deadline(app.lambda_context))
    if answer.kind == "open":
        headers: dict[str, str | list[str]] = {
            "Location": answer.location or "",
            "Cache-Control": "no-store",
        }
        return Response(body="", status_code=302, headers=headers)
    return Response(
        body=invites.page(answer),
        status_code=410 if answer.kind == "over" else 200,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
    )

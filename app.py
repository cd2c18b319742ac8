"""roomlinks HTTP entry points (Chalice). Thin: parse, call one function, shape the answer."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote

from chalice.app import Chalice, Rate, Request, Response

from chalicelib import adhoc, intake, invites, links, reconcile, runtime
from chalicelib.caller_auth import authenticate
from chalicelib.errors import MethodNotAllowedError
from chalicelib.observability import configure_logging, request_scope
from chalicelib.web import (
    API_GATEWAY_METHODS,
    JSON_TYPES,
    WRONG_METHOD_VIEW,
    answers_errors,
    cors_headers,
    public_base_url,
    raw_body,
    request_deadline,
    require_content_type,
    tagged_with_request_id,
)

app = Chalice(app_name="roomlinks")
configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
app.register_middleware(tagged_with_request_id, "http")

# Every body format a source may send; anything else is a 415 in the contract's shape.
HOOK_CONTENT_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "text/calendar",
    "application/ics",
    "text/x-vcalendar",
    "text/plain",
    "application/octet-stream",
)
# Chalice's own content-type check answers outside the contract's shape: ours does it.
ANY = ["*/*"]


def _request() -> Request:
    request = app.current_request
    assert request is not None
    return request


@app.route("/v1/health", methods=["GET"], content_types=ANY)
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.route("/v1/openapi.json", methods=["GET"], content_types=ANY)
def openapi() -> dict[str, Any]:
    from chalicelib.openapi import document  # noqa: PLC0415 - only this route needs it

    return document()


@app.route("/v1/hooks/{source}", methods=["POST"], content_types=ANY)
@answers_errors
def receive_hook(source: str) -> dict[str, Any]:
    request = _request()
    content_type = require_content_type(request, HOOK_CONTENT_TYPES, default="application/json")
    return intake.receive_webhook(
        runtime.current(),
        source,
        request.headers,
        raw_body(request),
        content_type,
        public_url=public_base_url(request),
        deadline=request_deadline(app.lambda_context),
    )


@app.route("/v1/join/{ref}", methods=["GET"], content_types=ANY)
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


def _frontend(call: Any) -> Response:
    """Run a frontend route: CORS headers on every answer (errors too), caller verified."""
    request = _request()
    origins: tuple[str, ...] = ()

    @answers_errors
    def run() -> Any:
        nonlocal origins
        rt = runtime.current()
        secret = rt.secrets.get()
        origins = secret.links.allowed_origins
        if request.method == "OPTIONS":
            return Response(body="", status_code=204)
        if request.method != "DELETE":
            require_content_type(request, JSON_TYPES, default="application/json")
        caller = authenticate(request.headers, secret.links, rt.clock())
        return call(rt, caller, request)

    result = run()
    response = result if isinstance(result, Response) else Response(body=result)
    response.headers.update(cors_headers(request, origins))
    return response


@app.route("/v1/links", methods=["POST", "OPTIONS"], content_types=ANY)
def join_link() -> Response:
    return _frontend(
        lambda rt, caller, request: links.join_link(
            rt, caller, raw_body(request), request_deadline(app.lambda_context)
        )
    )


@app.route("/v1/rooms", methods=["POST", "OPTIONS"], content_types=ANY)
def create_room() -> Response:
    return _frontend(
        lambda rt, caller, request: adhoc.create_room(
            rt,
            caller,
            raw_body(request),
            request.headers.get("idempotency-key"),
            public_url=public_base_url(request),
            deadline=request_deadline(app.lambda_context),
        )
    )


@app.route("/v1/rooms/{booking_id}", methods=["DELETE", "OPTIONS"], content_types=ANY)
def end_room(booking_id: str) -> Response:
    return _frontend(
        lambda rt, caller, request: adhoc.end_room(
            rt,
            caller,
            unquote(booking_id),
            public_url=public_base_url(request),
            deadline=request_deadline(app.lambda_context),
        )
    )


@app.schedule(Rate(5, unit=Rate.MINUTES), name="reconcile")
def reconcile_job(event: Any) -> dict[str, Any]:
    """Contract §2.6, every 5 minutes; one run at a time (lease + reserved concurrency 1)."""
    context = getattr(event, "context", None)
    with request_scope(getattr(context, "aws_request_id", None)):
        deadline = reconcile.schedule_deadline(context)
        return reconcile.run(runtime.current(), deadline).as_dict()


# API Gateway answers a method that a path lacks as if the path did not exist. Every other one
# of its seven methods goes to one view instead, so a wrong method is a 405 in the contract's
# shape with `Allow`, deployed as under `make run` (and Chalice's own 405 never answers).


def _refuse_other_methods() -> None:
    for path, entries in list(app.routes.items()):
        allowed = tuple(m for m in API_GATEWAY_METHODS if m in entries)

        @answers_errors
        def wrong_method(allowed: tuple[str, ...] = allowed, **_path_params: str) -> None:
            method = _request().method
            raise MethodNotAllowedError(f"{method} is not allowed here", allowed=allowed)

        others = [m for m in API_GATEWAY_METHODS if m not in entries]
        if others:
            app.route(path, methods=others, content_types=ANY, name=WRONG_METHOD_VIEW)(wrong_method)


_refuse_other_methods()

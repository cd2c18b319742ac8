"""HTTP glue shared by the routes: error answers, the public base URL, the request deadline."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from chalice.app import Request, Response

from chalicelib.errors import PayloadTooLargeError, RoomlinksError, UnsupportedMediaTypeError
from chalicelib.observability import emit_metrics, request_scope

log = logging.getLogger("roomlinks")
P = ParamSpec("P")

# A webhook sender waits ~30 s at most (Zapier); Daily work gets a bounded slice of that so
# the answer (perhaps "pending") always goes out in time.
DAILY_BUDGET_SECONDS = 8.0
LAMBDA_SAFETY_SECONDS = 3.0


def error_response(exc: RoomlinksError) -> Response:
    headers: dict[str, str | list[str]] = dict(exc.headers())
    return Response(body=exc.body(), status_code=exc.status, headers=headers)


def answers_errors(view: Callable[P, Any]) -> Callable[P, Any]:
    """Turn the service's named failures into contract answers; anything else is a bare 500."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
        try:
            return view(*args, **kwargs)
        except RoomlinksError as exc:
            # One line per refused request, with its reason (never a secret or a token).
            log.log(
                logging.WARNING if exc.status >= 500 else logging.INFO,
                "refused %s: %s %s",
                exc.status,
                exc.error,
                exc.code or "",
            )
            emit_metrics({"Refused": 1}, error=exc.error)
            return error_response(exc)
        except Exception:
            # Logged with its trace for operators; the caller sees no internals.
            log.exception("unhandled error")
            return Response(
                body={"error": "server-error", "info": "internal error"}, status_code=500
            )

    return wrapper


def public_base_url(request: Request) -> str:
    """Where this API is reachable, for invite links: API Gateway's host plus its stage."""
    headers = request.headers
    host = headers.get("host") or request.context.get("domainName") or "localhost"
    scheme = headers.get("x-forwarded-proto") or ("https" if "." in host.split(":")[0] else "http")
    stage = request.context.get("stage")
    # The default execute-api host serves under /<stage>; a custom domain maps the root.
    if stage and host.endswith(".amazonaws.com"):
        return f"{scheme}://{host}/{stage}"
    return f"{scheme}://{host}"


MAX_BODY_BYTES = 256 * 1024


def raw_body(request: Request) -> bytes:
    """The request's body; over 256 KiB is a 413 on every route (contract §2)."""
    body = request.raw_body or b""
    data = body.encode() if isinstance(body, str) else body
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLargeError("the body is over 256 KiB", code="body-too-large")
    return data


def request_deadline(lambda_context: Any) -> float:
    """An absolute ``time.monotonic()`` by which Daily work must be done."""
    budget = DAILY_BUDGET_SECONDS
    remaining_ms = getattr(lambda_context, "get_remaining_time_in_millis", None)
    if callable(remaining_ms):
        budget = min(budget, max(remaining_ms() / 1000 - LAMBDA_SAFETY_SECONDS, 0.5))
    return time.monotonic() + budget


JSON_TYPES = ("application/json",)
# The methods API Gateway routes; app.py sends those a path does not serve to one view (405).
API_GATEWAY_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
WRONG_METHOD_VIEW = "wrong_method"


def require_content_type(request: Request, accepted: tuple[str, ...], *, default: str) -> str:
    """The request's Content-Type, parameters kept (e.g. iCalendar's ``charset``), if the route
    reads its media type; else 415 in the contract's shape.

    Routes accept any type at Chalice's level (``content_types=["*/*"]``), so that this check,
    not Chalice's own, answers.
    """
    raw = request.headers.get("content-type")
    content_type = raw if raw is not None else default
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in accepted:
        shown = media[:60] or "(empty)"
        raise UnsupportedMediaTypeError(
            f"content type {shown} is not read here; send one of: {', '.join(accepted)}"
        )
    return content_type


def tagged_with_request_id(request: Request, get_response: Any) -> Response:
    """Middleware: every log line of a request carries its id."""
    with request_scope(request.context.get("requestId")):
        response: Response = get_response(request)
    return response


def cors_headers(request: Request, allowed_origins: tuple[str, ...]) -> dict[str, str]:
    """CORS answer headers for a listed origin, none for any other (contract §2.3)."""
    origin = request.headers.get("origin")
    headers = {"Vary": "Origin"}
    if origin and origin in allowed_origins:
        headers.update(
            {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": "POST, DELETE, OPTIONS",
                "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key",
                "Access-Control-Max-Age": "600",
            }
        )
    return headers

"""Daily-shaped API errors: every failure answers ``{"error": <type>, "info": <text>}``."""

from __future__ import annotations


class ApiError(Exception):
    """A Daily error answer; ``extra`` carries additional body fields (e.g. ``deleted``)."""

    def __init__(
        self,
        status: int,
        error: str,
        info: str | None,
        *,
        extra: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(info or error)
        self.status = status
        self.error = error
        self.info = info
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        """The JSON body; ``info`` is omitted when None, as Daily does for a wrong API key."""
        answer: dict[str, object] = {"error": self.error}
        if self.info is not None:
            answer["info"] = self.info
        answer.update(self.extra)
        return answer


def invalid(info: str) -> ApiError:
    """400 ``invalid-request-error``: Daily's catch-all for bad or missing parameters."""
    return ApiError(400, "invalid-request-error", info)


def not_found(info: str, **extra: object) -> ApiError:
    """404 ``not-found`` (observed on real Daily, though absent from its error-type table)."""
    return ApiError(404, "not-found", info, extra=dict(extra))

"""The frontend example's own web server: `examples/frontend/` plus a generated config.json.

`make run` starts it as one more child, on its own loopback port, so the page lives on a
different origin than the API and every call it makes is a real cross-origin request
(contract §2.3: CORS answers only for origins in the secret's `links.allowed_origins`).
config.json is `{"api_url", "links_jwt"}`: the development JWT comes from the environment
(FRONTEND_LINKS_JWT_ENV), never from the command line, so it stays out of the process list.
Nothing here is shipped to Lambda (Chalice packages app.py and chalicelib/ only).

    python -m local.frontend_server --port 8001 --api-url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Mapping
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from local.processes import free_port, port_is_free

FRONTEND_DIR = Path(__file__).resolve().parent.parent / "examples" / "frontend"
FRONTEND_LINKS_JWT_ENV = "ROOMLINKS_FRONTEND_JWT"


def frontend_port(api_port: int) -> int:
    """The page's port: the API's port + 1 when that is free (stable across launches, so an
    origin listed in a LOCAL_SECRET_FILE keeps working), else any free port."""
    wanted = api_port + 1
    return wanted if wanted < 65536 and port_is_free(wanted) else free_port()


def allow_origin(secret: dict[str, Any], origin: str, *, from_file: bool) -> str | None:
    """Let the example page's origin through CORS; a banner note when the user should know.

    A generated secret always lists it. A LOCAL_SECRET_FILE secret gets it only when the file
    lists no origin at all: a list the developer wrote is left exactly as written.
    """
    links = secret["links"]
    origins = list(links.get("allowed_origins") or [])
    if origin in origins:
        return None
    if not origins:
        links["allowed_origins"] = [origin]
        if from_file:
            return (
                "LOCAL_SECRET_FILE lists no links.allowed_origins: the local secret allows"
                f" the example frontend's origin {origin}"
            )
        return None
    return (
        f"links.allowed_origins from LOCAL_SECRET_FILE does not list {origin}: browsers will"
        " block the example frontend's API calls (add that origin to the file to use it)"
    )


def config(api_url: str, links_jwt: str | None) -> dict[str, Any]:
    """What the page reads first: where the API is and the JWT to call it with."""
    return {"api_url": api_url.rstrip("/"), "links_jwt": links_jwt or None}


class FrontendHandler(SimpleHTTPRequestHandler):
    """Static files from one directory, no listings, config.json generated, quiet."""

    config_body = b"{}"

    def version_string(self) -> str:
        return "roomlinks-frontend"

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/config.json":
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(self.config_body)))
            self.end_headers()
            self.wfile.write(self.config_body)
            return
        super().do_GET()

    def end_headers(self) -> None:
        # A development page: always the files on disk, never a cached copy of the JWT.
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(HTTPStatus.NOT_FOUND, "not found")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet: requests are not logged, errors (log_error) still are."""


def make_server(
    host: str, port: int, directory: Path, body: Mapping[str, Any]
) -> ThreadingHTTPServer:
    handler = type(
        "Handler", (FrontendHandler,), {"config_body": json.dumps(dict(body)).encode("utf-8")}
    )
    server = ThreadingHTTPServer((host, port), partial(handler, directory=str(directory)))
    server.daemon_threads = True
    return server


def _stop(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True, help="the roomlinks API the page calls")
    parser.add_argument("--directory", type=Path, default=FRONTEND_DIR)
    args = parser.parse_args(argv)
    body = config(args.api_url, os.environ.get(FRONTEND_LINKS_JWT_ENV))
    server = make_server(args.host, args.port, args.directory, body)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"frontend example on http://{args.host}:{args.port}/ -> {body['api_url']}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

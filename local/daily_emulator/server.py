"""Stdlib HTTP transport: one thread per connection, HTTP/1.1 keep-alive, JSON answers.

Keep-alive matters because benchmarks drive thousands of calls through ``requests``
sessions; every answer therefore carries Content-Length and every request body is read in
full before answering, even when the answer is an error.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from local.daily_emulator.wire import Request, Response

Dispatch = Callable[[Request], Response]


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading server that knows which dispatcher answers its requests."""

    daemon_threads = True
    request_queue_size = 128  # bursts of concurrent creates must not be refused at accept

    def __init__(self, address: tuple[str, int], dispatch: Dispatch) -> None:
        self.dispatch = dispatch
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that time out on a hung call hang up; that is expected, not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle on, keep-alive clients stall ~40 ms.
    disable_nagle_algorithm = True
    server: EmulatorHTTPServer

    def version_string(self) -> str:
        """The ``Server`` header: name the emulator, not the Python build."""
        return "DailyEmulator"

    def log_message(self, format: str, *args: object) -> None:
        """Silent: request logs would only add noise to test and benchmark output."""

    def _read_body(self) -> bytes:
        """The whole body (Content-Length or chunked), so keep-alive framing stays intact."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip(), 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailer section ends with a blank line
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length)

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True  # framing is lost; answer and hang up
            response = Response(400, {"error": "invalid-request-error", "info": "bad body framing"})
        else:
            response = self._dispatch(body)
        self._send(response)

    def _dispatch(self, body: bytes) -> Response:
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            authorization=self.headers.get("Authorization"),
            body=body,
        )
        try:
            return self.server.dispatch(request)
        except Exception as exc:  # an emulator bug: say so loudly instead of dropping the call
            traceback.print_exc()
            return Response(500, {"error": "server-error", "info": f"emulator bug: {exc!r}"})

    def _send(self, response: Response) -> None:
        payload = json.dumps(response.body, separators=(",", ":")).encode("utf-8")
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    do_GET = _serve
    do_POST = _serve
    do_DELETE = _serve
    do_PUT = _serve
    do_PATCH = _serve

"""`chalice local` with API Gateway's own answers in the contract's shape (local only).

Chalice's local gateway answers an unknown route with 403 "Missing Authentication Token" —
and, when the request carries an ``Authorization`` header, echoes that header back. A
deployed API Gateway does the same unless its gateway responses are set (the template sets
them to 404 ``not-found``); this server does what the deployed API does: 404 in the
contract's error shape, never echoing a header. Everything else is Chalice's own local
server, run the way `chalice local --no-autoreload --stage <stage>` runs it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from chalice.app import Chalice
from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    ForbiddenError,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
    RouteMatcher,
    ThreadedHTTPServer,
)

from chalicelib.config import OPERATOR_SETTINGS
from chalicelib.web import API_GATEWAY_METHODS, WRONG_METHOD_VIEW
from local.launcher import PROJECT_DIR

NOT_FOUND = json.dumps({"error": "not-found", "info": "no such route"}).encode()
WRONG_METHOD = json.dumps(
    {"error": "method-not-allowed", "info": "this method is not allowed here"}
).encode()


class RouteNotFound(LocalGatewayException):
    CODE = 404


class MethodOutsideApiGateway(LocalGatewayException):
    CODE = 405


def _route_not_found() -> RouteNotFound:
    return RouteNotFound({"Content-Type": "application/json"}, NOT_FOUND)


class ContractGateway(LocalGateway):
    def handle_request(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        try:
            return super().handle_request(method, path, headers, body)
        except ForbiddenError:
            # No authorizers here: Chalice raises this only for a path no route matches.
            raise _route_not_found() from None

    def refuse_method(self, path: str) -> LocalGatewayException:
        """The answer to a method outside API Gateway's seven (the app routes all seven)."""
        try:
            route = RouteMatcher(list(self._app_object.routes)).match_route(path).route
        except ValueError:
            return _route_not_found()
        entries = self._app_object.routes[route]
        allowed = [m for m in API_GATEWAY_METHODS if entries[m].view_name != WRONG_METHOD_VIEW]
        headers = {"Content-Type": "application/json", "Allow": ", ".join(allowed)}
        return MethodOutsideApiGateway(headers, WRONG_METHOD)


class BurstReadyServer(ThreadedHTTPServer):
    """Chalice's threaded server with a listen backlog for bursts: socketserver's default of 5
    resets the connections of a sixth concurrent sender (a Zap retrying, a frontend's burst)."""

    request_queue_size = 128


class ContractRequestHandler(ChaliceRequestHandler):
    def __init__(
        self,
        request: bytes,
        client_address: tuple[str, int],
        server: HTTPServer,
        app_object: Chalice,
        config: Config,
    ) -> None:
        self.contract_gateway = ContractGateway(app_object, config)
        self.local_gateway = self.contract_gateway
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        # http.server answers a method it has no do_<METHOD> for (PROPFIND, TRACE, …) with an
        # HTML 501; these answer in the contract's shape instead.
        if name.startswith("do_"):
            return self._method_outside_api_gateway
        raise AttributeError(name)

    def _method_outside_api_gateway(self) -> None:
        self._parse_payload()
        self._send_error_response(self.contract_gateway.refuse_method(self.path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="roomlinks' local API server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    # As `chalice local`: the stage's environment variables are applied to this process,
    # except that an operator setting the shell gives (contract §3) wins over config.json's.
    factory = CLIFactory(project_dir=str(PROJECT_DIR), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=args.stage)
    shell = {k: os.environ[k] for k in OPERATOR_SETTINGS if k in os.environ}
    app = factory.load_chalice_app({**config.environment_variables, **shell})
    server = LocalDevServer(
        app,
        config,
        args.host,
        args.port,
        handler_cls=ContractRequestHandler,
        server_cls=BurstReadyServer,
    )
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

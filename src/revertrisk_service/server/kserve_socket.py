"""kserve.ModelServer.start(), but on a socket bound beforehand and shared by worker processes.

KServe's own multi-worker mode spawns fresh interpreters that re-import its app and cannot carry
our loaded models and HTTP extras; forking workers that each run this avoids that. It uses two of
ModelServer's internals (model registration, the REST server's uvicorn instance): pinned with
kserve==0.21.0 in pyproject.toml and covered by the two-worker test."""

from __future__ import annotations

import asyncio
import socket

import kserve
from kserve.model_server import FASTAPI_APP_IMPORT_STRING
from kserve.protocol.rest.server import RESTServer


def serve_on_socket(server: kserve.ModelServer, models: list, sock: socket.socket) -> None:
    server._register_and_check_atleast_one_model_is_ready(models)
    rest = RESTServer(
        FASTAPI_APP_IMPORT_STRING,
        server.dataplane,
        server.model_repository_extension,
        server.http_port,
        grace_period=server.grace_period,
    )
    # Where ModelServer.start() keeps it too, for code that asks whether the server is stopping.
    server._rest_server = rest
    rest.create_application()
    asyncio.run(rest._server.serve(sockets=[sock]))

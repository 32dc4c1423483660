"""The baseline of P1: a bare Starlette app with one JSON route, served like the emulator.

``python -m bench.bare --port N`` runs it under :func:`emulator.server.serve`, i.e. the very
uvicorn configuration of ``gpu-emulator serve``.
"""

from __future__ import annotations

import argparse

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BODY = {"id": "bench", "status": "ok", "value": 1}


async def json_route(request: Request) -> Response:
    """One small JSON document."""
    return JSONResponse(BODY)


app = Starlette(routes=[Route("/json", json_route, methods=["GET"])])


def main() -> None:
    """Serve the bare app on ``--port``."""
    from emulator.server import serve
    from emulator.settings import Settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve(app, Settings(port=args.port, log_level="warning"))


if __name__ == "__main__":
    main()

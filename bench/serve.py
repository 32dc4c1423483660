"""``python -m bench.serve --port N --scale S --manifest FILE``: the emulator under test.

The very app and uvicorn configuration of ``gpu-emulator serve`` (default fixtures), on a
manual clock so that nothing changes while it is measured, with one tenant populated by
:mod:`bench.populate`. The manifest (ids, cursors) is written before the server listens.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    """Build, populate, write the manifest, serve."""
    from bench.populate import populate
    from emulator.app import create_app
    from emulator.server import serve
    from emulator.settings import Settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--cold", action="store_true", help="no warm worker per endpoint")
    parser.add_argument("--manifest", required=True)
    args = parser.parse_args()
    settings = Settings(port=args.port, log_level="warning", clock="manual")
    app = create_app(settings)
    manifest = populate(app.state.emulator, args.scale, warm=not args.cold)
    Path(args.manifest).write_text(json.dumps(manifest))
    serve(app, settings)


if __name__ == "__main__":
    main()

"""``gpu-emulator``: serve | validate | routes, plus subcommands contributed by vendors."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from typing import Any


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="interface to bind (default 127.0.0.1; EMULATOR_HOST)")
    parser.add_argument("--port", type=int, help="port (default 8000; EMULATOR_PORT)")
    parser.add_argument(
        "--fixtures",
        action="append",
        metavar="FILE",
        help="fixture file, repeatable (default: the bundled default fixtures; EMULATOR_FIXTURES)",
    )
    parser.add_argument("--seed", type=int, help="seed for ids, fake data and durations")
    parser.add_argument("--clock", choices=["real", "manual"], help="clock mode (default real)")
    parser.add_argument("--clock-start", help="start time, ISO 8601 or epoch seconds")
    parser.add_argument("--speed", type=float, help="real clock: emulator seconds per wall second")
    parser.add_argument(
        "--auth", choices=["open", "strict"], help="open: any key; strict: fixture keys"
    )
    parser.add_argument(
        "--log-level", choices=["critical", "error", "warning", "info", "debug"], help="log level"
    )
    parser.add_argument(
        "--state-file", help="save the whole state here (shutdown, periodically); resume from it"
    )
    parser.add_argument(
        "--save-interval", type=float, help="seconds between automatic saves (default 30; 0 = off)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="gpu-emulator", description="Local emulator of GPU-cloud provider APIs."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the emulator")
    _serve_options(serve)
    validate = commands.add_parser("validate", help="check fixture files")
    validate.add_argument("files", nargs="+", metavar="FILE")
    routes = commands.add_parser("routes", help="print the vendor base URLs")
    routes.add_argument("--host", help="host the server listens on")
    routes.add_argument("--port", type=int, help="port the server listens on")
    for command in _vendor_commands():
        command.add_arguments(commands.add_parser(command.name, help=command.help))
    return parser


def _vendor_commands() -> list[Any]:
    """Subcommands contributed by the bundled vendors."""
    from emulator.vendors import default_vendors

    return [command for vendor in default_vendors() for command in vendor.commands]


def _settings(args: argparse.Namespace) -> Any:
    from emulator.settings import Settings

    names = (
        "host",
        "port",
        "fixtures",
        "seed",
        "clock",
        "clock_start",
        "speed",
        "auth",
        "log_level",
        "state_file",
        "save_interval",
    )
    return Settings.load({name: getattr(args, name, None) for name in names})


def _serve(args: argparse.Namespace) -> int:
    # Start-up allocates a long-lived heap (modules, schemas, fixtures): collecting it while it
    # grows only costs time. serve() freezes it and turns the collector back on.
    gc.disable()
    try:
        from emulator.app import create_app
        from emulator.fixtures import FixtureError
        from emulator.hosting import format_route_table, route_table
        from emulator.persistence import SnapshotError
        from emulator.server import serve

        settings = _settings(args)
        try:
            app = create_app(settings)
        except (FixtureError, SnapshotError) as exc:
            print(f"gpu-emulator: {exc}", file=sys.stderr)
            return 2
        control = app.state.control
        print(format_route_table(route_table(control.vendors, settings.origin)), flush=True)
        print(
            f"admin API: {settings.origin}/_emulator  (clock: {control.state.sim.clock.mode})",
            flush=True,
        )
        if control.restored:
            print(f"state restored from {settings.state_file}", flush=True)
        serve(app, settings)
        return 0
    finally:
        gc.enable()


def _validate(args: argparse.Namespace) -> int:
    from emulator.fixtures import FixtureError, load_file
    from emulator.vendors import default_vendors

    vendors = default_vendors()
    failed = 0
    for path in args.files:
        try:
            load_file(path, vendors)
        except FixtureError as exc:
            failed += 1
            print(exc, file=sys.stderr)
        else:
            print(f"{path}: ok")
    return 1 if failed else 0


def _routes(args: argparse.Namespace) -> int:
    from emulator.hosting import format_route_table, route_table
    from emulator.vendors import default_vendors

    settings = _settings(args)
    print(format_route_table(route_table(default_vendors(), settings.origin)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gpu-emulator`` console script."""
    args = build_parser().parse_args(argv)
    handlers = {"serve": _serve, "validate": _validate, "routes": _routes}
    handlers.update({command.name: command.run for command in _vendor_commands()})
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

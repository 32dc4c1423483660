"""``python -m bench``: run every benchmark and print one table (see the README, Performance).

``--only P1,P4`` runs some of them; ``--quick`` shortens every run (a smoke test, not figures);
``--loadgen wrk`` uses wrk for P1 when it is installed; ``--json FILE`` also writes the rows.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import asdict

from bench import report
from bench.loadgen import generator
from bench.report import Row

FAMILIES = ("P1", "P2", "P3", "P4", "P5", "P6")


def _runners(args: argparse.Namespace) -> dict[str, Callable[[], list[Row]]]:
    quick = args.quick
    load = generator(args.loadgen)

    def p1() -> list[Row]:
        from bench import throughput

        return throughput.measure(
            load,
            rounds=2 if quick else 5,
            seconds=0.5 if quick else 1.5,
            warmup=0.3 if quick else 1.0,
        )

    def p2() -> list[Row]:
        from bench import startup

        return startup.measure(starts=3 if quick else 7)

    def p3() -> list[Row]:
        from bench import plugin

        return plugin.measure(tests=100 if quick else 500)

    def p4() -> list[Row]:
        from bench import virtual_time

        return virtual_time.measure(runs=1 if quick else 3, tasks=20_000 if quick else 100_000)

    def p5() -> list[Row]:
        from bench import paging

        return paging.measure(large=10_000 if quick else 100_000, samples=50 if quick else 300)

    def p6() -> list[Row]:
        from bench import memory

        return memory.measure(quick=quick)

    return {"P1": p1, "P2": p2, "P3": p3, "P4": p4, "P5": p5, "P6": p6}


def main() -> None:
    """Parse options, run, print."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", help="comma-separated families, e.g. P1,P4 (default: all)")
    parser.add_argument("--quick", action="store_true", help="short runs (smoke test)")
    parser.add_argument("--loadgen", choices=["python", "wrk"], default="python")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args()
    chosen = [f.strip().upper() for f in args.only.split(",")] if args.only else list(FAMILIES)
    unknown = sorted(set(chosen) - set(FAMILIES))
    if unknown:
        parser.error(f"unknown families: {', '.join(unknown)}")
    runners = _runners(args)
    print(f"machine: {report.machine()}", flush=True)
    print(f"load generator (P1): {generator(args.loadgen).describe()}", flush=True)
    rows: list[Row] = []
    for family in chosen:
        started = time.perf_counter()
        print(f"running {family}...", flush=True)
        found = runners[family]()
        rows += found
        print(f"  {family} done in {time.perf_counter() - started:.0f} s", flush=True)
        for row in found:
            print(f"  {row.id} {row.measure}: {row.value} ({row.verdict})", flush=True)
    print()
    print(report.table(rows))
    extra = report.notes(rows)
    if extra:
        print()
        print(extra)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(
                {"machine": report.machine(), "rows": [asdict(r) for r in rows]}, out, indent=2
            )
    failed = [r for r in rows if r.ok is False]
    print()
    print(
        f"{len(rows)} rows, {len(failed)} target(s) not met"
        if failed
        else f"{len(rows)} rows, every target met"
    )


if __name__ == "__main__":
    main()

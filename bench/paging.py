"""P5: list-page latency with 100 000 objects vs with 1 000 (same pages, same server config).

Two emulator processes, one per scale, each with one tenant holding that many PPIO endpoints,
Matpool jobs and Yotta tasks (:mod:`bench.populate`). Each page is requested many times, one
request after the other on a keep-alive connection, the two servers in turns; the figure is
the median latency. Pages:
the first and one from the middle (PPIO by its cursor, Matpool and Yotta by page number).
Yotta's endpoint list has no paging (it answers every endpoint), so its task list stands in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bench import procs
from bench.loadgen import Request, check, latencies
from bench.report import Row, median
from bench.throughput import (
    MATPOOL,
    MATPOOL_OK,
    PPIO,
    YOTTA,
    YOTTA_KEY,
    YOTTA_OK,
    Target,
)

RATIO = 1.5
SMALL = 1_000


TASKS = YOTTA + "/{yotta.endpoint}/tasks?pageSize=20"
Y, M = {"headers": YOTTA_KEY, "body_has": YOTTA_OK}, {"body_has": MATPOOL_OK}

PAGES: list[Target] = [
    Target("P5", "PPIO endpoints, first page", PPIO + "?limit=20"),
    Target("P5", "PPIO endpoints, middle page", PPIO + "?limit=20&cursor={ppio.mid_cursor}"),
    Target("P5", "Matpool jobs, first page", MATPOOL + "/jobs?per_page=20", **M),
    Target(
        "P5",
        "Matpool jobs, middle page",
        MATPOOL + "/jobs?per_page=20&page={matpool.mid_page}",
        **M,
    ),
    Target("P5", "Yotta tasks, first page", TASKS, **Y),
    Target("P5", "Yotta tasks, middle page", TASKS + "&pageNumber={yotta.mid_task_page}", **Y),
]


def _check(port: int, manifest: Mapping[str, Any]) -> list[Request]:
    requests = [page.request(manifest) for page in PAGES]
    for page, request in zip(PAGES, requests, strict=True):
        body = check(port, request)
        if page.body_has is not None and page.body_has not in body.decode():
            raise RuntimeError(f"{page.label}: unexpected answer {body[:300]!r}")
    return requests


def _latencies(large: int, samples: int, rounds: int = 5) -> tuple[list[float], list[float]]:
    """Median seconds per page (small scale, large scale), both servers measured in turns."""
    with (
        procs.emulator(SMALL, extra=["--cold"]) as (small_port, small_manifest),
        procs.emulator(large, extra=["--cold"]) as (large_port, large_manifest),
    ):
        small_requests = _check(small_port, small_manifest)
        large_requests = _check(large_port, large_manifest)
        small: list[list[float]] = [[] for _ in PAGES]
        big: list[list[float]] = [[] for _ in PAGES]
        per_round = max(10, samples // rounds)
        for index in range(len(PAGES)):
            latencies(small_port, small_requests[index], per_round)  # warm-up
            latencies(large_port, large_requests[index], per_round)
            for _ in range(rounds):
                small[index] += latencies(small_port, small_requests[index], per_round)
                big[index] += latencies(large_port, large_requests[index], per_round)
        return [median(v) for v in small], [median(v) for v in big]


def measure(large: int, samples: int) -> list[Row]:
    """One row per page: latency at ``large`` objects over latency at 1 000."""
    small, big = _latencies(large, samples)
    rows = []
    for page, low, high in zip(PAGES, small, big, strict=True):
        ratio = high / low
        rows.append(
            Row(
                "P5",
                f"{page.label}: {large:,} vs {SMALL:,} objects",
                f"{high * 1000:.2f} ms vs {low * 1000:.2f} ms = {ratio:.2f}x",
                f"<= {RATIO}x",
                ratio <= RATIO,
            )
        )
    return rows

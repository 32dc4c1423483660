"""P1 / P1b: requests per second of vendor reads vs a bare Starlette JSON route.

Both servers run at once in their own processes under the same uvicorn configuration; each
round measures the bare route and then every target, so a ratio compares figures taken
seconds apart. A target is one line of :data:`TARGETS`; ``{vendor.key}`` placeholders come
from the manifest of :mod:`bench.populate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bench import procs
from bench.loadgen import PythonLoad, Request, WrkLoad, check
from bench.report import Row, median

BEARER = {"Authorization": "Bearer bench"}
YOTTA_KEY = {"X-Api-Key": "bench"}
# Yotta and Matpool answer business errors on HTTP 200: check the success code too.
YOTTA_OK = '"code":10000'
MATPOOL_OK = '"code":0,'


@dataclass(frozen=True)
class Target:
    """One measured request: ``P1`` (one object) or ``P1b`` (a 20-item list page)."""

    id: str
    label: str
    path: str
    headers: Mapping[str, str] = field(default_factory=lambda: BEARER)
    body_has: str | None = None

    def request(self, manifest: Mapping[str, Any]) -> Request:
        """The request with the manifest's ids filled in."""
        return Request(self.path.format_map(Dotted(manifest)), self.headers)


class Dotted(dict[str, Any]):
    """``{ppio.endpoint}`` → ``manifest["ppio"]["endpoint"]``."""

    def __init__(self, manifest: Mapping[str, Any]) -> None:
        super().__init__(
            {k: Dotted(v) if isinstance(v, Mapping) else v for k, v in manifest.items()}
        )

    def __getattr__(self, name: str) -> Any:
        return self[name]


PPIO = "/api.ppio.com/gpus/v2/endpoints"
NOVITA = "/api.novita.ai/gpus/v2/endpoints"
RUNPOD = "/api.runpod.ai/v2/{runpod.endpoint}"
YOTTA = "/api.yottalabs.ai/v2/serverless"
MATPOOL = "/paas.matpool.com/v1/job"
Y, M = {"headers": YOTTA_KEY, "body_has": YOTTA_OK}, {"body_has": MATPOOL_OK}

# One line per measured request (the lead adds RunPod REST v1/v2 GET endpoint here).
TARGETS: list[Target] = [
    Target("P1", "PPIO GET endpoint", PPIO + "/{ppio.endpoint}"),
    Target("P1", "Novita GET endpoint", NOVITA + "/{novita.endpoint}"),
    Target("P1", "RunPod GET /health", RUNPOD + "/health"),
    Target("P1", "RunPod GET /status", RUNPOD + "/status/{runpod.job}"),
    Target("P1", "Yotta GET endpoint", YOTTA + "/{yotta.endpoint}", **Y),
    Target("P1", "Matpool GET job", MATPOOL + "?id={matpool.job}", **M),
    Target("P1b", "PPIO list (20)", PPIO + "?limit=20"),
    Target("P1b", "Yotta list (20 endpoints)", YOTTA, **Y),
    Target("P1b", "Yotta task page (20)", YOTTA + "/{yotta.endpoint}/tasks?pageSize=20", **Y),
    Target("P1b", "Matpool job page (20)", MATPOOL + "/jobs?per_page=20", **M),
]

GOAL = {"P1": 0.5, "P1b": 0.3}
BARE = Request("/json", {})


def measure(load: PythonLoad | WrkLoad, *, rounds: int, seconds: float, warmup: float) -> list[Row]:
    """Rows for every target: the median, over ``rounds``, of its req/s over the bare route's
    req/s measured just before it (so that a machine slowing down or speeding up between two
    measurements does not skew the ratio)."""
    with procs.bare() as bare_port, procs.emulator(100) as (port, manifest):
        requests = [t.request(manifest) for t in TARGETS]
        for target, request in zip(TARGETS, requests, strict=True):
            body = check(port, request)
            if target.body_has is not None and target.body_has not in body.decode():
                raise RuntimeError(f"{target.label}: unexpected answer {body[:300]!r}")
        check(bare_port, BARE)
        load.throughput(bare_port, BARE, warmup)
        for request in requests:
            load.throughput(port, request, warmup)
        bare: list[float] = []
        rates: list[list[float]] = [[] for _ in TARGETS]
        ratios: list[list[float]] = [[] for _ in TARGETS]
        for _ in range(rounds):
            for index, request in enumerate(requests):
                base = load.throughput(bare_port, BARE, seconds)
                rate = load.throughput(port, request, seconds)
                bare.append(base)
                rates[index].append(rate)
                ratios[index].append(rate / base)
    rows = [
        Row("P1", "bare Starlette JSON route (baseline)", f"{median(bare):,.0f} req/s", "-", None)
    ]
    for target, values, shares in zip(TARGETS, rates, ratios, strict=True):
        ratio = median(shares)
        goal = GOAL[target.id]
        rows.append(
            Row(
                target.id,
                target.label,
                f"{median(values):,.0f} req/s = {ratio:.2f}x bare",
                f">= {goal}x bare",
                ratio >= goal,
            )
        )
    return rows

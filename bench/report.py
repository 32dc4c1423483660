"""Rows of the result table, and how the table is printed."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass
class Row:
    """One measured figure against its target."""

    id: str
    measure: str
    value: str
    target: str
    ok: bool | None  # None: informative only (no target of its own)
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """``pass`` / ``FAIL`` / ``-``."""
        if self.ok is None:
            return "-"
        return "pass" if self.ok else "FAIL"


def median(values: Iterable[float]) -> float:
    """The median (NaN for no values)."""
    items = list(values)
    return statistics.median(items) if items else float("nan")


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine() -> str:
    """One line about the machine the figures come from."""
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    return (
        f"{cores()} cores ({os.cpu_count()} online), {platform.machine()}, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}{load}"
    )


def table(rows: Sequence[Row]) -> str:
    """A Markdown table (readable as plain text too)."""
    header = ("id", "measure", "measured", "target", "result")
    cells = [header, *((r.id, r.measure, r.value, r.target, r.verdict) for r in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(row) for row in cells[1:]]
    return "\n".join(out)


def notes(rows: Sequence[Row]) -> str:
    """The notes attached to rows, one per line."""
    return "\n".join(f"- {r.id} {r.measure}: {note}" for r in rows for note in r.notes)

"""Worker logs: lines a simulated worker prints, and the ``.../workers/{id}/logs`` query.

Each line has an epoch-millisecond timestamp and a byte offset (cumulative, like a container
log file); ``(timestamp, offset)`` is the ``search_after`` cursor of the vendor's log API.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

MAX_LINES = 5000


@dataclass(frozen=True, slots=True)
class LogLine:
    """One log line."""

    timestamp: int
    offset: int
    text: str


@dataclass(slots=True)
class LogQuery:
    """The log API's parameters, already parsed."""

    page_size: int = 100
    keyword: str | None = None
    start: int | None = None
    end: int | None = None
    after_time: int | None = None
    after_offset: int | None = None
    direction: Literal["Forward", "Backward"] = "Forward"


@dataclass(slots=True)
class LogPage:
    """A page of lines and the cursor to the next page."""

    lines: list[LogLine]
    has_more: bool


@dataclass(slots=True)
class WorkerLog:
    """A bounded, append-only log of one worker."""

    lines: list[LogLine] = field(default_factory=list)
    next_offset: int = 0

    def write(self, millis: int, text: str) -> None:
        """Append a line at ``millis``."""
        self.lines.append(LogLine(millis, self.next_offset, text))
        self.next_offset += len(text.encode("utf-8")) + 1
        if len(self.lines) > MAX_LINES:
            del self.lines[: len(self.lines) - MAX_LINES]

    def query(self, q: LogQuery) -> LogPage:
        """Lines matching ``q``, ``page_size`` at most, in the query's direction."""
        forward = q.direction == "Forward"
        ordered = self.lines if forward else reversed(self.lines)
        keyword = q.keyword.lower() if q.keyword else None
        bound = _bound(q, forward)
        page: list[LogLine] = []
        has_more = False
        for line in ordered:
            if bound is not None:
                key = (line.timestamp, line.offset)
                if (forward and key <= bound) or (not forward and key >= bound):
                    continue
            if q.start is not None and line.timestamp < q.start:
                continue
            if q.end is not None and line.timestamp > q.end:
                continue
            if keyword is not None and keyword not in line.text.lower():
                continue
            if len(page) == q.page_size:
                has_more = True
                break
            page.append(line)
        return LogPage(page, has_more)


def _bound(q: LogQuery, forward: bool) -> tuple[int, float] | None:
    """The ``search_after`` cursor; with no offset it covers the whole millisecond."""
    if q.after_time is None:
        return None
    if q.after_offset is not None:
        return (q.after_time, q.after_offset)
    return (q.after_time, math.inf if forward else -1)

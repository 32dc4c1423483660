"""Outbound webhook deliveries: real HTTP POSTs whose retries are engine events.

A vendor hands over a URL, a JSON payload, headers and its retry schedule; each attempt is an
async ``httpx`` POST spawned on the runtime, so a slow or dead receiver never blocks serving.
A failed attempt schedules the next one on the emulator clock; every attempt is logged.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.core.engine import Engine, Scope
from emulator.core.runtime import Runtime

DeliveryState = Literal["pending", "in_flight", "delivered", "failed"]


@dataclass(slots=True)
class Attempt:
    """One POST: when (emulator time), what came back, how long it took."""

    number: int
    at: float
    status: int | None = None
    error: str | None = None
    duration_ms: float = 0.0


@dataclass(slots=True, eq=False)
class Delivery:
    """One webhook message and its attempts."""

    id: int
    vendor: str
    tenant: str
    url: str
    payload: Any
    headers: dict[str, str]
    retry_delays: tuple[float, ...]
    accept: Literal["2xx", "200"]
    subject: str
    created_at: float
    on_done: Callable[[Delivery], None] | None = None
    scope: Scope | None = None
    # Rebuilds the payload at each attempt (e.g. a vendor's retry counter or send timestamp).
    prepare: Callable[[Delivery], Any] | None = None
    state: DeliveryState = "pending"
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        """True once a receiver accepted it."""
        return self.state == "delivered"

    def accepted(self, status: int) -> bool:
        """Whether the receiver's status counts as success under this vendor's rule."""
        return status == 200 if self.accept == "200" else 200 <= status < 300

    def as_json(self) -> dict[str, Any]:
        """The admin API view of this delivery."""
        return {
            "id": self.id,
            "vendor": self.vendor,
            "tenant": self.tenant,
            "subject": self.subject,
            "url": self.url,
            "state": self.state,
            "createdAt": self.created_at,
            "payload": self.payload,
            "attempts": [
                {
                    "number": a.number,
                    "at": a.at,
                    "status": a.status,
                    "error": a.error,
                    "durationMs": round(a.duration_ms, 3),
                }
                for a in self.attempts
            ],
        }


class WebhookDispatcher:
    """Sends deliveries, schedules retries on the engine, keeps a bounded delivery log."""

    def __init__(self, engine: Engine, runtime: Runtime, *, timeout: float, log_size: int) -> None:
        self.engine = engine
        self.runtime = runtime
        self.timeout = timeout
        self.log: deque[Delivery] = deque(maxlen=log_size)
        self._next_id = 0

    def __getstate__(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "runtime"}
        return data

    def __setstate__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)
        self.runtime = Runtime()

    def send(
        self,
        *,
        vendor: str,
        tenant: str,
        url: str,
        payload: Any,
        headers: dict[str, str] | None = None,
        retry_delays: tuple[float, ...] = (),
        accept: Literal["2xx", "200"] = "2xx",
        subject: str = "",
        on_done: Callable[[Delivery], None] | None = None,
        scope: Scope | None = None,
        prepare: Callable[[Delivery], Any] | None = None,
    ) -> Delivery:
        """Start delivering now; ``retry_delays[i]`` is the wait after failed attempt ``i + 1``.

        ``prepare(delivery)``, when given, returns the payload of each attempt; it runs at the
        attempt's emulator time with the new attempt already in ``delivery.attempts``.
        """
        self._next_id += 1
        delivery = Delivery(
            id=self._next_id,
            vendor=vendor,
            tenant=tenant,
            url=url,
            payload=payload,
            headers=dict(headers or {}),
            retry_delays=tuple(retry_delays),
            accept=accept,
            subject=subject,
            created_at=self.engine.now,
            on_done=on_done,
            scope=scope,
            prepare=prepare,
        )
        self.log.append(delivery)
        self.attempt(delivery)
        return delivery

    def attempt(self, delivery: Delivery) -> None:
        """Make the next attempt (an engine event callback for retries)."""
        if delivery.state in ("delivered", "failed"):
            return
        delivery.state = "in_flight"
        delivery.attempts.append(Attempt(number=len(delivery.attempts) + 1, at=self.engine.now))
        if delivery.prepare is not None:
            delivery.payload = delivery.prepare(delivery)
        self.runtime.spawn(self._post(delivery))

    def resume(self) -> None:
        """Re-send deliveries that were in flight when the state was saved."""
        for delivery in self.log:
            if delivery.state == "in_flight" and delivery.attempts:
                delivery.attempts.pop()
                self.attempt(delivery)

    async def _post(self, delivery: Delivery) -> None:
        attempt = delivery.attempts[-1]
        headers = {"Content-Type": "application/json", **delivery.headers}
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        started = time.perf_counter()
        try:
            client = self.runtime.http_client()
            response = await client.post(
                delivery.url, content=body, headers=headers, timeout=self.timeout
            )
            attempt.status = response.status_code
        except Exception as exc:  # refused, reset, timed out: all count as a failed attempt
            attempt.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        attempt.duration_ms = (time.perf_counter() - started) * 1000
        if delivery.scope is not None and not delivery.scope.alive:
            delivery.state = "failed"
            return
        if attempt.status is not None and delivery.accepted(attempt.status):
            delivery.state = "delivered"
        elif attempt.number <= len(delivery.retry_delays):
            delivery.state = "pending"
            delay = delivery.retry_delays[attempt.number - 1]
            self.engine.at(attempt.at + delay, self.attempt, delivery, scope=delivery.scope)
            return
        else:
            delivery.state = "failed"
        if delivery.on_done is not None:
            delivery.on_done(delivery)

    def query(self, *, tenant: str | None = None, vendor: str | None = None) -> list[Delivery]:
        """Logged deliveries, oldest first, optionally filtered."""
        return [
            d
            for d in self.log
            if (tenant is None or d.tenant == tenant) and (vendor is None or d.vendor == vendor)
        ]

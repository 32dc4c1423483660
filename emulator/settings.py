"""Settings: defaults < fixture YAML (seed, clock, auth) < ``EMULATOR_*`` env < CLI flags."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ENV_PREFIX = "EMULATOR_"


class Settings(BaseModel):
    """How to run the emulator; ``None`` means "not set here" (fixtures or defaults decide)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    fixtures: list[str] | None = Field(
        default=None, description="fixture files; None = the bundled default fixtures"
    )
    seed: int | None = None
    clock: Literal["real", "manual"] | None = None
    clock_start: float | None = Field(default=None, description="epoch seconds or ISO 8601")
    speed: float | None = Field(default=None, gt=0)
    auth: Literal["open", "strict"] | None = None
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    journal_size: int = Field(default=1000, ge=0)
    webhook_timeout: float = Field(default=10.0, gt=0)
    state_file: str | None = None
    save_interval: float = Field(default=30.0, ge=0)

    @field_validator("clock_start", mode="before")
    @classmethod
    def _parse_start(cls, value: Any) -> Any:
        return parse_instant(value) if isinstance(value, str) else value

    @field_validator("fixtures", mode="before")
    @classmethod
    def _split_fixtures(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in value.replace(os.pathsep, ",").split(",") if part.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_level(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @classmethod
    def load(
        cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Environment variables, then explicit overrides (CLI flags) on top."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = environ.get(ENV_PREFIX + name.upper())
            if raw is not None and raw != "":
                values[name] = raw
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return cls.model_validate(values)

    @property
    def origin(self) -> str:
        """The base URL clients use to reach this emulator."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"


def parse_instant(value: str) -> float:
    """ISO 8601 (``2026-01-01T00:00:00Z``) or epoch seconds → epoch seconds."""
    with contextlib.suppress(ValueError):  # not a number: an ISO 8601 instant then
        return float(value)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r}: give a time zone (e.g. a trailing Z)")
    return parsed.timestamp()

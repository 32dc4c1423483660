"""The vendor-neutral error: raised anywhere, rendered by the owning vendor in its own envelope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """A failure answered to the client; each vendor's ``errors.py`` turns it into its wire shape.

    ``status`` is the HTTP status, ``code``/``reason`` the vendor's own error identifiers (Yotta
    ``14000``, PPIO ``NOT_FOUND``, Matpool ``176``...), ``field`` the request field at fault.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: int | str | None = None,
        reason: str | None = None,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.reason = reason
        self.field = field
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.message!r}, code={self.code!r})"

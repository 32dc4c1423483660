"""Crash-safe snapshots of the whole state: every tenant, object, pending event and the clock.

A snapshot is a pickle of :class:`EmulatorState` (the async runtime and open connections are left
out) behind a header naming the format and the emulator version. Files are written atomically:
temp file in the same directory, fsync, rename, fsync of the directory — a process killed at any
moment leaves the previous file or the new one, never a torn one.

Loading never resolves arbitrary globals: only classes and functions of the emulator (and of the
registered vendors' packages) and a short list of standard-library types are allowed, and bound
methods are rebuilt only on objects of those classes.
"""

from __future__ import annotations

import io
import os
import pickle
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from emulator import __version__
from emulator.core.state import EmulatorState

MAGIC = b"GPU-EMULATOR-STATE\n"
FORMAT = 1

_STDLIB_ALLOWED = {
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "bytearray"),
    ("builtins", "complex"),
    ("builtins", "slice"),
    ("builtins", "range"),
    ("builtins", "object"),
    ("collections", "deque"),
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("copyreg", "_reconstructor"),
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("random", "Random"),
    ("re", "_compile"),
    ("uuid", "UUID"),
    ("enum", "Enum"),
}


class SnapshotError(ValueError):
    """A snapshot that cannot be loaded (wrong format, other version, forbidden content)."""


def _bound(owner: Any, name: str) -> Any:
    """Rebuild a bound method on an allowed object (the unpickler checked the owner's class)."""
    return getattr(owner, name)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        # Bound methods normally pickle through builtins.getattr, which a safe loader cannot allow.
        if isinstance(obj, types.MethodType) and not isinstance(obj.__self__, type):
            return _bound, (obj.__self__, obj.__func__.__name__)
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, packages: tuple[str, ...]) -> None:
        super().__init__(io.BytesIO(data))
        self.packages = packages

    def _allowed_module(self, module: str) -> bool:
        return any(module == p or module.startswith(p + ".") for p in self.packages)

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _STDLIB_ALLOWED or self._allowed_module(module):
            found = super().find_class(module, name)
            if found is _bound:
                return self._checked_bound
            return found
        raise SnapshotError(f"snapshot refers to {module}.{name}, which is not allowed")

    def _checked_bound(self, owner: Any, name: str) -> Any:
        if not self._allowed_module(type(owner).__module__) or name.startswith("__"):
            raise SnapshotError(
                f"snapshot binds {type(owner).__name__}.{name}, which is not allowed"
            )
        return getattr(owner, name)


def snapshot(state: EmulatorState) -> bytes:
    """Serialize the state (header + pickle)."""
    buffer = io.BytesIO()
    buffer.write(MAGIC)
    buffer.write(f"{FORMAT} {__version__}\n".encode())
    _Pickler(buffer, protocol=5).dump(state)
    return buffer.getvalue()


def restore(data: bytes, packages: Iterable[str] = ()) -> EmulatorState:
    """Load a snapshot; ``packages`` are extra module packages whose classes it may contain."""
    if not data.startswith(MAGIC):
        raise SnapshotError("not an emulator state snapshot")
    header, _, body = data[len(MAGIC) :].partition(b"\n")
    fields = header.decode("ascii", "replace").split()
    if len(fields) != 2 or fields[0] != str(FORMAT):
        raise SnapshotError(f"unsupported snapshot format {header!r}")
    if fields[1] != __version__:
        raise SnapshotError(
            f"snapshot written by emulator {fields[1]}, this is {__version__}: "
            "delete the state file or run the version that wrote it"
        )
    allowed = ("emulator", *packages)
    try:
        state = _Unpickler(body, allowed).load()
    except SnapshotError:
        raise
    except Exception as exc:
        raise SnapshotError(f"corrupt snapshot: {type(exc).__name__}: {exc}") from None
    if not isinstance(state, EmulatorState):
        raise SnapshotError("snapshot does not hold an emulator state")
    return state


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file, whole."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def save(state: EmulatorState, path: str | Path) -> int:
    """Write a snapshot of ``state`` to ``path`` atomically; returns its size in bytes."""
    data = snapshot(state)
    write_atomically(Path(path), data)
    return len(data)


def load(path: str | Path, packages: Iterable[str] = ()) -> EmulatorState | None:
    """The state saved at ``path``, or None if there is no file yet."""
    path = Path(path)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)  # left by a process killed mid-save
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return restore(data, packages)

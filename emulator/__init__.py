"""gpu-cloud-emulator: a local, virtual-clock emulator of GPU-cloud provider APIs.

Public surface: :func:`create_app`, :class:`Settings`, ``__version__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Settings", "__version__", "create_app"]

if TYPE_CHECKING:
    from emulator.app import create_app
    from emulator.settings import Settings


def __getattr__(name: str) -> Any:
    # Imported on first use so that `import emulator` (e.g. by the pytest plugin) stays cheap.
    if name == "create_app":
        from emulator.app import create_app

        return create_app
    if name == "Settings":
        from emulator.settings import Settings

        return Settings
    raise AttributeError(f"module 'emulator' has no attribute {name!r}")

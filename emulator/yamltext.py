"""YAML reading through libyaml when PyYAML was built with it (several times faster to start)."""

from __future__ import annotations

from typing import Any

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` with the C loader when available; raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_Loader)

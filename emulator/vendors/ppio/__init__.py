"""PPIO GPU API v2 serverless endpoints (``api.ppio.com``); Novita's twin is in ``.novita``."""

from __future__ import annotations

from emulator.vendors.ppio.spec import make_vendor

vendor = make_vendor("ppio", "api.ppio.com", "PPIO GPU API v2")

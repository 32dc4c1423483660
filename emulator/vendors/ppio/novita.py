"""Novita GPU API v2 serverless endpoints (``api.novita.ai``): the PPIO API on its own host."""

from __future__ import annotations

from emulator.vendors.ppio.spec import make_vendor

vendor = make_vendor("novita", "api.novita.ai", "Novita GPU API v2")

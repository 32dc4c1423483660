"""Vendor-neutral simulation core: clock, engine, tenants, workers, tasks, scaling, webhooks.

Nothing in this package imports ``emulator.vendors`` or any web framework.
"""

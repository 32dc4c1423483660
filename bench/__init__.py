"""Reproducible benchmarks of the emulator (``make bench`` / ``python -m bench``).

Each module measures one family of figures and returns :class:`bench.report.Row` objects; the
entry point (:mod:`bench.__main__`) runs them all and prints one table. Nothing here is a test:
no figure is asserted by the test suite.
"""

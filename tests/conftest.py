"""Fixtures for every test: see tests/support/fixtures.py (shared with the benchmarks)."""

from tests.support.fixtures import *  # noqa: F403

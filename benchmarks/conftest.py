"""The benchmarks run on the same local stack as the tests (tests/support/fixtures.py)."""

from tests.support.fixtures import *  # noqa: F403

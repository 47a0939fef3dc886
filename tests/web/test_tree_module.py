"""Web app modules on their own, with node's test runner: web/src/tree.js (the conversation tree as
the web app reads it) and the lasso's outlines, drawn and typed (web/src/outline.js)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def _node_test(name: str) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: the web app is built with it (make install).")
    result = subprocess.run([node, "--test", str(HERE / name)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_tree_module() -> None:
    _node_test("tree.test.mjs")


def test_lasso_simplification() -> None:
    _node_test("lasso.test.mjs")

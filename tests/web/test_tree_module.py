"""web/src/tree.js (the conversation tree as the web app reads it) on its own, with node's test runner."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def test_tree_module() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: the web app is built with it (make install).")
    result = subprocess.run([node, "--test", str(HERE / "tree.test.mjs")], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr

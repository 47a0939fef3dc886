"""The service layer speaks in turns and images, not in SDK types: only the gemini/ gateway
and history.py (turns → Contents) import google.genai."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "functions" / "imagechat"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("service", ["turns.py", "sessions.py", "uploads.py"])
def test_services_do_not_import_the_genai_sdk(service: str) -> None:
    imports = _imports(PACKAGE / service)
    assert not [name for name in imports if name.startswith("google.genai")], imports

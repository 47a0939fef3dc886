"""The service layer speaks in typed documents, turns and images, not in SDK types: only the
gemini/ gateway imports google.genai, and only store/ (and the composition root that builds the
clients) imports Firestore."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
PACKAGE = FUNCTIONS / "imagechat"
SOURCES = sorted([*PACKAGE.rglob("*.py"), FUNCTIONS / "main.py"])
# Where the raw clients are built and handed to the stores (deps.py), or the app is set up.
COMPOSITION_ROOT = {PACKAGE / "deps.py", PACKAGE / "firebase_app.py", FUNCTIONS / "main.py"}


def _imports(path: Path) -> set[str]:
    """Every module a file imports, `from a import b` counted as both `a` and `a.b`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _importing(prefixes: tuple[str, ...], allowed: set[Path]) -> list[str]:
    return [
        f"{path.relative_to(FUNCTIONS)}: {name}"
        for path in SOURCES
        if path not in allowed
        for name in sorted(_imports(path))
        if name.startswith(prefixes)
    ]


def test_the_sources_are_found() -> None:
    assert PACKAGE / "turns.py" in SOURCES and PACKAGE / "store" / "documents.py" in SOURCES
    assert len(SOURCES) > 30


@pytest.mark.parametrize("service", ["turns.py", "sessions.py", "uploads.py"])
def test_services_do_not_import_the_genai_sdk(service: str) -> None:
    imports = _imports(PACKAGE / service)
    assert not [name for name in imports if name.startswith("google.genai")], imports


def test_only_gemini_imports_the_genai_sdk() -> None:
    gemini = set((PACKAGE / "gemini").rglob("*.py"))
    assert _importing(("google.genai",), gemini) == []


def test_only_the_stores_and_the_composition_root_import_firestore() -> None:
    store = set((PACKAGE / "store").rglob("*.py"))
    firestore_modules = ("google.cloud.firestore", "firebase_admin.firestore")
    assert _importing(firestore_modules, store | COMPOSITION_ROOT) == []


def test_the_rules_would_catch_an_offender(tmp_path: Path) -> None:
    offender = tmp_path / "offender.py"
    offender.write_text("from google.cloud import firestore\nfrom google import genai\nimport google.genai.types\n")
    assert {"google.cloud.firestore", "google.genai", "google.genai.types"} <= _imports(offender)

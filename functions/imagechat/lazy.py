"""Modules imported on first use, so that a cold start (importing main.py) pays only for
firebase_functions: the handlers, the services and their SDKs (google.genai, Firestore, Storage,
Pillow) load with the first request that needs them."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module `name` and imports it on the first attribute access. Thread-safe:
    concurrent first uses wait on the import system's per-module lock and get the same module."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):  # probes (hasattr(x, "__wrapped__"), copy, inspect) do not import
            raise AttributeError(attr)
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

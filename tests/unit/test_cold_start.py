"""Cold start: importing main.py (what every new instance does) loads firebase_functions and our
declarations only; the SDKs come with the first request that needs them. Checked by which
modules a fresh interpreter holds, never by timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
HEAVY = ["google.genai", "PIL", "google.cloud.firestore", "google.cloud.storage", "imagechat.turns"]


def _loaded_after(code: str) -> dict[str, bool]:
    probe = f"import json, sys\n{code}\nprint(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    env = {**os.environ, "FIRESTORE_EMULATOR_HOST": "127.0.0.1:9", "GCLOUD_PROJECT": "demo-coldstart"}
    out = subprocess.run([sys.executable, "-c", probe], cwd=FUNCTIONS, env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    loaded: dict[str, bool] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def test_importing_main_loads_no_sdk_beyond_firebase_functions() -> None:
    # ... and still declares every function (the deploy reads them from this import).
    loaded = _loaded_after(
        "import main\nassert sum(hasattr(v, '__firebase_endpoint__') for v in vars(main).values()) > 30"
    )
    assert not any(loaded.values()), loaded


def test_a_request_that_calls_no_model_does_not_load_the_genai_sdk() -> None:
    # What a listSessions instance loads: the adapters, the stores and their clients, not google.genai.
    loaded = _loaded_after("import main\nfrom imagechat.web import callables, rest\nfrom imagechat.deps import deps\n"
                           "deps()")
    assert loaded["google.cloud.firestore"] and not loaded["google.genai"] and not loaded["imagechat.turns"], loaded


def test_the_model_gateway_loads_with_its_first_use() -> None:
    loaded = _loaded_after("import main\nfrom imagechat.deps import deps\ndeps().model")
    assert loaded["google.genai"], loaded

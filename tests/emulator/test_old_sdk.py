"""The emulator against an old SDK generation (google-genai 1.20: v1beta paths, camelCase keys).

The SDK is installed by pip into a throwaway venv, built once under pytest's tmp dir and then kept
at a stable path so reruns are fast. A failed install fails the test: it never skips.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from devtools.gemini_emulator import read_provenance
from tests.emulator.helpers import open_image
from tests.support.clients import GeminiControl as Control

OLD_VERSION = "1.20.0"
STABLE_VENV = Path("/tmp/imagechat-genai1-venv")
PIP_TIMEOUT_S = 600


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _usable(venv: Path) -> bool:
    if not _python(venv).exists():
        return False
    check = subprocess.run(
        [str(_python(venv)), "-c", f"import google.genai as g; assert g.__version__ == {OLD_VERSION!r}"],
        capture_output=True,
        timeout=60,
    )
    return check.returncode == 0


@pytest.fixture(scope="session")
def old_sdk_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if _usable(STABLE_VENV):
        return _python(STABLE_VENV)
    build = tmp_path_factory.mktemp("genai1") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(build)], check=True, timeout=120)
    install = subprocess.run(
        [
            str(_python(build)),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            f"google-genai=={OLD_VERSION}",
        ],
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT_S,
    )
    if install.returncode != 0:
        pytest.fail(f"pip could not install google-genai=={OLD_VERSION}:\n{install.stdout}\n{install.stderr}")
    if not _usable(build):
        pytest.fail(f"google-genai=={OLD_VERSION} installed but does not import")
    # Keep it for later runs. The venv is only ever used as `bin/python -m ...`, so moving it is safe.
    try:
        shutil.rmtree(STABLE_VENV, ignore_errors=True)
        os.rename(build, STABLE_VENV)
    except OSError:
        return _python(build)  # another run got there first; use ours
    return _python(STABLE_VENV) if _usable(STABLE_VENV) else _python(build)


SCRIPT = textwrap.dedent(
    """
    import base64, io, json, sys
    from google import genai
    from google.genai import types

    client = genai.Client(api_key="old-key", http_options=types.HttpOptions(base_url=sys.argv[1]))
    out = {}

    def image_of(response):
        for part in response.candidates[0].content.parts:
            if part.inline_data is not None:
                return part
        raise AssertionError("no image")

    config = types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"])
    generated = client.models.generate_content(model="gemini-2.5-flash-image", contents="a red kite", config=config)
    png = image_of(generated).inline_data.data
    out["generated"] = base64.b64encode(png).decode()
    out["text"] = generated.text

    uploaded = client.files.upload(file=io.BytesIO(png), config={"mime_type": "image/png", "display_name": "kite"})
    out["file"] = {
        "name": uploaded.name, "uri": uploaded.uri, "state": str(uploaded.state), "size": uploaded.size_bytes
    }
    edited = client.models.generate_content(
        model="gemini-2.5-flash-image",
        contents=[types.Part.from_uri(file_uri=uploaded.uri, mime_type="image/png"), "make it grayscale"],
        config=config,
    )
    out["edited"] = base64.b64encode(image_of(edited).inline_data.data).decode()
    out["listed"] = [f.name for f in client.files.list()]
    out["got"] = client.files.get(name=uploaded.name).display_name
    client.files.delete(name=uploaded.name)

    chat = client.chats.create(model="gemini-3-pro-image-preview", config=config)
    first = chat.send_message("a lighthouse")
    second = chat.send_message("invert it")
    out["chat"] = [base64.b64encode(image_of(r).inline_data.data).decode() for r in (first, second)]
    out["signed"] = bool(image_of(first).thought_signature)

    try:
        client.models.generate_content(model="no-such-model", contents="x")
    except Exception as exc:  # the old SDK's own error type
        out["error"] = [type(exc).__name__, getattr(exc, "code", None)]
    print(json.dumps(out))
    """
)


def test_old_sdk_generation_upload_and_chat(old_sdk_python: Path, emulator_url: str, control: Control) -> None:
    run = subprocess.run(
        [str(old_sdk_python), "-c", SCRIPT, emulator_url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/tmp",
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])

    generated = base64.b64decode(out["generated"])
    assert open_image(generated).size == (1024, 1024)
    assert read_provenance(generated)[0].startswith("generate:")
    assert out["file"]["name"].startswith("files/")
    assert out["file"]["state"].endswith("ACTIVE")
    assert out["file"]["size"] == len(generated)
    assert out["file"]["uri"] == f"{emulator_url}/v1beta/{out['file']['name']}"
    edited = base64.b64decode(out["edited"])
    assert read_provenance(edited) == [*read_provenance(generated), "grayscale"]
    assert out["listed"] == [out["file"]["name"]]
    assert out["got"] == "kite"
    first, second = (base64.b64decode(x) for x in out["chat"])
    assert out["signed"] is True
    assert read_provenance(second) == [*read_provenance(first), "invert"]
    assert out["error"] == ["ClientError", 404]

    log = control.requests()
    api_paths = [e["path"] for e in log if e["kind"] not in ("upload",)]
    assert all(p.startswith("/v1beta/") or p.startswith("/upload/v1beta/") for p in api_paths), api_paths
    model_calls = [e for e in log if e["kind"] == "generateContent"]
    assert model_calls and not any(e["snakeCaseKeys"] for e in model_calls)  # 1.20 speaks camelCase

"""The emulator against an old SDK generation (google-genai 1.20: v1beta paths, camelCase keys).

The SDK is installed by pip into a venv kept at a stable path keyed by SDK and Python version, so
reruns are fast. Every clone's test run shares it, so a file lock next to it guards it: building
(or rebuilding a broken one) takes the lock exclusively, using it takes it shared for the whole
session. A failed install fails the test: it never skips.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from devtools.gemini_emulator import read_provenance
from tests.emulator.helpers import open_image
from tests.support.clients import GeminiControl as Control

OLD_VERSION = "1.20.0"
PY_TAG = f"py{sys.version_info.major}{sys.version_info.minor}"
STABLE_VENV = Path(f"/tmp/imagechat-genai-{OLD_VERSION}-{PY_TAG}-venv")
PIP_TIMEOUT_S = 600
LOCK_TIMEOUT_S = PIP_TIMEOUT_S + 180  # another run may be installing


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _usable(venv: Path) -> bool:
    if not _python(venv).exists():
        return False
    check = subprocess.run(
        [str(_python(venv)), "-c", f"import google.genai as g; assert g.__version__ == {OLD_VERSION!r}"],
        capture_output=True,
        timeout=120,
    )
    return check.returncode == 0


def _build_old_sdk(venv: Path) -> None:
    """A fresh venv with the old SDK at `venv`; pytest.fail (never skip) when pip cannot install it."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run(
        [
            str(_python(venv)),
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


def _flock(handle: IO[str], mode: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                pytest.fail(f"could not lock {handle.name} within {timeout:.0f} s")
            time.sleep(0.2)


@contextmanager
def shared_venv(
    venv: Path,
    usable: Callable[[Path], bool],
    build: Callable[[Path], None],
    *,
    timeout: float = LOCK_TIMEOUT_S,
) -> Iterator[Path]:
    """The venv at `venv`, built (or rebuilt when broken) under an exclusive lock on `venv.lock`,
    then held with a shared lock while the caller uses it, so no other run replaces it meanwhile.
    A build goes to a scratch dir next to it and is renamed into place only once it is usable."""
    lock_path = venv.with_name(venv.name + ".lock")
    with open(lock_path, "a") as handle:
        try:
            _flock(handle, fcntl.LOCK_SH, timeout)
            if not usable(venv):
                fcntl.flock(handle, fcntl.LOCK_UN)
                _flock(handle, fcntl.LOCK_EX, timeout)
                if not usable(venv):  # nobody fixed it while we waited: (re)build it
                    scratch = venv.with_name(f"{venv.name}.build-{os.getpid()}-{threading.get_ident()}")
                    shutil.rmtree(scratch, ignore_errors=True)
                    try:
                        build(scratch)
                        if not usable(scratch):
                            pytest.fail(f"the venv built at {scratch} is not usable")
                        shutil.rmtree(venv, ignore_errors=True)
                        os.rename(scratch, venv)
                    finally:
                        shutil.rmtree(scratch, ignore_errors=True)
                _flock(handle, fcntl.LOCK_SH, timeout)  # downgrade: others may use it too now
            yield venv
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def old_sdk_python() -> Iterator[Path]:
    with shared_venv(STABLE_VENV, _usable, _build_old_sdk) as venv:
        yield _python(venv)


# -- the shared-venv guard, with a fake build ----------------------------------------------------


def _fake_venv_tools(
    builds: list[Path], *, fail: bool = False
) -> tuple[Callable[[Path], bool], Callable[[Path], None]]:
    def usable(venv: Path) -> bool:
        return (venv / "ok").is_file()

    def build(venv: Path) -> None:
        builds.append(venv)
        venv.mkdir()
        time.sleep(0.2)  # long enough for concurrent runs to pile up on the lock
        if fail:
            pytest.fail("pip could not install the package")
        (venv / "ok").write_text("built")

    return usable, build


def test_concurrent_runs_build_the_shared_venv_once(tmp_path: Path) -> None:
    venv = tmp_path / "genai-venv"
    builds: list[Path] = []
    usable, build = _fake_venv_tools(builds)
    seen: list[bool] = []

    def run() -> None:
        with shared_venv(venv, usable, build, timeout=30) as path:
            seen.append(usable(path))
            time.sleep(0.05)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen == [True] * 8
    assert len(builds) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["genai-venv", "genai-venv.lock"]


def test_a_broken_shared_venv_is_rebuilt(tmp_path: Path) -> None:
    venv = tmp_path / "genai-venv"
    (venv / "bin").mkdir(parents=True)  # half a venv, e.g. from an interrupted run
    builds: list[Path] = []
    usable, build = _fake_venv_tools(builds)
    with shared_venv(venv, usable, build, timeout=30) as path:
        assert path == venv and usable(venv)
        assert not (venv / "bin").exists()
    with shared_venv(venv, usable, build, timeout=30):
        pass
    assert len(builds) == 1  # a usable one is reused


def test_a_failed_install_fails_and_leaves_nothing_half_built(tmp_path: Path) -> None:
    venv = tmp_path / "genai-venv"
    builds: list[Path] = []
    usable, build = _fake_venv_tools(builds, fail=True)
    with pytest.raises(pytest.fail.Exception), shared_venv(venv, usable, build, timeout=30):
        pass
    assert len(builds) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["genai-venv.lock"]
    with pytest.raises(pytest.fail.Exception), shared_venv(venv, usable, build, timeout=30):
        pass  # tried again next time, and fails again: never a skip
    assert len(builds) == 2


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

"""`make dev`'s launcher and the functions host, as a developer and the client SDKs meet them."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from devtools.functions_host import SOURCE, function_names
from devtools.stack import ROOT, Stack

CALLABLES = {"createSession", "listSessions", "getSession", "updateSession", "deleteSession", "sendMessage",
             "uploadTempImage"}


def test_main_declares_the_rest_function_and_every_callable() -> None:
    spec = importlib.util.spec_from_file_location("imagechat_main_under_test", SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = set(function_names(module))
    assert "api" in names
    assert names >= CALLABLES, f"missing callables: {CALLABLES - names}"


def test_health_answers_json_through_the_api_rewrite(stack: Stack) -> None:
    response = requests.get(f"{stack.api_url}/api/health", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["status"] == "ok"


def test_each_callable_is_where_connect_functions_emulator_looks(stack: Stack) -> None:
    # Without an ID token every callable must refuse with the callable protocol's error shape.
    for name in sorted(CALLABLES):
        response = requests.post(stack.callable_url(name), json={"data": {}}, timeout=10)
        assert response.status_code == 401, (name, response.status_code, response.text)
        assert response.json()["error"]["status"] == "UNAUTHENTICATED", name


def test_unknown_paths_are_404(stack: Stack) -> None:
    response = requests.get(f"{stack.functions_url}/{stack.project_id}/us-central1/noSuchFunction", timeout=10)
    assert response.status_code == 404


def _descendants(pid: int) -> set[int]:
    """Every process below `pid`, found through /proc (children may start their own sessions)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_make_dev_prints_api_ready_serves_health_and_leaves_no_orphans(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.stack", "--free-ports", "--work-dir", str(tmp_path)],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "GEMINI_API_KEY"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        url = None
        deadline = time.monotonic() + 120
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            match = re.fullmatch(r"API ready at (http://127\.0\.0\.1:\d+)\n", line)
            url = match.group(1) if match else None
        assert url, "no 'API ready at' line:\n" + "".join(lines)
        assert requests.get(f"{url}/api/health", timeout=10).status_code == 200
        children = _descendants(process.pid)
        assert len(children) >= 5, f"expected the emulators and the functions below the launcher, got {children}"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    assert process.returncode == 0
    time.sleep(0.5)
    leftovers = {pid for pid in children if _alive(pid)}
    assert not leftovers, f"processes left running after Ctrl-C: {leftovers}"

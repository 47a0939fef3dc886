"""`make dev`'s launcher and the functions host, as a developer and the client SDKs meet them."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import queue
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from devtools.functions_host import SOURCE, function_names
from devtools.stack import ROOT, Stack

CALLABLES = {"createSession", "listSessions", "getSession", "updateSession", "deleteSession", "sendMessage",
             "uploadTempImage", "setHead", "regenerateTurn", "deleteTurn", "createProjectFromSession", "listProjects",
             "getProject", "updateProject", "deleteProject"}
# Cancel a running message (issue 15).
CALLABLES |= {"cancelTurn"}
# The image library and prompt presets (issue 10).
CALLABLES |= {"saveToLibrary", "listLibrary", "getLibraryImage", "renameLibraryImage", "deleteLibraryImage",
              "listPresets", "createPreset", "updatePreset", "deletePreset"}
CALLABLES |= {"editImage"}
# Identity image chat (seeds 001/002).
CALLABLES |= {"startIdentityChat", "continueIdentityChat", "editIdentityImage", "identityChatStatus",
              "listIdentities", "getIdentity", "createIdentity", "updateIdentity", "deleteIdentity",
              "uploadReferenceImage", "listReferenceImages", "deleteReferenceImage", "getMe", "updateMe"}
# Deleting an account's data (issue 14).
CALLABLES |= {"deleteAccountData"}


def test_main_declares_the_rest_function_and_every_callable() -> None:
    spec = importlib.util.spec_from_file_location("imagechat_main_under_test", SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = set(function_names(module))
    assert "api" in names
    assert names >= CALLABLES, f"missing callables: {CALLABLES - names}"
    # The daily lifecycle sweep: a Cloud Scheduler job, not a callable.
    sweep = module.sweepExpiredData.__firebase_endpoint__
    assert sweep.scheduleTrigger["schedule"] == "every day 03:30" and sweep.scheduleTrigger["timeZone"] == "Etc/UTC"


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
    for path in (f"/{stack.project_id}/us-central1/noSuchFunction", "/nowhere", "/nowhere%0A"):
        response = requests.get(f"{stack.functions_url}{path}", timeout=10)
        assert response.status_code == 404
        assert response.json()["error"]["status"] == "NOT_FOUND"  # JSON, not an HTML page


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


class MakeDev:
    """`make dev` as a developer runs it, in its own process group like a terminal's job."""

    def __init__(self, work_dir: Path) -> None:
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "dev", f"STACK_ARGS=--free-ports --work-dir {work_dir}"],
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k != "GEMINI_API_KEY"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 120) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            if match := re.fullmatch(pattern, line.rstrip("\n")):
                return match
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s:\n" + "".join(self.seen))

    def stop(self, how: str) -> int:
        """Ctrl-C in a terminal signals the whole foreground group; SIGTERM goes to make alone."""
        if how == "ctrl-c":
            os.killpg(self.process.pid, signal.SIGINT)
        else:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.reader.join(timeout=10)
            while not self.lines.empty():
                self.seen.append(self.lines.get())


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_make_dev_prints_api_ready_serves_health_and_leaves_no_orphans(tmp_path: Path, how: str) -> None:
    dev = MakeDev(tmp_path)
    try:
        url = dev.wait_for(r"API ready at (http://127\.0\.0\.1:\d+)").group(1)
        health = requests.get(f"{url}/api/health", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        children = _descendants(dev.process.pid)
        assert len(children) >= 6, f"expected the launcher, the emulators and the functions, got {children}"
    finally:
        returncode = dev.stop(how)
    # make exits 0, or 2 or by the signal itself when interrupted: what matters is that it exits.
    assert returncode in (0, 2, -signal.SIGINT, -signal.SIGTERM), returncode
    time.sleep(0.5)
    leftovers = {pid for pid in children if _alive(pid)}
    assert not leftovers, f"processes left running after {how}: {leftovers}"


def test_ctrl_c_during_start_up_stops_without_finishing_it_and_leaves_no_orphans(tmp_path: Path) -> None:
    dev = MakeDev(tmp_path)
    try:
        dev.wait_for(r"starting the stack .*")
        time.sleep(1.0)  # the services are starting now
        children = _descendants(dev.process.pid)
        assert len(children) >= 3, children
    finally:
        dev.stop("ctrl-c")
    assert any("stopped during start-up" in line for line in dev.seen), "".join(dev.seen)
    assert not any("API ready at" in line for line in dev.seen)
    time.sleep(0.5)
    leftovers = {pid for pid in children if _alive(pid)}
    assert not leftovers, f"processes left running after Ctrl-C during start-up: {leftovers}"

"""firebase-tools itself finds and runs the Python functions: the proof that `firebase deploy`
and `firebase emulators:start` see what devtools.functions_host serves."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from google.cloud import firestore

from devtools.stack import ROOT, Stack, firebase_cli, free_ports

# Runs inside `firebase emulators:exec`, which exports FIREBASE_AUTH_EMULATOR_HOST.
CLIENT_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, requests
    auth = "http://" + os.environ["FIREBASE_AUTH_EMULATOR_HOST"]
    account = requests.post(auth + "/identitytoolkit.googleapis.com/v1/accounts:signUp",
                            params={"key": "fake-api-key"},
                            json={"email": "exec@example.com", "password": "secret123",
                                  "returnSecureToken": True}).json()
    url = sys.argv[1]
    anonymous = requests.post(url, json={"data": {}})
    created = requests.post(url, json={"data": {"title": "From firebase-tools"}},
                            headers={"Authorization": "Bearer " + account["idToken"]})
    result = {"anonymous": anonymous.status_code, "status": created.status_code,
              "body": created.json(), "uid": account["localId"]}
    # To a file: firebase-tools writes its own log lines into the same stdout, even mid-line.
    with open(sys.argv[2], "w") as out:
        json.dump(result, out)
    print("RESULT written")
    """
)


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    time.sleep(0.2)


def test_firebase_emulators_exec_loads_the_python_functions(
    stack: Stack, firestore_db: firestore.Client, tmp_path: Path
) -> None:
    functions_port, hub_port, logging_port, auth_port = free_ports(4)
    config_dir = ROOT / ".stack" / f"exec-{functions_port}"  # inside the project: firebase wants that
    config_dir.mkdir(parents=True, exist_ok=True)
    config = {
        "functions": [{"source": os.path.relpath(ROOT / "functions", config_dir), "codebase": "default",
                       "runtime": "python311", "ignore": ["venv", "__pycache__"]}],
        "emulators": {
            "functions": {"host": "127.0.0.1", "port": functions_port},
            "auth": {"host": "127.0.0.1", "port": auth_port},
            "hub": {"host": "127.0.0.1", "port": hub_port},
            "logging": {"host": "127.0.0.1", "port": logging_port},
            "ui": {"enabled": False},
            "singleProjectMode": True,
        },
    }
    (config_dir / "firebase.json").write_text(json.dumps(config))
    script = tmp_path / "client.py"
    script.write_text(CLIENT_SCRIPT)
    result_file = tmp_path / "result.json"
    url = f"http://127.0.0.1:{functions_port}/{stack.project_id}/us-central1/createSession"
    env = {
        **os.environ,
        "CI": "true",
        # Firestore and Storage come from the test stack; firebase-tools passes them through.
        **{k: v for k, v in stack.env.items() if k != "FIREBASE_AUTH_EMULATOR_HOST"},
    }
    env.pop("FIREBASE_AUTH_EMULATOR_HOST", None)
    # Its own process group: firebase-tools leaves functions-framework workers behind on exit.
    process = subprocess.Popen(
        [str(firebase_cli()), "emulators:exec", "--only", "functions,auth", "--project", stack.project_id,
         "--config", str(config_dir / "firebase.json"), f"{sys.executable} {script} {url} {result_file}"],
        cwd=config_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=240)
    finally:
        _kill_group(process.pid)
        shutil.rmtree(config_dir, ignore_errors=True)
    assert not _group_members(process.pid), "firebase-tools' processes outlived the test"
    assert process.returncode == 0, output[-4000:]
    # The scheduled sweep is discovered too; without a Pub/Sub emulator firebase-tools lists it as ignored.
    assert "sweepExpiredData" in output, output[-4000:]
    assert result_file.exists(), output[-4000:]
    result = json.loads(result_file.read_text())
    assert result["anonymous"] == 401
    assert result["status"] == 200, result
    session = result["body"]["result"]["session"]
    assert session["title"] == "From firebase-tools"
    stored = firestore_db.document(f"users/{result['uid']}/chatSessions/{result['body']['result']['id']}").get()
    assert stored.exists and stored.get("title") == "From firebase-tools"

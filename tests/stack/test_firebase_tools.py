"""firebase-tools itself finds and runs the Python functions: the proof that `firebase deploy`
and `firebase emulators:start` see what devtools.functions_host serves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from google.cloud import firestore

from devtools.stack import ROOT, Stack, firebase_cli, free_port

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
    print("RESULT " + json.dumps({"anonymous": anonymous.status_code, "status": created.status_code,
                                  "body": created.json(), "uid": account["localId"]}))
    """
)


def test_firebase_emulators_exec_loads_the_python_functions(
    stack: Stack, firestore_db: firestore.Client, tmp_path: Path
) -> None:
    functions_port, hub_port, logging_port, auth_port = (free_port() for _ in range(4))
    config_dir = ROOT / ".stack" / f"exec-{functions_port}"
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
    url = f"http://127.0.0.1:{functions_port}/{stack.project_id}/us-central1/createSession"
    env = {
        **os.environ,
        "CI": "true",
        # Firestore and Storage come from the test stack; firebase-tools passes them through.
        **{k: v for k, v in stack.env.items() if k != "FIREBASE_AUTH_EMULATOR_HOST"},
    }
    env.pop("FIREBASE_AUTH_EMULATOR_HOST", None)
    completed = subprocess.run(
        [str(firebase_cli()), "emulators:exec", "--only", "functions,auth", "--project", stack.project_id,
         "--config", str(config_dir / "firebase.json"), f"{sys.executable} {script} {url}"],
        cwd=config_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    result_lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
    assert result_lines, output[-4000:]
    result = json.loads(result_lines[-1].removeprefix("RESULT "))
    assert result["anonymous"] == 401
    assert result["status"] == 200, result
    session = result["body"]["result"]["session"]
    assert session["title"] == "From firebase-tools"
    stored = firestore_db.document(f"users/{result['uid']}/chatSessions/{result['body']['result']['id']}").get()
    assert stored.exists and stored.get("title") == "From firebase-tools"

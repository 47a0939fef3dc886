"""`make demo`: a scripted three-turn edit against a running `make dev`.

Signs up a demo user on the Auth emulator, creates a session, generates an image and edits it
twice through the REST API, saves every output under out/ and prints a table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from devtools.stack import ROOT, Ports

PROMPTS = [
    "A lighthouse on a cliff at sunset",
    "Make the lighting warmer",
    "Now make it black and white and add a border",
]


def sign_up(auth_url: str) -> str:
    reply = requests.post(
        f"{auth_url}/identitytoolkit.googleapis.com/v1/accounts:signUp",
        params={"key": "fake-api-key"},
        json={"email": f"demo-{uuid.uuid4().hex[:8]}@example.com", "password": "demo-password",
              "returnSecureToken": True},
        timeout=10,
    )
    reply.raise_for_status()
    token: str = reply.json()["idToken"]
    return token


def total_tokens(usage: dict[str, Any] | None) -> int:
    usage = usage or {}
    for key in ("totalTokenCount", "totalTokens", "total"):
        if key in usage:
            return int(usage[key])
    return 0


def main() -> int:
    ports = Ports.from_firebase_json()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api", default=f"http://127.0.0.1:{ports.functions}", help="where `make dev` serves the API")
    parser.add_argument("--auth", default=f"http://127.0.0.1:{ports.auth}", help="the Auth emulator")
    parser.add_argument("--out", default=str(ROOT / "out"), help="where to save the images")
    args = parser.parse_args()

    try:
        requests.get(f"{args.api}/api/health", timeout=5).raise_for_status()
    except requests.RequestException as exc:
        print(f"no API at {args.api} ({exc}). Start it with `make dev` in another terminal.", file=sys.stderr)
        return 1

    headers = {"Authorization": f"Bearer {sign_up(args.auth)}"}
    created = requests.post(f"{args.api}/api/chat/sessions", headers=headers,
                            json={"title": "make demo", "aspectRatio": "16:9"}, timeout=30)
    created.raise_for_status()
    session_id = created.json()["id"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    rows = []
    for number, prompt in enumerate(PROMPTS, start=1):
        started = time.monotonic()
        reply = requests.post(f"{args.api}/api/chat/sessions/{session_id}/message", headers=headers,
                              json={"text": prompt}, timeout=300)
        seconds = time.monotonic() - started
        body = reply.json()
        if reply.status_code != 200:
            print(f"turn {number} failed: {reply.status_code} {json.dumps(body)}", file=sys.stderr)
            return 1
        turn = body["turn"]
        size = "-"
        for index, image in enumerate(turn.get("images", [])):
            data = requests.get(image["publicUrl"], timeout=30)
            data.raise_for_status()
            path = out / f"turn{number}-{index}.png"
            path.write_bytes(data.content)
            size = f"{image.get('width')}x{image.get('height')}"
        status = turn.get("status", "complete")
        rows.append((number, status, f"{seconds:.2f}", total_tokens(turn.get("usage")), size, prompt))

    print(f"session {session_id}; images in {out}")
    print(f"{'turn':>4}  {'status':<9} {'seconds':>7}  {'tokens':>6}  {'image':<10} prompt")
    for number, status, seconds_text, tokens, size, prompt in rows:
        print(f"{number:>4}  {status:<9} {seconds_text:>7}  {tokens:>6}  {size:<10} {prompt}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

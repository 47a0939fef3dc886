"""Clients the tests act through: a signed-in user over REST and the callable protocol, and the
control API of the Gemini emulator. Everything goes over real HTTP to the running stack."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

import requests

from devtools.stack import Stack

_user_numbers = itertools.count(1)
FAKE_API_KEY = "fake-api-key"  # the Auth emulator accepts any key


@dataclass
class ApiClient:
    """One caller of the API: `id_token` is None for the anonymous client."""

    stack: Stack
    uid: str | None
    id_token: str | None
    email: str | None = None
    # Another functions host of the same stack to call (another deployment setting); None: the stack's.
    functions_url: str | None = None

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = dict(headers or {})
        if self.id_token:
            merged.setdefault("Authorization", f"Bearer {self.id_token}")
        return merged

    def rest(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        files: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """A REST call, e.g. `rest("POST", "/api/chat/sessions", json={...})`."""
        return requests.request(
            method,
            f"{self.functions_url or self.stack.api_url}{path}",
            json=json,
            params=params,
            files=files,
            data=data,
            headers=self._headers(headers),
            timeout=120,
        )

    def call(self, name: str, data: Any = None, *, headers: dict[str, str] | None = None) -> requests.Response:
        """A callable, as the Firebase client SDKs send it: POST {"data": ...}."""
        url = self.stack.callable_url(name)
        if self.functions_url:
            url = url.replace(self.stack.functions_url, self.functions_url, 1)
        return requests.post(
            url,
            json={"data": data},
            headers=self._headers({"Content-Type": "application/json", **(headers or {})}),
            timeout=120,
        )

    def call_result(self, name: str, data: Any = None) -> Any:
        """The callable's `result`; fails the test with the error body otherwise."""
        response = self.call(name, data)
        body = response.json()
        assert response.status_code == 200 and "result" in body, f"{name} failed: {response.status_code} {body}"
        return body["result"]


class AuthEmulator:
    """Signs users up on the Firebase Auth emulator and mints real ID tokens."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.base = f"http://{stack.auth_host}"

    def sign_up(self, *, admin: bool = False) -> ApiClient:
        email = f"user{next(_user_numbers)}@example.com"
        password = "correct horse battery staple"
        reply = self._post("/identitytoolkit.googleapis.com/v1/accounts:signUp", {
            "email": email, "password": password, "returnSecureToken": True})
        uid = reply["localId"]
        if admin:
            self._post(f"/identitytoolkit.googleapis.com/v1/projects/{self.stack.project_id}/accounts:update",
                       {"localId": uid, "customAttributes": json.dumps({"admin": True})},
                       headers={"Authorization": "Bearer owner"})
            # Custom claims appear in tokens minted after they were set: sign in again.
        signed_in = self._post("/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword", {
            "email": email, "password": password, "returnSecureToken": True})
        return ApiClient(self.stack, uid, signed_in["idToken"], email)

    def reset(self) -> None:
        url = f"{self.base}/emulator/v1/projects/{self.stack.project_id}/accounts"
        requests.delete(url, timeout=10).raise_for_status()

    def _post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = requests.post(f"{self.base}{path}", params={"key": FAKE_API_KEY}, json=body,
                                 headers=headers or {}, timeout=10)
        assert response.status_code == 200, f"auth emulator {path}: {response.status_code} {response.text}"
        result: dict[str, Any] = response.json()
        return result


class GeminiControl:
    """The Gemini emulator's control API (/_emulator/...): what tests inspect and inject."""

    def __init__(self, base_url: str) -> None:
        self.base = f"{base_url}/_emulator"

    def reset(self) -> None:
        """Back to a quiet emulator: first waits (bounded) for calls still in flight — a cancelled or
        abandoned turn's model call finishes at the emulator after its test — so that they cannot
        land in the next test's request log."""
        deadline = time.monotonic() + 30
        while self.in_flight() and time.monotonic() < deadline:
            time.sleep(0.1)
        requests.post(f"{self.base}/reset", timeout=10).raise_for_status()

    def config(self, **settings: Any) -> dict[str, Any]:
        """Partial update, e.g. `config(latencyMs=500)`, `config(payload="realistic")`; returns the config."""
        response = requests.post(f"{self.base}/config", json=settings, timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def faults(self, *faults: dict[str, Any]) -> list[dict[str, Any]]:
        """Arms faults (each `{"on", "status", "times", ...}`); returns every pending fault."""
        response = requests.post(f"{self.base}/faults", json={"faults": list(faults)}, timeout=10)
        response.raise_for_status()
        pending: list[dict[str, Any]] = response.json()["faults"]
        return pending

    def requests(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The request log, oldest first; only entries of `kind` when given."""
        response = requests.get(f"{self.base}/requests", timeout=10)
        response.raise_for_status()
        entries: list[dict[str, Any]] = response.json()["requests"]
        return [e for e in entries if kind is None or e["kind"] == kind]

    def in_flight(self) -> list[str]:
        """The kinds of the requests the emulator is serving right now (e.g. a model call held by
        `latencyMs`)."""
        response = requests.get(f"{self.base}/inflight", timeout=10)
        response.raise_for_status()
        kinds: list[str] = response.json()["inFlight"]
        return kinds

    def expire_interactions(self, interaction_id: str | None = None) -> int:
        """Forgets one stored interaction now, as if its retention had run out (all when
        `interaction_id` is None); returns how many. A later get or continuation answers 404."""
        body = {"id": interaction_id} if interaction_id else {}
        response = requests.post(f"{self.base}/interactions/expire", json=body, timeout=10)
        response.raise_for_status()
        expired: int = response.json()["expired"]
        return expired

    def interactions(self) -> list[dict[str, Any]]:
        """The stored interactions still alive: `{id, model, status, previousInteractionId,
        background, historySteps, created, expireTime}` each."""
        response = requests.get(f"{self.base}/interactions", timeout=10)
        response.raise_for_status()
        stored: list[dict[str, Any]] = response.json()["interactions"]
        return stored

    def expire_files(self, name: str | None = None) -> int:
        """Expires one uploaded file now (all when `name` is None); returns how many."""
        response = requests.post(f"{self.base}/files/expire", json={"name": name} if name else {}, timeout=10)
        response.raise_for_status()
        expired: int = response.json()["expired"]
        return expired


def reset_firestore(stack: Stack) -> None:
    url = f"http://{stack.firestore_host}/emulator/v1/projects/{stack.project_id}/databases/(default)/documents"
    # The emulator's first reset after its start can take over 10 s on a loaded 2-core machine.
    requests.delete(url, timeout=60).raise_for_status()


def reset_storage(stack: Stack) -> None:
    requests.get(f"{stack.storage_host}/wipe", params={"keep-buckets": "true"}, timeout=10).raise_for_status()

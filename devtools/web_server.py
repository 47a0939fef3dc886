"""Serves the built web app (public/) the way Firebase Hosting does, for the offline stack.

- static files from `--root`, `/` → `index.html`, anything else missing → 404 (no SPA rewrite:
  the app keeps its state in the URL fragment, as firebase.json has no catch-all rewrite);
- `/api/**` proxied to the functions host, as the Hosting rewrite `/api/**` → `api` does;
- `/__/firebase/init.json`: what Hosting's reserved URL returns for a project, plus an
  `emulators` key naming where the local emulators listen. The app connects to them only when
  that key is there, so one build works locally and deployed.

firebase-tools' own Hosting emulator cannot do this offline: it forwards function rewrites to
production unless its Functions emulator runs, and this stack serves the functions itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import mimetypes
import sys
import urllib.parse
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from devtools.serving import serve_until_stopped

INIT_JSON = "/__/firebase/init.json"
API_PREFIX = "/api"
# A send runs the model (up to the functions' 300 s turn deadline): never cut it short here.
PROXY_TIMEOUT_S = 330.0
# Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host"}
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/json", ".map")
mimetypes.add_type("image/webp", ".webp")


def init_json(project_id: str, bucket: str, *, auth: str, firestore: str) -> dict[str, object]:
    """Hosting's init.json for a demo project (the Auth emulator accepts any API key)."""
    return {
        "projectId": project_id,
        "apiKey": "fake-api-key",
        "authDomain": f"{project_id}.firebaseapp.com",
        "storageBucket": bucket,
        "appId": "1:000000000000:web:0000000000000000",  # App Check's debug exchange names the app
        "emulators": {"auth": f"http://{auth}", "firestore": firestore},
        # Not Hosting's: App Check stays off locally. It has no emulator, and once started the
        # Firebase SDKs (Auth, Firestore) wait for its token, whose debug exchange with Google never
        # answers offline. `{"debug": true}` here starts it with the debug provider (a deployment
        # registered for it; tests/web/test_app_check.py serves it so and answers the exchange).
    }


class WebHandler(BaseHTTPRequestHandler):
    root: Path
    api_host: str
    api_port: int
    config: bytes
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        # To stdout (the stack's log file for this service), not stderr.
        print(format % args, flush=True)

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            self._proxy()
        elif self.command not in ("GET", "HEAD"):
            self._send(405, b"Method not allowed", "text/plain")
        elif path == INIT_JSON:
            self._send(200, self.config, "application/json", cache="no-store")
        else:
            self._static(path)

    def _static(self, path: str) -> None:
        relative = urllib.parse.unquote(path).lstrip("/") or "index.html"
        file = (self.root / relative).resolve()
        if file.is_dir():
            file = file / "index.html"
        if not file.is_relative_to(self.root) or not file.is_file():
            self._send(404, b"Not found", "text/plain")
            return
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        # Like Hosting's default: revalidate, so a rebuilt app shows on the next reload.
        self._send(200, file.read_bytes(), content_type, cache="no-cache")

    def _proxy(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        connection = http.client.HTTPConnection(self.api_host, self.api_port, timeout=PROXY_TIMEOUT_S)
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except OSError as exc:
            self._send(502, f"The functions host did not answer: {exc}".encode(), "text/plain")
            return
        finally:
            connection.close()
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _send(self, status: int, body: bytes, content_type: str, *, cache: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if cache:
            self.send_header("Cache-Control", cache)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def make_server(host: str, port: int, *, root: Path, api_url: str, config: dict[str, object]) -> ThreadingHTTPServer:
    api = urllib.parse.urlsplit(api_url)
    handler = type("BoundWebHandler", (WebHandler,), {
        "root": root.resolve(),
        "api_host": api.hostname or "127.0.0.1",
        "api_port": api.port or 80,
        "config": json.dumps(config).encode(),
    })
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--root", required=True, help="the built app (firebase.json's hosting.public)")
    parser.add_argument("--api", required=True, help="where /api/** goes: the functions host's URL")
    parser.add_argument("--config", required=True, help="JSON served at " + INIT_JSON)
    args = parser.parse_args(list(argv) if argv is not None else None)

    root = Path(args.root)
    if not (root / "index.html").is_file():
        print(f"{root}/index.html is missing: build the app first (make install).", file=sys.stderr, flush=True)
        return 1
    server = make_server(args.host, args.port, root=root, api_url=args.api, config=json.loads(args.config))
    return serve_until_stopped(server, f"web app on http://{args.host}:{args.port}")


if __name__ == "__main__":
    sys.exit(main())

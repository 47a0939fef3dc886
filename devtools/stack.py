"""The local stack: real emulators plus the functions, all on 127.0.0.1.

`python -m devtools.stack` (what `make dev` runs) starts everything with the ports of
firebase.json, prints `API ready at <url>` once every service answers, and stops every child
on Ctrl-C or SIGTERM. The test fixtures use `Stack` with free ports instead.

Services, started in parallel:
- firestore: the real Cloud Firestore emulator jar shipped with the Google Cloud CLI
  (firebase-tools' own when the jar is missing);
- auth: the Firebase Auth emulator from firebase-tools (node_modules, pinned in package.json);
- storage: gcp-storage-emulator (PyPI), reached through STORAGE_EMULATOR_HOST;
- gemini: devtools.gemini_emulator, unless GEMINI_API_KEY is set (then the real API is used);
- functions: devtools.functions_host, which serves functions/main.py with functions-framework;
- web: devtools.web_server, the built app (public/) with Hosting's `/api/**` rewrite to the functions.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field, fields
from pathlib import Path

from devtools.web_server import INIT_JSON, init_json

ROOT = Path(__file__).resolve().parent.parent
PROJECT_ID = "demo-imagechat"
REGION = "us-central1"
BUCKET = f"{PROJECT_ID}.appspot.com"
HOST = "127.0.0.1"
# Generous: on a loaded 2-core machine (several stacks starting at once) firebase-tools' auth
# emulator alone has taken over 90 s to come up; an idle machine needs 10–30 s.
READY_TIMEOUT_S = 240.0


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports: every socket stays bound until all are picked."""
    with contextlib.ExitStack() as sockets:
        ports = []
        for _ in range(count):
            sock = sockets.enter_context(socket.socket())
            sock.bind((HOST, 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def free_port() -> int:
    return free_ports(1)[0]


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
        return False


def _die_with_parent() -> None:
    """Runs in each child before exec: the kernel sends it SIGTERM when the launcher dies, even
    by SIGKILL, so an aborted `make test` or `make dev` leaves no emulator behind."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass(frozen=True)
class Ports:
    firestore: int
    auth: int
    storage: int
    gemini: int
    functions: int
    hub: int
    logging: int
    web: int

    @classmethod
    def from_firebase_json(cls) -> Ports:
        emulators = json.loads((ROOT / "firebase.json").read_text())["emulators"]
        return cls(
            firestore=emulators["firestore"]["port"],
            auth=emulators["auth"]["port"],
            storage=emulators["storage"]["port"],
            gemini=8765,
            functions=emulators["functions"]["port"],
            hub=emulators["hub"]["port"],
            logging=emulators["logging"]["port"],
            web=emulators["hosting"]["port"],
        )

    @classmethod
    def free(cls) -> Ports:
        return cls(*free_ports(len(fields(cls))))


def firestore_jar() -> Path | None:
    """The Cloud Firestore emulator jar of the Google Cloud CLI, if this machine has one."""
    gcloud = shutil.which("gcloud")
    if not gcloud:
        return None
    sdk_root = Path(os.path.realpath(gcloud)).parent.parent
    jar = sdk_root / "platform" / "cloud-firestore-emulator" / "cloud-firestore-emulator.jar"
    return jar if jar.is_file() else None


def firebase_cli() -> Path:
    cli = ROOT / "node_modules" / ".bin" / "firebase"
    if not cli.exists():
        raise RuntimeError("firebase-tools is not installed: run `make install` (npm ci).")
    return cli


@dataclass
class Service:
    name: str
    argv: list[str]
    ready_url: str
    env: dict[str, str] = field(default_factory=dict)
    unset: tuple[str, ...] = ()  # variables of the launcher's environment the service must not see
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    def start(self, log_dir: Path, *, append: bool = False) -> None:
        self.log_path = log_dir / f"{self.name}.log"
        log = self.log_path.open("ab" if append else "wb")
        env = {k: v for k, v in {**os.environ, **self.env}.items() if k not in self.unset}
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() kills the whole tree
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        log.close()

    def wait_ready(self, deadline: float) -> None:
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers HTTP: it is up
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} was not ready within {READY_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=8)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
            except ProcessLookupError:
                pass
        # Children that outlived their leader (java, node workers) share the group: sweep it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


class Stack:
    """Starts and stops the whole local stack; exposes where each part listens."""

    def __init__(
        self,
        ports: Ports,
        work_dir: Path,
        *,
        use_real_gemini: bool | None = None,
        gemini_payload: str | None = None,
        functions_env: dict[str, str] | None = None,
        storage_dir: Path | None = None,
    ) -> None:
        """`gemini_payload` ("small" | "realistic") is passed to the Gemini emulator as `--payload`;
        None lets the emulator decide (GEMINI_EMULATOR_PAYLOAD, else small). `functions_env` adds
        settings for the functions only (e.g. the tests' own quotas, IMAGECHAT_TURNS_PER_*, or a short
        `IMAGECHAT_LEASE_TTL_S`). `storage_dir` keeps the Storage emulator's objects on disk there (in
        memory when None), so that it can be stopped and started again without losing them."""
        self.ports = ports
        self.work_dir = work_dir
        self.use_real_gemini = bool(os.environ.get("GEMINI_API_KEY")) if use_real_gemini is None else use_real_gemini
        self.gemini_payload = gemini_payload
        self.functions_env = dict(functions_env or {})
        self.storage_dir = storage_dir
        self.services: list[Service] = []

    # Where things are -------------------------------------------------------------------
    @property
    def project_id(self) -> str:
        return PROJECT_ID

    @property
    def bucket(self) -> str:
        return BUCKET

    @property
    def functions_url(self) -> str:
        return f"http://{HOST}:{self.ports.functions}"

    @property
    def api_url(self) -> str:
        """Where `/api/...` is served, as behind the Hosting rewrite: locally, the functions host."""
        return self.functions_url

    def callable_url(self, name: str) -> str:
        return f"{self.functions_url}/{PROJECT_ID}/{REGION}/{name}"

    @property
    def web_url(self) -> str:
        """The web app, served as Hosting serves it (with the `/api/**` rewrite)."""
        return f"http://{HOST}:{self.ports.web}"

    @property
    def firestore_host(self) -> str:
        return f"{HOST}:{self.ports.firestore}"

    @property
    def auth_host(self) -> str:
        return f"{HOST}:{self.ports.auth}"

    @property
    def storage_host(self) -> str:
        return f"http://{HOST}:{self.ports.storage}"

    @property
    def gemini_url(self) -> str:
        return f"http://{HOST}:{self.ports.gemini}"

    @property
    def env(self) -> dict[str, str]:
        """The environment the functions get: the standard emulator variables."""
        env = {
            "GCLOUD_PROJECT": PROJECT_ID,
            "GOOGLE_CLOUD_PROJECT": PROJECT_ID,
            "FIREBASE_CONFIG": json.dumps({"projectId": PROJECT_ID, "storageBucket": BUCKET}),
            "FIRESTORE_EMULATOR_HOST": self.firestore_host,
            "FIREBASE_AUTH_EMULATOR_HOST": self.auth_host,
            "STORAGE_EMULATOR_HOST": self.storage_host,
            "FUNCTIONS_EMULATOR": "true",
        }
        if not self.use_real_gemini:
            env["GOOGLE_GEMINI_BASE_URL"] = self.gemini_url
        return env

    # Life cycle -------------------------------------------------------------------------
    def _plan(self) -> list[Service]:
        py = sys.executable
        services = [self._firestore(), self._auth()]
        storage_root = ["--data-dir", str(self.storage_dir)] if self.storage_dir else []
        services.append(
            Service(
                "storage",
                [py, "-m", "gcp_storage_emulator", *storage_root, "start", "--host", HOST,
                 "--port", str(self.ports.storage), *([] if storage_root else ["--in-memory"]),
                 "--default-bucket", BUCKET],
                f"{self.storage_host}/",
            )
        )
        if not self.use_real_gemini:
            services.append(
                Service(
                    "gemini",
                    [py, "-m", "devtools.gemini_emulator", "--host", HOST, "--port", str(self.ports.gemini),
                     *(["--payload", self.gemini_payload] if self.gemini_payload else [])],
                    f"{self.gemini_url}/_emulator/config",
                )
            )
        services.append(
            Service(
                "functions",
                [py, "-m", "devtools.functions_host", "--host", HOST, "--port", str(self.ports.functions)],
                f"{self.api_url}/api/health",
                env={**self.env, **self.functions_env},
                # With GEMINI_API_KEY the real API is meant, whatever the shell says.
                unset=("GOOGLE_GEMINI_BASE_URL",) if self.use_real_gemini else (),
            )
        )
        config = init_json(PROJECT_ID, BUCKET, auth=self.auth_host, firestore=self.firestore_host)
        services.append(
            Service(
                "web",
                [py, "-m", "devtools.web_server", "--host", HOST, "--port", str(self.ports.web),
                 "--root", str(ROOT / "public"), "--api", self.api_url, "--config", json.dumps(config)],
                f"{self.web_url}{INIT_JSON}",
            )
        )
        return services

    def _firestore(self) -> Service:
        ready = f"http://{self.firestore_host}/"
        rules = str(ROOT / "firestore.rules")
        jar = firestore_jar()
        if jar is not None:
            argv = ["java", "-Duser.language=en", "-cp", str(jar),
                    "com.google.cloud.datastore.emulator.firestore.CloudFirestore",
                    "--host", HOST, "--port", str(self.ports.firestore), "--rules", rules]
            return Service("firestore", argv, ready)
        # A developer laptop without the Google Cloud CLI: firebase-tools brings its own jar.
        config = self._firebase_config({"firestore": {"host": HOST, "port": self.ports.firestore}},
                                       {"firestore": {"rules": rules}})
        argv = [str(firebase_cli()), "emulators:start", "--only", "firestore", "--project", PROJECT_ID,
                "--config", str(config)]
        return Service("firestore", argv, ready, env={"CI": "true"})

    def _auth(self) -> Service:
        config = self._firebase_config({"auth": {"host": HOST, "port": self.ports.auth}}, {})
        argv = [str(firebase_cli()), "emulators:start", "--only", "auth", "--project", PROJECT_ID,
                "--config", str(config)]
        return Service("auth", argv, f"http://{self.auth_host}/", env={"CI": "true"})

    def _firebase_config(self, emulators: dict[str, object], extra: dict[str, object]) -> Path:
        """A firebase.json for one emulator, so that several stacks can run side by side."""
        name = "-".join(emulators)
        config = {
            "emulators": {
                **emulators,
                "hub": {"host": HOST, "port": self.ports.hub if name == "auth" else free_port()},
                "logging": {"host": HOST, "port": self.ports.logging if name == "auth" else free_port()},
                "ui": {"enabled": False},
                "singleProjectMode": True,
            },
            **extra,
        }
        path = self.work_dir / f"firebase.{name}.json"
        path.write_text(json.dumps(config, indent=2))
        return path

    def start(self) -> float:
        """Starts every service in parallel; returns the seconds it took until all answer."""
        started = time.monotonic()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        busy = [f"{name} {port}" for name, port in vars(self.ports).items() if port_in_use(port)]
        if busy:
            raise RuntimeError(f"ports already in use: {', '.join(busy)}. Is another `make dev` running?")
        self.services = self._plan()
        try:
            for service in self.services:
                service.start(self.work_dir)
            deadline = time.monotonic() + READY_TIMEOUT_S
            errors: list[BaseException] = []

            def wait(service: Service) -> None:
                try:
                    service.wait_ready(deadline)
                except BaseException as exc:  # reported below, all together
                    errors.append(exc)

            threads = [threading.Thread(target=wait, args=(s,)) for s in self.services]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if errors:
                raise RuntimeError("\n\n".join(str(e) for e in errors))
        except BaseException:
            self.stop()
            raise
        return time.monotonic() - started

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()

    # Fault injection (tests) ------------------------------------------------------------
    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def pause(self, name: str) -> None:
        """Freezes a service (SIGSTOP to its process group): its sockets stay open and its state in
        memory, but it answers nothing until `resume`, as a stalled server."""
        self._signal(name, signal.SIGSTOP)

    def resume(self, name: str) -> None:
        self._signal(name, signal.SIGCONT)

    def restart(self, name: str) -> None:
        """Stops a service and starts it again on the same port (its log is appended to)."""
        service = self.service(name)
        service.stop()
        service.start(self.work_dir, append=True)
        service.wait_ready(time.monotonic() + READY_TIMEOUT_S)

    def _signal(self, name: str, signum: int) -> None:
        process = self.service(name).process
        assert process is not None and process.poll() is None, f"{name} is not running"
        os.killpg(process.pid, signum)

    def add_functions_host(self, name: str, env: dict[str, str]) -> str:
        """Starts one more functions host on this stack's emulators, its deployment settings changed
        by `env` (e.g. IMAGECHAT_MODEL_API); returns its URL once it answers. Stopped with the stack."""
        port = free_port()
        url = f"http://{HOST}:{port}"
        service = Service(
            f"functions-{name}",
            [sys.executable, "-m", "devtools.functions_host", "--host", HOST, "--port", str(port)],
            f"{url}/api/health",
            env={**self.env, **env},
            unset=("GOOGLE_GEMINI_BASE_URL",) if self.use_real_gemini else (),
        )
        self.services.append(service)
        service.start(self.work_dir)
        service.wait_ready(time.monotonic() + READY_TIMEOUT_S)
        return url


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the Image Chat stack locally.")
    parser.add_argument("--work-dir", default=str(ROOT / ".stack"), help="logs and generated configs")
    parser.add_argument("--free-ports", action="store_true", help="pick free ports instead of firebase.json's")
    args = parser.parse_args()

    ports = Ports.free() if args.free_ports else Ports.from_firebase_json()
    # Realistic model outputs (megabyte PNGs) unless GEMINI_EMULATOR_PAYLOAD says otherwise.
    stack = Stack(ports, Path(args.work_dir), gemini_payload=os.environ.get("GEMINI_EMULATOR_PAYLOAD") or "realistic")
    stopping = threading.Event()
    starting = True

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()
        if starting:  # interrupt the start-up itself; start() stops what it began
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    gemini = "the real Gemini API (GEMINI_API_KEY)"
    if not stack.use_real_gemini:
        gemini = f"the Gemini emulator at {stack.gemini_url}"
    print(f"starting the stack (model: {gemini}); logs in {stack.work_dir}", flush=True)
    try:
        seconds = stack.start()
    except KeyboardInterrupt:
        print("stopped during start-up", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"the stack did not start:\n{exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        starting = False
    print(f"firestore {stack.firestore_host} · auth {stack.auth_host} · storage {stack.storage_host}", flush=True)
    print(f"callables at {stack.callable_url('<name>')}", flush=True)
    print(f"all services up in {seconds:.1f} s", flush=True)
    print(f"API ready at {stack.api_url}", flush=True)
    print(f"Web app at {stack.web_url}", flush=True)
    failed = None
    try:
        while failed is None and not stopping.wait(0.5):
            failed = next((s for s in stack.services if s.process is not None and s.process.poll() is not None), None)
        if failed is not None:
            print(f"{failed.name} exited unexpectedly:\n{failed.log_tail()}", file=sys.stderr, flush=True)
    finally:
        print("stopping the stack", flush=True)
        stack.stop()
    return 1 if failed is not None else 0

if __name__ == "__main__":
    sys.exit(main())

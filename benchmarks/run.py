"""`make bench`: our send-message path against seed 000's naive design, on one local stack.

Starts the stack (real Firestore/Auth/Storage emulators, the functions host, the Gemini emulator
with realistic payloads), measures every row of issue 15 for ours and for the naive baseline
(benchmarks/naive_baseline.py) in the same run, prints ONE table and writes
benchmarks/results.json. Never part of `make test`.

Knobs (environment): BENCH_SAMPLES (sessions per side for rows 1–2, default 3: the p50/p95 at a
turn number are over these), BENCH_TURNS (default 60), BENCH_CONCURRENCY (default "1,10,50").
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from google.cloud import firestore, storage

import devtools.stack
from benchmarks.naive_baseline import NaiveChat, from_env
from benchmarks.report import MAX_IMAGES_3X, render, table
from devtools.stack import ROOT, Ports, Stack, free_port
from tests.support.clients import ApiClient, AuthEmulator, GeminiControl

RESULTS = Path(__file__).resolve().parent / "results.json"
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "2"))
TURNS = int(os.environ.get("BENCH_TURNS", "60"))
MEASURED = [t for t in (1, 10, 30, 60) if t <= TURNS]
# A turn number's samples: that turn and the two before it, in every session (the history policy
# makes them alike); turn 1's: the first turns of SAMPLES * 3 sessions (the extra ones stop there).
SAMPLED = {1: 1}
for _m in MEASURED:
    for _t in range(max(2, _m - 2), _m + 1):
        SAMPLED[_t] = _m
CONCURRENCY = [int(n) for n in os.environ.get("BENCH_CONCURRENCY", "1,10,50").split(",")]
FLOOR_ROUNDS = 10
EDITS = ["make it warmer", "add a border", "blur it", "make it brighter", "sharpen it", "make it cooler"]
MODEL_25 = "gemini-2.5-flash-image"
MODEL_3 = "gemini-3-pro-image-preview"
PY = sys.executable


def prompt(turn: int, first: str) -> str:
    return first if turn == 1 else f"step {turn}: {EDITS[turn % len(EDITS)]}"


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1), linear between the closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def proc_cpu_s(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    fields_ = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields_[11]) + int(fields_[12])) / os.sysconf("SC_CLK_TCK")


def proc_mem_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (the resident high-water mark) of a process, in MB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {key: int(status[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}


def turn_logs(log_path: Path) -> dict[str, dict[str, Any]]:
    """The functions host's "turn finished" log entries (JSON lines), by model turn id."""
    entries = {}
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"turn finished"' in line:
            entry = json.loads(line)
            entries[entry["turnId"]] = entry
    return entries


@dataclass
class Traffic:
    """What one turn sent to Gemini, from the emulator's request log."""

    bytes_sent: int
    uploads: int
    images_in_request: int
    prompt_tokens: int = 0


def traffic(gemini: GeminiControl) -> Traffic:
    log = gemini.requests()
    calls = [e for e in log if e["kind"] in ("generateContent", "streamGenerateContent")]  # ours streams
    images = sum(1 for c in calls[-1:] for content in c.get("contents") or [] for part in content.get("parts") or []
                 if part.get("kind") in ("inlineData", "fileData") and not part.get("thought"))
    return Traffic(sum(e.get("bytes") or 0 for e in log), sum(e["kind"] == "upload.start" for e in log), images)


def clear_log(gemini: GeminiControl) -> None:
    requests.delete(f"{gemini.base}/requests", timeout=10).raise_for_status()


@dataclass
class Side:
    """Rows 1–2 of one side: per measured turn number, its samples."""

    overhead_ms: dict[int, list[float]] = field(default_factory=dict)
    traffic: dict[int, list[Traffic]] = field(default_factory=dict)
    cpu_s_per_turn: float = 0.0
    break_turn_3x: int | None = None

    def add(self, turn: int, overhead: float | None, seen: Traffic | None) -> None:
        if overhead is not None:
            self.overhead_ms.setdefault(turn, []).append(overhead)
        if seen is not None:
            self.traffic.setdefault(turn, []).append(seen)


# ---------------------------------------------------------------------------------------- rows 1, 2


def run_ours(stack: Stack, user: ApiClient, gemini: GeminiControl, host_pid: int) -> Side:
    side = Side()
    ids: dict[str, int] = {}
    turns_run = 0
    cpu_before = proc_cpu_s(host_pid)
    for sample in range(SAMPLES * 3):
        session = user.rest("POST", "/api/chat/sessions", json={"title": f"ours {sample}"}).json()["id"]
        for turn in range(1, (TURNS if sample < SAMPLES else 1) + 1):
            measured = SAMPLED.get(turn)
            if measured:
                clear_log(gemini)
            answer = send(user, session, prompt(turn, f"a lighthouse at dusk, ours take {sample}"))
            turns_run += 1
            if measured:
                seen = traffic(gemini)
                seen.prompt_tokens = answer["usage"]["promptTokens"]
                side.add(measured, None, seen)
                ids[answer["id"]] = measured
    side.cpu_s_per_turn = (proc_cpu_s(host_pid) - cpu_before) / turns_run
    logs = turn_logs(stack.work_dir / "functions.log")
    for turn_id, measured in ids.items():
        entry = logs[turn_id]
        side.add(measured, entry["totalMs"] - entry["modelMs"], None)
    return side


def send(user: ApiClient, session_id: str, text: str, **fields: Any) -> dict[str, Any]:
    response = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": text, **fields})
    assert response.status_code == 200, response.text
    turn: dict[str, Any] = response.json()["turn"]
    assert turn["images"], turn
    return turn


def run_naive(naive: NaiveChat, gemini: GeminiControl) -> Side:
    side = Side()
    cpu = 0.0
    turns_run = 0
    for sample in range(SAMPLES * 3):
        session = naive.create_session(f"naive {sample}")
        previous: list[str] = []
        for turn in range(1, (TURNS if sample < SAMPLES else 1) + 1):
            clear_log(gemini)
            cpu_started = time.process_time()
            answer = naive.send(session, prompt(turn, f"a lighthouse at dusk, naive take {sample}"), previous)
            cpu += time.process_time() - cpu_started
            turns_run += 1
            assert answer.image_urls, answer
            previous = answer.image_urls[:1]
            seen = traffic(gemini)
            if seen.images_in_request > MAX_IMAGES_3X and side.break_turn_3x is None:
                side.break_turn_3x = turn
            measured = SAMPLED.get(turn)
            if measured:
                seen.prompt_tokens = answer.prompt_tokens
                side.add(measured, answer.overhead_ms, seen)
    side.cpu_s_per_turn = cpu / turns_run
    return side


# ---------------------------------------------------------------------------------------- row 3


def floor_ms(db: firestore.Client, bucket: storage.Bucket, png: bytes) -> list[float]:
    """One Firestore read + one transactional write + the Storage upload of one output image."""
    times = []
    for i in range(FLOOR_ROUNDS):
        ref = db.collection("benchFloor").document(f"doc{i}")
        started = time.perf_counter()
        ref.get()

        @firestore.transactional  # type: ignore[misc]
        def write(transaction: firestore.Transaction, ref: Any = ref, n: int = i) -> None:
            ref.get(transaction=transaction)
            transaction.set(ref, {"n": n, "at": firestore.SERVER_TIMESTAMP})

        write(db.transaction())
        bucket.blob(f"floor/{i}.png").upload_from_string(png, content_type="image/png")
        times.append((time.perf_counter() - started) * 1000)
    return times


# ---------------------------------------------------------------------------------------- row 4


def throughput_ours(user: ApiClient, n: int, host_pid: int) -> tuple[float, int, float]:
    """Wall seconds, failed turns, and the host's CPU seconds per turn."""
    sessions = [user.rest("POST", "/api/chat/sessions", json={"title": f"tp {i}"}).json()["id"] for i in range(n)]
    with ThreadPoolExecutor(n) as pool:
        cpu = proc_cpu_s(host_pid)
        started = time.perf_counter()
        codes = list(pool.map(lambda s: user.rest("POST", f"/api/chat/sessions/{s}/message",
                                                  json={"text": f"a lighthouse, {s}"}).status_code, sessions))
        wall = time.perf_counter() - started
        cpu = proc_cpu_s(host_pid) - cpu
    return wall, sum(c != 200 for c in codes), cpu / n


def throughput_naive(naive: NaiveChat, n: int) -> tuple[float, int]:
    sessions = [naive.create_session(f"tp {i}") for i in range(n)]

    def one(session: str) -> bool:
        try:
            return bool(naive.send(session, f"a lighthouse, {session}").image_urls)
        except Exception:
            return False

    with ThreadPoolExecutor(n) as pool:
        started = time.perf_counter()
        ok = list(pool.map(one, sessions))
        wall = time.perf_counter() - started
    return wall, ok.count(False)


# ---------------------------------------------------------------------------------------- rows 5, 6

IMPORT_PROBE = ("import time, json\nw, c = time.perf_counter(), time.process_time()\n{imports}\n"
                "print(json.dumps([time.perf_counter() - w, time.process_time() - c]))")
IMPORTS = {
    "ours": "import main",
    # What main.py imported before issue 15: every adapter, service and SDK at once.
    "eager": "import main\nimport imagechat.web.callables, imagechat.web.rest, imagechat.turns, imagechat.identity_chat"
             "\nimport imagechat.gemini.gateway, imagechat.deps",
    "firebase_functions": "import functions_framework, firebase_functions.https_fn, firebase_functions.options",
}


def import_times(env: dict[str, str], rounds: int = 5) -> dict[str, dict[str, float]]:
    """Median wall and CPU seconds of each import in a fresh interpreter; the variants take turns,
    so that the machine's load weighs on each alike."""
    runs: dict[str, list[list[float]]] = {name: [] for name in IMPORTS}
    for _ in range(rounds):
        for name, imports in IMPORTS.items():
            done = subprocess.run([PY, "-c", IMPORT_PROBE.format(imports=imports)], cwd=ROOT / "functions",
                                  env={**os.environ, **env}, capture_output=True, text=True, check=True, timeout=120)
            runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {name: {"wall_s": statistics.median(r[0] for r in got), "cpu_s": statistics.median(r[1] for r in got)}
            for name, got in runs.items()}


@contextmanager
def fresh_host(
    stack: Stack, log_dir: Path, module: str = "devtools.functions_host", extra: list[str] | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str, float, Path]]:
    """A new functions host process (a cold instance); yields it, its URL, seconds until it listens,
    and its log. `module`/`extra`: another host (benchmarks/profiled_host.py) and its arguments."""
    port = free_port()
    log_path = log_dir / f"cold-host-{port}.log"
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen([PY, "-m", module, "--host", "127.0.0.1", "--port", str(port), *(extra or [])],
                                   cwd=ROOT, env={**os.environ, **stack.env, **BENCH_QUOTA_ENV}, stdout=log,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:  # listening = main.py imported and the server up; no request has run yet
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(log_path.read_text()) from None
                time.sleep(0.02)
        yield process, url, time.perf_counter() - started, log_path
    finally:
        process.terminate()
        process.wait(timeout=10)


def cold_ours(stack: Stack, user: ApiClient, gemini: GeminiControl) -> dict[str, Any]:
    """Row 5 (first requests after a cold start) and row 6 (peak RSS at 1K and 4K) on a fresh host."""
    with fresh_host(stack, stack.work_dir) as (process, url, ready_s, log_path):
        cold = ApiClient(stack, user.uid, user.id_token)
        cold.stack = _Rebased(stack, url)  # type: ignore[assignment]
        cpu_listening = proc_cpu_s(process.pid)
        started = time.perf_counter()
        listed = cold.rest("GET", "/api/chat/sessions")
        assert listed.status_code == 200, listed.text
        first_read_s = time.perf_counter() - started
        first_read_cpu = proc_cpu_s(process.pid) - cpu_listening
        session = cold.rest("POST", "/api/chat/sessions", json={"title": "cold"}).json()["id"]
        idle = proc_mem_mb(process.pid)
        started = time.perf_counter()
        first = send(cold, session, "a lighthouse at dusk, cold")
        first_turn_s = time.perf_counter() - started
        first_log = turn_logs(log_path)[first["id"]]
        second = send(cold, session, "make it warmer")
        second_log = turn_logs(log_path)[second["id"]]
        mem_1k = proc_mem_mb(process.pid)
        session_4k = cold.rest("POST", "/api/chat/sessions",
                               json={"title": "4k", "model": MODEL_3, "imageSize": "4K"}).json()["id"]
        cpu_before = proc_cpu_s(process.pid)
        turn_4k = send(cold, session_4k, "a lighthouse at dusk, 4K")
        cpu_4k = proc_cpu_s(process.pid) - cpu_before
        log_4k = turn_logs(log_path)[turn_4k["id"]]
        mem_4k = proc_mem_mb(process.pid)
    return {
        "ready_s": ready_s,
        "ready_cpu_s": cpu_listening,
        "first_read_request_s": first_read_s,
        "first_read_request_cpu_s": first_read_cpu,
        "first_turn_s": first_turn_s,
        "first_turn_overhead_ms": first_log["totalMs"] - first_log["modelMs"],
        "warm_turn_overhead_ms": second_log["totalMs"] - second_log["modelMs"],
        "rss_idle_mb": idle["VmRSS"],
        "peak_rss_1k_mb": mem_1k["VmHWM"],
        "peak_rss_4k_mb": mem_4k["VmHWM"],
        "turn_4k_overhead_ms": log_4k["totalMs"] - log_4k["modelMs"],
        "turn_4k_cpu_s": cpu_4k,
    }


@dataclass
class _Rebased:
    """The stack as a client sees it, with the API on another (fresh) host."""

    inner: Stack
    url: str

    @property
    def api_url(self) -> str:
        return self.url

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


NAIVE_PROBE = """
import json, resource, sys, time
started = time.perf_counter()
from benchmarks.naive_baseline import from_env
naive = from_env(sys.argv[1])
imported = time.perf_counter() - started
session = naive.create_session("cold", "1:1")
t = time.perf_counter()
turn = naive.send(session, "a lighthouse at dusk, naive cold " + sys.argv[1], image_size=sys.argv[2] or None)
print(json.dumps({"import_s": imported, "first_turn_s": time.perf_counter() - t,
                  "first_turn_overhead_ms": turn.overhead_ms,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def cold_naive(stack: Stack) -> dict[str, Any]:
    def run(model: str, size: str) -> dict[str, Any]:
        done = subprocess.run([PY, "-c", NAIVE_PROBE, model, size], cwd=ROOT, env={**os.environ, **stack.env},
                              capture_output=True, text=True, check=True, timeout=300)
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    at_1k, at_4k = run(MODEL_25, ""), run(MODEL_3, "4K")
    return {"import_s": at_1k["import_s"], "first_turn_s": at_1k["first_turn_s"],
            "first_turn_overhead_ms": at_1k["first_turn_overhead_ms"],
            "peak_rss_1k_mb": at_1k["peak_rss_mb"], "peak_rss_4k_mb": at_4k["peak_rss_mb"]}


# ---------------------------------------------------------------------------------------- row 7

PROGRESS_TURNS = 3


def progress_ours(stack: Stack, user: ApiClient, gemini: GeminiControl) -> dict[str, float]:
    """Live progress on a thinking model (3 Pro) at 2 s model latency: how long after the request
    the model's first thought or image was shown (`firstProgressMs` of the turn's log), and the
    turn's total. The naive design streams nothing: its user sees the answer only."""
    gemini.config(latencyMs=2000, streamDelayMs=300)
    session = user.rest("POST", "/api/chat/sessions", json={"title": "progress", "model": MODEL_3}).json()["id"]
    ids = [send(user, session, prompt(turn, "a lighthouse at dusk, progress"))["id"]
           for turn in range(1, PROGRESS_TURNS + 1)]
    gemini.config(latencyMs=0, streamDelayMs=None)
    logs = turn_logs(stack.work_dir / "functions.log")
    return {"first_progress_ms": statistics.median(logs[i]["firstProgressMs"] for i in ids),
            "total_ms": statistics.median(logs[i]["totalMs"] for i in ids)}


# ---------------------------------------------------------------------------------------- the run


def measure(stack: Stack) -> dict[str, Any]:
    user = AuthEmulator(stack).sign_up()
    gemini = GeminiControl(stack.gemini_url)
    host = next(s for s in stack.services if s.name == "functions")
    assert host.process is not None
    naive = from_env(MODEL_25)
    gemini.config(payload="realistic", latencyMs=0)
    results: dict[str, Any] = {}

    step("rows 5-6: cold start, first requests and peak memory")
    results["imports"] = import_times(stack.env)
    results["cold_ours"] = cold_ours(stack, user, gemini)
    results["cold_naive"] = cold_naive(stack)

    step(f"rows 1-2: {SAMPLES} sessions x {TURNS} turns (+ {SAMPLES * 2} first turns), ours")
    # The stack's host has run no turn yet: its first pays the lazy imports (row 5 has that figure).
    send(user, user.rest("POST", "/api/chat/sessions", json={"title": "warm-up"}).json()["id"], "warm up")
    ours = run_ours(stack, user, gemini, host.process.pid)
    step(f"rows 1-2: {SAMPLES} sessions x {TURNS} turns (+ {SAMPLES * 2} first turns), naive baseline")
    base = run_naive(naive, gemini)

    step("row 3: the floor")
    png = requests.get(send(user, user.rest("POST", "/api/chat/sessions", json={}).json()["id"],
                            "a lighthouse, floor")["images"][0]["publicUrl"], timeout=30).content
    floor = floor_ms(naive.db, naive.bucket, png)

    step("row 7: live progress on a thinking model")
    results["progress"] = progress_ours(stack, user, gemini)

    step("row 4: throughput at 2 s model latency, small payloads")
    gemini.config(payload="small", latencyMs=2000)
    throughput = {}
    for n in CONCURRENCY:
        ours_wall, ours_failed, ours_cpu = throughput_ours(user, n, host.process.pid)
        naive_wall, naive_failed = throughput_naive(naive, n)
        throughput[n] = {"ours_wall_s": ours_wall, "ours_failed": ours_failed, "ours_cpu_s_per_turn": ours_cpu,
                         "naive_wall_s": naive_wall, "naive_failed": naive_failed}
    gemini.config(payload="realistic", latencyMs=0)

    results.update(per_turn=summarise(ours, base), floor_ms={"p50": pct(floor, 0.5), "p95": pct(floor, 0.95)},
                   output_png_bytes=len(png), throughput=throughput,
                   cpu_s_per_turn={"ours": ours.cpu_s_per_turn, "naive": base.cpu_s_per_turn},
                   naive_breaks_on_3x_at_turn=base.break_turn_3x)
    return results


def summarise(ours: Side, base: Side) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for turn in MEASURED:
        row: dict[str, Any] = {}
        for name, side in (("ours", ours), ("naive", base)):
            overheads = side.overhead_ms[turn]
            seen = side.traffic[turn]
            row[name] = {
                "overhead_p50_ms": pct(overheads, 0.5), "overhead_p95_ms": pct(overheads, 0.95),
                "prompt_tokens": statistics.median(t.prompt_tokens for t in seen),
                "bytes_sent": statistics.median(t.bytes_sent for t in seen),
                "files_uploads": statistics.median(t.uploads for t in seen),
                "images_in_request": statistics.median(t.images_in_request for t in seen),
                "samples": len(overheads),
            }
        out[turn] = row
    return out


BENCH_QUOTA_ENV = {"IMAGECHAT_TURNS_PER_DAY": "1000000", "IMAGECHAT_TURNS_PER_MINUTE": "1000000"}


def step(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


def main() -> int:
    started = time.time()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        # The bench sets its own quotas (the deployment's defaults would refuse its bursts).
        stack = Stack(Ports.free(), Path(work), use_real_gemini=False, gemini_payload="realistic",
                      functions_env=BENCH_QUOTA_ENV)
        step(f"starting the stack (load average {load:.2f})")
        devtools.stack.READY_TIMEOUT_S = 300  # a loaded machine starts the emulators slowly
        stack.start()
        saved = dict(os.environ)
        os.environ.update(stack.env)
        try:
            results = measure(stack)
        finally:
            stack.stop()
            os.environ.clear()
            os.environ.update(saved)
    rows, holds = table(results, TURNS)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)), "commit": commit.strip(),
            "load_average_1m_start": load, "load_average_1m_end": os.getloadavg()[0], "cpus": os.cpu_count(),
            "python": platform.python_version(), "samples": SAMPLES, "turns": TURNS,
            "duration_s": time.time() - started}
    RESULTS.write_text(json.dumps({"meta": meta, "results": results, "targets": holds,
                                   "table": [vars(r) for r in rows]}, indent=2) + "\n")
    print()
    print(render(rows))
    print()
    for name, ok in holds.items():
        print(f"  {'holds' if ok else 'MISSED'}: {name}")
    print(f"\n{meta['date']} · {meta['cpus']} cores · load average {load:.2f} → {meta['load_average_1m_end']:.2f} · "
          f"{meta['duration_s']:.0f} s · written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

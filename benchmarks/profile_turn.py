"""`python -m benchmarks.profile_turn`: where a turn's host CPU goes, by stage (never part of `make test`).

Starts the bench's stack (real emulators, realistic payloads, latency 0) and runs PROFILE_TURNS
(default 20) turns of one 1K session (gemini-2.5-flash-image, as rows 1–2 of `make bench`) after 3
warm-up turns, then prints the host's CPU per turn (utime + stime from /proc) and, by PROFILE_MODE:
- `cprofile` (default): the turns run on a fresh host under cProfile, every thread timed in its
  own CPU time (benchmarks/profiled_host.py); prints the busiest functions and TURN_STAGES, the
  turn by stage. cProfile inflates Python-heavy code ~2x: a split, not the figure.
- `plain`: no profiler, the CPU per turn only (the figure to compare before/after, back to back).
- `py-spy`: py-spy (`PY_SPY`, or `py-spy` on PATH; not a project dependency) samples the stack's
  host; samples are grouped by STAGES (innermost matching frame).
PROFILE_RSS=1 adds the peak RSS of a fresh host after a 1K and a 4K turn (row 6); PROFILE_OUT keeps
the raw profile. `python -m benchmarks.profile_turn --stages FILE CPU_S TURNS` prints the stage
table of a kept cProfile run again.
"""

from __future__ import annotations

import collections
import marshal
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import devtools.stack
from benchmarks.run import BENCH_QUOTA_ENV, MODEL_3, fresh_host, proc_cpu_s, proc_mem_mb, prompt, send
from devtools.stack import Ports, Stack
from tests.support.clients import ApiClient, AuthEmulator, GeminiControl

TURNS = int(os.environ.get("PROFILE_TURNS", "20"))
RATE = int(os.environ.get("PROFILE_RATE", "250"))
# (stage, substrings of a frame "function (file)"), checked from the innermost frame outwards: the
# first frame matching any stage names the sample's stage.
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("thumbnail", ("thumbnail (imagechat/images/conversion.py", "previews.py")),
    ("output checks", ("validation.py", "as_png")),
    ("output upload (storage)", ("images/storage.py", "upload_from_string")),
    ("progress writes", ("set_progress", "progress.py")),
    ("quota check", ("quotas.py", "usage_store.py")),
    ("claim", ("leases.py",)),
    ("commit", ("commit_exchange",)),
    ("files api", ("gemini/files.py",)),
    ("history read", ("_history", "history.py")),
    ("stream parse", ("parsing.py",)),
    ("model call (SDK)", ("generate_transport.py", "gateway.py")),
    ("user turn / inputs", ("write_user_turn", "inputs.py")),
    ("auth", ("auth.py",)),
    ("other imagechat", ("imagechat/",)),
    ("request (werkzeug/flask)", ("werkzeug", "functions_framework", "flask")),
]


def stage_of(stack: str) -> str:
    frames = stack.split(";")
    for frame in reversed(frames):
        for name, marks in STAGES:
            if any(mark in frame for mark in marks):
                return name
    return "other"


def top_frames(samples: dict[str, int], stage: str, depth: int = 3) -> list[tuple[str, int]]:
    """The leaf-most frames of one stage's samples (what to look at first)."""
    leaves: collections.Counter[str] = collections.Counter()
    for stack, n in samples.items():
        if stage_of(stack) == stage:
            leaves[" < ".join(reversed(stack.split(";")[-depth:]))] += n
    return leaves.most_common(6)


def main() -> int:
    spy = os.environ.get("PY_SPY") or shutil.which("py-spy") or ""
    if not spy and os.environ.get("PROFILE_MODE") == "py-spy":  # PROFILE_MODE: cprofile (default), py-spy, plain
        print("py-spy not found: set PY_SPY", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="profile-") as work:
        stack = Stack(Ports.free(), Path(work), use_real_gemini=False, gemini_payload="realistic",
                      functions_env=BENCH_QUOTA_ENV)
        devtools.stack.READY_TIMEOUT_S = 300
        print(f"load average {os.getloadavg()[0]:.2f}; starting the stack", flush=True)
        stack.start()
        saved = dict(os.environ)
        os.environ.update(stack.env)
        try:
            user = AuthEmulator(stack).sign_up()
            gemini = GeminiControl(stack.gemini_url)
            gemini.config(payload="realistic", latencyMs=0)
            if os.environ.get("PROFILE_RSS") == "1":
                rss(stack, user)
            if os.environ.get("PROFILE_MODE", "cprofile") == "cprofile":
                cprofile_turns(stack, user, Path(work))
            else:
                spy_turns(stack, user, spy if os.environ.get("PROFILE_MODE") == "py-spy" else "", Path(work))
        finally:
            stack.stop()
            os.environ.clear()
            os.environ.update(saved)
    return 0


def spy_turns(stack: Stack, user: ApiClient, spy: str, work: Path) -> None:
    host = next(s for s in stack.services if s.name == "functions")
    assert host.process is not None
    pid = host.process.pid
    session = user.rest("POST", "/api/chat/sessions", json={"title": "profile"}).json()["id"]
    for turn in range(1, 4):  # warm: lazy imports, clients, the Files API path from turn 2 on
        send(user, session, prompt(turn, "a lighthouse at dusk, profile"))
    raw = Path(os.environ.get("PROFILE_OUT") or work / "spy.txt")
    if not spy:  # PROFILE_MODE=plain: the CPU per turn only, no profiler attached
        cpu = proc_cpu_s(pid)
        for turn in range(4, 4 + TURNS):
            send(user, session, prompt(turn, "a lighthouse at dusk, profile"))
        print(f"{TURNS} turns at 1K: host CPU {(proc_cpu_s(pid) - cpu) / TURNS:.3f} s per turn", flush=True)
        return
    spy_proc = subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", str(RATE), "--nonblocking",
                                 "--format", "raw", "--output", str(raw), "--threads"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    cpu = proc_cpu_s(pid)
    started = time.perf_counter()
    for turn in range(4, 4 + TURNS):
        send(user, session, prompt(turn, "a lighthouse at dusk, profile"))
    wall = time.perf_counter() - started
    cpu = proc_cpu_s(pid) - cpu
    time.sleep(0.5)
    spy_proc.send_signal(signal.SIGINT)
    spy_proc.wait(timeout=60)
    report(raw, cpu, wall)


def cprofile_turns(stack: Stack, user: ApiClient, work: Path) -> None:
    """The turns on a host under cProfile (benchmarks/profiled_host.py): CPU per turn from /proc,
    and the functions that took it (each thread's CPU time; the difference of two snapshots)."""
    stats_dir = work / "cprofile"
    with fresh_host(stack, work, module="benchmarks.profiled_host", extra=["--stats", str(stats_dir)]) as (
        process, url, _ready, _log
    ):
        from benchmarks.run import _Rebased
        client = ApiClient(stack, user.uid, user.id_token)
        client.stack = _Rebased(stack, url)  # type: ignore[assignment]
        session = client.rest("POST", "/api/chat/sessions", json={"title": "profile"}).json()["id"]
        for turn in range(1, 4):
            send(client, session, prompt(turn, "a lighthouse at dusk, profile"))
        process.send_signal(signal.SIGUSR1)
        time.sleep(1.0)
        cpu = proc_cpu_s(process.pid)
        started = time.perf_counter()
        for turn in range(4, 4 + TURNS):
            send(client, session, prompt(turn, "a lighthouse at dusk, profile"))
        wall = time.perf_counter() - started
        cpu = proc_cpu_s(process.pid) - cpu
        process.send_signal(signal.SIGUSR1)
        time.sleep(2.0)
    before = marshal.loads((stats_dir / "0.prof").read_bytes())
    after = marshal.loads((stats_dir / "1.prof").read_bytes())
    diff = {}
    for func, (_cc, nc, tt, ct, callers) in after.items():
        b = before.get(func, (0, 0, 0.0, 0.0, {}))
        diff[func] = (nc - b[1], tt - b[2], ct - b[3], callers)  # callers: since the host started
    out = os.environ.get("PROFILE_OUT")
    if out:
        Path(out).write_bytes(marshal.dumps(diff))
    stage_table(diff, cpu)
    print(f"\n{TURNS} turns at 1K under cProfile: host CPU {cpu / TURNS:.3f} s per turn (profiled), "
          f"wall {wall / TURNS:.3f} s per turn")
    print(f"{'cumulative CPU ms/turn':>22} {'own':>8} {'calls/turn':>10}  function")
    rows = sorted(diff.items(), key=lambda kv: -kv[1][2])
    for (file, line, name), (nc, tt, ct, _callers) in rows[:70]:
        where = file.split("site-packages/")[-1].split("functions/")[-1]
        print(f"{ct * 1000 / TURNS:22.1f} {tt * 1000 / TURNS:8.1f} {nc / TURNS:10.1f}  {name} ({where}:{line})")


# A turn's stages as the cumulative CPU of the function that runs each (they do not nest).
TURN_STAGES: list[tuple[str, str, str]] = [
    ("request, auth, session/head reads, answer", "", ""),  # the rest of the request's thread
    ("quota check + claim", "_claim", "imagechat/turns.py"),
    ("pending user turn write", "write_user_turn", "imagechat/store/turn_store.py"),
    ("history read", "_history", "imagechat/turn_run.py"),
    ("Files API (cache reads, Storage read, upload)", "build", "imagechat/gemini/contents.py"),
    ("model call: SDK request + streamed answer", "send_message_stream", "google/genai/chats.py"),
    ("answer parse (StreamedAnswer, parse_response)", "parse_response", "imagechat/gemini/parsing.py"),
    ("progress writes + lease checks", "_write", "imagechat/progress.py"),
    ("progress: lease checks while waiting", "holds", "imagechat/store/leases.py"),
    ("output checks (inspect, as_png)", "inspect_output", "imagechat/images/validation.py"),
    ("thumbnail (decode, shrink, WebP)", "thumbnail", "imagechat/images/conversion.py"),
    ("Storage uploads (PNG + thumbnail)", "save", "imagechat/images/storage.py"),
    ("commit transaction (+ ledger)", "commit_exchange", "imagechat/store/turn_store.py"),
]


def stage_table(diff: dict[Any, Any], cpu: float) -> None:
    """The stages' CPU per turn, profiled (cProfile inflates Python-heavy stages ~2x), and the
    rest of the process (gRPC threads, the HTTP server) as one row."""
    def cum(name: str, file: str) -> float:
        return sum(v[2] for (f, _l, n), v in diff.items() if n == name and f.endswith(file.split("/")[-1])
                   and file.split("/")[-2] in f)
    rows = [(label, cum(name, file)) for label, name, file in TURN_STAGES if name]
    handled = cum("send_message", "imagechat/turns.py")
    in_request = handled - sum(ms for label, ms in rows if label not in {
        "Files API (cache reads, Storage read, upload)", "model call: SDK request + streamed answer",
        "answer parse (StreamedAnswer, parse_response)"})  # these ran on the model call's thread
    print(f"\n{'stage':50} {'CPU ms/turn (profiled)':>24}")
    for label, seconds in rows:
        print(f"{label:50} {seconds * 1000 / TURNS:24.1f}")
    print(f"{'(rest of the request: HTTP, auth, reads, answer)':50} {in_request * 1000 / TURNS:24.1f}")
    listed = sum(s for _label, s in rows) + max(in_request, 0.0)
    print(f"{'(other threads: gRPC, pools; profiler)':50} {(cpu - listed) * 1000 / TURNS:24.1f}")
    print(f"{'host process total (profiled)':50} {cpu * 1000 / TURNS:24.1f}")


def report(raw: Path, cpu: float, wall: float) -> None:
    samples: dict[str, int] = {}
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            # --threads puts the thread first; strip it so stacks of different threads merge by code
            frames = stack.split(";")
            samples[";".join(frames[1:])] = samples.get(";".join(frames[1:]), 0) + int(count)
    total = sum(samples.values()) or 1
    by_stage: collections.Counter[str] = collections.Counter()
    for stack, n in samples.items():
        by_stage[stage_of(stack)] += n
    per_turn = cpu / TURNS
    print(f"\n{TURNS} turns at 1K: host CPU {per_turn:.3f} s per turn, wall {wall / TURNS:.3f} s per turn,"
          f" {total} samples at {RATE} Hz")
    print(f"{'stage':28} {'share':>6} {'CPU s/turn':>10}")
    for stage, n in by_stage.most_common():
        print(f"{stage:28} {n / total:6.1%} {per_turn * n / total:10.4f}")
    for stage, _ in by_stage.most_common(6):
        print(f"\n  {stage}:")
        for frames, n in top_frames(samples, stage):
            print(f"    {n / total:6.1%}  {frames[:200]}")


def rss(stack: Stack, user: ApiClient) -> None:
    with fresh_host(stack, stack.work_dir) as (process, url, _ready, _log):
        from benchmarks.run import _Rebased
        cold = ApiClient(stack, user.uid, user.id_token)
        cold.stack = _Rebased(stack, url)  # type: ignore[assignment]
        session = cold.rest("POST", "/api/chat/sessions", json={"title": "cold"}).json()["id"]
        send(cold, session, "a lighthouse at dusk, cold")
        send(cold, session, "make it warmer")
        mem_1k = proc_mem_mb(process.pid)
        session_4k = cold.rest("POST", "/api/chat/sessions",
                               json={"title": "4k", "model": MODEL_3, "imageSize": "4K"}).json()["id"]
        cpu = proc_cpu_s(process.pid)
        send(cold, session_4k, "a lighthouse at dusk, 4K")
        cpu_4k = proc_cpu_s(process.pid) - cpu
        mem_4k = proc_mem_mb(process.pid)
    print(f"peak RSS 1K {mem_1k['VmHWM']:.0f} MB, 4K {mem_4k['VmHWM']:.0f} MB; 4K turn CPU {cpu_4k:.2f} s", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--stages":  # a saved cProfile diff, CPU s, turns
        TURNS = int(sys.argv[4])
        stage_table(marshal.loads(Path(sys.argv[2]).read_bytes()), float(sys.argv[3]))
        sys.exit(0)
    if len(sys.argv) == 4:  # a saved py-spy raw file, the CPU seconds and turns it covered
        TURNS = int(sys.argv[3])
        report(Path(sys.argv[1]), float(sys.argv[2]), 0.0)
        sys.exit(0)
    sys.exit(main())

"""The functions host under cProfile, every thread, timed in each thread's own CPU time
(`python -m benchmarks.profiled_host --port N --stats DIR`); benchmarks/profile_turn.py drives it.

SIGUSR1 writes a snapshot of every thread's profile to DIR/{n}.prof (marshal, as pstats reads):
profile_turn.py takes one before and one after the measured turns and subtracts them. cProfile's
own cost inflates Python-heavy code (pydantic, proto-plus); the split is a guide, the host's CPU
from /proc the figure.
"""

from __future__ import annotations

import cProfile
import marshal
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _start_in_thread(*_args: Any) -> None:
    profile = cProfile.Profile(time.thread_time)
    with _lock:
        _profiles.append(profile)
    profile.enable()  # replaces this hook in this thread


def _snapshot(out_dir: Path) -> None:
    merged: dict[Any, list[Any]] = {}
    with _lock:
        profiles = list(_profiles)
    for profile in profiles:
        profile.snapshot_stats()
        for func, (cc, nc, tt, ct, callers) in profile.stats.items():  # type: ignore[attr-defined]
            got = merged.setdefault(func, [0, 0, 0.0, 0.0, {}])
            got[0] += cc
            got[1] += nc
            got[2] += tt
            got[3] += ct
            for caller, figures in callers.items():
                before = got[4].get(caller, (0, 0, 0.0, 0.0))
                got[4][caller] = tuple(a + b for a, b in zip(before, figures, strict=True))
    out_dir.mkdir(parents=True, exist_ok=True)
    n = len(list(out_dir.glob("*.prof")))
    (out_dir / f"{n}.prof").write_bytes(marshal.dumps({k: tuple(v) for k, v in merged.items()}))


def main() -> int:
    args = sys.argv[1:]
    stats_dir = Path(args[args.index("--stats") + 1])
    host_args = [a for i, a in enumerate(args) if a != "--stats" and (i == 0 or args[i - 1] != "--stats")]
    signal.signal(signal.SIGUSR1, lambda *_: threading.Thread(target=_snapshot, args=(stats_dir,)).start())
    threading.setprofile(_start_in_thread)
    _start_in_thread()
    from devtools import functions_host

    return functions_host.main(host_args)


if __name__ == "__main__":
    sys.exit(main())

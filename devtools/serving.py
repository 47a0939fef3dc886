"""Running a local HTTP server as a child of the launcher: until SIGTERM or Ctrl-C."""

from __future__ import annotations

import signal
from typing import Protocol


class _Server(Protocol):
    def serve_forever(self) -> None: ...
    def server_close(self) -> None: ...


def serve_until_stopped(server: _Server, ready_line: str) -> int:
    """Prints `ready_line` (the launcher waits for it) and serves until SIGTERM or Ctrl-C."""

    def on_signal(signum: int, _frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    print(ready_line, flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0

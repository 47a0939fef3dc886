"""Command line: `python -m devtools.gemini_emulator --host 127.0.0.1 --port 8765 [--payload realistic]`."""

from __future__ import annotations

import argparse
import os

from .control import PAYLOAD_ENV, PAYLOADS
from .server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.gemini_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port (printed)")
    parser.add_argument(
        "--payload",
        choices=PAYLOADS,
        default=os.environ.get(PAYLOAD_ENV) or "small",
        help=f"output images: small (a few KB) or realistic (real API sizes); default ${PAYLOAD_ENV} or small",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    serve(args.host, args.port, verbose=args.verbose, payload=args.payload)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

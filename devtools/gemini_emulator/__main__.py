"""Command line: `python -m devtools.gemini_emulator --host 127.0.0.1 --port 8765`."""

from __future__ import annotations

import argparse

from .server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.gemini_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port (printed)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    serve(args.host, args.port, verbose=args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

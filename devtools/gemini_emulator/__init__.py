"""An offline, deterministic emulator of the Gemini Developer API (see README.md).

`python -m devtools.gemini_emulator --host 127.0.0.1 --port 8765`
"""

from .imaging import PROVENANCE_KEY, read_provenance
from .server import create_app, make_server, serve

__all__ = ["PROVENANCE_KEY", "create_app", "make_server", "read_provenance", "serve"]

"""Writes docs/openapi.json, the REST API's OpenAPI document (`make openapi`); the test
tests/unit/test_openapi.py fails while the committed copy differs from what the code builds."""

from __future__ import annotations

import json
import sys

from devtools.stack import ROOT

sys.path.insert(0, str(ROOT / "functions"))

from imagechat.web import rest

DOCUMENT = ROOT / "docs" / "openapi.json"


def rendered() -> str:
    return json.dumps(rest.openapi_document(), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    DOCUMENT.write_text(rendered())
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

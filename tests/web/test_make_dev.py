"""`make dev` serves the web app too: it prints `Web app at <url>` next to `API ready at <url>`."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.stack.test_dev_stack import MakeDev


def test_make_dev_prints_the_web_app_url_and_serves_it_with_the_api_rewrite(tmp_path: Path) -> None:
    dev = MakeDev(tmp_path)
    try:
        api = dev.wait_for(r"API ready at (http://127\.0\.0\.1:\d+)").group(1)
        web = dev.wait_for(r"Web app at (http://127\.0\.0\.1:\d+)").group(1)
        assert web != api
        assert '<div id="app">' in requests.get(web, timeout=10).text
        assert requests.get(f"{web}/api/health", timeout=10).json()["status"] == "ok"  # the Hosting rewrite
    finally:
        dev.stop("ctrl-c")

"""Browser fixtures: Debian's chromium driven by Playwright, headless, against the test stack.

The browser is started once per session; every test gets a fresh context (no shared sign-in).
If chromium cannot start, the tests fail: they never skip. Screenshots go to test-artifacts/web/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, expect, sync_playwright

from devtools.stack import ROOT, Stack
from tests.web.app import WebApp

CHROMIUM = os.environ.get("IMAGECHAT_CHROMIUM", "/usr/bin/chromium")
# Background services and first-run work only slow a test browser down (and try the network).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
ARTIFACTS = ROOT / "test-artifacts" / "web"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium).")
    the_browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield the_browser
    the_browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots of this run only (a stale FAILED-*.png from an earlier run would mislead)."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture
def open_app(stack: Stack, browser: Browser, artifacts: Path,
             request: pytest.FixtureRequest) -> Iterator[Callable[..., WebApp]]:
    """`open_app()` opens the app in a new browser context (a separate person); any number per test."""
    contexts: list[BrowserContext] = []
    apps: list[WebApp] = []

    def open_one(*, width: int = 1200, height: int = 820) -> WebApp:
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=stack.web_url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        app = WebApp(context.new_page(), stack, artifacts)
        apps.append(app)
        app.page.goto("/")
        expect(app.page.locator(".boot")).to_have_count(0)  # started: the sign-in screen or the chats
        return app

    yield open_one
    failed = getattr(request.node, "rep_call", None)
    for number, app in enumerate(apps):
        if failed is not None and failed.failed:  # what the page looked like when the test failed
            app.page.screenshot(path=artifacts / f"FAILED-{request.node.name}-{number}.png")
        app.assert_no_page_errors()
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report

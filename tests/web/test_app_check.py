"""The web app starts Firebase App Check with the debug provider locally and sends its token with
every REST call (X-Firebase-AppCheck). App Check has no emulator: the browser's debug-token exchange
with the App Check service is answered here, as the service would answer a registered debug token."""

from __future__ import annotations

import json
from collections.abc import Callable

from playwright.sync_api import Route, expect

from tests.web.app import WebApp

EXCHANGED = "app-check-token-from-the-debug-exchange"


def test_the_app_sends_its_app_check_token_with_api_calls(open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    exchanges: list[str] = []

    def exchange(route: Route) -> None:
        exchanges.append(route.request.url)
        body = json.dumps({"token": EXCHANGED, "ttl": "3600s"})
        route.fulfill(status=200, content_type="application/json", body=body)

    def debug_provider(route: Route) -> None:  # init.json as a deployment with the debug provider has it
        init = route.fetch().json()
        body = json.dumps({**init, "appCheck": {"debug": True}})
        route.fulfill(status=200, content_type="application/json", body=body)

    app.page.context.route("https://content-firebaseappcheck.googleapis.com/**", exchange)
    app.page.context.route("**/__/firebase/init.json", debug_provider)
    app.page.reload()
    expect(app.page.locator(".boot")).to_have_count(0)
    assert app.page.evaluate("globalThis.FIREBASE_APPCHECK_DEBUG_TOKEN") is True  # the debug provider
    with app.page.expect_request(lambda request: "/api/" in request.url) as api_call:
        app.sign_up()
    assert api_call.value.headers.get("x-firebase-appcheck") == EXCHANGED
    assert exchanges and all(":exchangeDebugToken" in url for url in exchanges)

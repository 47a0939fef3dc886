"""The local Hosting stand-in (devtools/web_server.py): the built app, Hosting's init.json with
the emulators, and the `/api/**` rewrite to the functions, as the browser tests rely on."""

from __future__ import annotations

import re

import requests

from devtools.stack import ROOT, Stack
from imagechat import config
from tests.support.clients import ApiClient


def test_serves_the_built_app_and_its_assets(stack: Stack) -> None:
    index = requests.get(f"{stack.web_url}/", timeout=10)
    assert index.status_code == 200 and index.headers["Content-Type"].startswith("text/html")
    script = re.search(r'src="(/assets/app-[\w]+\.js)"', index.text)
    assert script, index.text
    app = requests.get(f"{stack.web_url}{script.group(1)}", timeout=10)
    assert app.status_code == 200 and app.headers["Content-Type"].startswith("text/javascript")
    assert requests.get(f"{stack.web_url}/no/such/file.js", timeout=10).status_code == 404
    # Nothing outside the built app is reachable.
    traversal = requests.get(f"{stack.web_url}/%2e%2e/pyproject.toml", timeout=10)
    assert traversal.status_code == 404


def test_init_json_names_the_project_and_the_emulators(stack: Stack) -> None:
    init = requests.get(f"{stack.web_url}/__/firebase/init.json", timeout=10).json()
    assert init["projectId"] == stack.project_id and init["storageBucket"] == stack.bucket
    assert init["emulators"] == {"auth": f"http://{stack.auth_host}", "firestore": stack.firestore_host}
    assert "appCheck" not in init  # no App Check emulator: off locally (test_app_check.py turns it on)


def test_api_is_rewritten_to_the_functions_with_method_body_headers_and_status(user: ApiClient,
                                                                             stack: Stack) -> None:
    assert requests.get(f"{stack.web_url}/api/health", timeout=10).json()["status"] == "ok"
    auth = {"Authorization": f"Bearer {user.id_token}"}
    created = requests.post(f"{stack.web_url}/api/chat/sessions", json={"title": "Through Hosting"},
                            headers=auth, timeout=30)
    assert created.status_code == 200, created.text
    session_id = created.json()["id"]
    listed = requests.get(f"{stack.web_url}/api/chat/sessions", headers=auth, timeout=30).json()
    assert [s["title"] for s in listed["sessions"]] == ["Through Hosting"]
    deleted = requests.delete(f"{stack.web_url}/api/chat/sessions/{session_id}", headers=auth, timeout=30)
    assert deleted.status_code == 204
    anonymous = requests.get(f"{stack.web_url}/api/chat/sessions", timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["status"] == "UNAUTHENTICATED"


def test_the_apps_choices_match_what_the_backend_accepts() -> None:
    options = (ROOT / "web" / "src" / "options.js").read_text()
    models = dict(re.findall(r"id: '([^']+)',.*sizes: \[([^\]]*)\]", options))
    assert {m: tuple(re.findall(r"'(\w+)'", sizes)) for m, sizes in models.items()} == {
        name: spec.image_sizes for name, spec in config.MODEL_SPECS.items()
    }
    ratios = re.search(r"ASPECT_RATIOS = \[([^\]]*)\]", options)
    assert ratios and tuple(re.findall(r"'([\d:]+)'", ratios.group(1))) == config.ASPECT_RATIOS
    assert all(spec.aspect_ratios == config.ASPECT_RATIOS for spec in config.MODEL_SPECS.values())
    assert f"DEFAULT_MODEL = '{config.DEFAULT_MODEL}'" in options
    assert f"DEFAULT_ASPECT_RATIO = '{config.DEFAULT_ASPECT_RATIO}'" in options

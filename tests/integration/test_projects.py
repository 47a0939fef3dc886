"""Projects (seed 003): a session's path to an image, published with an AI-written creative journey."""

from __future__ import annotations

from typing import Any

import requests
from google.cloud import storage

from tests.integration.helpers import fetch, model_calls, new_session, provenance_of, send
from tests.support.clients import ApiClient, GeminiControl

SEED_PATH = "/api/v1/agents/create-project-from-image/"


def _create(client: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.rest("POST", SEED_PATH, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["success"] is True and set(answer["project"]) == {"id", "slug", "url", "title"}
    return answer


def _project(client: ApiClient, project_id: str) -> dict[str, Any]:
    response = client.rest("GET", f"/api/projects/{project_id}")
    assert response.status_code == 200, response.text
    project: dict[str, Any] = response.json()["project"]
    return project


def test_a_project_from_a_session_with_a_failed_and_a_blocked_turn(
    user: ApiClient, gemini: GeminiControl
) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a cozy cabin in the snow")
    gemini.faults({"on": "generateContent", "status": 503, "times": 10})
    failed = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": "make it warmer"})
    assert failed.status_code == 503
    gemini.reset()
    blocked = send(user, session_id, "make it scary [[blocked]]")
    assert blocked["status"] == "blocked"
    second = send(user, session_id, "add a border")
    third = send(user, session_id, "now grayscale")

    answer = _create(user, {"session_id": session_id})
    link = answer["project"]
    assert link["title"] == "Nano Banana Creation: Draw a cozy cabin in the snow"
    assert link["slug"] == "nano-banana-creation-draw-a-cozy-cabin-in-the-snow"
    assert link["url"] == f"/#/projects/{user.uid}/{link['slug']}"

    project = _project(user, link["id"])
    assert [it["prompt"] for it in project["iterations"]] == [
        "Draw a cozy cabin in the snow", "add a border", "now grayscale"]
    assert [it["order"] for it in project["iterations"]] == [1, 2, 3]
    assert project["iterations"][1]["modelText"] == second["text"]
    # The project's own copies, the same pixels as the turns' outputs.
    for it, turn in zip(project["iterations"], (first, second, third), strict=True):
        assert it["imageUrl"] != turn["images"][0]["publicUrl"]
        assert fetch(it["imageUrl"]) == fetch(turn["images"][0]["publicUrl"])
    assert project["featuredImageUrl"] == project["iterations"][-1]["imageUrl"]
    assert provenance_of({"publicUrl": project["featuredImageUrl"]})[-1] == "grayscale"
    assert project["type"] == "nano_banana_creation" and project["sessionId"] == session_id
    assert project["turnId"] == third["id"] and project["visibility"] == "private"

    # The summary came from the text model, given the prompts and the model's texts (no images).
    assert project["summaryStatus"] == "ai" and project["description"].startswith("Summary:")
    summary_call = model_calls(gemini.requests())[-1]
    assert summary_call["model"] == "gemini-2.5-flash"
    assert all(p["kind"] == "text" for c in summary_call["contents"] for p in c["parts"])
    assert project["usage"]["totalTokens"] > 0

    content = project["content"]
    assert content["templateVersion"] == 2
    hero, journey = content["sections"]
    assert hero == {"id": "hero", "type": "hero", "title": "The Final Result", "imageUrl": project["featuredImageUrl"]}
    assert (journey["id"], journey["type"], journey["title"]) == ("journey", "content", "Creative Journey")
    blocks = journey["blocks"]
    assert blocks[0] == {"type": "text", "content": project["description"]}
    assert blocks[1:4] == [
        {"type": "heading", "content": "Iteration 1"},
        {"type": "image", "url": project["iterations"][0]["imageUrl"]},
        {"type": "quote", "content": "Draw a cozy cabin in the snow"},
    ]
    assert len(blocks) == 1 + 3 * 3


def test_a_project_from_a_chosen_turn_and_from_a_reverted_branch(user: ApiClient) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a red kite")
    second = send(user, session_id, "make it warmer")
    send(user, session_id, "add a blur")
    chosen = user.rest("POST", f"/api/chat/sessions/{session_id}/project",
                       json={"turnId": second["id"], "title": "Warm kite"}).json()["project"]
    assert chosen["title"] == "Warm kite" and chosen["slug"] == "warm-kite"
    assert [it["prompt"] for it in _project(user, chosen["id"])["iterations"]] == ["Draw a red kite", "make it warmer"]

    # Reverted: back to the first answer, then a new edit: only the path to the head counts.
    user.rest("POST", f"/api/chat/sessions/{session_id}/head", json={"turnId": first["id"]})
    send(user, session_id, "now sepia")
    branch = _create(user, {"session_id": session_id})["project"]
    assert [it["prompt"] for it in _project(user, branch["id"])["iterations"]] == ["Draw a red kite", "now sepia"]
    # By slug too.
    assert _project(user, branch["slug"])["id"] == branch["id"]


def test_the_summary_failing_still_makes_the_project(user: ApiClient, gemini: GeminiControl) -> None:
    session_id = new_session(user)
    send(user, session_id, "Draw a sailboat")
    send(user, session_id, "make it cooler")
    gemini.faults({"on": "generateContent", "status": 503, "times": 10})
    link = _create(user, {"session_id": session_id})["project"]
    project = _project(user, link["id"])
    assert project["summaryStatus"] == "fallback"
    assert project["description"] == 'Made in 2 steps, from "Draw a sailboat" to "make it cooler".'
    assert project["content"]["sections"][1]["blocks"][0]["content"] == project["description"]


def test_projects_outlive_their_session_and_slugs_are_unique(user: ApiClient, bucket: storage.Bucket) -> None:
    session_id = new_session(user)
    send(user, session_id, "Draw a moon")
    one = _create(user, {"session_id": session_id, "title": "Moon"})["project"]
    two = user.call_result("createProjectFromSession", {"sessionId": session_id, "title": "Moon"})["project"]
    assert (one["slug"], two["slug"]) == ("moon", "moon-2")

    assert user.rest("DELETE", f"/api/chat/sessions/{session_id}").status_code == 204
    project = _project(user, one["id"])
    assert fetch(project["featuredImageUrl"])[:4] == b"\x89PNG"

    listed = user.call_result("listProjects", {})["projects"]
    assert [p["id"] for p in listed] == [two["id"], one["id"]]
    assert user.call_result("getProject", {"projectId": "moon-2"})["project"]["id"] == two["id"]
    assert user.call_result("deleteProject", {"projectId": two["id"]}) == {}
    assert list(bucket.list_blobs(prefix=f"projects/{user.uid}/{two['id']}/")) == []
    assert user.rest("GET", f"/api/projects/{two['id']}").status_code == 404
    # Its slug is free again.
    session_id = new_session(user)
    send(user, session_id, "Draw a moon")
    assert _create(user, {"session_id": session_id, "title": "Moon"})["project"]["slug"] == "moon-2"


def test_publishing_and_other_users(user: ApiClient, other_user: ApiClient, anon: ApiClient) -> None:
    session_id = new_session(user)
    send(user, session_id, "Draw a lantern")
    link = _create(user, {"session_id": session_id})["project"]
    public_path = f"/api/public/projects/{user.uid}/{link['slug']}"
    assert anon.rest("GET", public_path).status_code == 404  # private by default
    assert other_user.rest("GET", f"/api/projects/{link['id']}").status_code == 404
    refused = other_user.rest("POST", SEED_PATH, json={"session_id": session_id})
    assert refused.status_code == 404 and refused.json()["error"]["message"] == "Chat session not found."

    published = user.rest("PATCH", f"/api/projects/{link['id']}", json={"visibility": "public", "title": "Lantern"})
    assert published.status_code == 200 and published.json()["project"]["visibility"] == "public"
    seen = anon.rest("GET", public_path)
    assert seen.status_code == 200 and seen.json()["project"]["title"] == "Lantern"
    assert requests.get(seen.json()["project"]["featuredImageUrl"], timeout=10).status_code == 200
    user.call_result("updateProject", {"projectId": link["id"], "visibility": "private"})
    assert anon.rest("GET", public_path).status_code == 404


def test_refusals_name_what_was_wrong(user: ApiClient) -> None:
    empty = new_session(user)
    response = user.rest("POST", SEED_PATH, json={"session_id": empty})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "No active image session. Please generate an image first."
    missing = user.rest("POST", SEED_PATH, json={})
    assert missing.status_code == 400 and "sessionId" in missing.json()["error"]["message"]
    session_id = new_session(user)
    answer = send(user, session_id, "Draw a fern")
    wrong = user.rest("POST", SEED_PATH, json={"session_id": session_id, "turn_id": answer["parentId"]})
    assert wrong.status_code == 400 and "turn_id" in wrong.json()["error"]["message"]
    unknown = user.rest("POST", SEED_PATH, json={"session_id": session_id, "turn_id": "nope"})
    assert unknown.status_code == 404 and unknown.json()["error"]["message"] == "Turn not found."

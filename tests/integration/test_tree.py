"""The conversation as a tree: set the head, regenerate, edit and resend, delete a turn, and what a
send on a branch puts into the model's request."""

from __future__ import annotations

from typing import Any

from google.cloud import firestore, storage

from tests.integration.helpers import model_calls, new_session, png_bytes, provenance_of, send, upload
from tests.support.clients import ApiClient, GeminiControl

PRO = "gemini-3-pro-image-preview"


def _session(client: ApiClient, session_id: str, **params: Any) -> dict[str, Any]:
    response = client.rest("GET", f"/api/chat/sessions/{session_id}", params=params or None)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _set_head(client: ApiClient, session_id: str, turn_id: str | None) -> dict[str, Any]:
    response = client.rest("POST", f"/api/chat/sessions/{session_id}/head", json={"turnId": turn_id})
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()["session"]
    return session


def _is_prefix(shorter: list[str], longer: list[str]) -> bool:
    return len(shorter) < len(longer) and longer[: len(shorter)] == shorter


def test_a_branch_walk_edits_the_image_the_head_points_at(transport: str, user: ApiClient) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a lighthouse")
    second = send(user, session_id, "make it warmer")
    third = send(user, session_id, "now grayscale")
    chains = [provenance_of(t["images"][0]) for t in (first, second, third)]
    assert _is_prefix(chains[0], chains[1]) and _is_prefix(chains[1], chains[2])
    body = _session(user, session_id)
    assert body["session"]["headTurnId"] == third["id"]

    session = _set_head(user, session_id, first["id"])  # two steps back
    assert session["headTurnId"] == first["id"]
    assert session["lastImage"]["storagePath"] == first["images"][0]["storagePath"]
    branch = _session(user, session_id)["turns"]
    assert [t["id"] for t in branch if t["role"] == "model"] == [first["id"]]

    fourth = send(user, session_id, "add a blur")
    chain = provenance_of(fourth["images"][0])
    assert _is_prefix(chains[0], chain) and chain[len(chains[0]):] == ["blur"], chain
    assert not _is_prefix(chains[1], chain)  # the abandoned edits are not in it

    body = _session(user, session_id)
    assert body["session"]["headTurnId"] == fourth["id"]
    turns = body["turns"]
    assert [t["text"] for t in turns if t["role"] == "user"] == ["Draw a lighthouse", "add a blur"]
    assert [t["id"] for t in turns if t["role"] == "model"] == [first["id"], fourth["id"]]
    by_id = {t["id"]: t for t in turns}
    user_turn = by_id[fourth["parentId"]]
    assert user_turn["role"] == "user" and user_turn["parentId"] == first["id"]
    assert by_id[first["id"]]["parentId"] == turns[0]["id"] and turns[0]["parentId"] is None
    # The branch point shows two continuations: the abandoned one and the new one, oldest first.
    assert len(user_turn["siblingIds"]) == 2 and user_turn["siblingIds"][1] == user_turn["id"]

    everything = _session(user, session_id, all="true")["turns"]
    assert len(everything) == 8
    assert {second["id"], third["id"]} <= {t["id"] for t in everything}
    assert [t["index"] for t in everything] == sorted(t["index"] for t in everything)

    # Switching back to the abandoned branch continues it.
    _set_head(user, session_id, third["id"])
    fifth = send(user, session_id, "flip it")
    assert _is_prefix(chains[2], provenance_of(fifth["images"][0]))


def test_start_over_keeps_the_session(user: ApiClient) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a boat")
    session = _set_head(user, session_id, None)
    assert session["headTurnId"] is None and session["lastImage"] is None
    assert _session(user, session_id)["turns"] == []
    again = send(user, session_id, "Draw a boat")
    assert provenance_of(again["images"][0]) == provenance_of(first["images"][0])  # a fresh generation
    assert _session(user, session_id)["turns"][0]["parentId"] is None
    assert len(_session(user, session_id, all="true")["turns"]) == 4


def test_set_head_refuses_what_is_not_a_complete_model_turn(user: ApiClient, other_user: ApiClient) -> None:
    session_id = new_session(user)
    answer = send(user, session_id, "Draw a tree")
    user_turn_id = answer["parentId"]
    path = f"/api/chat/sessions/{session_id}/head"
    refused = user.rest("POST", path, json={"turnId": user_turn_id})
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "turnId: must name a complete model turn of this session."
    missing = user.rest("POST", path, json={"turnId": "nope"})
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "Turn not found."
    no_field = user.rest("POST", path, json={})
    assert no_field.status_code == 400 and "turnId" in no_field.json()["error"]["message"]
    assert other_user.rest("POST", path, json={"turnId": answer["id"]}).status_code == 404


def test_regenerate_makes_a_sibling_from_the_same_input(user: ApiClient, gemini: GeminiControl) -> None:
    session_id = new_session(user)
    photo = upload(user, png_bytes((30, 90, 200)))
    first = send(user, session_id, "make it cooler", refUrls=[photo["publicUrl"]], aspectRatio="16:9")
    gemini.reset()

    response = user.rest("POST", f"/api/chat/sessions/{session_id}/turns/{first['id']}/regenerate", json={})
    assert response.status_code == 200, response.text
    again = response.json()["turn"]
    assert again["id"] != first["id"] and again["parentId"] == first["parentId"]
    assert again["siblingIds"] == [first["id"], again["id"]]
    # The same message went to the model again: same image, same options.
    call = model_calls(gemini.requests())[-1]
    assert call["aspectRatio"] == "16:9"
    assert provenance_of(again["images"][0])[0] == provenance_of(first["images"][0])[0]
    assert provenance_of(again["images"][0])[0].startswith("input:")

    body = _session(user, session_id)
    assert body["session"]["headTurnId"] == again["id"]
    assert [t["id"] for t in body["turns"]] == [first["parentId"], again["id"]]
    assert len(_session(user, session_id, all="true")["turns"]) == 3

    # Regenerate through the callable, and from a user turn id: refused.
    third = user.call_result("regenerateTurn", {"sessionId": session_id, "turnId": first["id"]})["turn"]
    assert third["siblingIds"] == [first["id"], again["id"], third["id"]]
    wrong = user.rest("POST", f"/api/chat/sessions/{session_id}/turns/{first['parentId']}/regenerate", json={})
    assert wrong.status_code == 400
    assert wrong.json()["error"]["message"] == "turnId: must name a model turn (the answer to regenerate)."


def test_a_send_with_parent_turn_id_branches_from_there(user: ApiClient) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a house")
    second = send(user, session_id, "make it darker")
    branched = send(user, session_id, "make it sepia", parentTurnId=first["id"])
    chain = provenance_of(branched["images"][0])
    assert chain == [*provenance_of(first["images"][0]), "sepia"]
    assert _session(user, session_id)["session"]["headTurnId"] == branched["id"]

    fresh = send(user, session_id, "Draw a house", parentTurnId=None)  # explicit null: from the root
    assert provenance_of(fresh["images"][0]) == provenance_of(first["images"][0])
    turns = _session(user, session_id)["turns"]
    assert turns[0]["parentId"] is None and len(turns) == 2
    assert len(turns[0]["siblingIds"]) == 2  # two first messages
    assert second["id"] in {t["id"] for t in _session(user, session_id, all="true")["turns"]}

    refused = user.rest("POST", f"/api/chat/sessions/{session_id}/message",
                        json={"text": "x", "parentTurnId": "unknown"})
    assert refused.status_code == 404 and refused.json()["error"]["message"] == "Turn not found."


def test_a_request_id_is_bound_to_its_parent(user: ApiClient) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a kite")
    send(user, session_id, "make it warmer", requestId="r-tree-1")
    reused = user.rest("POST", f"/api/chat/sessions/{session_id}/message",
                       json={"text": "make it warmer", "requestId": "r-tree-1", "parentTurnId": first["id"]})
    assert reused.status_code == 400, reused.text


def test_delete_a_middle_turn_removes_its_subtree(
    user: ApiClient, firestore_db: firestore.Client, bucket: storage.Bucket
) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a castle")
    second = send(user, session_id, "make it warmer", refUrls=[upload(user)["publicUrl"]])
    third = send(user, session_id, "now blur")
    prefix = f"chat-images/{user.uid}/{session_id}/"
    assert len(list(bucket.list_blobs(prefix=prefix))) == 7  # 3 outputs + 3 thumbnails + 1 input copy

    response = user.rest("DELETE", f"/api/chat/sessions/{session_id}/turns/{second['parentId']}")
    assert response.status_code == 204, response.text

    body = _session(user, session_id, all="true")
    assert [t["id"] for t in body["turns"]] == [first["parentId"], first["id"]]
    session = body["session"]
    assert session["headTurnId"] == first["id"] and session["turnCount"] == 2
    assert session["lastImage"]["storagePath"] == first["images"][0]["storagePath"]
    names = {blob.name for blob in bucket.list_blobs(prefix=prefix)}
    assert names == {first["images"][0]["storagePath"], first["images"][0]["thumbnail"]["storagePath"]}
    turns = firestore_db.collection("users").document(user.uid).collection("chatSessions") \
        .document(session_id).collection("turns")
    assert {snap.id for snap in turns.stream()} == {first["parentId"], first["id"]}
    assert third["id"] not in names

    # The session keeps working, continuing from the deleted exchange's parent.
    after = send(user, session_id, "make it sepia")
    assert provenance_of(after["images"][0]) == [*provenance_of(first["images"][0]), "sepia"]


def test_delete_one_answer_keeps_its_siblings(user: ApiClient) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a fox")
    again = user.call_result("regenerateTurn", {"sessionId": session_id, "turnId": first["id"]})["turn"]
    result = user.call_result("deleteTurn", {"sessionId": session_id, "turnId": again["id"]})
    assert result == {}
    body = _session(user, session_id, all="true")
    assert [t["id"] for t in body["turns"]] == [first["parentId"], first["id"]]
    assert body["session"]["headTurnId"] == first["id"]
    assert body["turns"][1]["siblingIds"] == [first["id"]]
    missing = user.rest("DELETE", f"/api/chat/sessions/{session_id}/turns/{again['id']}")
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "Turn not found."


def test_tree_operations_refuse_while_a_turn_runs(user: ApiClient, gemini: GeminiControl) -> None:
    import threading

    session_id = new_session(user)
    first = send(user, session_id, "Draw a bridge")
    gemini.config(latencyMs=2500)
    thread = threading.Thread(target=send, args=(user, session_id, "make it warmer"))
    thread.start()
    try:
        _wait_for_lease(user, session_id)
        busy = "This session is busy with another message."
        for method, path, payload in (
            ("POST", f"/api/chat/sessions/{session_id}/head", {"turnId": first["id"]}),
            ("POST", f"/api/chat/sessions/{session_id}/turns/{first['id']}/regenerate", {}),
            ("DELETE", f"/api/chat/sessions/{session_id}/turns/{first['id']}", None),
        ):
            response = user.rest(method, path, json=payload)
            assert response.status_code == 409, (path, response.text)
            assert response.json()["error"]["message"] == busy
    finally:
        thread.join()
    assert len(_session(user, session_id)["turns"]) == 4


def _wait_for_lease(client: ApiClient, session_id: str) -> None:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        turns = _session(client, session_id)["turns"]
        if any(t["status"] == "pending" for t in turns):
            return
        time.sleep(0.05)
    raise AssertionError("the send never started")


def test_an_admin_moves_the_head_for_a_user(user: ApiClient, admin: ApiClient) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a hill")
    send(user, session_id, "make it darker")
    response = admin.rest("POST", f"/api/chat/sessions/{session_id}/head",
                          json={"turnId": first["id"], "userId": user.uid})
    assert response.status_code == 200, response.text
    assert _session(user, session_id)["session"]["headTurnId"] == first["id"]


def test_failed_and_blocked_sends_hang_off_the_branch(transport: str, user: ApiClient, gemini: GeminiControl) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a garden")
    gemini.faults({"on": "model", "status": 503, "times": 10})  # beyond the SDK's retries
    failed = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": "make it warmer"})
    assert failed.status_code == 503
    gemini.reset()
    body = _session(user, session_id)
    assert body["session"]["headTurnId"] == first["id"]  # a failed send never becomes the head
    assert [(t["role"], t["status"]) for t in body["turns"]] == [
        ("user", "complete"), ("model", "complete"), ("user", "failed")
    ]
    assert body["turns"][2]["text"] == "make it warmer" and body["turns"][2]["parentId"] == first["id"]
    retry = send(user, session_id, "make it warmer")
    assert provenance_of(retry["images"][0]) == [*provenance_of(first["images"][0]), "warmer"]


def test_old_linear_sessions_load_and_continue(user: ApiClient, firestore_db: firestore.Client) -> None:
    # A session written before the tree: no parentId, no headTurnId.
    session_id = new_session(user)
    first = send(user, session_id, "Draw a lake")
    second = send(user, session_id, "make it cooler")
    ref = firestore_db.collection("users").document(user.uid).collection("chatSessions").document(session_id)
    for snap in ref.collection("turns").stream():
        snap.reference.update({"parentId": firestore.DELETE_FIELD, "lineage": firestore.DELETE_FIELD})
    ref.update({"headTurnId": firestore.DELETE_FIELD})

    body = _session(user, session_id)
    assert body["session"]["headTurnId"] == second["id"]
    assert [t["parentId"] for t in body["turns"]] == [None, body["turns"][0]["id"], first["id"],
                                                      body["turns"][2]["id"]]
    third = send(user, session_id, "now invert")
    assert provenance_of(third["images"][0]) == [*provenance_of(second["images"][0]), "invert"]
    _set_head(user, session_id, first["id"])
    fourth = send(user, session_id, "make it sepia")
    assert provenance_of(fourth["images"][0]) == [*provenance_of(first["images"][0]), "sepia"]


def _image_parts(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in content["parts"] if p["kind"] in ("inlineData", "fileData")]


def test_history_at_turn_30_is_the_first_exchange_the_last_k_and_a_note(
    user: ApiClient, gemini: GeminiControl
) -> None:
    session_id = new_session(user, model=PRO, historyTurns=2)
    photo = upload(user, png_bytes((200, 30, 30)))
    prompts = ["make it warmer"] + [f"step {i}: make it brighter" for i in range(1, 29)] + ["now blur"]
    send(user, session_id, prompts[0], refUrls=[photo["publicUrl"]])
    for prompt in prompts[1:-1]:
        send(user, session_id, prompt)
    gemini.reset()
    last = send(user, session_id, prompts[-1])
    assert last["status"] == "complete"

    call = model_calls(gemini.requests())[-1]
    contents = call["contents"]
    # first exchange (user image + model) + 2 last exchanges + the new message
    assert [c["role"] for c in contents] == ["user", "model"] * 3 + ["user"]
    assert [p["kind"] for p in contents[0]["parts"]] == ["fileData", "text"]  # the original photo
    for model_content in contents[1:6:2]:
        images = _image_parts(model_content)
        assert images and all(p["hasSignature"] for p in images)
    note = call["systemText"]
    assert "Earlier in this conversation the user asked" in note
    assert "step 1: make it brighter" in note and "step 26: make it brighter" in note
    assert "step 27: make it brighter" not in note  # sent in full, not repeated in the note
    # The edited image is the head's: its chain continues the previous answer's.
    assert provenance_of(last["images"][0])[-1] == "blur"


def test_history_turns_is_set_on_create_and_patch(user: ApiClient) -> None:
    session_id = new_session(user, historyTurns=5)
    assert _session(user, session_id)["session"]["historyTurns"] == 5
    response = user.rest("PATCH", f"/api/chat/sessions/{session_id}", json={"historyTurns": 1})
    assert response.status_code == 200 and response.json()["session"]["historyTurns"] == 1
    bad = user.rest("PATCH", f"/api/chat/sessions/{session_id}", json={"historyTurns": -1})
    assert bad.status_code == 400 and "historyTurns" in bad.json()["error"]["message"]

"""Region edits, the session's and the message's choices (issue 17): the whole image sent as
labelled context when the session says so (`regionContext`), and a mask on one of the message's
own images (`mask.attachment`) instead of the head's image."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from google.cloud import storage
from PIL import Image, ImageChops, ImageOps

from imagechat.gemini.contents import REGION_LABELS
from tests.integration.helpers import (
    fetch,
    model_calls,
    new_session,
    post_message,
    provenance_of,
    rgb_image,
    send,
    upload,
)
from tests.support.clients import ApiClient, GeminiControl

RECT = [400, 300, 200, 150]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _gradient(size: tuple[int, int]) -> bytes:
    """A photo-like upload: every pixel differs from its neighbours, so any change shows."""
    width, height = size
    image = Image.new("RGB", size)
    image.putdata([(x * 255 // width, y * 255 // height, (x + y) % 256) for y in range(height) for x in range(width)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _last_message(gemini: GeminiControl) -> list[dict[str, Any]]:
    """The parts of the newest model call's new message (either API logs them as `contents`)."""
    parts: list[dict[str, Any]] = model_calls(gemini.requests())[-1]["contents"][-1]["parts"]
    return parts


def _user_turn(client: ApiClient, session_id: str, model_turn: dict[str, Any]) -> dict[str, Any]:
    turns = client.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
    found: dict[str, Any] = next(t for t in turns if t["id"] == model_turn["parentId"])
    return found


def test_region_context_sends_the_whole_image_labelled_and_the_model_edits_the_crop(
    transport: str, user: ApiClient, gemini: GeminiControl
) -> None:
    created = user.rest("POST", "/api/chat/sessions", json={"regionContext": True}).json()
    assert created["session"]["regionContext"] is True
    session_id = created["id"]
    first = send(user, session_id, "Draw a lighthouse")
    whole = fetch(first["images"][0]["publicUrl"])

    response = post_message(user, session_id, text="invert the colours", mask={"rects": [RECT]})
    assert response.status_code == 200, response.text
    turn = response.json()["turn"]
    assert turn["region"]["context"] is True and turn["region"]["attachment"] is None
    # The new message: a label, the whole image, a label, the crop, then the instruction.
    parts = _last_message(gemini)
    assert [p["kind"] == "text" for p in parts] == [True, False, True, False, True]
    assert [parts[0]["textLength"], parts[2]["textLength"]] == [
        len(REGION_LABELS["context"]), len(REGION_LABELS["region"])
    ]
    context, crop = _user_turn(user, session_id, turn)["attachments"]
    assert (context["role"], crop["role"]) == ("context", "region")
    assert context["sha256"] == _sha(whole) and (context["width"], context["height"]) == (1024, 1024)
    # The model edited the crop (its output's provenance starts from the crop's bytes), not the whole image.
    assert provenance_of(turn["images"][1]) == [f"input:{crop['sha256'][:12]}", "invert"]
    composite = rgb_image(fetch(turn["images"][0]["publicUrl"]))
    corner = (0, 0, 200, 200)  # far outside the mask: the original's pixels
    assert ImageChops.difference(composite.crop(corner), rgb_image(whole).crop(corner)).getbbox() is None

    # Turned off through the callable: the next region edit sends the crop alone, unlabelled.
    updated = user.call_result("updateSession", {"sessionId": session_id, "regionContext": False})
    assert updated["session"]["regionContext"] is False
    second = user.call_result("sendMessage", {"sessionId": session_id, "text": "darker", "mask": {"rects": [RECT]}})
    assert second["turn"]["region"]["context"] is False
    parts = _last_message(gemini)
    assert [p["kind"] == "text" for p in parts if not p.get("thought")][-2:] == [False, True]
    assert [a.get("role") for a in _user_turn(user, session_id, second["turn"])["attachments"]] == ["region"]


def test_a_mask_on_an_attachment_edits_that_image_and_the_next_turn_continues_from_the_result(
    user: ApiClient, bucket: storage.Bucket
) -> None:
    session_id = new_session(user)
    send(user, session_id, "Draw a lighthouse")  # a head image exists: the mask must not go there
    photo_bytes = _gradient((640, 480))
    photo = upload(user, photo_bytes, name="photo.png")
    hat = upload(user, _gradient((64, 48)), name="hat.png")
    rect = [100, 120, 200, 150]

    response = post_message(user, session_id, text="invert", refUrls=[photo["publicUrl"], hat["publicUrl"]],
                     mask={"attachment": 0, "rects": [rect]})
    assert response.status_code == 200, response.text
    turn = response.json()["turn"]
    region = turn["region"]
    assert region["attachment"] == 0 and region["context"] is False
    # The photo left its place for its crop, which went last (the image edited); the hat stays.
    attachments = _user_turn(user, session_id, turn)["attachments"]
    assert [a["sourcePath"] for a in attachments] == [hat["storagePath"], photo["storagePath"]]
    assert [a.get("role") for a in attachments] == [None, "region"]
    assert provenance_of(turn["images"][1]) == [f"input:{attachments[1]['sha256'][:12]}", "invert"]
    # The result is the photo, edited only inside the mask.
    original = rgb_image(photo_bytes)
    composite = rgb_image(fetch(turn["images"][0]["publicUrl"]))
    assert composite.size == original.size == (640, 480)
    feather = region["featherPx"]
    keep = Image.new("L", original.size, 255)
    keep.paste(0, (rect[0] - feather, rect[1] - feather, rect[0] + rect[2] + feather, rect[1] + rect[3] + feather))
    assert ImageChops.multiply(ImageChops.difference(composite, original).convert("L"), keep).getbbox() is None
    inner = (rect[0] + feather, rect[1] + feather, rect[0] + rect[2] - feather, rect[1] + rect[3] - feather)
    inverted = ImageOps.invert(original.crop(inner))
    assert ImageChops.difference(composite.crop(inner), inverted).convert("L").getextrema()[1] < 40
    # The photo as it was is kept in the session: the region record points at it.
    assert region["editedImage"].startswith(f"chat-images/{user.uid}/{session_id}/")
    kept = rgb_image(bucket.blob(region["editedImage"]).download_as_bytes())
    assert ImageChops.difference(kept, original).getbbox() is None

    # The next message continues from the composite (a user image: the model never made it).
    nxt = send(user, session_id, "make it grayscale")
    composite_bytes = fetch(turn["images"][0]["publicUrl"])
    assert provenance_of(nxt["images"][0]) == [f"input:{_sha(composite_bytes)[:12]}", "grayscale"]

    # Deleting the message deletes what it stored: the kept photo and the mask too.
    deleted = user.rest("DELETE", f"/api/chat/sessions/{session_id}/turns/{turn['parentId']}")
    assert deleted.status_code == 204, deleted.text
    assert not bucket.blob(region["editedImage"]).exists()
    assert not any(b.name.endswith("-mask.png") for b in bucket.list_blobs(prefix=f"chat-images/{user.uid}/"))


def test_mask_attachment_errors_are_clear_400s_and_write_nothing(user: ApiClient) -> None:
    session_id = new_session(user)
    photo = upload(user, _gradient((64, 48)))
    response = post_message(user, session_id, text="invert", refUrls=[photo["publicUrl"]],
                     mask={"attachment": 1, "rects": [[0, 0, 10, 10]]})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"] == (
        "mask.attachment: this message has 1 image(s) (0-based, imageIds first, then refUrls); got 1."
    )
    response = post_message(user, session_id, text="invert", refUrls=[photo["publicUrl"]],
                     mask={"attachment": 0, "rects": [[0, 0, 10, 10]], "polygons": [[[0, 0], [5, 0], [0, 5]]]})
    assert response.status_code == 400 and "mask: give exactly one of" in response.text, response.text
    called = user.call("sendMessage", {"sessionId": session_id, "text": "invert", "refUrls": [photo["publicUrl"]],
                                        "mask": {"attachment": 2, "rects": [[0, 0, 10, 10]]}})
    assert called.status_code == 400 and called.json()["error"]["status"] == "INVALID_ARGUMENT", called.text
    assert called.json()["error"]["message"].startswith("mask.attachment: this message has 1 image(s)")
    response = post_message(user, session_id, text="invert", mask={"attachment": -1, "rects": [[0, 0, 10, 10]]})
    assert response.status_code == 400 and "mask.attachment" in response.text, response.text
    assert user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"] == []


def test_regenerating_a_region_edit_with_two_candidates_blends_each_new_answer_back(
    user: ApiClient, gemini: GeminiControl
) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a lighthouse")
    original = rgb_image(fetch(first["images"][0]["publicUrl"]))
    edit = send(user, session_id, "invert", mask={"rects": [RECT]})
    calls_before = len(model_calls(gemini.requests()))

    response = user.rest("POST", f"/api/chat/sessions/{session_id}/turns/{edit['id']}/regenerate",
                         json={"candidates": 2})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["succeeded"] == 2
    calls = model_calls(gemini.requests())[calls_before:]
    assert sorted(c["seed"] for c in calls) == [0, 1]  # two real calls, one per candidate
    assert answer["turn"]["siblingIds"] == [edit["id"], *(c["id"] for c in answer["candidates"])]
    corner = (0, 0, 200, 200)
    for candidate in answer["candidates"]:
        region = candidate["region"]
        assert (region["editedImage"], region["cropBox"]) == (edit["region"]["editedImage"], edit["region"]["cropBox"])
        # The model edited the same crop again; the composite is the whole image, outside the mask untouched.
        chain = provenance_of(candidate["images"][1])
        assert chain[:2] == provenance_of(edit["images"][1]) and chain[-1].startswith("seed:")
        composite = rgb_image(fetch(candidate["images"][0]["publicUrl"]))
        assert composite.size == original.size
        assert ImageChops.difference(composite.crop(corner), original.crop(corner)).getbbox() is None
    session = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["session"]
    assert session["lastImage"]["storagePath"] == answer["turn"]["images"][0]["storagePath"]

    # A blocked region edit keeps its mask: regenerating it redoes the region edit (blocked again here,
    # the emulator's marker is in the text), not a plain edit of the crop.
    blocked = send(user, session_id, "[[blocked]] invert", mask={"rects": [RECT]})
    assert blocked["status"] == "blocked" and blocked["region"]["cropBox"] == edit["region"]["cropBox"]
    again = user.rest("POST", f"/api/chat/sessions/{session_id}/turns/{blocked['id']}/regenerate", json={})
    assert again.status_code == 200, again.text
    assert again.json()["turn"]["region"]["editedImage"] == blocked["region"]["editedImage"]

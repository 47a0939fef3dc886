"""Region edits with a mask (issue 17): only the masked part of the head's image changes, the turn
keeps the model's own output for history, and the next edit continues from the composite."""

from __future__ import annotations

import hashlib
import io

from google.cloud import storage
from PIL import Image, ImageChops, ImageOps

from tests.integration.helpers import (
    fetch,
    model_calls,
    new_session,
    png_bytes,
    post_message,
    provenance_of,
    rgb_image,
    send,
    upload,
)
from tests.support.clients import ApiClient, GeminiControl

PRO = "gemini-3-pro-image-preview"  # thought signatures: history must replay the model's own output
RECT = [400, 300, 200, 150]


def test_a_masked_edit_changes_only_the_region_and_the_next_edit_continues_from_it(
    transport: str, user: ApiClient, gemini: GeminiControl
) -> None:
    session_id = new_session(user, model=PRO)
    first = send(user, session_id, "Draw a lighthouse")
    original_bytes = fetch(first["images"][0]["publicUrl"])
    original = rgb_image(original_bytes)

    response = post_message(user, session_id, text="invert the colours", mask={"rects": [RECT]})
    assert response.status_code == 200, response.text
    turn = response.json()["turn"]
    region = turn["region"]
    x, y, w, h = region["cropBox"]
    assert x <= RECT[0] and y <= RECT[1] and x + w >= RECT[0] + RECT[2] and y + h >= RECT[1] + RECT[3]
    assert region["editedImage"] == first["images"][0]["storagePath"]
    assert region["maskKind"] == "rects" and region["modelImage"] == 1
    composite_bytes = fetch(turn["images"][0]["publicUrl"])
    composite = rgb_image(composite_bytes)
    assert composite.size == original.size
    # The model's own output: the crop it was sent, inverted (its provenance says so), at the crop's ratio.
    assert provenance_of(turn["images"][1])[-1] == "invert"
    crop_w, crop_h = turn["images"][1]["width"], turn["images"][1]["height"]
    rw, rh = (int(v) for v in region["cropAspectRatio"].split(":"))
    assert abs(crop_w / crop_h - rw / rh) < 0.05  # the model's documented size of that ratio
    # Outside the mask (beyond the feather): the original's pixels, every one of them.
    feather = region["featherPx"]
    keep = Image.new("L", original.size, 255)
    keep.paste(0, (RECT[0] - feather, RECT[1] - feather, RECT[0] + RECT[2] + feather, RECT[1] + RECT[3] + feather))
    diff = ImageChops.difference(composite, original).convert("L")
    assert ImageChops.multiply(diff, keep).getbbox() is None
    # Inside: changed (inverted), about everywhere.
    inner = (RECT[0] + feather, RECT[1] + feather, RECT[0] + RECT[2] - feather, RECT[1] + RECT[3] - feather)
    expected = ImageOps.invert(original.crop(inner))
    assert ImageChops.difference(composite.crop(inner), expected).convert("L").getextrema()[1] < 40
    # The user turn sent the crop (its last image); the session shows the composite.
    body = user.rest("GET", f"/api/chat/sessions/{session_id}").json()
    user_turn = next(t for t in body["turns"] if t["id"] == turn["parentId"])
    sent = user_turn["attachments"][-1]
    assert sent["source"] == "output" and abs(sent["width"] / sent["height"] - rw / rh) < 0.01
    assert body["session"]["lastImage"]["storagePath"] == turn["images"][0]["storagePath"]
    mask = rgb_image(fetch(region["maskUrl"]))
    assert mask.size == original.size and mask.convert("L").getbbox() == (400, 300, 600, 450)

    # The next edit continues from the composite (sent as a user image), and history replays the
    # model's own output with its signature (the 3.x emulator checks it).
    nxt = send(user, session_id, "make it grayscale")
    assert provenance_of(nxt["images"][0]) == [f"input:{hashlib.sha256(composite_bytes).hexdigest()[:12]}",
                                               "grayscale"]
    last = model_calls(gemini.requests())[-1]
    assert last["status"] == 200


def test_mask_validation_is_a_clear_400(user: ApiClient, bucket: storage.Bucket) -> None:
    session_id = new_session(user)
    response = post_message(user, session_id, text="invert", mask={"rects": [RECT]})
    assert response.status_code == 400 and "mask: there is no image to edit" in response.text, response.text

    send(user, session_id, "Draw a boat")  # 1024×1024
    wrong_size = upload(user, png_bytes((255, 255, 255), (64, 48)))
    response = post_message(user, session_id, text="invert", mask={"refUrl": wrong_size["publicUrl"]})
    assert response.status_code == 400, response.text
    assert "mask: it is 64×48 but the image being edited is 1024×1024" in response.json()["error"]["message"]

    empty = upload(user, png_bytes((0, 0, 0), (1024, 1024)))
    response = post_message(user, session_id, text="invert", mask={"storagePath": empty["storagePath"]})
    assert response.status_code == 400 and "mask: it is empty" in response.text, response.text

    blob = bucket.blob(f"uploads/{user.uid}/notes.png")
    blob.upload_from_string(b"this is not an image", content_type="image/png")
    response = post_message(user, session_id, text="invert", mask={"storagePath": blob.name})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"].startswith("mask.storagePath")

    two_kinds = {"rects": [RECT], "polygons": [[[0, 0], [1, 0], [0, 1]]]}
    response = post_message(user, session_id, text="invert", mask=two_kinds)
    assert response.status_code == 400 and "mask: give exactly one of" in response.text, response.text
    turns = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
    assert len(turns) == 2  # nothing was written by the refused messages


def test_a_masked_edit_through_the_callable_with_a_polygon_and_an_uploaded_mask(user: ApiClient) -> None:
    session_id = new_session(user)
    send(user, session_id, "Draw a garden")
    polygon = [[100, 100], [300, 120], [180, 330]]
    result = user.call_result("sendMessage", {"sessionId": session_id, "text": "darker",
                                              "mask": {"polygons": [polygon]}})
    assert result["turn"]["region"]["maskKind"] == "polygons" and len(result["turn"]["images"]) == 2

    white = Image.new("L", (1024, 1024), 0)
    white.paste(255, (700, 700, 900, 800))
    out = io.BytesIO()
    white.save(out, format="PNG")
    mask = upload(user, out.getvalue(), name="mask.png")
    second = user.call_result("sendMessage", {"sessionId": session_id, "text": "brighter",
                                              "mask": {"refUrl": mask["publicUrl"]}})
    assert second["turn"]["region"]["maskKind"] == "upload"
    assert second["turn"]["region"]["editedImage"] == result["turn"]["images"][0]["storagePath"]


def test_a_masked_edit_with_two_candidates_composites_each_answer(user: ApiClient) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a field")
    response = post_message(user, session_id, text="invert", mask={"rects": [RECT]}, candidates=2)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["succeeded"] == 2
    composites = [rgb_image(fetch(c["images"][0]["publicUrl"])) for c in answer["candidates"]]
    original = rgb_image(fetch(first["images"][0]["publicUrl"]))
    corner = (0, 0, 100, 100)  # far outside the mask: the original in both
    assert all(ImageChops.difference(c.crop(corner), original.crop(corner)).getbbox() is None for c in composites)
    inside = (RECT[0] + 20, RECT[1] + 20, RECT[0] + 60, RECT[1] + 60)
    assert ImageChops.difference(composites[0].crop(inside), composites[1].crop(inside)).getbbox() is not None
    # In index order: candidate k asked with seed k.
    assert [provenance_of(c["images"][1])[-1] for c in answer["candidates"]] == ["seed:0", "seed:1"]

"""Identity image chat units: the start prompt's template, the inlined image, the stored
documents, the seed API's routes and its DRF-style error bodies. No stack."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from imagechat.errors import InvalidArgument, NotFound
from imagechat.identities import model_for
from imagechat.identity_prompt import build_prompt
from imagechat.identity_schemas import (
    ContinueIdentityChatRequest,
    FieldInvalid,
    StartIdentityChatRequest,
    UpdateMeRequest,
    parse_seed,
)
from imagechat.images.encoding import inline_image
from imagechat.images.urls import owned_by, source_kind
from imagechat.reference_images import references_hash
from imagechat.store.documents import Identity, IdentityChat, ReferenceImage, Session, UserProfile
from imagechat.web import seed_api

ARTIST = Identity(id="i1", name="The Artist", description="A painter in a sunlit studio", prompt="Oil on canvas.")


# ---------------------------------------------------------------- the prompt


def test_the_prompt_has_every_part_in_order() -> None:
    prompt = build_prompt(ARTIST, {"style": "casual", "hair": "curly red"}, "  smiling ", 3)
    assert prompt.split("\n") == [
        "Create a photorealistic image of the person shown in the reference photos as The Artist.",
        "Identity: A painter in a sunlit studio",
        "Oil on canvas.",
        "Keep the person's face, features and skin tone exactly as in the reference photos (3 attached).",
        "Their appearance preferences: hair: curly red; style: casual.",
        "Additional instructions: smiling",
    ]


def test_empty_parts_are_left_out_and_the_prompt_is_stable() -> None:
    bare = Identity(id="i2", name="The Pilot")
    prompt = build_prompt(bare, {"hair": "  "}, "", 1)
    assert prompt.split("\n") == [
        "Create a photorealistic image of the person shown in the reference photos as The Pilot.",
        "Keep the person's face, features and skin tone exactly as in the reference photos (1 attached).",
    ]
    a = build_prompt(ARTIST, {"b": "2", "a": "1"}, "x", 2)
    assert a == build_prompt(ARTIST, {"a": "1", "b": "2"}, "x", 2)


def test_a_4k_identity_gets_a_3x_model() -> None:
    assert model_for(ARTIST) == "gemini-3-pro-image-preview"
    assert model_for(ARTIST.model_copy(update={"default_image_size": "1K"})) == "gemini-2.5-flash-image"


# ---------------------------------------------------------------- inlined images, references


def _png(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, format="PNG")
    return out.getvalue()


def test_a_png_that_fits_is_inlined_as_is_else_as_jpeg() -> None:
    png = _png()
    assert inline_image(png) == (base64.b64encode(png).decode(), "image/png")
    data, mime = inline_image(png, limit=10)
    assert mime == "image/jpeg" and base64.b64decode(data)[:3] == b"\xff\xd8\xff"


def test_references_hash_follows_content_and_order() -> None:
    def ref(sha: str) -> ReferenceImage:
        return ReferenceImage(id=sha, storage_path="p", url="u", mime_type="image/png", width=1, height=1, sha256=sha)

    assert references_hash([]) == ""
    assert references_hash([ref("a"), ref("b")]) != references_hash([ref("b"), ref("a")])
    assert len(references_hash([ref("a")])) == 64


def test_reference_photos_are_the_users_own_uploads() -> None:
    assert owned_by("reference-images/u1/r.png", "u1") and not owned_by("reference-images/u2/r.png", "u1")
    assert source_kind("reference-images/u1/r.png", "u1") == "upload"


# ---------------------------------------------------------------- documents


def test_the_new_documents_round_trip_with_camel_case_names() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    profile = UserProfile(appearance={"hair": "red"}, identity_chat=IdentityChat(
        session_id="s", identity_id="i", references_hash="h", started_at=now))
    stored = profile.to_firestore()
    assert stored == {"appearance": {"hair": "red"}, "identityChat": {
        "sessionId": "s", "identityId": "i", "referencesHash": "h", "startedAt": now}}
    assert UserProfile.from_firestore(stored) == profile
    assert UserProfile().to_firestore() == {"appearance": {}}
    assert "identity" not in ARTIST.to_firestore() and ARTIST.to_firestore()["defaultImageSize"] == "4K"
    assert Identity.from_firestore({"name": "X"}, "i9").default_aspect_ratio == "16:9"


def test_sessions_have_a_kind_defaulting_to_chat() -> None:
    old = Session.from_firestore({"title": "t", "aspectRatio": "1:1", "imageSize": "1K", "model": "m"}, "s")
    assert old.kind == "chat"
    assert old.model_copy(update={"kind": "identity"}).to_firestore()["kind"] == "identity"


# ---------------------------------------------------------------- requests and errors


def test_field_problems_name_their_field() -> None:
    with pytest.raises(FieldInvalid) as caught:
        parse_seed(StartIdentityChatRequest, {"identity_id": "i", "additional_prompt": "x" * 5000})
    assert caught.value.field == "additional_prompt"
    with pytest.raises(FieldInvalid) as too_long:
        parse_seed(UpdateMeRequest, {"appearance": {"hair": "x" * 500}})
    assert too_long.value.field == "appearance"
    assert parse_seed(UpdateMeRequest, {"appearance": {" hair ": " red ", "hat": ""}}).appearance == {"hair": "red"}
    assert parse_seed(ContinueIdentityChatRequest, {"edit_prompt": "warmer", "extra": 1}).edit_prompt == "warmer"


def test_error_bodies_read_like_drf_and_ours() -> None:
    field = seed_api.error_body(FieldInvalid("edit_prompt", "Edit prompt is required."))
    assert field == {
        "detail": "Edit prompt is required.", "edit_prompt": ["Edit prompt is required."],
        "error": {"status": "INVALID_ARGUMENT", "message": "Edit prompt is required."},
    }
    assert seed_api.error_body(NotFound("Identity x not found"))["detail"] == "Identity x not found"
    assert "edit_prompt" not in seed_api.error_body(InvalidArgument("other"))


@pytest.mark.parametrize(("method", "path", "handler", "args"), [
    ("POST", "/v1/identity-image-chat/start", seed_api.start, {}),
    ("POST", "/v1/admin/identity-image-chat/continue", seed_api.continue_chat, {}),
    ("POST", "/v1/admin/identities/generate-image", seed_api.start, {}),
    ("POST", "/v1/identities/edit-image", seed_api.edit_image, {}),
    ("GET", "/v1/identities/image-session", seed_api.image_session, {}),
    ("GET", "/v1/identities/abc", seed_api.get_identity, {"iid": "abc"}),
    ("PATCH", "/v1/admin/identities/abc", seed_api.update_identity, {"iid": "abc"}),
    ("DELETE", "/v1/reference-images/r1", seed_api.delete_reference, {"rid": "r1"}),
    ("PATCH", "/v1/me", seed_api.update_me, {}),
])
def test_seed_routes(method: str, path: str, handler: object, args: dict[str, str]) -> None:
    assert seed_api.owns(path)
    assert seed_api._route(method, path, path) == (handler, args)


def test_the_seed_api_owns_only_its_paths() -> None:
    assert not seed_api.owns("/v1/agents/create-project-from-image")  # seed 003: the camelCase API's
    assert not seed_api.owns("/v1/identitiesx") and not seed_api.owns("/chat/sessions")

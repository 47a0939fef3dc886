"""Response parsing, URL handling and Pillow validation: pure logic."""

from __future__ import annotations

import io

import pytest
from google.genai import types
from PIL import Image

from imagechat.errors import InvalidArgument
from imagechat.gemini.parsing import parse_response
from imagechat.images.conversion import as_png, thumbnail
from imagechat.images.urls import UrlStyle, download_url, owned_by, storage_path_of
from imagechat.images.validation import inspect_image
from imagechat.store.documents import Usage

USAGE = types.GenerateContentResponseUsageMetadata(
    prompt_token_count=10, candidates_token_count=1290, total_token_count=1300,
    candidates_tokens_details=[types.ModalityTokenCount(modality=types.MediaModality.IMAGE, token_count=1288),
                               types.ModalityTokenCount(modality=types.MediaModality.TEXT, token_count=2)],
)


def _response(parts: list[types.Part] | None, finish: str = "STOP", block: str | None = None
              ) -> types.GenerateContentResponse:
    if block:
        return types.GenerateContentResponse(prompt_feedback=types.GenerateContentResponsePromptFeedback(
            block_reason=types.BlockedReason(block)), usage_metadata=USAGE)
    content = types.Content(role="model", parts=parts) if parts is not None else None
    candidate = types.Candidate(content=content, finish_reason=types.FinishReason(finish))
    return types.GenerateContentResponse(candidates=[candidate], usage_metadata=USAGE)


def test_image_and_text_are_parsed() -> None:
    reply = parse_response(_response([types.Part(text="Here"), types.Part(
        inline_data=types.Blob(data=b"png", mime_type="image/png"))]), image_only=False)
    assert not reply.blocked and reply.text == "Here" and reply.images[0].data == b"png"
    assert reply.usage == Usage(prompt_tokens=10, output_tokens=1290, total_tokens=1300, image_tokens=1288,
                                images_out=1)
    assert reply.finish_reason == "STOP"


def test_blocked_prompt() -> None:
    reply = parse_response(_response(None, block="PROHIBITED_CONTENT"), image_only=False)
    assert reply.blocked and reply.blocked_reason == "PROHIBITED_CONTENT" and "safety filters" in (
        reply.blocked_message or "")


@pytest.mark.parametrize("finish", ["IMAGE_SAFETY", "NO_IMAGE", "IMAGE_OTHER", "RECITATION"])
def test_refusal_finish_reasons(finish: str) -> None:
    reply = parse_response(_response(None, finish=finish), image_only=False)
    assert reply.blocked and reply.blocked_reason == finish and reply.images == []


def test_text_only_answer_is_a_reply_unless_image_only() -> None:
    assert not parse_response(_response([types.Part(text="Which one?")]), image_only=False).blocked
    assert parse_response(_response([types.Part(text="Which one?")]), image_only=True).blocked


LOCAL = UrlStyle("demo.appspot.com", "http://127.0.0.1:9023")
PROD = UrlStyle("demo.appspot.com", None)


def test_download_urls_round_trip() -> None:
    for style in (LOCAL, PROD):
        url = download_url(style, "uploads/u1/a b.png", "tok")
        assert "token=tok" in url
        assert storage_path_of(style, url) == "uploads/u1/a b.png"


@pytest.mark.parametrize(
    ("ref", "path"),
    [
        ("uploads/u1/x.png", "uploads/u1/x.png"),
        ("gs://demo.appspot.com/uploads/u1/x.png", "uploads/u1/x.png"),
        ("gs://other-bucket/uploads/u1/x.png", None),
        ("https://storage.googleapis.com/demo.appspot.com/uploads/u1/x.png", "uploads/u1/x.png"),
        ("https://firebasestorage.googleapis.com/v0/b/other/o/uploads%2Fu1%2Fx.png", None),
        ("https://evil.example/v0/b/demo.appspot.com/o/uploads%2Fu1%2Fx.png", None),
        ("https://example.com/cat.png", None),
        ("file:///etc/passwd", None),
    ],
)
def test_only_own_bucket_references_resolve(ref: str, path: str | None) -> None:
    assert storage_path_of(PROD, ref) == path


def test_owned_by_checks_the_prefix() -> None:
    assert owned_by("uploads/u1/x.png", "u1") and owned_by("chat-images/u1/s/x.png", "u1")
    assert not owned_by("uploads/u2/x.png", "u1") and not owned_by("uploads/u1/../u2/x.png", "u1")
    assert not owned_by("uploads/u10/x.png", "u1")


def _encode(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(out, format=fmt)
    return out.getvalue()


def test_inspect_accepts_png_jpeg_webp() -> None:
    assert inspect_image(_encode("PNG")).mime_type == "image/png"
    assert inspect_image(_encode("JPEG")).mime_type == "image/jpeg"
    info = inspect_image(_encode("WEBP"))
    assert (info.mime_type, info.width, info.height) == ("image/webp", 40, 30)


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"), (b"hello", "not an image"), (_encode("GIF"), "GIF"), (_encode("PNG")[:60], "damaged"),
])
def test_inspect_rejects_with_a_reason(data: bytes, words: str) -> None:
    with pytest.raises(InvalidArgument, match=words):
        inspect_image(data)


def test_png_passthrough_and_thumbnail() -> None:
    png = _encode("PNG", (600, 300))
    assert as_png(png) is png
    assert as_png(_encode("JPEG")).startswith(b"\x89PNG")
    thumb, width, height = thumbnail(png)
    assert thumb[:4] == b"RIFF" and (width, height) == (256, 128)


def test_an_undecodable_output_is_the_models_failure_not_the_users() -> None:
    from imagechat.errors import ErrorCode, ImageChatError
    from imagechat.images.validation import inspect_output

    assert inspect_output(_encode("PNG")).mime_type == "image/png"
    with pytest.raises(ImageChatError) as err:
        inspect_output(b"\x89PNG\r\n\x1a\n not really")
    assert err.value.code is ErrorCode.INTERNAL


def test_source_kind_labels_each_kind_of_reference() -> None:
    from imagechat.images.urls import source_kind

    assert source_kind("uploads/u1/a.png", "u1") == "upload"
    assert source_kind("chat-images/u1/s1/inputs/t1-0.png", "u1") == "input"
    assert source_kind("chat-images/u1/s1/t2-0.png", "u1") == "output"
    assert source_kind("chat-images/u1/s1/t2-0.thumb.webp", "u1") == "output"

"""One model call: build the contents, send through a chat, map the errors.

A 403 from Gemini means a cached file vanished or expired early: the gateway forgets the
files this call used, rebuilds the contents from the same prompt (uploading again) and retries
once. It needs nothing from the caller for that: the prompt holds the typed turns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from google import genai
from google.genai import errors, types

from imagechat import config
from imagechat.config import Settings
from imagechat.errors import (
    GENERATION_FAILED,
    QUOTA_EXHAUSTED,
    ImageChatError,
    Internal,
    ResourceExhausted,
    Unavailable,
)
from imagechat.gemini import contents
from imagechat.gemini.client import make_client
from imagechat.gemini.contents import Prompt
from imagechat.gemini.files import FilesApiCache
from imagechat.gemini.parsing import ModelReply, parse_response, usage_of
from imagechat.store.documents import Usage
from imagechat.store.files_cache import FilesCacheStore


@dataclass(frozen=True)
class ChatOptions:
    model: str
    aspect_ratio: str
    image_size: str
    image_only: bool
    system_prompt: str = ""


def generation_config(options: ChatOptions) -> types.GenerateContentConfig:
    sizes = config.image_sizes(options.model)
    return types.GenerateContentConfig(
        response_modalities=["IMAGE"] if options.image_only else ["TEXT", "IMAGE"],
        image_config=types.ImageConfig(
            aspect_ratio=options.aspect_ratio,
            # 2.5 Flash Image has one size and rejects the field; send it only where it means something.
            image_size=options.image_size if len(sizes) > 1 else None,
        ),
        system_instruction=options.system_prompt or None,
    )


class ImageModelGateway:
    def __init__(self, settings: Settings, files_store: FilesCacheStore, read_bytes: Callable[[str], bytes]) -> None:
        self._settings = settings
        self._files_store = files_store
        self._read_bytes = read_bytes
        self._client: genai.Client | None = None

    def _genai(self) -> genai.Client:
        if self._client is None:
            self._client = make_client(self._settings)
        return self._client

    def send(self, prompt: Prompt, options: ChatOptions) -> ModelReply:
        client = self._genai()
        files = FilesApiCache(client, self._files_store, self._read_bytes, self._settings.files_safety_margin_s)
        timings = {"historyMs": 0.0, "modelMs": 0.0}
        for attempt in (1, 2):
            started = time.perf_counter()
            history, message = contents.build(prompt, files)
            timings["historyMs"] += (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            try:
                turns: list[types.ContentOrDict] = list(history)
                parts: list[types.PartUnionDict] = list(message)
                chat = client.chats.create(model=options.model, history=turns, config=generation_config(options))
                response = chat.send_message(parts)
            except errors.APIError as exc:
                if exc.code == 403 and attempt == 1:
                    files.forget_cached()
                    continue
                raise map_api_error(exc) from exc
            except (httpx.HTTPError, OSError) as exc:
                raise Unavailable(GENERATION_FAILED) from exc
            finally:
                timings["modelMs"] += (time.perf_counter() - started) * 1000
            reply = parse_response(response, options.image_only)
            reply.usage = reply.usage.model_copy(update={"images_in": _image_parts(history, message)})
            reply.timings_ms = timings
            reply.files_uploaded = files.uploads
            return reply
        raise Internal(GENERATION_FAILED)  # unreachable: the second attempt returns or raises

    def write_text(self, model: str, instructions: str, prompt: str) -> TextReply:
        """One text-only call (no images), with the same client, retries and error mapping."""
        client = self._genai()
        text_config = types.GenerateContentConfig(
            system_instruction=instructions or None, response_modalities=["TEXT"]
        )
        try:
            response = client.models.generate_content(model=model, contents=prompt, config=text_config)
        except errors.APIError as exc:
            raise map_api_error(exc) from exc
        except (httpx.HTTPError, OSError) as exc:
            raise Unavailable(GENERATION_FAILED) from exc
        try:
            text = response.text or ""
        except ValueError:  # no candidate (a blocked prompt)
            text = ""
        return TextReply(text=text.strip(), usage=usage_of(response))


@dataclass(frozen=True)
class TextReply:
    """A text model's answer: its text ("" when refused or empty) and the call's token counts."""

    text: str
    usage: Usage


def _image_parts(history: list[types.Content], message: list[types.Part]) -> int:
    """Images the request carried (inline or Files API), history included."""
    parts = [*(p for content in history for p in content.parts or []), *message]
    return sum(1 for p in parts if (p.inline_data is not None or p.file_data is not None) and not p.thought)


def map_api_error(exc: errors.APIError) -> ImageChatError:
    if exc.code == 429:
        return ResourceExhausted(QUOTA_EXHAUSTED)
    if exc.code is not None and exc.code >= 500:
        return Unavailable(GENERATION_FAILED)
    # 4xx from Gemini is our request's fault or the model's, not the user's: say so plainly.
    return Internal(GENERATION_FAILED)

"""The generateContent transport: a chat of the history Contents, sent the new message, streamed
(each chunk's thoughts and interim images are the live progress; the chunks together are the reply).

A 403 (a cached file vanished) is raised as StaleFiles for the gateway to rebuild the request;
every other error is mapped once into our hierarchy.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
from google import genai
from google.genai import errors, types

from imagechat import config
from imagechat.errors import GENERATION_FAILED, Unavailable
from imagechat.gemini import contents
from imagechat.gemini.contents import Prompt
from imagechat.gemini.error_mapping import map_api_error
from imagechat.gemini.files import FilesApiCache, ImageRef, StaleFiles
from imagechat.gemini.options import ChatOptions
from imagechat.gemini.parsing import ModelProgress, ModelReply, StreamedAnswer, parse_response
from imagechat.store.documents import Attachment, OutputImage


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
        seed=options.seed,
        # Thought summaries and interim images feed the live progress; the stored answer skips them.
        thinking_config=types.ThinkingConfig(include_thoughts=True) if config.model_spec(options.model).thoughts
        else None,
    )


class GenerateContentTransport:
    def __init__(self, client: genai.Client) -> None:
        self._client = client

    def stream(
        self, prompt: Prompt, options: ChatOptions, files: FilesApiCache, timings: dict[str, float]
    ) -> Iterator[ModelProgress | ModelReply]:
        started = time.perf_counter()
        files.look_up(_images_of(prompt))  # one batched cache read for the whole request
        history, message = contents.build(prompt, files)
        timings["historyMs"] += (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        answer = StreamedAnswer()
        try:
            turns: list[types.ContentOrDict] = list(history)
            parts: list[types.PartUnionDict] = list(message)
            chat = self._client.chats.create(model=options.model, history=turns, config=generation_config(options))
            for chunk in chat.send_message_stream(parts):
                progress = answer.add(chunk)
                if progress is not None:
                    yield progress
        except errors.APIError as exc:
            if exc.code == 403 and not answer.started:
                raise StaleFiles from exc
            raise map_api_error(exc) from exc
        except (httpx.HTTPError, OSError) as exc:
            raise Unavailable(GENERATION_FAILED) from exc
        finally:
            timings["modelMs"] += (time.perf_counter() - started) * 1000
        reply = parse_response(answer.response(), options.image_only)
        reply.api = "generate_content"
        reply.usage = reply.usage.model_copy(update={"images_in": _image_parts(history, message)})
        yield reply


def _images_of(prompt: Prompt) -> list[ImageRef]:
    """Every stored image the request may send (the history's and the message's): what
    contents.build resolves is among them (a masked edit's composite, not replayed, is read for nothing)."""
    images: list[Attachment | OutputImage] = [*prompt.attachments]
    for user, model in prompt.history:
        images.extend(user.attachments if user is not None else ())
        images.extend(model.images)
    return [contents.image_ref(image) for image in images]


def _image_parts(history: list[types.Content], message: list[types.Part]) -> int:
    """Images the request carried (inline or Files API), history included."""
    parts = [*(p for content in history for p in content.parts or []), *message]
    return sum(1 for p in parts if (p.inline_data is not None or p.file_data is not None) and not p.thought)

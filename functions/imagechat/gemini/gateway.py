"""The model gateway: one model call through the API the model is served by (config.model_api:
generate_transport.py or interactions_transport.py), the same ModelReply either way, streamed
where the API allows: the caller sees the model's progress (thoughts, interim images) first.

A 403 from Gemini means a cached file vanished or expired early: the gateway forgets the
files this call used, rebuilds the request from the same prompt (uploading again) and retries
once. It needs nothing from the caller for that: the prompt holds the typed turns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import httpx
from google import genai
from google.genai import errors, types

from imagechat import config
from imagechat.config import Settings
from imagechat.errors import GENERATION_FAILED, Internal, Unavailable
from imagechat.gemini.client import make_client
from imagechat.gemini.contents import Prompt
from imagechat.gemini.error_mapping import map_api_error
from imagechat.gemini.files import FilesApiCache, StaleFiles
from imagechat.gemini.generate_transport import GenerateContentTransport
from imagechat.gemini.interactions_transport import InteractionsTransport
from imagechat.gemini.options import ChatOptions
from imagechat.gemini.parsing import ModelProgress, ModelReply, usage_of
from imagechat.store.documents import Usage
from imagechat.store.files_cache import FilesCacheStore

__all__ = ["ChatOptions", "ImageModelGateway", "TextReply"]


class ImageModelGateway:
    def __init__(self, settings: Settings, files_store: FilesCacheStore, read_bytes: Callable[[str], bytes]) -> None:
        self._settings = settings
        self._files_store = files_store
        self._read_bytes = read_bytes
        self._client: genai.Client | None = None
        self._interactions: InteractionsTransport | None = None

    def _genai(self) -> genai.Client:
        if self._client is None:
            self._client = make_client(self._settings)
        return self._client

    def _interactions_transport(self) -> InteractionsTransport:
        if self._interactions is None:
            # One attempt: the SDK would retry a create 5 times, each a new billed interaction.
            client = make_client(self._settings, attempts=1)
            self._interactions = InteractionsTransport(client, self._settings)
        return self._interactions

    def stream(self, prompt: Prompt, options: ChatOptions) -> Iterator[ModelProgress | ModelReply]:
        """The model's progress while it answers, then its reply (the last event)."""
        client = self._genai()
        transport: GenerateContentTransport | InteractionsTransport
        if config.model_api(options.model, self._settings) == "interactions":
            transport = self._interactions_transport()
        else:
            transport = GenerateContentTransport(client)
        files = FilesApiCache(client, self._files_store, self._read_bytes, self._settings.files_safety_margin_s)
        timings = {"historyMs": 0.0, "modelMs": 0.0}
        for attempt in (1, 2):
            shown = False  # a 403 comes before the first chunk: then the retry shows nothing twice
            try:
                for event in transport.stream(prompt, options, files, timings):
                    if isinstance(event, ModelReply):
                        event.timings_ms = timings
                        event.files_uploaded = files.uploads
                        yield event
                        return
                    shown = True
                    yield event
            except StaleFiles as exc:
                if attempt == 1 and not shown:
                    files.forget_cached()
                    continue
                raise Internal(GENERATION_FAILED) from exc
        raise Internal(GENERATION_FAILED)  # unreachable: the second attempt returns or raises

    def delete_interactions(self, interaction_ids: Sequence[str]) -> list[str]:
        """Deletes interactions kept at Google (the `interaction.id` of model turns, store mode);
        returns the ids that could not be deleted, to try again later. Account deletion calls it."""
        if not interaction_ids:
            return []
        return self._interactions_transport().delete(interaction_ids)

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

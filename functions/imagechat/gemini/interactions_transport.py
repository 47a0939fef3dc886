"""The Interactions API transport (`client.interactions`, `POST /{ver}/interactions`).

Stateless by default (`store: false`): each turn sends the exchanges the history policy chose as
steps (steps.py), then the new message. With IMAGECHAT_INTERACTIONS_STORE the interaction is kept
at Google and the next turn continues the head's by `previous_interaction_id` (sending only the
new message) while that is safe:
- the head's interaction was made by the same model and is younger than the retention;
- its chain holds fewer than `prompt.chain_exchanges` exchanges (the history policy's window) and
  its images plus the new message's stay within the model's cap — else a new chain starts with a
  replay of the policy's history, so server-side state never sends more than the policy;
- Google still has it: a 404 or 400 (expired, deleted, another model) falls back to the replay,
  transparently, logged and recorded on the turn (`InteractionRecord.fallback_from`).

Retries: the SDK's client.interactions retries 5 times on 408/409/429/5xx by default, and each
retried create is a new billed interaction; the gateway hands this transport a client with one
attempt. The SDK's errors (`google.genai._interactions`) are mapped like generateContent's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
from firebase_functions import logger
from google import genai
from google.genai import _interactions

from imagechat import clock, config
from imagechat.config import Settings
from imagechat.errors import GENERATION_FAILED, Unavailable
from imagechat.gemini import steps
from imagechat.gemini.contents import Prompt
from imagechat.gemini.error_mapping import map_interactions_error
from imagechat.gemini.files import FilesApiCache, StaleFiles
from imagechat.gemini.interaction_reply import parse_interaction
from imagechat.gemini.options import ChatOptions
from imagechat.gemini.parsing import ModelProgress, ModelReply
from imagechat.store.documents import InteractionRecord


class _ContinuationRefused(Exception):
    """The stored interaction cannot be continued (404 / 400): replay instead."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class InteractionsTransport:
    def __init__(self, client: genai.Client, settings: Settings) -> None:
        """`client`: one without SDK retries (a retried create is a new billed interaction)."""
        self._client = client
        self._settings = settings

    def send(self, prompt: Prompt, options: ChatOptions, files: FilesApiCache, timings: dict[str, float]) -> ModelReply:
        store = self._settings.interactions_store
        head = self._continuable(prompt, options) if store else None
        fallback_from: str | None = None
        if head is not None:
            started = time.perf_counter()
            message = [steps.message_step(prompt, files)]
            timings["historyMs"] += (time.perf_counter() - started) * 1000
            try:
                interaction = self._create(options, message, timings, store=True, previous_id=head.id)
            except _ContinuationRefused as refused:
                logger.warn(
                    "stored interaction not continued: replaying the history",
                    interactionId=head.id,
                    status=refused.status,
                    model=options.model,
                )
                fallback_from = head.id
            else:
                chain = (head.chain_length + 1, head.chain_images + steps.image_count(message))
                reply = self._reply(interaction, options, store=True, chain=chain, fallback_from=None)
                return _with_images_in(reply, steps.image_count(message))
        started = time.perf_counter()
        replay = steps.build(prompt, files)
        timings["historyMs"] += (time.perf_counter() - started) * 1000
        interaction = self._create(options, replay, timings, store=store, previous_id=None)
        reply = self._reply(interaction, options, store=store, chain=(1, steps.image_count(replay)),
                            fallback_from=fallback_from)
        return _with_images_in(reply, steps.image_count(replay))

    def stream(
        self, prompt: Prompt, options: ChatOptions, files: FilesApiCache, timings: dict[str, float]
    ) -> Iterator[ModelProgress | ModelReply]:
        """Not streamed: the SDK's SSE parser costs seconds of CPU per streamed image, so the run's
        progress shows its phases only. The reply is the one event."""
        yield self.send(prompt, options, files, timings)

    def delete(self, interaction_ids: Sequence[str]) -> list[str]:
        """Deletes stored interactions; returns the ids that could not be deleted (an unknown or
        expired one counts as deleted)."""
        left: list[str] = []
        for interaction_id in interaction_ids:
            try:
                self._client.interactions.delete(interaction_id)
            except _interactions.NotFoundError:
                continue
            except (_interactions.GeminiNextGenAPIClientError, httpx.HTTPError, OSError) as exc:
                logger.warn("stored interaction not deleted", interactionId=interaction_id, error=repr(exc))
                left.append(interaction_id)
        return left

    # -- one turn ---------------------------------------------------------------------------------

    def _continuable(self, prompt: Prompt, options: ChatOptions) -> InteractionRecord | None:
        """The head's stored interaction when the next turn may continue it (see the module doc)."""
        if not prompt.history:
            return None
        record = prompt.history[-1].model.interaction
        if record is None or record.model != options.model or record.created_at is None:
            return None
        if clock.now() - record.created_at >= timedelta(days=self._settings.interactions_retention_days):
            return None
        if record.chain_length >= max(prompt.chain_exchanges, 1):
            return None
        if record.chain_images + len(prompt.attachments) > config.model_spec(options.model).max_input_images:
            return None
        return record

    def _create(
        self,
        options: ChatOptions,
        input_steps: list[steps.Step],
        timings: dict[str, float],
        *,
        store: bool,
        previous_id: str | None,
    ) -> Any:
        """One non-streaming create. Not streamed on purpose: the SDK's SSE parser costs seconds of
        CPU for a 2K/4K image. (Live progress, issue 15, will hook in here: stream the thought
        summaries and read the final image without the SDK's parser.)"""
        image_format: dict[str, str] = {"type": "image", "aspect_ratio": options.aspect_ratio}
        if len(config.image_sizes(options.model)) > 1:
            image_format["image_size"] = options.image_size
        request: dict[str, Any] = {
            "model": options.model,
            "input": input_steps,
            "store": store,
            "response_format": image_format,
            "response_modalities": ["image"] if options.image_only else ["text", "image"],
        }
        if options.system_prompt:
            request["system_instruction"] = options.system_prompt
        if options.seed is not None:
            request["generation_config"] = {"seed": options.seed}
        if previous_id:
            request["previous_interaction_id"] = previous_id
        started = time.perf_counter()
        try:
            return cast(Any, self._client.interactions).create(**request)
        except _interactions.APIStatusError as exc:
            if exc.status_code == 403:
                raise StaleFiles from exc
            if previous_id and exc.status_code in (400, 404):
                raise _ContinuationRefused(exc.status_code) from exc
            raise map_interactions_error(exc) from exc
        except _interactions.GeminiNextGenAPIClientError as exc:
            raise map_interactions_error(exc) from exc
        except (httpx.HTTPError, OSError) as exc:
            raise Unavailable(GENERATION_FAILED) from exc
        finally:
            timings["modelMs"] += (time.perf_counter() - started) * 1000

    def _reply(
        self,
        interaction: Any,
        options: ChatOptions,
        *,
        store: bool,
        chain: tuple[int, int],
        fallback_from: str | None,
    ) -> ModelReply:
        try:
            reply = parse_interaction(interaction, options.image_only)
        except Unavailable:
            if store and interaction.id:  # no turn will record it: do not leave it at Google
                self.delete([interaction.id])
            raise
        reply.api = "interactions"
        if store and interaction.id:
            length, images = chain
            reply.interaction = InteractionRecord(
                id=interaction.id,
                model=options.model,
                created_at=_created(interaction.created),
                chain_length=length,
                chain_images=images + len(reply.images),
                fallback_from=fallback_from,
            )
        return reply


def _with_images_in(reply: ModelReply, sent: int) -> ModelReply:
    """The images this request sent (a continued chain's earlier images are Google's, not re-sent)."""
    reply.usage = reply.usage.model_copy(update={"images_in": sent})
    return reply


def _created(value: str | None) -> datetime:
    """The interaction's `created` (RFC 3339, e.g. 2026-12-03T08:15:05Z); now when absent or odd."""
    if value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    return clock.now()

"""The benchmark's reference: seed 000's chat turn, as written there (a benchmark reference, not
production code).

Each turn reads the session and EVERY earlier turn, rebuilds the whole history with no window
(user turns: their attachments as Files API parts, then their text; model turns: their text
only), attaches the message's images (Files API, cached per attachment URL), sends it through a
chat of the real google-genai SDK, then writes the user turn, saves the outputs to Storage, writes
the model turn and touches the session. Same emulators as ours (Firestore, Storage, Gemini).

To edit the latest picture, the seed's client attaches it (its model turns are text only): the
benchmark sends the previous output's URL as the message's attachment, as "Open in Chat" does.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from google import genai
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore, storage
from google.genai import types

SESSIONS = "baselineChatSessions"  # the seed's `chatSessions`, renamed so it cannot meet ours
FILES_CACHE = "baselineFilesCache"
FILES_TTL_MS = 46 * 60 * 60 * 1000  # the seed re-uploads after 46 h (the Files API keeps 48 h)


@dataclass
class NaiveTurn:
    """One answered message: its timings (ms), the model's token count and the stored outputs."""

    total_ms: float
    model_ms: float
    prompt_tokens: int
    image_urls: list[str] = field(default_factory=list)
    text: str = ""

    @property
    def overhead_ms(self) -> float:
        return self.total_ms - self.model_ms


class NaiveChat:
    """Seed 000's lib/chat.js, lib/files.js and message route, in Python."""

    def __init__(self, db: firestore.Client, bucket: storage.Bucket, ai: genai.Client,
                 model: str = "gemini-2.5-flash-image") -> None:
        self.db, self.bucket, self.ai, self.model = db, bucket, ai, model

    def create_session(self, title: str = "New chat", aspect_ratio: str = "1:1") -> str:
        ref = self.db.collection(SESSIONS).document()
        now = datetime.now(UTC)
        ref.set({"title": title, "girlId": "", "aspectRatio": aspect_ratio, "systemPrompt": "",
                 "createdAt": now, "lastActive": now})
        return ref.id

    # lib/files.js: ensureFileUriFromUrl, cached per URL
    def ensure_file_uri(self, url: str, mime_type: str = "image/png") -> tuple[str, str]:
        cache = self.db.collection(FILES_CACHE).document(hashlib.sha1(url.encode()).hexdigest())
        snap = cache.get()
        cached = snap.to_dict() if snap.exists else None
        if cached and cached.get("expiresAtMs", 0) > time.time() * 1000:
            return cached["fileUri"], cached["mimeType"]
        data = requests.get(url, timeout=60).content
        uploaded = self.ai.files.upload(file=io.BytesIO(data), config=types.UploadFileConfig(mime_type=mime_type))
        assert uploaded.uri
        cache.set({"url": url, "fileUri": uploaded.uri, "mimeType": mime_type,
                   "expiresAtMs": time.time() * 1000 + FILES_TTL_MS})
        return uploaded.uri, mime_type

    # lib/chat.js: buildGeminiHistoryFromTurns
    def history(self, turn_docs: list[Any]) -> list[types.Content]:
        history: list[types.Content] = []
        for doc in turn_docs:
            turn = doc.to_dict()
            if turn["role"] == "user":
                parts: list[types.Part] = []
                attachments = turn.get("attachments") or []
                for att in attachments:
                    file_uri = att.get("fileUri")
                    if not file_uri:
                        file_uri, mime = self.ensure_file_uri(att["url"], att.get("mimeType") or "image/png")
                        # opportunistically persist fileUri so we don't re-upload next time
                        expires = time.time() * 1000 + FILES_TTL_MS
                        doc.reference.update({"attachments": [
                            {**a, "fileUri": file_uri, "mimeType": mime, "expiresAtMs": expires}
                            if a["url"] == att["url"] else a for a in attachments]})
                    parts.append(types.Part.from_uri(file_uri=file_uri, mime_type=att.get("mimeType") or "image/png"))
                if turn.get("text"):
                    parts.append(types.Part.from_text(text=turn["text"]))
                history.append(types.Content(role="user", parts=parts))
            else:  # model turns: text is enough, we don't re-attach output images
                text = turn.get("text")
                history.append(types.Content(role="model", parts=[types.Part.from_text(text=text)] if text else []))
        return history

    # app/api/chat/sessions/[id]/message/route.js: POST
    def send(self, session_id: str, text: str, ref_urls: list[str] = (),  # type: ignore[assignment]
             image_size: str | None = None) -> NaiveTurn:
        started = time.perf_counter()
        session_ref = self.db.collection(SESSIONS).document(session_id)
        session = session_ref.get().to_dict()
        aspect_ratio = session.get("aspectRatio") or "1:1"
        old_turns = list(session_ref.collection("turns").order_by("createdAt").stream())
        history = self.history(old_turns)
        parts: list[types.Part] = []
        for url in ref_urls:
            file_uri, mime = self.ensure_file_uri(url)
            parts.append(types.Part.from_uri(file_uri=file_uri, mime_type=mime))
        if text:
            parts.append(types.Part.from_text(text=text))
        image_config = types.ImageConfig(aspect_ratio=aspect_ratio, image_size=image_size)
        config = types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"], image_config=image_config)
        chat = self.ai.chats.create(model=self.model, history=history, config=config)  # type: ignore[arg-type]
        model_started = time.perf_counter()
        response = chat.send_message(parts)  # type: ignore[arg-type]
        model_ms = (time.perf_counter() - model_started) * 1000

        now = datetime.now(UTC)
        session_ref.collection("turns").document().set(
            {"role": "user", "text": text, "attachments": [{"url": u} for u in ref_urls], "createdAt": now})
        out_parts = (response.candidates or [None])[0]
        images: list[tuple[bytes, str]] = []
        out_text = ""
        for part in (out_parts.content.parts if out_parts and out_parts.content else None) or []:
            if part.inline_data and part.inline_data.data:
                images.append((part.inline_data.data, part.inline_data.mime_type or "image/png"))
            elif part.text:
                out_text += part.text
        model_ref = session_ref.collection("turns").document()
        saved = [self._save_image(session_id, model_ref.id, i, data, mime) for i, (data, mime) in enumerate(images)]
        model_ref.set({"role": "model", "text": out_text, "images": saved, "createdAt": datetime.now(UTC)})
        session_ref.update({"lastActive": datetime.now(UTC)})
        usage = response.usage_metadata
        return NaiveTurn(
            total_ms=(time.perf_counter() - started) * 1000,
            model_ms=model_ms,
            prompt_tokens=(usage.prompt_token_count or 0) if usage else 0,
            image_urls=[s["publicUrl"] for s in saved],
            text=out_text,
        )

    # lib/chat.js: saveChatImageBuffer
    def _save_image(self, session_id: str, turn_id: str, i: int, data: bytes, mime: str) -> dict[str, str]:
        ext = "png" if "png" in mime else "webp" if "webp" in mime else "jpg"
        path = f"chats/{session_id}/{turn_id}-{i}.{ext}"
        blob = self.bucket.blob(path)
        blob.upload_from_string(data, content_type=mime)
        with contextlib.suppress(Exception):  # the seed ignores a failure too (uniform bucket access)
            blob.make_public()
        # The emulator's media link stands for the public storage.googleapis.com URL.
        url = blob.media_link or f"{self.bucket.client._connection.API_BASE_URL}/download/storage/v1/b/" \
                                 f"{self.bucket.name}/o/{path}?alt=media"
        return {"storagePath": path, "publicUrl": url, "mimeType": mime, "id": str(uuid.uuid4())}


def from_env(model: str = "gemini-2.5-flash-image") -> NaiveChat:
    """The seed's module-level clients, on the emulators the stack's environment names."""
    project = os.environ["GCLOUD_PROJECT"]
    db = firestore.Client(project=project, credentials=AnonymousCredentials())
    bucket_name = json.loads(os.environ["FIREBASE_CONFIG"])["storageBucket"]
    bucket = storage.Client(project=project, credentials=AnonymousCredentials()).bucket(bucket_name)
    ai = genai.Client(api_key="bench", http_options=types.HttpOptions(base_url=os.environ["GOOGLE_GEMINI_BASE_URL"]))
    return NaiveChat(db, bucket, ai, model)

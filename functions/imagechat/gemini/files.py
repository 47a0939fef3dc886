"""Files API cache: the same bytes are uploaded once and reused until shortly before
they expire (geminiFiles/{sha256}, shared by every session).

One `FilesApiCache` serves one model call: it remembers which images the call used, so
that when Gemini answers 403 (file missing or expired) exactly those can be forgotten
and uploaded again.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from google import genai
from google.genai import types

from imagechat import clock
from imagechat.errors import Unavailable
from imagechat.store.documents import CachedFile
from imagechat.store.files_cache import FilesCacheStore

FILES_TTL = timedelta(hours=48)
_ACTIVE_WAIT_S = 60.0


class StaleFiles(Exception):
    """A transport got 403 for a file of this call (missing or expired early): the gateway forgets
    the cached files and builds the request once more."""


@dataclass(frozen=True)
class ImageRef:
    """An image the model needs: where its bytes are and how to cache them."""

    sha256: str
    storage_path: str
    mime_type: str


class FilesApiCache:
    def __init__(
        self,
        client: genai.Client,
        store: FilesCacheStore,
        read_bytes: Callable[[str], bytes],
        safety_margin_s: float,
    ) -> None:
        self._client = client
        self._store = store
        self._read_bytes = read_bytes
        self._margin = timedelta(seconds=safety_margin_s)
        self._resolved: dict[str, CachedFile] = {}
        self._looked_up: dict[str, CachedFile | None] = {}  # read ahead by `look_up`, not yet used
        self._uploaded_now: set[str] = set()
        self.uploads = 0

    def image_part(self, ref: ImageRef, thought_signature: bytes | None = None) -> types.Part:
        """A fileData part for the image, keeping the model's signature on the same part."""
        entry = self._resolve(ref)
        return types.Part(
            file_data=types.FileData(file_uri=entry.uri, mime_type=entry.mime_type),
            thought_signature=thought_signature,
        )

    def image_file(self, ref: ImageRef) -> CachedFile:
        """The Files API file holding the image (uploaded now when not cached): its `uri` and MIME type."""
        return self._resolve(ref)

    def look_up(self, refs: list[ImageRef]) -> None:
        """Reads the cache entries of the images a request will need in one batched read, instead of
        one read per image as each is resolved (an image not looked up is read when resolved)."""
        wanted = sorted({r.sha256 for r in refs} - self._resolved.keys() - self._looked_up.keys())
        if len(wanted) > 1:
            self._looked_up.update(self._store.get_many(wanted))

    def forget_cached(self) -> None:
        """Drops the entries this call took from the cache (not those it just uploaded);
        the next resolution uploads them again."""
        self._looked_up.clear()
        for sha256 in list(self._resolved):
            if sha256 not in self._uploaded_now:
                self._store.forget(sha256)
                del self._resolved[sha256]

    def _resolve(self, ref: ImageRef) -> CachedFile:
        if ref.sha256 in self._resolved:
            return self._resolved[ref.sha256]
        looked_up = ref.sha256 in self._looked_up
        entry = self._looked_up.pop(ref.sha256) if looked_up else self._store.get(ref.sha256)
        if entry is None or entry.expires_at - self._margin <= clock.now():
            entry = self._upload(ref)
            self._store.put(entry)
            self._uploaded_now.add(ref.sha256)
        self._resolved[ref.sha256] = entry
        return entry

    def _upload(self, ref: ImageRef) -> CachedFile:
        data = self._read_bytes(ref.storage_path)
        file = self._client.files.upload(
            file=io.BytesIO(data),
            config=types.UploadFileConfig(mime_type=ref.mime_type, display_name=ref.sha256[:32]),
        )
        self.uploads += 1
        file = self._wait_active(file)
        if not file.name or not file.uri:
            raise Unavailable("Image upload to the model failed. Please try again.")
        uploaded = clock.now()
        return CachedFile(
            sha256=ref.sha256,
            name=file.name,
            uri=file.uri,
            mime_type=file.mime_type or ref.mime_type,
            expires_at=file.expiration_time or uploaded + FILES_TTL,
            uploaded_at=uploaded,
        )

    def _wait_active(self, file: types.File) -> types.File:
        deadline = time.monotonic() + _ACTIVE_WAIT_S
        while file.state is not None and file.state.name == "PROCESSING":
            if time.monotonic() > deadline or not file.name:
                raise Unavailable("The model is still processing an uploaded image. Please try again.")
            time.sleep(0.2)
            file = self._client.files.get(name=file.name)
        if file.state is not None and file.state.name == "FAILED":
            raise Unavailable("The model could not process an uploaded image.")
        return file

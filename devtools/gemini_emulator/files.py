"""The Files API store: resumable uploads, file resources with TTL and processing state, paging."""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .wire import ApiError, invalid_argument, rfc3339

_ID_ALPHABET = string.ascii_lowercase + string.digits
_FILE_ID = re.compile(r"^[a-z0-9-]{1,40}$")
_URI_ID = re.compile(r"files/([A-Za-z0-9-]+)/?$")

MAX_FILE_BYTES = 2 * 1024**3
MAX_STORED_BYTES = 1024**3  # this emulator keeps files in memory: refuse more than this in total
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


def permission_denied(file_id: str) -> ApiError:
    return ApiError(
        403,
        f"You do not have permission to access the File {file_id} or it may not exist.",
        "PERMISSION_DENIED",
    )


def no_upload_session() -> ApiError:
    return ApiError(404, "No upload session found for this upload id.", "NOT_FOUND")


def not_active(file_id: str) -> ApiError:
    return ApiError(
        400,
        f"The File {file_id} is not in an ACTIVE state and usage is not allowed.",
        "FAILED_PRECONDITION",
    )


def file_id_from(name_or_uri: str) -> str:
    """`files/abc`, `abc` or `https://host/v1beta/files/abc` → `abc`."""
    match = _URI_ID.search(name_or_uri)
    if match:
        return match.group(1)
    return name_or_uri.rsplit("/", 1)[-1]


@dataclass
class StoredFile:
    file_id: str
    display_name: str | None
    mime_type: str
    data: bytes
    base_url: str  # scheme://host the upload came through, for the uri
    seq: int
    create_time: float
    expire_time: float
    ready_time: float

    @functools.cached_property
    def sha256_hex(self) -> str:
        """The content's digest, computed once: the bytes never change after the upload."""
        return hashlib.sha256(self.data).hexdigest()

    def state(self, now: float) -> str:
        return "ACTIVE" if now >= self.ready_time else "PROCESSING"

    def resource(self, now: float) -> dict[str, Any]:
        out: dict[str, Any] = {"name": f"files/{self.file_id}"}
        if self.display_name:
            out["displayName"] = self.display_name
        sha_hex = self.sha256_hex
        out.update(
            {
                "mimeType": self.mime_type,
                "sizeBytes": str(len(self.data)),
                "createTime": rfc3339(self.create_time),
                "updateTime": rfc3339(max(self.create_time, min(now, self.ready_time))),
                "expirationTime": rfc3339(self.expire_time),
                "sha256Hash": base64.b64encode(sha_hex.encode("ascii")).decode("ascii"),
                "uri": f"{self.base_url}/v1beta/files/{self.file_id}",
                "state": self.state(now),
                "source": "UPLOADED",
            }
        )
        return out


@dataclass
class PendingUpload:
    upload_id: str
    file_id: str
    display_name: str | None
    mime_type: str
    declared_size: int | None
    base_url: str
    received: bytearray = field(default_factory=bytearray)


class FileStore:
    """Thread-safe in-memory files. Expired files disappear (lookups answer 403)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, StoredFile] = {}
        self._uploads: dict[str, PendingUpload] = {}
        self._seq = 0

    def reset(self) -> None:
        with self._lock:
            self._files.clear()
            self._uploads.clear()

    # -- uploads --------------------------------------------------------------------------------

    def start_upload(
        self,
        *,
        requested_name: str | None,
        display_name: str | None,
        mime_type: str,
        declared_size: int | None,
        base_url: str,
    ) -> PendingUpload:
        if declared_size is not None and declared_size > MAX_FILE_BYTES:
            raise invalid_argument(f"File size {declared_size} exceeds the maximum of {MAX_FILE_BYTES} bytes.")
        with self._lock:
            self._drop_expired(time.time())
            if requested_name:
                file_id = requested_name.removeprefix("files/")
                if not _FILE_ID.match(file_id):
                    raise invalid_argument(
                        f"Invalid file name 'files/{file_id}': the id may contain lowercase letters, digits "
                        "and dashes, at most 40 characters."
                    )
                taken = file_id in self._files or any(u.file_id == file_id for u in self._uploads.values())
                if taken:
                    raise ApiError(409, f"File files/{file_id} already exists.", "ALREADY_EXISTS")
            else:
                file_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))
            upload = PendingUpload(
                upload_id=secrets.token_urlsafe(24),
                file_id=file_id,
                display_name=display_name,
                mime_type=mime_type,
                declared_size=declared_size,
                base_url=base_url,
            )
            self._uploads[upload.upload_id] = upload
            return upload

    def pending(self, upload_id: str) -> PendingUpload | None:
        with self._lock:
            return self._uploads.get(upload_id)

    def append_chunk(self, upload_id: str, offset: int, chunk: bytes) -> PendingUpload:
        with self._lock:
            upload = self._uploads.get(upload_id)
            if upload is None:
                raise no_upload_session()
            if offset != len(upload.received):
                raise invalid_argument(
                    f"Invalid upload offset {offset}: the server has received {len(upload.received)} bytes."
                )
            upload.received.extend(chunk)
            return upload

    def finalize(self, upload_id: str, *, ttl_seconds: float, processing_ms: int) -> StoredFile:
        now = time.time()
        with self._lock:
            upload = self._uploads.pop(upload_id, None)
            if upload is None:
                raise no_upload_session()
            if upload.declared_size is not None and upload.declared_size != len(upload.received):
                raise invalid_argument(
                    f"Upload size mismatch: declared {upload.declared_size} bytes, received {len(upload.received)}."
                )
            self._drop_expired(now)
            if sum(len(f.data) for f in self._files.values()) + len(upload.received) > MAX_STORED_BYTES:
                raise ApiError(429, "The emulator's in-memory file storage is full.", "RESOURCE_EXHAUSTED")
            self._seq += 1
            stored = StoredFile(
                file_id=upload.file_id,
                display_name=upload.display_name,
                mime_type=upload.mime_type,
                data=bytes(upload.received),
                base_url=upload.base_url,
                seq=self._seq,
                create_time=now,
                expire_time=now + ttl_seconds,
                ready_time=now + processing_ms / 1000,
            )
            self._files[stored.file_id] = stored
            return stored

    # -- files ----------------------------------------------------------------------------------

    def _drop_expired(self, now: float) -> None:
        for file_id in [k for k, f in self._files.items() if f.expire_time <= now]:
            del self._files[file_id]

    def get(self, name_or_uri: str) -> StoredFile:
        """The live file, else 403 PERMISSION_DENIED as the real API answers for missing files."""
        file_id = file_id_from(name_or_uri)
        with self._lock:
            self._drop_expired(time.time())
            stored = self._files.get(file_id)
        if stored is None:
            raise permission_denied(file_id)
        return stored

    def size_of(self, name_or_uri: str) -> int | None:
        """The live file's size in bytes; None when unknown or expired (never raises)."""
        file_id = file_id_from(name_or_uri)
        with self._lock:
            stored = self._files.get(file_id)
            if stored is None or stored.expire_time <= time.time():
                return None
            return len(stored.data)

    def get_active(self, name_or_uri: str) -> StoredFile:
        stored = self.get(name_or_uri)
        if stored.state(time.time()) != "ACTIVE":
            raise not_active(f"files/{stored.file_id}")
        return stored

    def delete(self, name_or_uri: str) -> None:
        file_id = file_id_from(name_or_uri)
        with self._lock:
            self._drop_expired(time.time())
            if self._files.pop(file_id, None) is None:
                raise permission_denied(file_id)

    def expire(self, name_or_uri: str | None) -> int:
        """Force expiry now (all files when no name); returns how many files expired."""
        with self._lock:
            if name_or_uri is None:
                count = len(self._files)
                self._files.clear()
                return count
            return 1 if self._files.pop(file_id_from(name_or_uri), None) else 0

    def list_page(self, page_size: int | None, page_token: str | None) -> tuple[list[StoredFile], str | None]:
        """Newest first. The page token is opaque (the sequence number to continue below)."""
        size = DEFAULT_PAGE_SIZE if not page_size or page_size <= 0 else min(page_size, MAX_PAGE_SIZE)
        below: int | None = None
        if page_token:
            try:
                below = int(base64.urlsafe_b64decode(page_token.encode("ascii") + b"==").decode("ascii"))
            except (ValueError, UnicodeDecodeError):
                raise invalid_argument("Invalid page token.") from None
        with self._lock:
            self._drop_expired(time.time())
            ordered = sorted(self._files.values(), key=lambda f: f.seq, reverse=True)
        if below is not None:
            ordered = [f for f in ordered if f.seq < below]
        page, rest = ordered[:size], ordered[size:]
        token = None
        if rest:
            token = base64.urlsafe_b64encode(str(page[-1].seq).encode("ascii")).decode("ascii").rstrip("=")
        return page, token

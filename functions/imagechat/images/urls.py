"""Download URLs for stored objects, and the reverse: which of the project's objects a
client-supplied reference names. The server never fetches a URL it did not issue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from imagechat import config

FIREBASE_HOST = "firebasestorage.googleapis.com"
LIBRARY_SCHEME = "library://"


@dataclass(frozen=True)
class UrlStyle:
    bucket: str
    emulator_host: str | None  # e.g. http://127.0.0.1:9023 when running locally


def download_url(style: UrlStyle, path: str, token: str) -> str:
    """Firebase download-token URL; locally a URL the storage emulator serves."""
    quoted = quote(path, safe="")
    if style.emulator_host:
        host = style.emulator_host.rstrip("/")
        if not host.startswith("http"):
            host = f"http://{host}"
        return f"{host}/download/storage/v1/b/{style.bucket}/o/{quoted}?alt=media&token={token}"
    return f"https://{FIREBASE_HOST}/v0/b/{style.bucket}/o/{quoted}?alt=media&token={token}"


_OBJECT_IN_PATH = re.compile(r"^(?:/download/storage/v1|/storage/v1|/v0)/b/(?P<bucket>[^/]+)/o/(?P<object>.+)$")


def storage_path_of(style: UrlStyle, reference: str) -> str | None:
    """The object path a reference names in this project's bucket, else None.

    Accepted: a bare object path, gs://bucket/path, Firebase download URLs, the storage
    emulator's download URLs and storage.googleapis.com/bucket/path.
    """
    ref = reference.strip()
    if ref.startswith("gs://"):
        bucket, _, path = ref[5:].partition("/")
        return path if bucket == style.bucket and path else None
    if "://" not in ref:
        return ref.lstrip("/") or None
    parts = urlsplit(ref)
    if parts.scheme not in ("http", "https"):
        return None
    match = _OBJECT_IN_PATH.match(parts.path)
    if match and match.group("bucket") == style.bucket:
        trusted = parts.netloc == FIREBASE_HOST or parts.netloc == "storage.googleapis.com"
        if style.emulator_host:
            trusted = trusted or parts.netloc == urlsplit(_with_scheme(style.emulator_host)).netloc
        return unquote(match.group("object")) if trusted else None
    if parts.netloc == "storage.googleapis.com":
        bucket, _, path = parts.path.lstrip("/").partition("/")
        return unquote(path) if bucket == style.bucket and path else None
    return None


def _with_scheme(host: str) -> str:
    return host if "://" in host else f"http://{host}"


def uploads_prefix(uid: str) -> str:
    """The user's temporary uploads: uploads/{uid}/."""
    return f"{config.UPLOADS_PREFIX}/{uid}/"


def chat_images_prefix(uid: str) -> str:
    """Everything the user's sessions own (inputs copies and outputs): chat-images/{uid}/."""
    return f"{config.CHAT_IMAGES_PREFIX}/{uid}/"


def reference_images_prefix(uid: str) -> str:
    """The user's reference photos (identity image chat): reference-images/{uid}/."""
    return f"{config.REFERENCE_IMAGES_PREFIX}/{uid}/"


def session_prefix(uid: str, session_id: str) -> str:
    return f"{chat_images_prefix(uid)}{session_id}/"


INPUTS_FOLDER = "inputs"


def session_inputs_prefix(uid: str, session_id: str) -> str:
    """The session's copies of its user turns' images."""
    return f"{session_prefix(uid, session_id)}{INPUTS_FOLDER}/"


def source_kind(path: str, uid: str) -> Literal["upload", "input", "output"]:
    """What an object of the user's is: a temp upload, a session's copy of an earlier input
    (chat-images/{uid}/{sessionId}/inputs/...), or a model output (the session folder itself)."""
    if path.startswith(uploads_prefix(uid)) or path.startswith(reference_images_prefix(uid)):
        return "upload"
    rest = path.removeprefix(chat_images_prefix(uid)).split("/")
    return "input" if len(rest) > 2 and rest[1] == INPUTS_FOLDER else "output"


def owned_by(path: str, uid: str) -> bool:
    """Whether a path lies under one of the user's own prefixes (uploads, outputs, reference photos)."""
    if ".." in path.split("/"):
        return False
    return path.startswith((uploads_prefix(uid), chat_images_prefix(uid), reference_images_prefix(uid)))


def library_prefix(uid: str) -> str:
    """The user's image library: library/{uid}/."""
    return f"{config.LIBRARY_PREFIX}/{uid}/"


PINNED_FOLDER = "pinned"


def session_pinned_prefix(uid: str, session_id: str) -> str:
    """The session's copies of its pinned references."""
    return f"{session_prefix(uid, session_id)}{PINNED_FOLDER}/"


def projects_prefix(uid: str) -> str:
    """The user's projects' own image copies: projects/{uid}/ (one folder per project)."""
    return f"{config.PROJECTS_PREFIX}/{uid}/"


def project_prefix(uid: str, project_id: str) -> str:
    return f"{projects_prefix(uid)}{project_id}/"


def user_prefixes(uid: str) -> tuple[str, ...]:
    """Every Storage prefix that holds the user's objects (deleting the account's data empties them
    all): a new kind of user object gets its prefix here."""
    return (
        uploads_prefix(uid),
        chat_images_prefix(uid),
        reference_images_prefix(uid),
        library_prefix(uid),
        projects_prefix(uid),
    )

"""Saving a model output: the PNG's upload and the thumbnail run at once; if either fails, what
the other stored is removed (no turn will reference it). A fake bucket stands in for Storage."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from PIL import Image

from imagechat.images import outputs
from imagechat.images.storage import ImageStorage
from imagechat.images.urls import UrlStyle


class _Blob:
    def __init__(self, bucket: _Bucket, path: str) -> None:
        self.bucket, self.path, self.metadata = bucket, path, None

    def upload_from_string(self, data: bytes, content_type: str, **bounded: Any) -> None:
        if self.path.endswith(self.bucket.failing_suffix):
            raise OSError("storage is down")
        with self.bucket.lock:
            self.bucket.stored[self.path] = data
            self.bucket.threads[self.path] = threading.current_thread().name


class _Bucket:
    def __init__(self, failing_suffix: str = "never") -> None:
        self.stored: dict[str, bytes] = {}
        self.threads: dict[str, str] = {}
        self.lock = threading.Lock()
        self.failing_suffix = failing_suffix

    def blob(self, path: str) -> _Blob:
        return _Blob(self, path)

    def delete_blobs(self, paths: list[str], on_error: Any, **bounded: Any) -> None:
        for path in paths:
            self.stored.pop(path, None)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _storage(bucket: _Bucket) -> ImageStorage:
    return ImageStorage(bucket, UrlStyle("b", None))  # type: ignore[arg-type]


def test_the_png_is_stored_as_it_came_beside_its_thumbnail() -> None:
    bucket, png = _Bucket(), _png()
    image = outputs.save_output(_storage(bucket), "u", "s", "t", 0, png)
    assert bucket.stored[image.storage_path] == png  # never re-encoded
    assert image.thumbnail is not None and bucket.stored[image.thumbnail.storage_path].startswith(b"RIFF")
    assert (image.width, image.height) == (640, 480)
    # The PNG went up on the upload pool while the caller made the thumbnail.
    assert bucket.threads[image.storage_path].startswith("output-upload")
    assert not bucket.threads[image.thumbnail.storage_path].startswith("output-upload")


@pytest.mark.parametrize("failing", [".png", ".thumb.webp"])
def test_a_failed_half_leaves_nothing_stored(failing: str) -> None:
    bucket = _Bucket(failing_suffix=failing)
    with pytest.raises(OSError):
        outputs.save_output(_storage(bucket), "u", "s", "t", 0, _png())
    assert bucket.stored == {}

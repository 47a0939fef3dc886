"""Pillow checks on image bytes: what a file is, and whether we accept it."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from imagechat import config
from imagechat.errors import GENERATION_FAILED, Internal, InvalidArgument


@dataclass(frozen=True)
class ImageInfo:
    mime_type: str
    width: int
    height: int


def _decode_header(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) after Pillow's structural check; a decompression bomb raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as img:
            fmt = (img.format or "").upper()
            width, height = img.size
            img.verify()
    return fmt, width, height


def inspect_image(data: bytes, what: str = "The file") -> ImageInfo:
    """Accepts PNG, JPEG or WebP within the size limits; anything else is a clear 400."""
    if not data:
        raise InvalidArgument(f"{what} is empty.")
    if len(data) > config.MAX_UPLOAD_BYTES:
        limit_mb = config.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise InvalidArgument(f"{what} is too large ({len(data)} bytes); the limit is {limit_mb} MB.")
    try:
        fmt, width, height = _decode_header(data)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidArgument(f"{what} is not an image we can read (use PNG, JPEG or WebP).") from None
    except Exception:
        raise InvalidArgument(f"{what} is a damaged or truncated image.") from None
    if fmt not in config.INPUT_FORMATS:
        raise InvalidArgument(f"{what} is a {fmt or 'unknown'} image; use PNG, JPEG or WebP.")
    if width * height > config.MAX_IMAGE_PIXELS:
        raise InvalidArgument(f"{what} is {width}x{height} pixels; the limit is {config.MAX_IMAGE_PIXELS} pixels.")
    return ImageInfo(config.INPUT_FORMATS[fmt], width, height)


def inspect_output(data: bytes) -> ImageInfo:
    """Checks that a model output decodes. Outputs are not uploads: no byte cap (a 4K PNG is
    easily over the upload limit), only Pillow's own decompression-bomb guard. An output that
    does not decode is the model's failure, not the user's: Internal."""
    try:
        fmt, width, height = _decode_header(data)
    except Exception:
        raise Internal(GENERATION_FAILED) from None
    return ImageInfo(config.INPUT_FORMATS.get(fmt, "image/png"), width, height)


EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}

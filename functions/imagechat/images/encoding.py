"""An output image as a response inlines it (seeds 001/002's `image_base64`).

Cloud Functions responses are capped at 32 MB: a PNG whose base64 fits MAX_INLINE_BASE64_CHARS
goes as is; a larger one (a real 4K PNG is ~28 MB, ~37 MB as base64) as a high-quality JPEG."""

from __future__ import annotations

import base64
import io

from PIL import Image

MAX_INLINE_BASE64_CHARS = 24 * 1024 * 1024
JPEG_QUALITY = 92


def inline_image(png: bytes, limit: int = MAX_INLINE_BASE64_CHARS) -> tuple[str, str]:
    """(base64, mime type) of the image for a JSON response."""
    if (len(png) + 2) // 3 * 4 <= limit:
        return base64.b64encode(png).decode("ascii"), "image/png"
    with Image.open(io.BytesIO(png)) as img:
        out = io.BytesIO()
        img.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return base64.b64encode(out.getvalue()).decode("ascii"), "image/jpeg"

"""Privacy: what a user uploads is stored without its metadata (EXIF with GPS and camera serials,
XMP, IPTC, comments, PNG text chunks).

Removed at the container level, without decoding the pixels: JPEG APPn segments other than JFIF,
ICC and Adobe (colour), COM segments and anything after the end of the image; PNG eXIf and text
chunks; WebP EXIF and XMP chunks. Bytes without metadata pass through unchanged (same hash). One
case re-encodes, in the same format: an EXIF orientation other than "normal", which is applied to
the pixels first (else the photo would turn sideways once its EXIF is gone).

Model outputs are not uploads and are not stripped: they keep exactly the chunks the model wrote.
"""

from __future__ import annotations

import io
import struct

from PIL import Image, ImageOps

from imagechat.images.validation import ImageInfo, inspect_image

_EXIF_ORIENTATION = 0x0112
_JPEG_KEPT_APPS = {0xE0: (b"JFIF\x00", b"JFXX\x00"), 0xE2: (b"ICC_PROFILE\x00",), 0xEE: (b"Adobe",)}
_PNG_METADATA = {b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"tIME"}
_WEBP_METADATA = {b"EXIF", b"XMP "}
_VP8X_EXIF_XMP_FLAGS = 0x08 | 0x04


def clean_upload(data: bytes, what: str) -> tuple[bytes, ImageInfo]:
    """Checks an uploaded image (validation.inspect_image) and returns it without its metadata,
    with the facts of what is stored (a rotated photo swaps width and height)."""
    info = inspect_image(data, what=what)
    stripped = strip_metadata(data, info.mime_type)
    return (data, info) if stripped == data else (stripped, inspect_image(stripped, what=what))


def strip_metadata(data: bytes, mime_type: str) -> bytes:
    """The image without metadata, in its own format; unchanged when it carries none."""
    data = _apply_orientation(data)
    if mime_type == "image/jpeg":
        return _strip_jpeg(data)
    if mime_type == "image/png":
        return _strip_png(data)
    if mime_type == "image/webp":
        return _strip_webp(data)
    return data


def _apply_orientation(data: bytes) -> bytes:
    """Re-encodes a photo whose EXIF says to rotate or mirror it, with that applied to the pixels."""
    with Image.open(io.BytesIO(data)) as img:
        if img.getexif().get(_EXIF_ORIENTATION, 1) in (0, 1):
            return data
        fmt = img.format or "PNG"
        icc = img.info.get("icc_profile")
        upright = ImageOps.exif_transpose(img)
        out = io.BytesIO()
        options: dict[str, object] = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
        if icc:
            options["icc_profile"] = icc
        upright.save(out, format=fmt, **options)  # no `exif=`: none is written
        return out.getvalue()


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])  # SOI
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return data  # not a marker where one must be: leave it alone (Pillow accepted it)
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xDA:  # start of scan: the image data, up to and including EOI
            end = data.find(b"\xff\xd9", i)
            out += data[i : end + 2] if end >= 0 else data[i:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            out += data[i : i + 2]
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        segment = data[i : i + 2 + length]
        body = segment[4:]
        is_app = 0xE0 <= marker <= 0xEF
        kept_app = is_app and any(body.startswith(sig) for sig in _JPEG_KEPT_APPS.get(marker, ()))
        if (not is_app or kept_app) and marker != 0xFE:  # 0xFE: a comment
            out += segment
        i += 2 + length
    return data


def _strip_png(data: bytes) -> bytes:
    out = bytearray(data[:8])  # the signature
    i = 8
    while i + 8 <= len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        chunk = data[i : i + 12 + length]
        if kind not in _PNG_METADATA:
            out += chunk
        i += 12 + length
        if kind == b"IEND":
            return bytes(out)
    return data


def _strip_webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return data
    chunks = bytearray()
    i = 12
    while i + 8 <= len(data):
        kind = data[i : i + 4]
        (size,) = struct.unpack("<I", data[i + 4 : i + 8])
        chunk = bytearray(data[i : i + 8 + size + (size & 1)])
        if kind == b"VP8X" and len(chunk) > 8:
            chunk[8] &= ~_VP8X_EXIF_XMP_FLAGS & 0xFF
        if kind not in _WEBP_METADATA:
            chunks += chunk
        i += 8 + size + (size & 1)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + bytes(chunks)

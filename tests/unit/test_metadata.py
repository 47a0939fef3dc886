"""Uploads are stored without metadata: EXIF (GPS), XMP, comments and text chunks go, the pixels
stay; bytes without metadata pass through unchanged."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from imagechat.images.metadata import clean_upload, strip_metadata

GPS_IFD = 0x8825


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    return exif


def photo(fmt: str, size: tuple[int, int] = (40, 24), **save: object) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 120, 30))
    image.paste((10, 60, 220), (0, 0, size[0] // 2, size[1] // 3))
    image.save(out, format=fmt, **save)
    return out.getvalue()


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGB").tobytes()


def has_metadata(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as img:
        return bool(img.getexif()) or any(k in img.info for k in ("exif", "xmp", "comment", "note"))


def test_a_jpeg_loses_gps_exif_xmp_and_comments_losslessly() -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>48,51N</exif:GPSLatitude></x:xmpmeta>'
    data = photo("JPEG", exif=exif_with_gps(), comment=b"taken at home", xmp=xmp, quality=90)
    assert has_metadata(data) and b"Exif" in data
    stripped, info = clean_upload(data, "file")
    assert not has_metadata(stripped)
    assert b"Exif" not in stripped and b"GPSLatitude" not in stripped and b"taken at home" not in stripped
    assert pixels(stripped) == pixels(data)  # segments removed, the scan untouched
    assert (info.mime_type, info.width, info.height) == ("image/jpeg", 40, 24)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_bytes_without_metadata_pass_through(fmt: str) -> None:
    data = photo(fmt)
    assert strip_metadata(data, Image.MIME[fmt]) == data


def test_a_png_loses_its_exif_and_text_chunks() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "at home")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS</x:xmpmeta>")
    data = photo("PNG", pnginfo=info, exif=exif_with_gps())
    assert has_metadata(data) and b"eXIf" in data
    stripped = strip_metadata(data, "image/png")
    assert not has_metadata(stripped) and b"at home" not in stripped and b"eXIf" not in stripped
    assert pixels(stripped) == pixels(data)


def test_a_webp_loses_its_exif() -> None:
    data = photo("WEBP", exif=exif_with_gps(), lossless=True)
    assert has_metadata(data)
    stripped = strip_metadata(data, "image/webp")
    assert not has_metadata(stripped) and b"EXIF" not in stripped
    assert pixels(stripped) == pixels(data)


def test_a_rotated_photo_is_turned_upright_before_its_exif_goes() -> None:
    data = photo("JPEG", size=(40, 24), exif=exif_with_gps(orientation=6))  # "rotate 90° clockwise"
    stripped, info = clean_upload(data, "file")
    assert not has_metadata(stripped)
    assert (info.mime_type, info.width, info.height) == ("image/jpeg", 24, 40)

"""Uploads are stored without their metadata: a phone photo's GPS EXIF is gone from the temp
upload, from the session's copy a message makes of it, from a library image and from a reference
photo."""

from __future__ import annotations

import io

from google.cloud import storage
from PIL import Image

from tests.integration.helpers import new_session, send
from tests.support.clients import ApiClient

GPS_IFD = 0x8825


def phone_photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    out = io.BytesIO()
    Image.new("RGB", (48, 32), (180, 90, 40)).save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def assert_no_exif(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG"
        assert not img.getexif() and "exif" not in img.info
    assert b"Exif" not in data and b"PhoneMaker" not in data


def test_gps_exif_never_reaches_storage(user: ApiClient, bucket: storage.Bucket) -> None:
    photo = phone_photo()
    with Image.open(io.BytesIO(photo)) as img:
        assert img.getexif().get_ifd(GPS_IFD)  # the photo does carry GPS

    uploaded = user.rest("POST", "/api/upload/temp", files={"file": ("photo.jpg", photo, "image/jpeg")}).json()
    assert_no_exif(bucket.blob(uploaded["storagePath"]).download_as_bytes())
    session_id = new_session(user)
    send(user, session_id, "make it warmer", refUrls=[uploaded["publicUrl"]])
    turns = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
    [attachment] = turns[0]["attachments"]
    assert attachment["storagePath"].startswith(f"chat-images/{user.uid}/{session_id}/inputs/")
    assert_no_exif(bucket.blob(attachment["storagePath"]).download_as_bytes())

    saved = user.rest("POST", "/api/library", files={"file": ("photo.jpg", photo, "image/jpeg")})
    assert saved.status_code == 200, saved.text
    assert_no_exif(bucket.blob(saved.json()["image"]["storagePath"]).download_as_bytes())

    reference = user.rest("POST", "/api/v1/reference-images/", files={"file": ("me.jpg", photo, "image/jpeg")})
    assert reference.status_code == 200, reference.text
    assert_no_exif(bucket.blob(reference.json()["storage_path"]).download_as_bytes())

"""Use case: a temporary upload (an image the user will attach to a message)."""

from __future__ import annotations

import base64
import binascii

from imagechat import config
from imagechat.deps import Deps
from imagechat.errors import InvalidArgument
from imagechat.images.temp_uploads import save_temp_upload
from imagechat.schemas import UploadTempRequest, UploadTempResponse


def upload_temp(deps: Deps, uid: str, data: bytes) -> UploadTempResponse:
    stored = save_temp_upload(deps.images, uid, data)
    return UploadTempResponse(public_url=stored.public_url, storage_path=stored.path)


def upload_temp_base64(deps: Deps, uid: str, req: UploadTempRequest) -> UploadTempResponse:
    payload = req.data.split(",", 1)[1] if req.data.startswith("data:") else req.data
    # base64 grows the size by 4/3: refuse before decoding anything huge.
    if len(payload) > config.MAX_UPLOAD_BYTES * 4 // 3 + 4:
        raise InvalidArgument(f"data: the image is larger than {config.MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        try:
            raw = base64.urlsafe_b64decode(payload)
        except (binascii.Error, ValueError):
            raise InvalidArgument("data: must be base64-encoded image bytes.") from None
    return upload_temp(deps, uid, raw)

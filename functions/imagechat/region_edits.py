"""Region edits (issue 17): a message's `mask` limits its edit to part of the image.

Before the claim (so a bad mask is a 400 and nothing is written): the image being edited (the
images[0] of the model turn the message continues) is read, the mask is made (an uploaded PNG, or
rectangles / polygons drawn at the image's size) and checked, and the crop the model is sent is
cut (images/masks.py). The crop goes with the message as its last image (a user input copied into
the session like any other). After the model answered, each answer's image is blended back into
the edited image (`finish`): the model turn stores the composite as images[0] and the model's own
output, exactly as received, as images[1], which its `content`/`steps` point at.

The turn after a masked edit continues from the composite, which the model never made: it goes
with that message as a user image (`composite_input`), the first one.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Literal

from PIL import Image

from imagechat.deps import Deps
from imagechat.errors import NO_IMAGE_TO_MASK, InvalidArgument
from imagechat.images import masks
from imagechat.images.inputs import InputImage, resolve_reference
from imagechat.images.outputs import save_output
from imagechat.images.urls import session_prefix
from imagechat.images.validation import inspect_image
from imagechat.schemas import MaskSpec
from imagechat.store.documents import OutputImage, RegionEdit, Turn


@dataclass(frozen=True)
class PreparedRegion:
    """A checked mask and the crop to send, for the image of `target` (a model turn)."""

    target: Turn
    original: bytes  # the edited image's bytes
    mask: Image.Image  # L, 255 = editable, the image's size
    mask_kind: Literal["upload", "rects", "polygons"]
    box: masks.Box
    ratio: str
    crop: InputImage


def prepare(deps: Deps, uid: str, target: Turn | None, spec: MaskSpec) -> PreparedRegion:
    """Reads the edited image and the mask, checks them (400s naming `mask`) and cuts the crop."""
    if target is None or not target.images:
        raise InvalidArgument(NO_IMAGE_TO_MASK)
    image_record = target.images[0]
    original = deps.images.read(image_record.storage_path)
    image = Image.open(io.BytesIO(original))
    image.load()
    try:
        if spec.rects or spec.polygons:
            mask = masks.rasterize(image.size, spec.rects or (), spec.polygons or ())
            kind: Literal["upload", "rects", "polygons"] = "rects" if spec.rects else "polygons"
        else:
            ref = spec.ref_url or spec.storage_path or ""
            uploaded = resolve_reference(deps.images, uid, ref, "mask.refUrl" if spec.ref_url else "mask.storagePath")
            mask, kind = masks.mask_from_png(uploaded.data, image.size), "upload"
        box, ratio = masks.crop_box(mask)
    except masks.MaskError as exc:
        raise InvalidArgument(str(exc)) from exc
    crop = masks.crop_for_model(image, box, ratio)
    crop_input = InputImage(
        source_path=image_record.storage_path,
        source_url=image_record.public_url,
        data=crop,
        info=inspect_image(crop, what="mask crop"),
        sha256=hashlib.sha256(crop).hexdigest(),
    )
    return PreparedRegion(target, original, mask, kind, box, ratio, crop_input)


def finish(
    deps: Deps, uid: str, session_id: str, turn_id: str, region: PreparedRegion, model_pngs: list[bytes]
) -> tuple[list[OutputImage], RegionEdit]:
    """Stores the composite of the model's first image (images[0]), the model's own outputs
    (images[1:], as received) and the mask as used; returns the turn's images and its region record."""
    model_png = model_pngs[0]
    original: Image.Image = Image.open(io.BytesIO(region.original))
    original.load()
    if original.mode not in ("RGB", "RGBA"):
        original = original.convert("RGBA" if "A" in original.getbands() or "transparency" in original.info else "RGB")
    edited = Image.open(io.BytesIO(model_png))
    result = masks.composite(original, edited, region.mask, region.box)
    composite = save_output(deps.images, uid, session_id, turn_id, 0, masks.encode_png(result))
    outputs = [save_output(deps.images, uid, session_id, turn_id, i + 1, png) for i, png in enumerate(model_pngs)]
    stored_mask = deps.images.save(
        f"{session_prefix(uid, session_id)}{turn_id}-mask.png", masks.encode_png(region.mask), "image/png"
    )
    record = RegionEdit(
        edited_image=region.target.images[0].storage_path,
        mask_path=stored_mask.path,
        mask_url=stored_mask.public_url,
        mask_kind=region.mask_kind,
        crop_box=(region.box.x, region.box.y, region.box.w, region.box.h),
        crop_aspect_ratio=region.ratio,
        feather_px=masks.feather_px(region.box),
        model_image=1,
    )
    return [composite, *outputs], record


def composite_input(deps: Deps, uid: str, parent: Turn) -> InputImage:
    """The composite a masked edit made (its images[0]), as a user image of the next message."""
    return resolve_reference(deps.images, uid, parent.images[0].storage_path, "the edited image")

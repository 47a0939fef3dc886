"""Region edits (issue 17): a message's `mask` limits its edit to part of the image.

Before the claim (so a bad mask is a 400 and nothing is written): the image being edited (the
images[0] of the model turn the message continues, or the message's own image `mask.attachment`)
is read, the mask is made (an uploaded PNG, or rectangles / polygons drawn at the image's size) and
checked, and the crop the model is sent is cut (images/masks.py). The crop goes with the message
(a user input copied into the session like any other, role "region") as its last image, the one
edited (an attachment being edited leaves its place for it). When the session's `region_context`
is on, the whole image goes just before it (role "context"), and gemini/contents.py labels the two.

After the model answered, each answer's image is blended back into the edited image (`finish`):
the model turn stores the composite as images[0] and the model's own output, exactly as received,
as images[1], which its `content`/`steps` point at. An attachment being edited is kept in the
session as it was (`keep_source`): the region record points at it.

The turn after a masked edit continues from the composite, which the model never made: it goes
with that message as a user image (`composite_input`), the first one (unless that message is
itself a region edit of it: then its crop is cut from the composite).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, replace
from typing import Literal

from PIL import Image

from imagechat.deps import Deps
from imagechat.errors import NO_IMAGE_TO_MASK, REGION_NOT_KEPT, InvalidArgument
from imagechat.images import masks
from imagechat.images.inputs import InputImage, resolve_reference
from imagechat.images.outputs import save_output
from imagechat.images.urls import session_prefix
from imagechat.images.validation import EXTENSIONS, ImageInfo, inspect_image
from imagechat.schemas import MaskSpec
from imagechat.store.documents import OutputImage, RegionEdit, Turn


@dataclass(frozen=True)
class PreparedRegion:
    """A checked mask and the images to send for it: the crop and, when the session asks for it,
    the whole image as labelled context."""

    target: Turn | None  # the model turn whose images[0] is edited; None: one of the message's images
    attachment: int | None  # that image's index among the message's images (mask.attachment)
    original: bytes  # the edited image's bytes
    mime_type: str
    edited_path: str | None  # its storagePath in the session (an attachment's: once `keep_source` stored it)
    mask: Image.Image  # L, 255 = editable, the image's size
    mask_kind: Literal["upload", "rects", "polygons"]
    box: masks.Box
    ratio: str
    crop: InputImage | None  # None when restored for a regeneration: the user turn already holds it
    context: InputImage | None  # the whole image, labelled as context (Session.region_context)
    with_context: bool  # whether the message sends `context` (a restored region: whether it did)

    def message_inputs(self, inputs: list[InputImage]) -> list[InputImage]:
        """The message's images as the model gets them: (the whole image as context, then) the crop
        last, the image being edited (models, and the emulator, edit the last image of a message);
        an attachment being edited leaves its place for its crop at the end."""
        kept = inputs if self.attachment is None else [*inputs[: self.attachment], *inputs[self.attachment + 1 :]]
        return [*kept, *(image for image in (self.context, self.crop) if image is not None)]


def prepare(
    deps: Deps, uid: str, target: Turn | None, inputs: list[InputImage], spec: MaskSpec, with_context: bool
) -> PreparedRegion:
    """Reads the edited image (the `target` model turn's images[0], or the message's image
    `spec.attachment` among `inputs`) and the mask, checks them (400s naming `mask`) and cuts the crop."""
    if spec.attachment is not None:
        if spec.attachment >= len(inputs):
            raise InvalidArgument(
                f"mask.attachment: this message has {len(inputs)} image(s) (0-based, imageIds first, then "
                f"refUrls); got {spec.attachment}."
            )
        source = inputs[spec.attachment]
        original, edited_path, target = source.data, None, None
    else:
        if target is None or not target.images:
            raise InvalidArgument(NO_IMAGE_TO_MASK)
        record = target.images[0]
        original, edited_path = deps.images.read(record.storage_path), record.storage_path
        source = InputImage(  # the session's own output: checked when it was made
            source_path=record.storage_path, source_url=record.public_url, data=original,
            info=ImageInfo(record.mime_type, record.width, record.height), sha256=record.sha256,
        )
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
    crop_input = replace(  # what it was cut from stays its source (a library pick keeps its library id)
        source, data=crop, info=inspect_image(crop, what="mask crop"), sha256=hashlib.sha256(crop).hexdigest(),
        role="region",
    )
    context = replace(source, role="context") if with_context else None
    return PreparedRegion(
        target, spec.attachment, original, source.info.mime_type, edited_path, mask, kind, box, ratio, crop_input,
        context, with_context,
    )


def restore(deps: Deps, user_turn: Turn, answers: list[Turn]) -> PreparedRegion | None:
    """A regeneration of a region edit blends its new answers back like the first ones: the mask,
    crop box and edited image come from an answer's region record (None: not a region edit).
    Only answers stored before blocked answers kept a record can lack one: then the regeneration is
    refused (REGION_NOT_KEPT)."""
    record = next((a.region for a in answers if a.region is not None), None)
    if record is None:
        if any(a.role == "region" for a in user_turn.attachments):
            raise InvalidArgument(REGION_NOT_KEPT)
        return None
    original = deps.images.read(record.edited_image)
    mask = Image.open(io.BytesIO(deps.images.read(record.mask_path)))
    mask.load()
    return PreparedRegion(
        target=None, attachment=record.attachment, original=original,
        mime_type=inspect_image(original, what="the edited image").mime_type, edited_path=record.edited_image,
        mask=mask.convert("L"), mask_kind=record.mask_kind, box=masks.Box(*record.crop_box),
        ratio=record.crop_aspect_ratio, crop=None, context=None, with_context=record.context,
    )


def keep_source(deps: Deps, uid: str, session_id: str, model_turn_id: str, region: PreparedRegion) -> PreparedRegion:
    """An attachment being edited is stored in the session as it was (the region record points at
    it; the message itself holds only its crop). Named after the model turn: a failed run's
    leftovers go with its outputs. The head's image is already the session's."""
    if region.edited_path is not None:
        return region
    path = f"{session_prefix(uid, session_id)}{model_turn_id}-region-source.{EXTENSIONS[region.mime_type]}"
    stored = deps.images.save(path, region.original, region.mime_type)
    return replace(region, edited_path=stored.path)


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
    return [composite, *outputs], record(deps, uid, session_id, turn_id, region)


def record(deps: Deps, uid: str, session_id: str, turn_id: str, region: PreparedRegion) -> RegionEdit:
    """Stores the mask as used and returns the model turn's region record. A blocked answer keeps
    one too: regenerating it redoes the same region edit (`restore`)."""
    stored_mask = deps.images.save(
        f"{session_prefix(uid, session_id)}{turn_id}-mask.png", masks.encode_png(region.mask), "image/png"
    )
    return RegionEdit(
        edited_image=region.edited_path or "",
        mask_path=stored_mask.path,
        mask_url=stored_mask.public_url,
        mask_kind=region.mask_kind,
        crop_box=(region.box.x, region.box.y, region.box.w, region.box.h),
        crop_aspect_ratio=region.ratio,
        feather_px=masks.feather_px(region.box),
        model_image=1,
        attachment=region.attachment,
        context=region.with_context,
    )


def composite_input(deps: Deps, uid: str, parent: Turn) -> InputImage:
    """The composite a masked edit made (its images[0]), as a user image of the next message."""
    return resolve_reference(deps.images, uid, parent.images[0].storage_path, "the edited image")

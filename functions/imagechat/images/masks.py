"""Region edits: the pixel work of a masked edit (pure Pillow, no I/O).

A mask says where the edited image may change (white / inside = editable), at the image's size.
1. `crop_box`: the mask's bounding box, grown by a margin (room for the feather and some context
   for the model), then grown towards the nearest aspect ratio the models take, within the image.
2. `crop_for_model`: that box cut out and resized to exactly that ratio (a slight stretch when
   the image's edge stopped the growth): the image the model edits.
3. `composite`: the model's output resized back to the box and blended into the original through
   the mask, feathered by a box blur of bounded reach. Alpha is exactly 0 farther than `feather`
   pixels outside the mask, and outside the box: those pixels are the original's, bit for bit.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageFilter, UnidentifiedImageError

from imagechat import config

# The feather: how far (px) the blend reaches across the mask's edge, from this share of the box's
# long side, within these bounds.
FEATHER_FRACTION = 0.02
MIN_FEATHER_PX, MAX_FEATHER_PX = 4, 24
# Context around the mask the model sees: this share of the mask's long side, plus the feather.
MARGIN_FRACTION = 0.1


class MaskError(ValueError):
    """A mask that cannot be used; the message says why (it becomes a 400 naming `mask`)."""


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]

    @property
    def pil(self) -> tuple[int, int, int, int]:
        return self.x, self.y, self.x + self.w, self.y + self.h


def ratio_value(ratio: str) -> float:
    width, height = ratio.split(":")
    return int(width) / int(height)


def nearest_ratio(width: float, height: float, ratios: Sequence[str] = config.ASPECT_RATIOS) -> str:
    """The supported aspect ratio closest to width:height (in log scale: 2:1 and 1:2 are equally far)."""
    wanted = math.log(width / height)
    return min(ratios, key=lambda r: abs(math.log(ratio_value(r)) - wanted))


def rasterize(size: tuple[int, int], rects: Sequence[Sequence[float]] = (),
              polygons: Sequence[Sequence[Sequence[float]]] = ()) -> Image.Image:
    """Rectangles [x, y, w, h] and polygons [[x, y], ...] (image pixels) as an L mask (255 inside)."""
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    for x, y, w, h in rects:
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=255)
    for polygon in polygons:
        draw.polygon([(float(px), float(py)) for px, py in polygon], fill=255)
    return mask


def mask_from_png(data: bytes, size: tuple[int, int]) -> Image.Image:
    """An uploaded mask image as an L mask (white = editable: luminance > 127; transparent = kept)."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MaskError("mask: the file is not an image") from exc
    if image.size != size:
        raise MaskError(
            f"mask: it is {image.size[0]}×{image.size[1]} but the image being edited is {size[0]}×{size[1]}"
        )
    luminance = image.convert("L")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        luminance = ImageChops.multiply(luminance, image.convert("RGBA").getchannel("A"))
    return luminance.point(lambda v: 255 if v > 127 else 0)


def feather_px(box: Box) -> int:
    return max(MIN_FEATHER_PX, min(MAX_FEATHER_PX, round(max(box.w, box.h) * FEATHER_FRACTION)))


def crop_box(mask: Image.Image) -> tuple[Box, str]:
    """The box to send (the mask's bounds plus a margin, grown towards the nearest supported ratio
    within the image) and that ratio. An empty mask: MaskError."""
    bounds = mask.getbbox()
    if bounds is None:
        raise MaskError("mask: it is empty (nothing is marked editable)")
    width, height = mask.size
    left, top, right, bottom = bounds
    core = Box(left, top, right - left, bottom - top)
    margin = round(max(core.w, core.h) * MARGIN_FRACTION) + 2 * feather_px(core)
    left, top = max(0, left - margin), max(0, top - margin)
    right, bottom = min(width, right + margin), min(height, bottom + margin)
    ratio = nearest_ratio(right - left, bottom - top)
    target = ratio_value(ratio)
    w, h = right - left, bottom - top
    if w / h < target:  # too narrow: widen around the centre, shifted back inside the image
        left, right = _grow(left, right, min(width, round(h * target)), width)
    else:
        top, bottom = _grow(top, bottom, min(height, round(w / target)), height)
    return Box(left, top, right - left, bottom - top), ratio


def _grow(start: int, end: int, length: int, limit: int) -> tuple[int, int]:
    """[start, end) grown to `length` around its centre, kept within [0, limit)."""
    centre = (start + end) / 2
    new_start = max(0, min(limit - length, round(centre - length / 2)))
    return new_start, new_start + length


def crop_for_model(image: Image.Image, box: Box, ratio: str) -> bytes:
    """The box of the image, resized to exactly `ratio` (its width kept), as PNG."""
    crop = image.crop(box.pil)
    size = (box.w, max(1, round(box.w / ratio_value(ratio))))
    if crop.size != size:
        crop = crop.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, format="PNG")
    return out.getvalue()


def feathered_alpha(mask: Image.Image, feather: int) -> Image.Image:
    """The mask blurred by two box blurs of radius feather/2: each output pixel depends only on mask
    pixels within `feather` px, so alpha is exactly 0 beyond that distance outside the mask."""
    radius = max(1, feather // 2)
    return mask.filter(ImageFilter.BoxBlur(radius)).filter(ImageFilter.BoxBlur(radius))


def composite(original: Image.Image, edited_crop: Image.Image, mask: Image.Image, box: Box) -> Image.Image:
    """The model's crop (any size: resized to the box) blended into `original` through the
    feathered mask, only within the box. Keeps the original's mode."""
    patch = edited_crop.convert(original.mode)
    if patch.size != (box.w, box.h):
        patch = patch.resize((box.w, box.h), Image.Resampling.LANCZOS)
    alpha = feathered_alpha(mask, feather_px(box))
    inside = Image.new("L", original.size, 0)
    inside.paste(alpha.crop(box.pil), box.pil)  # nothing outside the box: the model made no pixels there
    edited = original.copy()
    edited.paste(patch, box.pil)
    return Image.composite(edited, original, inside)


def encode_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()

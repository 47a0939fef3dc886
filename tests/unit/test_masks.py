"""Region edits' pixel work (images/masks.py): crop box, feathered composite, mask validation."""

from __future__ import annotations

import io
import itertools

import pytest
from PIL import Image, ImageChops, ImageOps

from imagechat import config
from imagechat.images import masks

SIZE = (240, 160)


def gradient() -> Image.Image:
    """A horizontal RGB gradient: every column differs, so any hard seam would show."""
    ramp = Image.linear_gradient("L").rotate(90).resize(SIZE)
    return Image.merge("RGB", (ramp, ImageOps.invert(ramp), ramp.point(lambda v: v // 2)))


def edit_of(crop_png: bytes) -> Image.Image:
    """What a model might answer: the crop inverted, at another (1K-like) size."""
    crop = Image.open(io.BytesIO(crop_png)).convert("RGB")
    return ImageOps.invert(crop).resize((crop.width * 3, crop.height * 3))


def test_outside_the_mask_is_identical_inside_changed_and_the_seam_feathered() -> None:
    original = gradient()
    mask = masks.rasterize(SIZE, rects=[[100, 50, 60, 40]])
    box, ratio = masks.crop_box(mask)
    assert ratio in config.ASPECT_RATIOS
    assert box.x <= 100 and box.y <= 50 and box.x + box.w >= 160 and box.y + box.h >= 90
    assert box.x >= 0 and box.y >= 0 and box.x + box.w <= SIZE[0] and box.y + box.h <= SIZE[1]
    crop = masks.crop_for_model(original, box, ratio)
    cw, ch = Image.open(io.BytesIO(crop)).size
    assert abs(cw / ch - masks.ratio_value(ratio)) < 0.02

    result = masks.composite(original, edit_of(crop), mask, box)
    assert result.size == SIZE and result.mode == "RGB"
    feather = masks.feather_px(box)
    # Beyond the feather outside the mask: the original, bit for bit.
    reach = masks.rasterize(SIZE, rects=[[100 - feather, 50 - feather, 60 + 2 * feather, 40 + 2 * feather]])
    outside = ImageOps.invert(reach)
    diff = ImageChops.difference(result, original).convert("L")
    assert ImageChops.multiply(diff, outside).getbbox() is None
    assert result.getpixel((5, 5)) == original.getpixel((5, 5))
    # Well inside: the edit (the inverted gradient, within resampling error).
    r, g, _ = result.getpixel((130, 70))
    o = original.getpixel((130, 70))
    assert abs(r - (255 - o[0])) <= 12 and abs(g - (255 - o[1])) <= 12
    # The seam: across the mask's left edge the red channel moves in several steps, no hard jump.
    row = [result.getpixel((x, 70))[0] for x in range(100 - feather - 1, 100 + feather + 2)]
    jump = abs(row[-1] - row[0])
    assert jump > 30
    steps = [abs(b - a) for a, b in itertools.pairwise(row)]
    assert max(steps) < jump * 0.6, row
    assert len({v for v in row}) >= 4, row


def test_polygon_masks_and_uploaded_masks_agree_on_the_region() -> None:
    triangle = masks.rasterize(SIZE, polygons=[[[20, 20], [120, 20], [20, 120]]])
    assert triangle.getpixel((30, 30)) == 255 and triangle.getpixel((110, 110)) == 0
    png = io.BytesIO()
    triangle.convert("RGB").save(png, format="PNG")
    uploaded = masks.mask_from_png(png.getvalue(), SIZE)
    assert ImageChops.difference(uploaded, triangle).getbbox() is None
    # A transparent area is not editable, whatever its colour.
    rgba = Image.new("RGBA", SIZE, (255, 255, 255, 0))
    rgba.paste((255, 255, 255, 255), (0, 0, 10, 10))
    out = io.BytesIO()
    rgba.save(out, format="PNG")
    assert masks.mask_from_png(out.getvalue(), SIZE).getbbox() == (0, 0, 10, 10)


def test_invalid_masks_say_why() -> None:
    with pytest.raises(masks.MaskError, match="mask: it is empty"):
        masks.crop_box(Image.new("L", SIZE, 0))
    small = io.BytesIO()
    Image.new("L", (10, 10), 255).save(small, format="PNG")
    with pytest.raises(masks.MaskError, match="mask: it is 10×10 but the image being edited is 240×160"):
        masks.mask_from_png(small.getvalue(), SIZE)
    with pytest.raises(masks.MaskError, match="mask: the file is not an image"):
        masks.mask_from_png(b"not an image", SIZE)


@pytest.mark.parametrize("bounds", [(0, 0, 30, 160), (200, 0, 40, 20), (0, 0, 240, 160), (117, 77, 3, 3)])
def test_the_crop_box_stays_inside_the_image_and_covers_the_mask(bounds: tuple[int, int, int, int]) -> None:
    mask = masks.rasterize(SIZE, rects=[list(bounds)])
    box, ratio = masks.crop_box(mask)
    x, y, w, h = bounds
    assert box.x <= x and box.y <= y and box.x + box.w >= x + w and box.y + box.h >= y + h
    assert box.x >= 0 and box.y >= 0 and box.x + box.w <= SIZE[0] and box.y + box.h <= SIZE[1]
    assert ratio == masks.nearest_ratio(box.w, box.h) or box.w == SIZE[0] or box.h == SIZE[1]

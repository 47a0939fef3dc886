"""Pixels: generation from a prompt, edits from prompt keywords, and the provenance PNG text chunk.

Provenance: every PNG the emulator returns carries a `tEXt` chunk `imagechat-provenance` whose value
is a JSON list of operation names, oldest first. A generated image starts `["generate:<sha12 of the
prompt>"]`; an edited image extends its input's chain, or starts `["input:<sha12 of the input
bytes>"]` when the input carries none. Operation names: see `OPERATIONS` and `RESTYLE`. An interim
thought image ends its chain with `PREVIEW`.

Payloads: "small" outputs are flat pictures of a few KB. "realistic" outputs have photographic
entropy, so that their PNGs weigh what the real API's do (about 1.4 MB at 1K, 5.5 MB at 2K, 22 MB at
4K): generated pictures get a soft mottled texture, and every output gets a luminance film grain
(the same noise on R, G and B, so a grayscale output stays R == G == B). The grain is deterministic
(SHAKE-256 of a seed made from the chain and the size) and its seed is written into a `tEXt` chunk
`imagechat-grain`, so that an edit of such an output first subtracts it again: grain never piles up
over a long chain of edits, and sizes stay stable.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

from PIL import (
    Image,
    ImageChops,
    ImageDraw,
    ImageEnhance,
    ImageFilter,
    ImageOps,
    PngImagePlugin,
    UnidentifiedImageError,
)

PROVENANCE_KEY = "imagechat-provenance"
GRAIN_KEY = "imagechat-grain"
RESTYLE = "restyle"  # recorded when the prompt names no known operation: the pixels stay as they are
PREVIEW = "preview"  # last entry of an interim thought image's chain
PREVIEW_MAX_SIDE = 512
PNG_COMPRESS_LEVEL = 3
REALISTIC_COMPRESS_LEVEL = 1  # noise barely compresses: level 1 is as small and 30 % faster
GRAIN_SIGMA = 12  # standard deviation of the realistic grain, in 8-bit levels


def sha12(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


# ---------------------------------------------------------------------------------------------
# Provenance


def read_provenance(png_bytes: bytes) -> list[str]:
    """The operation chain stored in an image by the emulator; [] when there is none."""
    try:
        with Image.open(io.BytesIO(png_bytes)) as image:
            raw = image.info.get(PROVENANCE_KEY)
    except (UnidentifiedImageError, OSError, ValueError):
        return []
    if not isinstance(raw, str):
        return []
    try:
        chain = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(chain, list):
        return []
    return [str(item) for item in chain]


def chain_of_input(image_bytes: bytes) -> list[str]:
    """The chain an edit extends: the input's own, else `["input:<sha12>"]`."""
    return read_provenance(image_bytes) or [f"input:{sha12(image_bytes)}"]


def encode_png(image: Image.Image, chain: list[str], *, realistic: bool = False) -> bytes:
    """The output PNG with its provenance chunk; `realistic` adds the removable grain first."""
    info = PngImagePlugin.PngInfo()
    info.add_text(PROVENANCE_KEY, json.dumps(chain))
    level = PNG_COMPRESS_LEVEL
    if realistic:
        seed = grain_seed(chain, image.size)
        image = add_grain(image, seed)
        info.add_text(GRAIN_KEY, json.dumps({"seed": seed.hex(), "sigma": GRAIN_SIGMA, "size": list(image.size)}))
        level = REALISTIC_COMPRESS_LEVEL
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, compress_level=level)
    return out.getvalue()


def preview_png(image: Image.Image, chain: list[str]) -> bytes:
    """An interim "thought image": the result at most 512 px a side, its chain ending in PREVIEW."""
    small = image.copy()
    small.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return encode_png(small, [*chain, PREVIEW])


def decode_image(data: bytes) -> Image.Image:
    """An RGB image from any format Pillow reads, with this emulator's grain taken out again.
    Raises ValueError when the bytes are no image."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = opened
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError(str(exc)) from exc
    grain = image.info.get(GRAIN_KEY)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(background, rgba).convert("RGB")
    else:
        rgb = image.convert("RGB")
    return _without_grain(rgb, grain)


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height from the image header, without decoding pixels. ValueError for non-images."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            return opened.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError(str(exc)) from exc


# ---------------------------------------------------------------------------------------------
# Realistic payloads: grain and texture


@functools.lru_cache(maxsize=4)
def _gaussian_lut(sigma: float) -> tuple[int, ...]:
    """Uniform bytes -> Gaussian noise around 128 (inverse CDF at each byte's quantile)."""
    normal = NormalDist(0, sigma)
    return tuple(max(0, min(255, 128 + round(normal.inv_cdf((i + 0.5) / 256)))) for i in range(256))


def _noise(seed: bytes, size: tuple[int, int]) -> Image.Image:
    """Deterministic uniform noise, one byte a pixel ("L"): SHAKE-256 is fast and stable everywhere."""
    return Image.frombytes("L", size, hashlib.shake_256(seed).digest(size[0] * size[1]))


def grain_seed(chain: list[str], size: tuple[int, int]) -> bytes:
    return hashlib.sha256(json.dumps(["grain-v1", chain, list(size)]).encode("utf-8")).digest()


def _grain_layer(seed: bytes, size: tuple[int, int]) -> Image.Image:
    luminance = _noise(seed, size).point(list(_gaussian_lut(GRAIN_SIGMA)))
    return Image.merge("RGB", (luminance, luminance, luminance))


def add_grain(image: Image.Image, seed: bytes) -> Image.Image:
    return ImageChops.add(image, _grain_layer(seed, image.size), 1.0, -128)


def _without_grain(image: Image.Image, raw: object) -> Image.Image:
    """Subtract the grain an output of this emulator carries (exact except where it clipped)."""
    if not isinstance(raw, str):
        return image
    try:
        grain = json.loads(raw)
        seed = bytes.fromhex(grain["seed"])
        size = tuple(grain["size"])
        sigma = grain["sigma"]
    except (ValueError, KeyError, TypeError):
        return image
    if size != image.size or sigma != GRAIN_SIGMA:
        return image
    return ImageChops.subtract(image, _grain_layer(seed, image.size), 1.0, 128)


def _mottle(seed: bytes, size: tuple[int, int]) -> Image.Image:
    """A soft photographic texture: two octaves of smoothed noise, about +-20 levels, as RGB (built
    at a sixth of the size and scaled up once: this costs 0.15 s at 4K)."""
    width, height = size
    fine = (max(2, width // 6), max(2, height // 6))
    coarse = _noise(seed + b"\x00", (max(2, width // 24), max(2, height // 24))).resize(fine, Image.Resampling.BICUBIC)
    blended = ImageChops.add(coarse, _noise(seed + b"\x01", fine), 2.0)  # the mean of the two, around 128
    texture = blended.point(lambda v: 128 + round((v - 128) * 0.4)).resize(size, Image.Resampling.BICUBIC)
    return Image.merge("RGB", (texture, texture, texture))


# ---------------------------------------------------------------------------------------------
# Generation


def _colour(seed: bytes, offset: int) -> tuple[int, int, int]:
    return seed[offset], seed[offset + 1], seed[offset + 2]


def generate(prompt: str, size: tuple[int, int], *, realistic: bool = False) -> tuple[Image.Image, list[str]]:
    """A deterministic picture for `prompt`: a two-colour gradient with a few shapes (and, for the
    realistic payload, a mottled texture over it)."""
    seed = hashlib.sha256(prompt.encode("utf-8")).digest()
    width, height = size
    gradient = Image.linear_gradient("L").rotate(seed[0] % 4 * 90).resize(size, Image.Resampling.BILINEAR)
    first, second = Image.new("RGB", size, _colour(seed, 1)), Image.new("RGB", size, _colour(seed, 4))
    image = Image.composite(first, second, gradient)
    draw = ImageDraw.Draw(image)
    for i in range(3):
        base = 7 + i * 7
        cx, cy = seed[base] / 255 * width, seed[base + 1] / 255 * height
        radius = (0.08 + seed[base + 2] / 255 * 0.17) * min(width, height)
        box = (cx - radius, cy - radius, cx + radius, cy + radius)
        fill = _colour(seed, base + 3)
        if seed[base + 6] % 2:
            draw.ellipse(box, fill=fill)
        else:
            draw.rectangle(box, fill=fill)
    if realistic:
        image = ImageChops.add(image, _mottle(seed, size), 1.0, -128)
    return image, [f"generate:{sha12(prompt.encode('utf-8'))}"]


# ---------------------------------------------------------------------------------------------
# Edits


def _scale_channels(image: Image.Image, red: float, green: float, blue: float) -> Image.Image:
    r, g, b = image.split()
    return Image.merge(
        "RGB",
        (
            r.point(lambda v: min(255, round(v * red))),
            g.point(lambda v: min(255, round(v * green))),
            b.point(lambda v: min(255, round(v * blue))),
        ),
    )


def _grayscale(image: Image.Image) -> Image.Image:
    return ImageOps.grayscale(image).convert("RGB")


def _sepia(image: Image.Image) -> Image.Image:
    return ImageOps.colorize(ImageOps.grayscale(image), black=(40, 26, 13), white=(255, 236, 200)).convert("RGB")


def _blur(image: Image.Image) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius=max(2.0, min(image.size) / 100)))


def _sharpen(image: Image.Image) -> Image.Image:
    return image.filter(ImageFilter.UnsharpMask(radius=2, percent=200, threshold=0))


def _border(image: Image.Image) -> Image.Image:
    width = max(4, round(min(image.size) * 0.04))
    return ImageOps.expand(image, border=width, fill=(16, 16, 16))


# Operation name -> pixel function. These names are what provenance chains record.
OPERATIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "grayscale": _grayscale,
    "sepia": _sepia,
    "warmer": lambda im: _scale_channels(im, 1.2, 1.05, 0.8),
    "cooler": lambda im: _scale_channels(im, 0.8, 0.95, 1.2),
    "brighter": lambda im: ImageEnhance.Brightness(im).enhance(1.35),
    "darker": lambda im: ImageEnhance.Brightness(im).enhance(0.65),
    "contrast": lambda im: ImageEnhance.Contrast(im).enhance(1.6),
    "blur": _blur,
    "sharpen": _sharpen,
    "invert": ImageOps.invert,
    "flip-horizontal": ImageOps.mirror,
    "flip-vertical": ImageOps.flip,
    "rotate-90": lambda im: im.transpose(Image.Transpose.ROTATE_270),  # 90 degrees clockwise
    "rotate-180": lambda im: im.transpose(Image.Transpose.ROTATE_180),
    "rotate-270": lambda im: im.transpose(Image.Transpose.ROTATE_90),  # 90 degrees counter-clockwise
    "border": _border,
}

_ROTATE = (
    r"rotat(?:e|ed|ion)(?:\s+(?:it|the\s+image|the\s+picture))?"
    r"(?:\s+(?:by\s+)?(?P<deg>90|180|270)(?:\s*(?:degrees?|deg|°))?)?"
    r"(?:\s+(?:to\s+the\s+)?(?P<dir>left|right|counter-?clockwise|anti-?clockwise|clockwise))?"
)

# (regex, operation) pairs; matched case-insensitively on word boundaries.
_KEYWORDS: list[tuple[str, str]] = [
    (r"gr[ae]y[\s-]?scale|black[\s-]*(?:and|&|n)[\s-]*white|b\s*&\s*w|monochrome", "grayscale"),
    (r"sepia", "sepia"),
    (r"warm(?:er|th)?", "warmer"),
    (r"cool(?:er)?|colder", "cooler"),
    (r"bright(?:er|en|ness)?|lighter|lighten", "brighter"),
    (r"dark(?:er|en)?|dimmer", "darker"),
    (r"contrast", "contrast"),
    (r"blur(?:ry|red)?|soften", "blur"),
    (r"sharpen|sharper|crisper", "sharpen"),
    (r"invert(?:ed)?|negative", "invert"),
    (
        r"flip(?:ped)?(?:\s+(?:it|the\s+image|the\s+picture))?\s+vertical(?:ly)?|vertical(?:ly)?\s+flip(?:ped)?"
        r"|upside[\s-]down",
        "flip-vertical",
    ),
    (
        r"flip(?:ped)?(?:\s+(?:it|the\s+image|the\s+picture))?(?:\s+horizontal(?:ly)?)?|mirror(?:ed)?",
        "flip-horizontal",
    ),
    (_ROTATE, "rotate"),
    (r"border|frame[sd]?", "border"),
]
_COMPILED = [(re.compile(rf"\b(?:{pattern})(?!\w)", re.IGNORECASE), op) for pattern, op in _KEYWORDS]


def _rotation(match: re.Match[str]) -> str:
    degrees = match.groupdict().get("deg")
    direction = (match.groupdict().get("dir") or "").lower()
    if degrees == "180":
        return "rotate-180"
    counter = direction in ("left", "counterclockwise", "counter-clockwise", "anticlockwise", "anti-clockwise")
    if degrees == "270":
        return "rotate-90" if counter else "rotate-270"
    return "rotate-270" if counter else "rotate-90"


def parse_operations(prompt: str) -> list[str]:
    """The operations a prompt asks for, in the order they appear (overlaps: earliest, then longest)."""
    found: list[tuple[int, int, str]] = []
    for pattern, op in _COMPILED:
        for match in pattern.finditer(prompt):
            name = _rotation(match) if op == "rotate" else op
            found.append((match.start(), -(match.end() - match.start()), name))
    found.sort()
    ops: list[str] = []
    covered_until = -1
    for start, negative_length, name in found:
        if start < covered_until:
            continue
        ops.append(name)
        covered_until = start - negative_length
    return ops


def apply_operations(image: Image.Image, ops: list[str]) -> Image.Image:
    for op in ops:
        image = OPERATIONS[op](image)
    return image


def fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Centre-crop to the aspect ratio of `size` and resize to it."""
    if image.size == size:
        return image
    return ImageOps.fit(image, size, method=Image.Resampling.BICUBIC)


def vary(image: Image.Image, seed: int) -> tuple[Image.Image, str]:
    """A seed's deterministic variation (`generationConfig.seed`): every channel shifted by an
    offset of -40..40 drawn from the seed's hash. Returns the image and its provenance name."""
    digest = hashlib.sha256(f"seed:{seed}".encode()).digest()
    offsets = [digest[i] % 81 - 40 or 17 for i in range(3)]
    channels = zip(image.convert("RGB").split(), offsets, strict=True)
    bands = [band.point(lambda v, d=d: max(0, min(255, v + d))) for band, d in channels]
    return Image.merge("RGB", bands), f"seed:{seed}"


@dataclass(frozen=True)
class Edit:
    image: Image.Image
    ops: list[str]  # what was applied ([RESTYLE] when nothing was recognised)
    chain: list[str]  # the full provenance chain of the result


def edit(image_bytes: bytes, prompt: str) -> Edit:
    """Apply the prompt's operations to an image (not yet resized). Raises ValueError for non-images."""
    image = decode_image(image_bytes)
    ops = parse_operations(prompt)
    result = apply_operations(image, ops)
    applied = ops or [RESTYLE]
    return Edit(result, applied, [*chain_of_input(image_bytes), *applied])

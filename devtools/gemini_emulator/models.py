"""The model catalogue: which models exist, their output sizes, signature rules and token figures."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .wire import ApiError, invalid_argument

# The documented 1K output sizes per aspect ratio (2K doubles, 4K quadruples).
ASPECT_SIZES_1K: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "2:3": (832, 1248),
    "3:2": (1248, 832),
    "3:4": (864, 1184),
    "4:3": (1184, 864),
    "4:5": (896, 1152),
    "5:4": (1152, 896),
    "9:16": (768, 1344),
    "16:9": (1344, 768),
    "21:9": (1536, 672),
}
IMAGE_SIZE_FACTORS: dict[str, int] = {"1K": 1, "2K": 2, "4K": 4}

IMAGE_TOKENS_PER_TILE = 258  # one 768x768 tile of an input image (small images: one tile)
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class ModelSpec:
    name: str
    display_name: str
    makes_images: bool
    signatures: bool  # returns thought signatures and demands them back in history
    image_sizes: tuple[str, ...]  # accepted imageConfig.imageSize values
    max_input_images: int
    output_tokens: dict[str, int]  # output tokens per image, per imageSize

    def resource(self) -> dict[str, object]:
        methods = ["generateContent", "streamGenerateContent", "countTokens"]
        return {
            "name": f"models/{self.name}",
            "version": "001",
            "displayName": self.display_name,
            "description": f"{self.display_name} (offline emulator)",
            "inputTokenLimit": 65536 if self.makes_images else 1048576,
            "outputTokenLimit": 32768 if self.makes_images else 65536,
            "supportedGenerationMethods": methods,
        }


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("gemini-2.5-flash-image", "Nano Banana", True, False, ("1K",), 3000, {"1K": 1290}),
        ModelSpec(
            "gemini-3-pro-image-preview",
            "Nano Banana Pro",
            True,
            True,
            ("1K", "2K", "4K"),
            14,
            {"1K": 1120, "2K": 1120, "4K": 2000},
        ),
        ModelSpec(
            "gemini-3.1-flash-image-preview",
            "Nano Banana 2",
            True,
            True,
            ("1K", "2K", "4K"),
            14,
            {"1K": 1120, "2K": 1120, "4K": 2000},
        ),
        ModelSpec("gemini-2.5-flash", "Gemini 2.5 Flash", False, False, (), 3000, {}),
    )
}


def get_model(name: str, api_version: str = "v1beta") -> ModelSpec:
    """Look a model up by `name` or `models/name`; unknown → 404 like the real API, which names the
    request's path version (v1, v1beta, v1alpha) in the message."""
    short = name.removeprefix("models/")
    spec = MODELS.get(short)
    if spec is None:
        raise ApiError(
            404,
            f"models/{short} is not found for API version {api_version}, or is not supported for generateContent. "
            "Call ListModels to see the list of available models and their supported methods.",
            "NOT_FOUND",
        )
    return spec


def validate_image_size(spec: ModelSpec, image_size: str | None) -> str:
    """The effective imageSize ("1K" when absent); 400 for values the model does not take."""
    if image_size is None:
        return "1K"
    if image_size not in IMAGE_SIZE_FACTORS:
        raise invalid_argument(
            f"Invalid image size '{image_size}'. Supported values are: {', '.join(IMAGE_SIZE_FACTORS)}."
        )
    if image_size not in spec.image_sizes:
        raise invalid_argument(f"Image size {image_size} is not supported for model {spec.name}.")
    return image_size


def validate_aspect_ratio(aspect_ratio: str | None) -> str | None:
    if aspect_ratio is not None and aspect_ratio not in ASPECT_SIZES_1K:
        raise invalid_argument(
            f"Unsupported aspect ratio '{aspect_ratio}'. Supported values are: {', '.join(ASPECT_SIZES_1K)}."
        )
    return aspect_ratio


def nearest_aspect_ratio(width: int, height: int) -> str:
    """The supported ratio closest (in log space) to width:height."""
    target = math.log(width / height)

    def distance(ratio: str) -> float:
        w, h = ASPECT_SIZES_1K[ratio]
        return abs(math.log(w / h) - target)

    return min(ASPECT_SIZES_1K, key=distance)


def output_size(aspect_ratio: str, image_size: str) -> tuple[int, int]:
    w, h = ASPECT_SIZES_1K[aspect_ratio]
    factor = IMAGE_SIZE_FACTORS[image_size]
    return w * factor, h * factor


def text_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def input_image_tokens(width: int, height: int) -> int:
    """258 tokens for an image of at most 384 px a side, else 258 per 768x768 tile."""
    if width <= 384 and height <= 384:
        return IMAGE_TOKENS_PER_TILE
    return math.ceil(width / 768) * math.ceil(height / 768) * IMAGE_TOKENS_PER_TILE

"""What a model call costs: one price table per model, in USD, as Google publishes it for the
Gemini API's paid standard tier (https://ai.google.dev/gemini-api/docs/pricing, as published
2026-03; preview models' prices may change). A deployment overrides or adds models with
`IMAGECHAT_PRICES_JSON`, e.g. `{"gemini-3-pro-image-preview": {"imageOutput": {"4K": 0.24}}}`
(fields: inputPerMillion, outputPerMillion, imageOutput {size: USD}).

A call's cost = prompt tokens × input price + text and thought output tokens × output price +
output images × the per-image price of the size asked for. Output image tokens are priced per
image, not per token (Google's per-image price *is* those tokens at the image-token rate), so they
are taken out of the output tokens first. Input images are input tokens (258 per tile, ...).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from firebase_functions import logger

from imagechat.store.documents import Usage


@dataclass(frozen=True)
class ModelPrice:
    input_per_million: float  # USD per 1M input tokens (text and images)
    output_per_million: float  # USD per 1M output text and thinking tokens
    image_output: dict[str, float] = field(default_factory=dict)  # USD per output image, by size

    def image_price(self, image_size: str) -> float:
        """The per-image price of a size (an unlisted size: the largest listed, never free)."""
        if image_size in self.image_output:
            return self.image_output[image_size]
        return max(self.image_output.values(), default=0.0)


PRICES: dict[str, ModelPrice] = {
    # Nano Banana: $30 per 1M image tokens, 1290 tokens per 1K image = $0.039.
    "gemini-2.5-flash-image": ModelPrice(0.30, 2.50, {"1K": 0.039}),
    # Nano Banana Pro: $120 per 1M image tokens: 1120 tokens (1K, 2K) = $0.134, 2000 (4K) = $0.24.
    "gemini-3-pro-image-preview": ModelPrice(2.00, 12.00, {"1K": 0.134, "2K": 0.134, "4K": 0.24}),
    # Nano Banana 2: $60 per 1M image tokens: $0.067 (1K), $0.101 (2K), $0.151 (4K).
    "gemini-3.1-flash-image-preview": ModelPrice(0.50, 3.00, {"1K": 0.067, "2K": 0.101, "4K": 0.151}),
    # The project summaries' text model (thinking tokens are output tokens).
    "gemini-2.5-flash": ModelPrice(0.30, 2.50),
}


def _parse_override(base: ModelPrice | None, raw: dict[str, Any]) -> ModelPrice:
    start = base or ModelPrice(0.0, 0.0)
    images = {str(size): float(usd) for size, usd in dict(raw.get("imageOutput") or {}).items()}
    return replace(
        start,
        input_per_million=float(raw.get("inputPerMillion", start.input_per_million)),
        output_per_million=float(raw.get("outputPerMillion", start.output_per_million)),
        image_output={**start.image_output, **images},
    )


@lru_cache(maxsize=4)
def price_table(overrides_json: str = "") -> dict[str, ModelPrice]:
    """PRICES with a deployment's overrides (IMAGECHAT_PRICES_JSON) applied; bad JSON is refused
    at the first priced call, loudly, rather than pricing everything at zero."""
    table = dict(PRICES)
    if overrides_json.strip():
        parsed = json.loads(overrides_json)
        if not isinstance(parsed, dict):
            raise ValueError("IMAGECHAT_PRICES_JSON must be a JSON object keyed by model.")
        for model, raw in parsed.items():
            table[str(model)] = _parse_override(table.get(str(model)), dict(raw))
    return table


def cost_usd(usage: Usage, model: str, image_size: str, table: dict[str, ModelPrice]) -> float:
    """The USD cost of one call's usage (rounded to a millionth of a dollar)."""
    price = table.get(model)
    if price is None:
        logger.warn("no price for model: priced at 0", model=model)
        return 0.0
    text_output = max(0, usage.output_tokens - usage.image_tokens)
    cost = (
        usage.prompt_tokens * price.input_per_million / 1e6
        + text_output * price.output_per_million / 1e6
        + usage.images_out * price.image_price(image_size)
    )
    return round(cost, 6)


def priced(usage: Usage, model: str, image_size: str, overrides_json: str = "") -> Usage:
    """The usage with its cost."""
    return usage.model_copy(update={"cost_usd": cost_usd(usage, model, image_size, price_table(overrides_json))})

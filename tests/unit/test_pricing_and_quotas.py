"""The price table, a call's cost, the quota windows and refusals: pure logic (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from firebase_functions.https_fn import FunctionsErrorCode

from imagechat import config, pricing, quotas
from imagechat.errors import TRANSIENT_CODES, ErrorCode, QuotaExceeded
from imagechat.store.documents import Usage, UserLimits
from imagechat.store.usage_store import QuotaState, QuotaWindow


def test_every_model_we_offer_and_the_summary_model_has_a_price() -> None:
    for model in (*config.MODELS, config.Settings("p", "b", "", None, None).summary_model):
        assert model in pricing.PRICES, model
    for model in config.MODELS:  # every size a model renders has a per-image price
        assert set(config.image_sizes(model)) <= set(pricing.PRICES[model].image_output), model


def test_cost_prices_input_text_and_thought_tokens_and_images_separately() -> None:
    usage = Usage(prompt_tokens=1000, output_tokens=1120 + 50 + 200, thought_tokens=200, image_tokens=1120,
                  images_out=1)
    table = pricing.price_table()
    # 3 Pro Image at 2K: $2/M input, $12/M text+thoughts (250), $0.134 per image.
    assert pricing.cost_usd(usage, "gemini-3-pro-image-preview", "2K", table) == pytest.approx(
        1000 * 2 / 1e6 + 250 * 12 / 1e6 + 0.134)
    assert pricing.cost_usd(usage, "gemini-3-pro-image-preview", "4K", table) == pytest.approx(
        1000 * 2 / 1e6 + 250 * 12 / 1e6 + 0.24)
    flash = Usage(prompt_tokens=300, output_tokens=1290, image_tokens=1290, images_out=1)
    assert pricing.cost_usd(flash, "gemini-2.5-flash-image", "1K", table) == pytest.approx(300 * 0.3 / 1e6 + 0.039)
    text = Usage(prompt_tokens=2000, output_tokens=400)
    assert pricing.cost_usd(text, "gemini-2.5-flash", "", table) == pytest.approx(2000 * 0.3 / 1e6 + 400 * 2.5 / 1e6)
    assert pricing.cost_usd(text, "some-future-model", "1K", table) == 0.0
    assert pricing.priced(flash, "gemini-2.5-flash-image", "1K").cost_usd == pytest.approx(0.03909)


def test_a_deployment_overrides_prices_with_json() -> None:
    table = pricing.price_table('{"gemini-2.5-flash-image": {"imageOutput": {"1K": 0.05}}, '
                                '"my-model": {"inputPerMillion": 1, "outputPerMillion": 2}}')
    flash = table["gemini-2.5-flash-image"]
    assert (flash.input_per_million, flash.output_per_million, flash.image_output) == (0.30, 2.50, {"1K": 0.05})
    assert pricing.cost_usd(Usage(prompt_tokens=10**6, output_tokens=10**6), "my-model", "", table) == 3.0
    with pytest.raises(ValueError):
        pricing.price_table("[1, 2]")


def test_quota_windows_are_the_utc_day_and_minute() -> None:
    window = QuotaWindow.at(datetime(2026, 12, 31, 23, 59, 30, 500, tzinfo=UTC))
    assert (window.day, window.minute) == ("2026-12-31", "202612312359")
    assert window.day_ends == window.minute_ends == datetime(2027, 1, 1, tzinfo=UTC)


def test_refusals_say_when_to_retry_day_first() -> None:
    stamp = datetime(2026, 12, 3, 8, 15, 20, tzinfo=UTC)
    window = QuotaWindow.at(stamp)
    limits = quotas.Limits(turns_per_day=5, turns_per_minute=2)
    assert quotas.refusal(limits, QuotaState(UserLimits(), 4, 1), window, stamp) is None
    minute = quotas.refusal(limits, QuotaState(UserLimits(), 4, 2), window, stamp)
    assert minute is not None and minute.retry_after_s == 40
    assert minute.message == "Too many turns this minute; try again at 2026-12-03 08:16 UTC."
    day = quotas.refusal(limits, QuotaState(UserLimits(), 5, 2), window, stamp)
    assert day is not None and day.message == "Daily limit reached; it resets at 2026-12-04 00:00 UTC."
    assert day.retry_after_s == 15 * 3600 + 44 * 60 + 40


def test_a_message_of_n_candidates_needs_n_calls_left() -> None:
    stamp = datetime(2026, 12, 3, 8, 15, 20, tzinfo=UTC)
    window = QuotaWindow.at(stamp)
    limits = quotas.Limits(turns_per_day=5, turns_per_minute=4)
    assert quotas.refusal(limits, QuotaState(UserLimits(), 2, 0), window, stamp, calls=3) is None
    day = quotas.refusal(limits, QuotaState(UserLimits(), 3, 0), window, stamp, calls=3)
    assert day is not None and day.message.startswith("Daily limit reached")
    minute = quotas.refusal(limits, QuotaState(UserLimits(), 0, 2), window, stamp, calls=3)
    assert minute is not None and minute.message.startswith("Too many turns this minute")


def test_a_quota_refusal_is_429_with_retry_after_on_every_transport_and_final() -> None:
    error = QuotaExceeded("Daily limit reached; it resets at 2026-12-04 00:00 UTC.", 120)
    assert (error.wire.http_status, error.wire.callable_code) == (429, FunctionsErrorCode.RESOURCE_EXHAUSTED)
    assert error.rest_error() == {"status": "RESOURCE_EXHAUSTED", "message": error.message, "retryAfterSeconds": 120}
    assert error.rest_headers() == {"Retry-After": "120"}
    assert error.callable_details() == {"retryAfterSeconds": 120}
    assert ErrorCode.QUOTA_EXCEEDED not in TRANSIENT_CODES  # not "the model is busy": no 500 in identity chat

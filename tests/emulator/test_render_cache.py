"""The render cache is single-flight: concurrent identical requests render once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from devtools.gemini_emulator.generate import _PngCache, _Rendered

RESULT: _Rendered = (b"png", ["blur"], ["generate:x", "blur"], b"preview")


class _RecordingInflight(dict[str, Any]):
    """The cache's in-flight table, noting whether the result was stored when an entry was dropped."""

    def __init__(self, cache: _PngCache) -> None:
        super().__init__()
        self.cache = cache
        self.stored_when_dropped: list[bool] = []

    def _note(self, key: str) -> None:
        self.stored_when_dropped.append(key in self.cache._items)

    def pop(self, key: str, *default: Any) -> Any:
        self._note(key)
        return super().pop(key, *default)

    def __delitem__(self, key: str) -> None:
        self._note(key)
        super().__delitem__(key)


def test_result_is_stored_before_the_inflight_entry_is_dropped() -> None:
    cache = _PngCache()
    inflight = _RecordingInflight(cache)
    cache._inflight = inflight
    assert cache.get_or_render("k", lambda: RESULT) == RESULT
    assert inflight.stored_when_dropped == [True]  # no window in which a newcomer finds neither
    assert dict(inflight) == {}


class _HookedLock:
    """A lock that runs a one-off hook right after it is released."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.after_release: Callable[[], None] | None = None

    def __enter__(self) -> _HookedLock:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
        hook, self.after_release = self.after_release, None
        if hook is not None:
            hook()


def test_a_request_arriving_just_after_the_inflight_entry_is_dropped_does_not_render_again() -> None:
    cache = _PngCache()
    lock = _HookedLock()
    cache._lock = lock  # type: ignore[assignment]
    renders: list[str] = []
    late: list[_Rendered] = []
    late_started: list[bool] = []

    def render() -> _Rendered:
        renders.append("render")
        return RESULT

    def late_arrival() -> None:  # an identical request, run to completion as soon as the entry is gone
        if late_started:
            return
        late_started.append(True)
        thread = threading.Thread(target=lambda: late.append(cache.get_or_render("k", render)))
        thread.start()
        thread.join(timeout=5)

    class Inflight(dict[str, Any]):
        def pop(self, key: str, *default: Any) -> Any:
            lock.after_release = late_arrival
            return super().pop(key, *default)

        def __delitem__(self, key: str) -> None:
            lock.after_release = late_arrival
            super().__delitem__(key)

    cache._inflight = Inflight()
    assert cache.get_or_render("k", render) == RESULT
    assert late == [RESULT]
    assert renders == ["render"]


def test_concurrent_identical_requests_render_once() -> None:
    cache = _PngCache()
    renders: list[str] = []
    barrier = threading.Barrier(32)

    def render() -> _Rendered:
        renders.append("render")
        time.sleep(0.05)
        return RESULT

    def call(i: int) -> _Rendered:
        barrier.wait()
        if i % 2:
            time.sleep(0.05)  # half arrive around the time the first render finishes
        return cache.get_or_render("same", render)

    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(call, range(32)))
    assert results == [RESULT] * 32
    assert renders == ["render"]
    assert cache._inflight == {}


def test_a_failed_render_is_not_cached_and_leaves_no_inflight_entry() -> None:
    cache = _PngCache()

    def fail() -> _Rendered:
        raise ValueError("bad image")

    with pytest.raises(ValueError):
        cache.get_or_render("k", fail)
    assert cache._inflight == {}
    assert cache.get_or_render("k", lambda: RESULT) == RESULT

"""Emulator state that tests steer: configuration, injected faults and the request log."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from .files import FileStore
from .interaction_store import InteractionStore
from .wire import DEFAULT_MESSAGES, RETRY_INFO_TYPE, STATUS_NAMES, ApiError

# What a fault's "on" may name. "generateContent" also matches streamGenerateContent; "model"
# matches every model call of both APIs (generateContent, streamGenerateContent,
# interactions.create); "upload" is the data transfer on the upload URL, "upload.start" the
# request that opens it.
INTERACTION_KINDS = frozenset(
    {"interactions.create", "interactions.get", "interactions.delete", "interactions.cancel"}
)
MODEL_CALL_KINDS = frozenset({"generateContent", "streamGenerateContent", "interactions.create"})
FAULT_KINDS = frozenset(
    {
        "generateContent",
        "streamGenerateContent",
        "countTokens",
        "upload",
        "upload.start",
        "files.get",
        "files.delete",
        "files.list",
        "models.get",
        "models.list",
        "model",
        "any",
        *INTERACTION_KINDS,
    }
)
REQUEST_LOG_SIZE = 1000
PAYLOADS = ("small", "realistic")
PAYLOAD_ENV = "GEMINI_EMULATOR_PAYLOAD"
DEFAULT_INTERACTION_TTL_S = 55 * 24 * 3600  # the paid tier's retention


@dataclass(frozen=True)
class Config:
    latencyMs: int = 0  # added to every model call (generateContent, streaming, countTokens, interactions)
    fileTtlSeconds: int = 48 * 3600
    fileProcessingMs: int = 0  # uploaded files stay PROCESSING this long
    payload: str = "small"  # "small": flat PNGs of a few KB; "realistic": photographic entropy, real sizes
    streamDelayMs: int | None = None  # between streamed chunks/events; None: latencyMs / 4
    interactionTtlSeconds: int = DEFAULT_INTERACTION_TTL_S  # stored interactions live this long

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def stream_delay_s(self) -> float:
        delay = self.latencyMs / 4 if self.streamDelayMs is None else self.streamDelayMs
        return delay / 1000


def check_payload(value: Any) -> str:
    if value not in PAYLOADS:
        raise ValueError(f"payload must be one of {list(PAYLOADS)}, not {value!r}")
    return str(value)


def _check_setting(key: str, value: Any) -> Any:
    if key == "payload":
        return check_payload(value)
    if key == "streamDelayMs" and value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"config {key} must be a non-negative integer")
    return value


@dataclass
class Fault:
    on: str
    status: int
    times: int
    message: str | None = None
    status_name: str | None = None
    retry_delay: str = "1s"
    mid_stream: bool = False  # streaming only: send one chunk, then the error as an SSE event
    code: str | None = None  # the Interactions API's string code; derived from the status when None

    def matches(self, kind: str, streaming: bool = False) -> bool:
        if self.mid_stream and not streaming:
            return False  # a mid-stream fault waits for a streaming call
        if self.on in ("any", kind):
            return True
        if self.on == "model":
            return kind in MODEL_CALL_KINDS
        return self.on == "generateContent" and kind == "streamGenerateContent"

    def error(self) -> ApiError:
        details = None
        if self.status == 429:
            details = [{"@type": RETRY_INFO_TYPE, "retryDelay": self.retry_delay}]
        return ApiError(
            self.status,
            self.message or DEFAULT_MESSAGES.get(self.status, "Injected fault."),
            self.status_name or STATUS_NAMES.get(self.status, "UNKNOWN"),
            details,
            interactions_code=self.code,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "on": self.on,
            "status": self.status,
            "times": self.times,
            "message": self.message,
            "statusName": self.status_name,
            "retryDelay": self.retry_delay,
            "midStream": self.mid_stream,
            "code": self.code,
        }


def parse_fault(raw: Any) -> Fault:
    if not isinstance(raw, dict):
        raise ValueError("each fault must be an object")
    on = raw.get("on", "any")
    if not isinstance(on, str) or on not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {on!r}; expected one of {sorted(FAULT_KINDS)}")
    status = raw.get("status")
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise ValueError("fault status must be an HTTP error code (400-599)")
    times = raw.get("times", 1)
    if not isinstance(times, int) or times < 1:
        raise ValueError("fault times must be a positive integer")
    message = raw.get("message")
    if message is not None and not isinstance(message, str):
        raise ValueError("fault message must be a string")
    status_name = raw.get("statusName")
    if status_name is not None and not isinstance(status_name, str):
        raise ValueError("fault statusName must be a string")
    code = raw.get("code")
    if code is not None and not isinstance(code, str):
        raise ValueError("fault code must be a string")
    return Fault(
        on=on,
        status=status,
        times=times,
        message=message,
        status_name=status_name,
        retry_delay=str(raw.get("retryDelay", "1s")),
        mid_stream=bool(raw.get("midStream", False)),
        code=code,
    )


class EmulatorState:
    """Everything mutable in the emulator, guarded by locks; `reset()` forgets it all."""

    def __init__(self, defaults: Config | None = None) -> None:
        self._lock = threading.Lock()
        self.defaults = defaults or Config()  # what reset() returns to (the command line's payload)
        self.config = self.defaults
        self.files = FileStore()
        self.interactions = InteractionStore()
        self._faults: list[Fault] = []
        self._log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self._seq = 0
        # The API requests being served right now (their log entries so far): live, never reset.
        self._in_flight: list[dict[str, Any]] = []

    def reset(self) -> None:
        with self._lock:
            self.config = self.defaults
            self._faults.clear()
            self._log.clear()
            self._seq = 0
        self.files.reset()
        self.interactions.reset()

    # -- config ---------------------------------------------------------------------------------

    def update_config(self, changes: dict[str, Any]) -> Config:
        with self._lock:
            current = self.config.as_json()
            for key, value in changes.items():
                if key not in current:
                    raise ValueError(f"unknown config key {key!r}; expected one of {sorted(current)}")
                current[key] = _check_setting(key, value)
            self.config = Config(**current)
            return self.config

    def get_config(self) -> Config:
        with self._lock:
            return self.config

    # -- faults ---------------------------------------------------------------------------------

    def add_faults(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults.extend(faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take_fault(self, kind: str, streaming: bool = False) -> Fault | None:
        """Consume one use of the first fault matching this request kind."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(kind, streaming):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # -- request log ----------------------------------------------------------------------------

    def log_request(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            entry = {"seq": self._seq, "time": time.time(), **entry}
            self._log.append(entry)

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._log)

    def request_started(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._in_flight.append(entry)

    def request_finished(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._in_flight = [e for e in self._in_flight if e is not entry]

    def in_flight(self) -> list[str]:
        """The kinds of the API requests received and not answered yet (e.g. a model call held by
        `latencyMs`): tests wait on it to act while the model works."""
        with self._lock:
            return [str(e.get("kind", "unknown")) for e in self._in_flight]

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

"""Stored interactions (Interactions API `store: true`): kept `interactionTtlSeconds`, chained by
`previous_interaction_id`, in memory."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .wire import ApiError

MAX_STORED = 10_000  # the oldest stored interaction is forgotten beyond this many
Step = dict[str, Any]  # one step as the wire has it (snake_case keys, base64 data)


def interaction_not_found(interaction_id: str) -> ApiError:
    return ApiError(404, f"Interaction '{interaction_id}' was not found.", "NOT_FOUND")


def new_interaction_id() -> str:
    """Like the real ids (`v1_...`): a version prefix and an opaque URL-safe token."""
    return "v1_" + secrets.token_urlsafe(24).replace("-", "x").replace("_", "z")


def timestamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class StoredInteraction:
    id: str
    model: str
    created: float
    expire_time: float
    previous_interaction_id: str | None
    history: list[Step]  # every step of the chain before this interaction (the parent's full history)
    input_steps: list[Step]
    background: bool = False
    status: str = "in_progress"  # in_progress | completed | failed | cancelled
    updated: float = 0.0
    output_steps: list[Step] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # what a stream of it sends, [DONE] aside
    done: threading.Event = field(default_factory=threading.Event)

    def full_history(self) -> list[Step]:
        """What a child continuing this interaction has as context."""
        return [*self.history, *self.input_steps, *self.output_steps]

    def resource(self, *, with_input_steps: bool, include_input: bool = False) -> dict[str, Any]:
        """The Interaction resource. `create` answers the model's steps only; `get` also has the
        user_input steps of this interaction ("for full context")."""
        out: dict[str, Any] = {
            "id": self.id,
            "object": "interaction",
            "model": self.model,
            "status": self.status,
            "created": timestamp(self.created),
            "updated": timestamp(self.updated or self.created),
        }
        if self.previous_interaction_id:
            out["previous_interaction_id"] = self.previous_interaction_id
        if self.status != "in_progress":
            out["steps"] = [*self.input_steps, *self.output_steps] if with_input_steps else list(self.output_steps)
        if self.usage is not None:
            out["usage"] = self.usage
        if self.errors:
            out["errors"] = self.errors
        if include_input:
            out["input"] = self.input_steps
        return out

    def summary(self) -> dict[str, Any]:
        """The control API's view."""
        return {
            "id": self.id,
            "model": self.model,
            "status": self.status,
            "previousInteractionId": self.previous_interaction_id,
            "background": self.background,
            "historySteps": len(self.history),
            "created": timestamp(self.created),
            "expireTime": timestamp(self.expire_time),
        }


class InteractionStore:
    """Thread-safe; expired interactions disappear (a lookup answers 404 NOT_FOUND)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, StoredInteraction] = {}

    def reset(self) -> None:
        """Forget everything; a background run still going is cancelled (it takes no fault and
        records nothing afterwards)."""
        with self._lock:
            for item in self._items.values():
                if item.status == "in_progress":
                    item.status = "cancelled"
                    item.done.set()
            self._items.clear()

    def _drop_expired(self, now: float) -> None:
        for key in [k for k, v in self._items.items() if v.expire_time <= now]:
            del self._items[key]

    def add(self, interaction: StoredInteraction) -> None:
        with self._lock:
            self._drop_expired(time.time())
            self._items[interaction.id] = interaction
            while len(self._items) > MAX_STORED:
                del self._items[next(iter(self._items))]

    def get(self, interaction_id: str) -> StoredInteraction:
        with self._lock:
            self._drop_expired(time.time())
            found = self._items.get(interaction_id)
        if found is None:
            raise interaction_not_found(interaction_id)
        return found

    def contains(self, interaction_id: str) -> bool:
        with self._lock:
            found = self._items.get(interaction_id)
            return found is not None and found.expire_time > time.time()

    def delete(self, interaction_id: str) -> None:
        with self._lock:
            self._drop_expired(time.time())
            if self._items.pop(interaction_id, None) is None:
                raise interaction_not_found(interaction_id)

    def expire(self, interaction_id: str | None) -> int:
        """Forget one stored interaction now (all when no id); returns how many."""
        with self._lock:
            if interaction_id is None:
                count = len(self._items)
                self._items.clear()
                return count
            return 1 if self._items.pop(interaction_id, None) else 0

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            self._drop_expired(time.time())
            return [item.summary() for item in self._items.values()]

"""Chat session documents: users/{uid}/chatSessions/{sessionId}."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from imagechat import clock
from imagechat.errors import InvalidArgument
from imagechat.store import paths

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_DELETE_PAGE = 300


def valid_session_id(session_id: str) -> bool:
    """Ids this store could have made; Firestore reserves __name__ ids (they would be a 500)."""
    return bool(_SESSION_ID.match(session_id)) and not re.fullmatch(r"__.*__", session_id)


def encode_cursor(last_active: datetime, session_id: str) -> str:
    raw = json.dumps({"t": last_active.astimezone(UTC).isoformat(), "id": session_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """(lastActive, id) from a `nextCursor`; anything else is a 400 naming `cursor`."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        last_active = datetime.fromisoformat(raw["t"])
        session_id = raw["id"]
        if last_active.tzinfo is None or not isinstance(session_id, str) or not valid_session_id(session_id):
            raise ValueError(cursor)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise InvalidArgument("cursor: not a cursor of this list; pass `nextCursor` back unchanged.") from None
    return last_active, session_id


class SessionStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def create(self, uid: str, fields: dict[str, Any]) -> dict[str, Any]:
        ref = paths.sessions(self._db, uid).document()
        stamp = clock.now()
        doc = {
            **fields,
            "createdAt": stamp,
            "lastActive": stamp,
            "turnCount": 0,
            "nextIndex": 0,
            "lastImage": None,
            "usage": {"promptTokens": 0, "outputTokens": 0, "totalTokens": 0},
        }
        ref.set(doc)
        return {"id": ref.id, **doc}

    def get(self, uid: str, session_id: str) -> dict[str, Any] | None:
        if not valid_session_id(session_id):
            return None
        snap = paths.session(self._db, uid, session_id).get()
        return {"id": snap.id, **(snap.to_dict() or {})} if snap.exists else None

    def list(self, uid: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Newest `lastActive` first (ties: id descending). The cursor is opaque: the position
        (lastActive, id) of the last session of a page, so it stays valid when that session is
        deleted or touched. A cursor this API did not make is a 400."""
        query = (
            paths.sessions(self._db, uid)
            .order_by("lastActive", direction=firestore.Query.DESCENDING)
            .order_by("__name__", direction=firestore.Query.DESCENDING)
        )
        if cursor:
            last_active, session_id = decode_cursor(cursor)
            query = query.start_after([last_active, paths.session(self._db, uid, session_id)])
        snaps = list(query.limit(limit + 1).stream())
        page = [{"id": s.id, **(s.to_dict() or {})} for s in snaps[:limit]]
        next_cursor = encode_cursor(page[-1]["lastActive"], page[-1]["id"]) if len(snaps) > limit else None
        return page, next_cursor

    def update(self, uid: str, session_id: str, fields: dict[str, Any]) -> None:
        paths.session(self._db, uid, session_id).update({**fields, "lastActive": clock.now()})

    def delete_tree(self, uid: str, session_id: str) -> None:
        """Deletes the turns, the idempotency records, then the session document."""
        for collection in (paths.turns(self._db, uid, session_id), paths.requests(self._db, uid, session_id)):
            while True:
                snaps = list(collection.limit(_DELETE_PAGE).stream())
                if not snaps:
                    break
                batch = self._db.batch()
                for snap in snaps:
                    batch.delete(snap.reference)
                batch.commit()
        paths.session(self._db, uid, session_id).delete()

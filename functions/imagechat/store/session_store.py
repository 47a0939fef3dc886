"""Chat session documents: users/{uid}/chatSessions/{sessionId}."""

from __future__ import annotations

import base64
import builtins
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from google.api_core import exceptions as api_exceptions
from google.cloud import firestore

from imagechat import clock
from imagechat.errors import InvalidArgument
from imagechat.store import paths
from imagechat.store.documents import Attachment, Session
from imagechat.store.lifetimes import DEFAULT_LIFETIME, SessionLifetime

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
    def __init__(self, db: firestore.Client, lifetime: SessionLifetime = DEFAULT_LIFETIME) -> None:
        self._db = db
        self._lifetime = lifetime

    def create(self, uid: str, session: Session) -> Session:
        """Stores a new session (expiring a lifetime after its last activity); returns it with its id."""
        ref = paths.sessions(self._db, uid).document()
        expires_at, purge_at = self._lifetime.expiry(session.last_active or clock.now())
        session = session.model_copy(update={"expires_at": expires_at, "purge_at": purge_at})
        ref.set(session.to_firestore())
        return session.model_copy(update={"id": ref.id})

    def get(self, uid: str, session_id: str) -> Session | None:
        if not valid_session_id(session_id):
            return None
        snap = paths.session(self._db, uid, session_id).get()
        return Session.from_firestore(snap.to_dict(), snap.id) if snap.exists else None

    def list(self, uid: str, limit: int, cursor: str | None) -> tuple[list[Session], str | None]:
        """Newest `lastActive` first (ties: id descending). The cursor is opaque: the position
        (lastActive, id) of the last session of a page, so it stays valid when that session is
        deleted or touched. A cursor this API did not make is a 400."""
        query = (
            paths.sessions(self._db, uid)
            .order_by(Session.stored_name("last_active"), direction=firestore.Query.DESCENDING)
            .order_by("__name__", direction=firestore.Query.DESCENDING)
        )
        if cursor:
            last_active, session_id = decode_cursor(cursor)
            query = query.start_after([last_active, paths.session(self._db, uid, session_id)])
        snaps = list(query.limit(limit + 1).stream())
        page = [Session.from_firestore(s.to_dict(), s.id) for s in snaps[:limit]]
        next_cursor = None
        if len(snaps) > limit and page[-1].last_active is not None:
            next_cursor = encode_cursor(page[-1].last_active, page[-1].id)
        return page, next_cursor

    def ids(self, uid: str) -> builtins.list[str]:
        """The ids of all the user's sessions (no fields read)."""
        return [snap.id for snap in paths.sessions(self._db, uid).select([]).stream()]

    def update(
        self,
        uid: str,
        session_id: str,
        *,
        title: str | None = None,
        aspect_ratio: str | None = None,
        system_prompt: str | None = None,
        history_turns: int | None = None,
        region_context: bool | None = None,
    ) -> None:
        """Writes the settings given (None: unchanged) and moves `lastActive`."""
        changes = {
            "title": title,
            "aspect_ratio": aspect_ratio,
            "system_prompt": system_prompt,
            "history_turns": history_turns,
            "region_context": region_context,
        }
        written = {name: value for name, value in changes.items() if value is not None}
        paths.session(self._db, uid, session_id).update(
            Session.fields(**written) | self._lifetime.active_at(clock.now())
        )

    def delete_tree(self, uid: str, session_id: str) -> int:
        """Deletes the turns, the idempotency records, then the session document (last: a deletion
        cut short leaves the session findable, so running it again finishes). Returns how many
        documents it deleted."""
        deleted = 0
        for collection in (paths.turns(self._db, uid, session_id), paths.requests(self._db, uid, session_id)):
            while True:
                snaps = list(collection.limit(_DELETE_PAGE).stream())
                if not snaps:
                    break
                batch = self._db.batch()
                for snap in snaps:
                    batch.delete(snap.reference)
                batch.commit()
                deleted += len(snaps)
        session_ref = paths.session(self._db, uid, session_id)
        if session_ref.get().exists:
            session_ref.delete()
            deleted += 1
        return deleted

    def expired(self, before: datetime, limit: int, after: firestore.DocumentSnapshot | None = None
                ) -> builtins.list[tuple[str, Session, firestore.DocumentSnapshot]]:
        """Sessions of every user whose `expiresAt` is before `before`, oldest expiry first:
        (uid, session, snapshot) each; `after` (a snapshot of an earlier page) continues a scan.
        A collection-group query (firestore.indexes.json enables its index)."""
        query = (
            self._db.collection_group(paths.SESSIONS)
            .where(filter=firestore.FieldFilter(Session.stored_name("expires_at"), "<", before))
            .order_by(Session.stored_name("expires_at"))
            .order_by("__name__")
        )
        if after is not None:
            query = query.start_after(after)
        page = []
        for snap in query.limit(limit).stream():
            owner = snap.reference.parent.parent
            if owner is None:
                continue
            page.append((owner.id, Session.from_firestore(snap.to_dict(), snap.id), snap))
        return page

    def backfill_expiry(
        self, inactive_since: datetime, limit: int, after: firestore.DocumentSnapshot | None = None
    ) -> tuple[int, firestore.DocumentSnapshot | None]:
        """Sessions of every user last active before `inactive_since` that have no `expiresAt`
        (written before the lifecycle) get theirs from their `lastActive`, so the sweep finds them.
        One page of `limit`, oldest first; returns (sessions dated, where the next page starts, or
        None at the end). Each write holds only if the session is unchanged since the read: one
        active meanwhile has its own, later expiry."""
        query = (
            self._db.collection_group(paths.SESSIONS)
            .where(filter=firestore.FieldFilter(Session.stored_name("last_active"), "<", inactive_since))
            .order_by(Session.stored_name("last_active"))
            .order_by("__name__")
        )
        if after is not None:
            query = query.start_after(after)
        snaps = list(query.limit(limit).stream())
        dated = 0
        for snap in snaps:
            session = Session.from_firestore(snap.to_dict(), snap.id)
            if session.expires_at is not None or session.last_active is None:
                continue
            try:
                snap.reference.update(
                    self._lifetime.active_at(session.last_active),
                    option=self._db.write_option(last_update_time=snap.update_time),
                )
                dated += 1
            except api_exceptions.FailedPrecondition:
                pass  # changed meanwhile: that write set its expiry
        return dated, (snaps[-1] if len(snaps) == limit else None)

    def set_pinned_refs(self, uid: str, session_id: str, pinned: Sequence[Attachment]) -> None:
        """Replaces the session's pinned references (its own copies) and moves `lastActive`."""
        paths.session(self._db, uid, session_id).update(
            Session.fields(pinned_refs=pinned) | self._lifetime.active_at(clock.now())
        )

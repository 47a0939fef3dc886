"""Who is calling, and whom they act for.

Token verification is transport work (the adapters do it); this module only turns
verified claims into a `Caller` and decides whose data a call touches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from imagechat.errors import InvalidArgument, PermissionDenied, Unauthenticated

_UID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# A uid names Firestore documents (users/{uid}) and Storage prefixes (uploads/{uid}/): one a
# custom token may carry but that would break them (a "/", ".", "..", a reserved __id__,
# control characters, over 128 characters) is refused, never used.
_UNUSABLE_UID = re.compile(r"/|^\.{1,2}$|^__.*__$|[\x00-\x1f\x7f]")
UNUSABLE_UID = "This account's user id cannot be used with Image Chat (it would break storage paths)."


@dataclass(frozen=True)
class Caller:
    """A signed-in user, from a verified Firebase ID token."""

    uid: str
    is_admin: bool = False


def caller_from_claims(claims: dict[str, Any] | None) -> Caller:
    if not claims:
        raise Unauthenticated()
    uid = claims.get("uid") or claims.get("sub") or claims.get("user_id")
    if not isinstance(uid, str) or not uid:
        raise Unauthenticated()
    if len(uid) > 128 or _UNUSABLE_UID.search(uid):
        raise Unauthenticated(UNUSABLE_UID)
    return Caller(uid=uid, is_admin=claims.get("admin") is True)


def acting_for(caller: Caller, user_id: Any) -> str:
    """The uid whose sessions this call reads and writes.

    Users act for themselves; an admin (custom claim `admin: true`) may name another
    user with `userId`.
    """
    if user_id is None or user_id == "" or user_id == caller.uid:
        return caller.uid
    if not caller.is_admin:
        raise PermissionDenied("Only an admin may act for another user (userId).")
    if not isinstance(user_id, str) or not _UID.match(user_id):
        raise InvalidArgument("userId: must be a Firebase user id.")
    return user_id

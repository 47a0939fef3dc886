"""Document paths, in one place."""

from __future__ import annotations

from google.cloud.firestore import Client, CollectionReference, DocumentReference

SESSIONS = "chatSessions"  # the collection id of every user's sessions (a collection group)
GEMINI_FILES = "geminiFiles"


def sessions(db: Client, uid: str) -> CollectionReference:
    return db.collection("users").document(uid).collection(SESSIONS)


def session(db: Client, uid: str, session_id: str) -> DocumentReference:
    return sessions(db, uid).document(session_id)


def turns(db: Client, uid: str, session_id: str) -> CollectionReference:
    return session(db, uid, session_id).collection("turns")


def requests(db: Client, uid: str, session_id: str) -> CollectionReference:
    """Idempotency records, one per client request id."""
    return session(db, uid, session_id).collection("requests")


def files_cache(db: Client) -> CollectionReference:
    """The Files API cache (server-only): geminiFiles/{sha256}."""
    return db.collection(GEMINI_FILES)


def gemini_file(db: Client, sha256: str) -> DocumentReference:
    return files_cache(db).document(sha256)


def projects(db: Client, uid: str) -> CollectionReference:
    return db.collection("users").document(uid).collection("projects")


def project_slug(db: Client, uid: str, slug: str) -> DocumentReference:
    """A slug's reservation: its existence makes the slug taken (one atomic create per project)."""
    return db.collection("users").document(uid).collection("projectSlugs").document(slug)


def library(db: Client, uid: str) -> CollectionReference:
    """The user's image library."""
    return db.collection("users").document(uid).collection("library")


def presets(db: Client, uid: str) -> CollectionReference:
    """The user's prompt presets."""
    return db.collection("users").document(uid).collection("presets")


def user(db: Client, uid: str) -> DocumentReference:
    """users/{uid}: the user's profile (appearance, the active identity chat)."""
    return db.collection("users").document(uid)


def reference_images(db: Client, uid: str) -> CollectionReference:
    return user(db, uid).collection("referenceImages")


def identities(db: Client) -> CollectionReference:
    return db.collection("identities")


def usage_day(db: Client, uid: str, day: str) -> DocumentReference:
    """The user's usage of one UTC day (YYYY-MM-DD): turns admitted, tokens, images, cost."""
    return user(db, uid).collection("usage").document(day)


def usage_days(db: Client, uid: str) -> CollectionReference:
    return user(db, uid).collection("usage")


def quota_minute(db: Client, uid: str, minute: str) -> DocumentReference:
    """Turns admitted in one UTC minute (YYYYMMDDHHMM)."""
    return user(db, uid).collection("quota").document(f"minute-{minute}")


def user_limits(db: Client, uid: str) -> DocumentReference:
    """An admin's overrides of the user's quotas."""
    return user(db, uid).collection("settings").document("limits")

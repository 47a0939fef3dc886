"""What deploys the data lifecycle: the TTL policy and the sweep's index (firestore.indexes.json),
the bucket rule for temporary uploads (storage-lifecycle.json), in firebase-tools' own shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from imagechat import config
from imagechat.store import paths
from imagechat.store.documents import Session

ROOT = Path(__file__).resolve().parents[2]


def _overrides() -> dict[str, dict[str, Any]]:
    spec = json.loads((ROOT / "firestore.indexes.json").read_text())
    return {f"{o['collectionGroup']}.{o['fieldPath']}": o for o in spec["fieldOverrides"]}


def test_sessions_have_a_ttl_policy_on_purge_at() -> None:
    override = _overrides()[f"{paths.SESSIONS}.{Session.stored_name('purge_at')}"]
    assert override["ttl"] is True and override["indexes"] == []  # a boolean: firebase-tools checks the type


def test_the_sweep_queries_have_their_collection_group_indexes() -> None:
    for field in ("expires_at", "last_active"):  # expired sessions; sessions from before expiresAt
        override = _overrides()[f"{paths.SESSIONS}.{Session.stored_name(field)}"]
        assert {"order": "ASCENDING", "queryScope": "COLLECTION_GROUP"} in override["indexes"]
        # Keeping the default single-field indexes of the collection scope (the session list's).
        assert {"order": "ASCENDING", "queryScope": "COLLECTION"} in override["indexes"]
        assert {"order": "DESCENDING", "queryScope": "COLLECTION"} in override["indexes"]


def test_the_bucket_deletes_day_old_temporary_uploads() -> None:
    rules = json.loads((ROOT / "storage-lifecycle.json").read_text())["rule"]
    day_old_uploads = {"age": 1, "matchesPrefix": [f"{config.UPLOADS_PREFIX}/"]}
    assert {"action": {"type": "Delete"}, "condition": day_old_uploads} in rules
    assert config.TEMP_UPLOAD_MAX_AGE_S == 24 * 3600

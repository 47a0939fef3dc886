"""Use case: delete everything of a user ("delete my account's data"; an admin for any user).

Order matters for a deletion cut short (a crash, a timeout): each step lists what is left and
deletes it, so running the whole again finishes, and a second run reports zeros.
1. interactions stored at Google for the user's turns (`sessions.delete_stored_interactions`: the
   ids are read from the turns, so this goes before the documents; only store mode keeps any),
2. every Storage object under the user's prefixes (images/urls.user_prefixes),
3. users/{uid} and every document under it, whatever the collection (a recursive delete),
4. opt-in: the Firebase Auth user (by default the user can still sign in, to an empty account).

Not the user's alone, hence kept: the Files API cache entries (geminiFiles, keyed by the bytes'
hash, shared by whoever sent the same bytes; they expire at Google within 48 h) and the identity
catalog. A turn running meanwhile finds its session gone when it commits and removes its outputs.
Public project pages read users/{uid}/projectSlugs: after the deletion they are 404.
"""

from __future__ import annotations

from firebase_functions import logger

from imagechat import sessions
from imagechat.account_schemas import DeleteAccountDataRequest, DeleteAccountDataResponse
from imagechat.deps import Deps
from imagechat.images.urls import user_prefixes


def delete_account_data(deps: Deps, uid: str, req: DeleteAccountDataRequest) -> DeleteAccountDataResponse:
    interactions = sum(sessions.delete_stored_interactions(deps, uid, sid) for sid in deps.sessions.ids(uid))
    storage_objects = sum(deps.images.delete_prefix(prefix) for prefix in user_prefixes(uid))
    documents = deps.user_data.delete_all(uid)
    auth_user_deleted = deps.accounts.delete(uid) if req.delete_auth_user else False
    logger.info("account data deleted", uid=uid, documents=documents, storageObjects=storage_objects,
                interactions=interactions, authUserDeleted=auth_user_deleted)
    return DeleteAccountDataResponse(
        documents=documents,
        storage_objects=storage_objects,
        interactions=interactions,
        auth_user_deleted=auth_user_deleted,
    )

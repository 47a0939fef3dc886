"""Open in Chat (seed 000 §6): a new session that starts from an image the user already has.

The image is copied into the session's folder (as an output: PNG and thumbnail) and becomes the
session's first turn: a complete model turn with `mode: "imported"`, no user turn before it
(`parentId` null, `lineage` [itself]) and no thought signature. It is the head, so the first
message edits it. The model never wrote it: history sends it as a user image
(gemini/contents.py), never as a model turn.
"""

from __future__ import annotations

from firebase_functions import logger

from imagechat import clock
from imagechat.deps import Deps
from imagechat.images.cleanup import delete_session_objects
from imagechat.images.inputs import InputImage
from imagechat.images.outputs import save_output
from imagechat.references import resolve_image
from imagechat.store.documents import Session, Turn

START_IMAGE_FIELD = "startImage"


def resolve_start_image(deps: Deps, uid: str, ref: str) -> InputImage:
    """The image a session is opened with, validated before anything is written: one of the
    user's library images (`library://<id>`), temp uploads or session images (URL or storage path)."""
    return resolve_image(deps, uid, ref, START_IMAGE_FIELD)


def import_image(deps: Deps, uid: str, session: Session, image: InputImage) -> None:
    """Makes `image` the first turn and the head of the new, empty `session`."""
    turn_id = deps.turns.new_id(uid, session.id)
    try:
        stored = save_output(deps.images, uid, session.id, turn_id, 0, image.data)
        turn = Turn(
            id=turn_id,
            role="model",
            index=0,
            status="complete",
            created_at=clock.now(),
            parent_id=None,
            lineage=(turn_id,),
            images=(stored,),
            mode="imported",
        )
        deps.turns.write_imported(uid, session.id, turn)
    except BaseException:
        # A session opened on an image it does not have is not what was asked for: remove it.
        logger.warn("open in chat failed: removing the new session", uid=uid, sessionId=session.id)
        delete_session_objects(deps.images, uid, session.id)
        deps.sessions.delete_tree(uid, session.id)
        raise
    logger.info("session opened on an image", uid=uid, sessionId=session.id, turnId=turn_id,
                source=image.source_path, sha256=image.sha256)

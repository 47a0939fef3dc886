"""Deleting images: the outputs of a run that no turn will reference, and a deleted session's folder."""

from __future__ import annotations

from collections.abc import Sequence

from imagechat.images.storage import ImageStorage
from imagechat.images.urls import session_inputs_prefix, session_prefix
from imagechat.store.documents import OutputImage, Turn


def delete_outputs(storage: ImageStorage, images: Sequence[OutputImage]) -> None:
    """Removes output images (and thumbnails) that no turn will reference."""
    paths = [image.storage_path for image in images]
    paths += [image.thumbnail.storage_path for image in images if image.thumbnail is not None]
    storage.delete(paths)


def delete_run_outputs(storage: ImageStorage, uid: str, session_id: str, model_turn_id: str) -> int:
    """Whatever a run stored for the model turn it never wrote ({turnId}-{i}.png and thumbnails,
    all of them or only some when Storage failed midway): found by prefix, not from a list."""
    return storage.delete_prefix(f"{session_prefix(uid, session_id)}{model_turn_id}-")


def delete_session_objects(storage: ImageStorage, uid: str, session_id: str) -> int:
    """Everything a session owns in Storage: its input copies, outputs and thumbnails."""
    return storage.delete_prefix(session_prefix(uid, session_id))


def delete_turn_objects(storage: ImageStorage, uid: str, session_id: str, turns: Sequence[Turn]) -> None:
    """What deleted turns own in Storage: model outputs with their thumbnails, and the session's
    copies of user inputs (never the objects a client referenced: those are not the session's)."""
    delete_outputs(storage, [image for turn in turns for image in turn.images])
    inputs = session_inputs_prefix(uid, session_id)
    storage.delete([a.storage_path for turn in turns for a in turn.attachments if a.storage_path.startswith(inputs)])
    storage.delete([turn.region.mask_path for turn in turns if turn.region is not None])  # a masked edit's mask
    # A masked attachment as it was: every answer of its message points at it, so it goes with the message.
    messages = {turn.id for turn in turns if turn.role == "user"}
    storage.delete(list({
        turn.region.edited_image for turn in turns
        if turn.region is not None and turn.region.attachment is not None and turn.parent_id in messages
    }))

"""Cancel a running message: the session takes the next message at once.

The cancel frees the lease and marks the user turn `cancelled` in one conditional write
(`LeaseStore.cancel`). The run notices within a second (`turn_run.Run.while_held`) and stops
waiting for the model; if its reply arrives anyway, the final commit finds the lease gone and
deletes whatever it stored, so nothing of a cancelled turn survives but its input.
"""

from __future__ import annotations

from firebase_functions import logger

from imagechat import views
from imagechat.deps import Deps
from imagechat.errors import TURN_NOT_FOUND, NotFound
from imagechat.schemas import CancelTurnResponse
from imagechat.sessions import load_session


def cancel_turn(deps: Deps, uid: str, session_id: str, turn_id: str) -> CancelTurnResponse:
    """Cancels the message whose user turn is `turn_id` (400 unless it is still running)."""
    load_session(deps, uid, session_id)
    if deps.turns.get(uid, session_id, turn_id) is None:  # also refuses ids that are not turn ids
        raise NotFound(TURN_NOT_FOUND)
    turn = deps.leases.cancel(uid, session_id, turn_id)
    logger.info("turn cancel requested", uid=uid, sessionId=session_id, turnId=turn_id)
    return CancelTurnResponse(turn=views.turn_view(turn))

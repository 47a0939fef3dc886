"""Scheduled functions (Cloud Scheduler → main.py's `scheduler_fn` declarations): thin adapters."""

from __future__ import annotations

from imagechat import lifecycle
from imagechat.deps import deps


def sweep_expired_data() -> lifecycle.SweepReport:
    """The daily lifecycle sweep (lifecycle.py); what it removed is logged there."""
    return lifecycle.sweep(deps())

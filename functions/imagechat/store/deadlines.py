"""A bounded deadline on every Firestore call.

The Firestore client's own defaults are 60 s per commit or begin-transaction and 300 s per read or
query (retries included); a stalled backend (or a frozen emulator) would hang a turn that long,
and a transaction commit or begin accepts no `timeout` argument at all. So the client's RPCs are
given a shorter default deadline once, where the client is built: a call that does not answer
within `seconds` raises `DeadlineExceeded`, and the turn fails cleanly instead of hanging.

This sets the defaults the generated client applies to calls made without an explicit
`timeout`/`retry` (which is every call of ours); tests/unit checks that it took effect.
"""

from __future__ import annotations

from typing import Any

from google.cloud import firestore

# Every request/response call (reads and queries stream their results, within the deadline too);
# not `listen` and `write`, long-lived streams the backend does not use.
BOUNDED_METHODS = (
    "get_document", "list_documents", "update_document", "delete_document", "batch_get_documents",
    "begin_transaction", "commit", "rollback", "run_query", "run_aggregation_query", "partition_query",
    "list_collection_ids", "batch_write", "create_document",
)


def bound_deadlines(db: firestore.Client, seconds: float) -> None:
    """Caps the default deadline (and the retry budget) of every call of `db` at `seconds`."""
    transport: Any = db._firestore_api._transport  # built here, once; the client reuses it
    for method in BOUNDED_METHODS:
        rpc = transport._wrapped_methods[getattr(transport, method)]
        timeout = getattr(rpc, "_timeout", None)
        if isinstance(timeout, int | float) and timeout > seconds:
            rpc._timeout = seconds
        retry = getattr(rpc, "_retry", None)
        if retry is not None and (retry.timeout is None or retry.timeout > seconds):
            rpc._retry = retry.with_timeout(seconds)


def deadline_of(db: firestore.Client, method: str) -> tuple[float | None, float | None]:
    """The (timeout, retry budget) a call of `method` (e.g. "commit") gets by default."""
    transport: Any = db._firestore_api._transport
    rpc = transport._wrapped_methods[getattr(transport, method)]
    retry = getattr(rpc, "_retry", None)
    return getattr(rpc, "_timeout", None), retry.timeout if retry is not None else None

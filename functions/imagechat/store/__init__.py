"""Firestore persistence: sessions, turns, leases, idempotency keys, the Files API cache.

Only this package talks to Firestore. Documents are plain dicts with camelCase keys,
the shapes described in docs/data-model.md.
"""

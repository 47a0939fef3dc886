"""Firestore persistence: sessions, turns, leases, idempotency keys, the Files API cache.

Only this package talks to Firestore. Every document is a typed, frozen model of
`store/documents.py`, the one module that knows the stored field names (docs/data-model.md).
"""

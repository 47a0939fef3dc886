"""Project documents (users/{uid}/projects/{id}) and their slugs (users/{uid}/projectSlugs/{slug}).

A slug is unique per user: a project takes it by creating its reservation document, which fails if
the slug is taken, so two projects of the same title made at once still get different slugs.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from google.api_core import exceptions as api_exceptions
from google.cloud import firestore

from imagechat import clock
from imagechat.store import paths
from imagechat.store.documents import Project

MAX_SLUG_TRIES = 50


class ProjectStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def new_id(self, uid: str) -> str:
        return str(paths.projects(self._db, uid).document().id)

    def reserve_slug(self, uid: str, base: str, project_id: str) -> str:
        """The first free slug of `base`, `base-2`, `base-3`, ... reserved for this project."""
        for n in range(1, MAX_SLUG_TRIES + 1):
            slug = base if n == 1 else f"{base}-{n}"
            try:
                paths.project_slug(self._db, uid, slug).create({"projectId": project_id})
                return slug
            except api_exceptions.Conflict:
                continue
        slug = f"{base}-{project_id.lower()}"
        paths.project_slug(self._db, uid, slug).set({"projectId": project_id})
        return slug

    def create(self, uid: str, project: Project) -> None:
        paths.projects(self._db, uid).document(project.id).set(project.to_firestore())

    def get(self, uid: str, project_id: str) -> Project | None:
        if "/" in project_id or not project_id or project_id.startswith("__"):
            return None
        snap = paths.projects(self._db, uid).document(project_id).get()
        return Project.from_firestore(snap.to_dict(), snap.id) if snap.exists else None

    def by_slug(self, uid: str, slug: str) -> Project | None:
        query = paths.projects(self._db, uid).where(
            filter=firestore.FieldFilter(Project.stored_name("slug"), "==", slug)
        ).limit(1)
        return next((Project.from_firestore(s.to_dict(), s.id) for s in query.stream()), None)

    def list(self, uid: str, limit: int) -> builtins.list[Project]:
        query = paths.projects(self._db, uid).order_by(
            Project.stored_name("created_at"), direction=firestore.Query.DESCENDING
        ).limit(limit)
        return [Project.from_firestore(s.to_dict(), s.id) for s in query.stream()]

    def update(self, uid: str, project_id: str, **fields: object) -> None:
        changes = {name: value for name, value in fields.items() if value is not None}
        paths.projects(self._db, uid).document(project_id).update(
            Project.fields(**changes, updated_at=clock.now())
        )

    def delete(self, uid: str, project: Project, slugs: Sequence[str] = ()) -> None:
        batch = self._db.batch()
        batch.delete(paths.projects(self._db, uid).document(project.id))
        for slug in (project.slug, *slugs):
            batch.delete(paths.project_slug(self._db, uid, slug))
        batch.commit()

"""The composition root: builds the stores, storage and model gateway once per process.

Services receive a `Deps` and never construct clients themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from firebase_admin import firestore, storage

from imagechat.accounts import Accounts
from imagechat.config import Settings, settings
from imagechat.firebase_app import ensure_app
from imagechat.images.storage import ImageStorage
from imagechat.images.urls import UrlStyle
from imagechat.store.deadlines import bound_deadlines
from imagechat.store.files_cache import FilesCacheStore
from imagechat.store.identity_store import IdentityStore
from imagechat.store.leases import LeaseStore
from imagechat.store.library_store import LibraryStore
from imagechat.store.lifetimes import SessionLifetime
from imagechat.store.preset_store import PresetStore
from imagechat.store.profile_store import ProfileStore
from imagechat.store.project_store import ProjectStore
from imagechat.store.session_store import SessionStore
from imagechat.store.turn_store import TurnStore
from imagechat.store.usage_store import UsageStore
from imagechat.store.user_data_store import UserDataStore

if TYPE_CHECKING:  # the gateway (and google.genai, ~0.3–0.6 s to import) loads with the first model call
    from imagechat.gemini.gateway import ImageModelGateway


@dataclass(frozen=True)
class Deps:
    settings: Settings
    sessions: SessionStore
    turns: TurnStore
    leases: LeaseStore
    images: ImageStorage
    projects: ProjectStore
    library: LibraryStore
    presets: PresetStore
    # Identity image chat (seeds 001/002).
    identities: IdentityStore
    profiles: ProfileStore
    accounts: Accounts
    files: FilesCacheStore  # the Files API cache (the lifecycle sweep drops expired entries)
    user_data: UserDataStore  # everything under users/{uid} (deleting an account's data)
    # Quota counters, limits and the cost ledger (issue 14).
    usage: UsageStore
    make_model: Callable[[], ImageModelGateway] = field(repr=False, compare=False)
    _built: dict[str, ImageModelGateway] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def model(self) -> ImageModelGateway:
        """The model gateway, built on first use and shared by every thread of the instance."""
        gateway = self._built.get("model")
        if gateway is None:
            with self._lock:
                gateway = self._built.get("model")
                if gateway is None:
                    gateway = self._built["model"] = self.make_model()
        return gateway


_deps: Deps | None = None
_deps_lock = threading.Lock()


def deps() -> Deps:
    """The instance's clients and stores, built once (the first request) and shared by its threads."""
    global _deps
    if _deps is None:
        with _deps_lock:
            if _deps is None:
                _deps = _build()
    return _deps


def _build() -> Deps:
    app = ensure_app()
    conf = settings()
    db = firestore.client(app)
    bound_deadlines(db, conf.firestore_deadline_s)
    images = ImageStorage(
        storage.bucket(conf.bucket, app=app),
        UrlStyle(conf.bucket, conf.storage_emulator_host),
        deadline_s=conf.storage_deadline_s,
    )
    lifetime = SessionLifetime(
        ttl=timedelta(days=conf.session_ttl_days), grace=timedelta(days=conf.session_purge_grace_days)
    )
    files = FilesCacheStore(db)

    def make_model() -> ImageModelGateway:
        from imagechat.gemini.gateway import ImageModelGateway

        return ImageModelGateway(conf, files, images.read)

    return Deps(
        settings=conf,
        sessions=SessionStore(db, lifetime),
        turns=TurnStore(db, lifetime),
        leases=LeaseStore(db, lifetime),
        images=images,
        projects=ProjectStore(db),
        library=LibraryStore(db),
        presets=PresetStore(db),
        identities=IdentityStore(db),
        profiles=ProfileStore(db),
        accounts=Accounts(app),
        files=files,
        user_data=UserDataStore(db),
        usage=UsageStore(db),
        make_model=make_model,
    )

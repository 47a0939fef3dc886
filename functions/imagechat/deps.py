"""The composition root: builds the stores, storage and model gateway once per process.

Services receive a `Deps` and never construct clients themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from firebase_admin import firestore, storage

from imagechat.accounts import Accounts
from imagechat.config import Settings, settings
from imagechat.firebase_app import ensure_app
from imagechat.images.storage import ImageStorage
from imagechat.images.urls import UrlStyle
from imagechat.store.files_cache import FilesCacheStore
from imagechat.store.identity_store import IdentityStore
from imagechat.store.leases import LeaseStore
from imagechat.store.library_store import LibraryStore
from imagechat.store.preset_store import PresetStore
from imagechat.store.profile_store import ProfileStore
from imagechat.store.project_store import ProjectStore
from imagechat.store.session_store import SessionStore
from imagechat.store.turn_store import TurnStore

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
    images = ImageStorage(storage.bucket(conf.bucket, app=app), UrlStyle(conf.bucket, conf.storage_emulator_host))

    def make_model() -> ImageModelGateway:
        from imagechat.gemini.gateway import ImageModelGateway

        return ImageModelGateway(conf, FilesCacheStore(db), images.read)

    return Deps(
        settings=conf,
        sessions=SessionStore(db),
        turns=TurnStore(db),
        leases=LeaseStore(db),
        images=images,
        projects=ProjectStore(db),
        library=LibraryStore(db),
        presets=PresetStore(db),
        identities=IdentityStore(db),
        profiles=ProfileStore(db),
        accounts=Accounts(app),
        make_model=make_model,
    )

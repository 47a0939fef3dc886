"""The composition root: builds the stores, storage and model gateway once per process.

Services receive a `Deps` and never construct clients themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from firebase_admin import firestore, storage

from imagechat.accounts import Accounts
from imagechat.config import Settings, settings
from imagechat.firebase_app import ensure_app
from imagechat.gemini.gateway import ImageModelGateway
from imagechat.images.storage import ImageStorage
from imagechat.images.urls import UrlStyle
from imagechat.store.deadlines import bound_deadlines
from imagechat.store.files_cache import FilesCacheStore
from imagechat.store.identity_store import IdentityStore
from imagechat.store.leases import LeaseStore
from imagechat.store.library_store import LibraryStore
from imagechat.store.preset_store import PresetStore
from imagechat.store.profile_store import ProfileStore
from imagechat.store.project_store import ProjectStore
from imagechat.store.session_store import SessionStore
from imagechat.store.turn_store import TurnStore


@dataclass(frozen=True)
class Deps:
    settings: Settings
    sessions: SessionStore
    turns: TurnStore
    leases: LeaseStore
    images: ImageStorage
    model: ImageModelGateway
    projects: ProjectStore
    library: LibraryStore
    presets: PresetStore
    # Identity image chat (seeds 001/002).
    identities: IdentityStore
    profiles: ProfileStore
    accounts: Accounts


@lru_cache(maxsize=1)
def deps() -> Deps:
    app = ensure_app()
    conf = settings()
    db = firestore.client(app)
    bound_deadlines(db, conf.firestore_deadline_s)
    images = ImageStorage(
        storage.bucket(conf.bucket, app=app),
        UrlStyle(conf.bucket, conf.storage_emulator_host),
        deadline_s=conf.storage_deadline_s,
    )
    return Deps(
        settings=conf,
        sessions=SessionStore(db),
        turns=TurnStore(db),
        leases=LeaseStore(db),
        images=images,
        model=ImageModelGateway(conf, FilesCacheStore(db), images.read),
        projects=ProjectStore(db),
        library=LibraryStore(db),
        presets=PresetStore(db),
        identities=IdentityStore(db),
        profiles=ProfileStore(db),
        accounts=Accounts(app),
    )

"""The shared fixtures of tests and benchmarks: the whole local stack, started once per session.

A test that asks for `stack` (directly or through `user`, `firestore_db`, ...) gets real
emulators and the real functions over HTTP; state is reset before each such test. If the stack
cannot start, those tests error out: they never skip.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore, storage

from devtools.stack import Ports, Stack
from tests.support.clients import (
    ApiClient,
    AuthEmulator,
    GeminiControl,
    reset_firestore,
    reset_storage,
)

# The tests' and benchmarks' own quotas: far above anything they send, so that only the quota
# tests (which set small per-user limits through the admin endpoint) ever meet a limit.
TEST_QUOTA_ENV = {"IMAGECHAT_TURNS_PER_DAY": "100000", "IMAGECHAT_TURNS_PER_MINUTE": "100000"}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work_dir = tmp_path_factory.mktemp("stack")  # logs of every service; pytest prunes old ones
    # Tests always use the offline Gemini emulator, whatever the developer's environment says.
    the_stack = Stack(Ports.free(), work_dir, use_real_gemini=False, functions_env=TEST_QUOTA_ENV)
    seconds = the_stack.start()
    print(f"\nstack up in {seconds:.1f} s (logs in {work_dir})")
    saved = dict(os.environ)
    os.environ.update(the_stack.env)  # so that clients made in this process reach the emulators
    try:
        yield the_stack
    finally:
        the_stack.stop()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(autouse=True)
def reset_stack_state(request: pytest.FixtureRequest) -> None:
    """Each test that uses the stack starts from empty emulators."""
    if "stack" not in request.fixturenames:
        return
    the_stack: Stack = request.getfixturevalue("stack")
    reset_firestore(the_stack)
    AuthEmulator(the_stack).reset()
    reset_storage(the_stack)
    GeminiControl(the_stack.gemini_url).reset()


# The two model APIs (config.ModelApi). The stack's functions host runs each model on its own API
# (the model table: generateContent for every model today); "interactions" is a second host of the
# same stack whose deployment sets IMAGECHAT_MODEL_API=interactions, started when first asked for.
TRANSPORTS = ("generate_content", "interactions")
INTERACTIONS_ENV = {"IMAGECHAT_MODEL_API": "interactions"}
_extra_hosts: dict[str, str] = {}


def functions_host(stack: Stack, name: str, env: dict[str, str]) -> str:
    """The URL of an extra functions host of the session's stack (started once, by name)."""
    if name not in _extra_hosts:
        _extra_hosts[name] = stack.add_functions_host(name, env)
    return _extra_hosts[name]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    """Runs a test once per model API: the users it makes (`user`, `make_user`, ...) call a
    functions host of that API. Gemini-log helpers: tests/integration/helpers.model_calls."""
    name: str = request.param
    return name


@pytest.fixture
def make_user(stack: Stack, request: pytest.FixtureRequest) -> Callable[..., ApiClient]:
    """A factory: `make_user()` signs up a fresh user, `make_user(admin=True)` an admin. In a test
    that asks for `transport`, they call that API's functions host."""
    auth = AuthEmulator(stack)
    url = None
    if "transport" in request.fixturenames and request.getfixturevalue("transport") == "interactions":
        url = functions_host(stack, "interactions", INTERACTIONS_ENV)
    return lambda admin=False: dataclasses.replace(auth.sign_up(admin=admin), functions_url=url)


@pytest.fixture
def user(make_user: Callable[..., ApiClient]) -> ApiClient:
    return make_user()


@pytest.fixture
def other_user(make_user: Callable[..., ApiClient]) -> ApiClient:
    return make_user()


@pytest.fixture
def admin(make_user: Callable[..., ApiClient]) -> ApiClient:
    return make_user(admin=True)


@pytest.fixture
def anon(stack: Stack) -> ApiClient:
    return ApiClient(stack, uid=None, id_token=None)


@pytest.fixture
def firestore_db(stack: Stack) -> firestore.Client:
    """A Firestore client on the emulator, for assertions on what the functions stored."""
    return firestore.Client(project=stack.project_id, credentials=AnonymousCredentials())


@pytest.fixture
def bucket(stack: Stack) -> storage.Bucket:
    """The project's bucket on the storage emulator, for assertions on stored objects."""
    client = storage.Client(project=stack.project_id, credentials=AnonymousCredentials())
    return client.bucket(stack.bucket)


@pytest.fixture
def gemini(stack: Stack) -> GeminiControl:
    return GeminiControl(stack.gemini_url)

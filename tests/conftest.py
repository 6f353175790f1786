"""Test tiers: tests/unit need nothing but Python and stay fast (`make test-unit`); tests/packaging build
the deploy bundle into a clean virtualenv and check the plan against the installed gcloud CLI (slow, but
offline); tests/emulator get the real emulators, started once per session by the fixtures below and
stopped at its end; tests/e2e run the whole local stack as `make dev` does. `make test` runs them all.

Tests isolate themselves by project id: each test gets its own Firestore database and Pub/Sub namespace.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from standin_app import APP_ID, FIRST_REFRESH, SECRET

from pakn_dev.emulators import (
    EmulatorPorts,
    client_environment,
    emulator_services,
    missing_prerequisites,
    missing_storage_emulator,
    storage_service,
)
from pakn_dev.processes import Supervisor, free_port
from pakn_dev.zalo_standin import StandinServer, make_app

# Records every Firestore query the suite runs and fails the session if one lacks a declared index.
pytest_plugins = ["query_recorder"]

# Every property test (@given) runs under this profile: no per-example deadline and no too-slow health
# check, because on a loaded machine (two cores shared with other work) they fail for the machine's sake,
# not the code's; and the same examples on every run, so a failure reproduces. A test that wants more
# examples says so with @hypothesis_settings(max_examples=...), which keeps the rest of this profile.
hypothesis_settings.register_profile(
    "pakn",
    deadline=None,
    derandomize=True,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
hypothesis_settings.load_profile("pakn")


@pytest.fixture(scope="session")
def emulator_ports(tmp_path_factory) -> EmulatorPorts:
    """Firestore and Pub/Sub emulators on free ports, for the whole session."""
    missing = missing_prerequisites(auth=False)
    if missing:
        pytest.exit(" ".join(missing), returncode=3)
    ports = EmulatorPorts(
        firestore=free_port(), pubsub=free_port(), auth=free_port(), hub=free_port(), logging=free_port()
    )
    work = tmp_path_factory.mktemp("emulators")
    supervisor = Supervisor(work / "logs")
    services = emulator_services(ports, work, auth=False)
    for service in services:
        supervisor.start(service)
    saved = dict(os.environ)
    try:
        supervisor.wait_ready(services)
        os.environ.update(client_environment(ports, auth=False))
        yield ports
    finally:
        supervisor.stop_all()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def auth_emulator(emulator_ports, tmp_path_factory) -> str:
    """The Firebase Auth emulator (firebase-tools), started only when a test asks for it."""
    missing = missing_prerequisites(auth=True)
    if missing:
        pytest.exit(" ".join(missing), returncode=3)
    work = tmp_path_factory.mktemp("auth")
    supervisor = Supervisor(work / "logs")
    service = next(s for s in emulator_services(emulator_ports, work, auth=True) if s.name == "auth-emulator")
    supervisor.start(service)
    try:
        supervisor.wait_ready([service])
        os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = f"127.0.0.1:{emulator_ports.auth}"
        yield os.environ["FIREBASE_AUTH_EMULATOR_HOST"]
    finally:
        supervisor.stop_all()
        os.environ.pop("FIREBASE_AUTH_EMULATOR_HOST", None)


@pytest.fixture(scope="session")
def storage_emulator(tmp_path_factory) -> str:
    """fake-gcs-server, the Cloud Storage emulator, started only when a test asks for it; returns the
    STORAGE_EMULATOR_HOST that google-cloud-storage reads (set for the session)."""
    missing = missing_storage_emulator()
    if missing:
        pytest.exit(" ".join(missing), returncode=3)
    work = tmp_path_factory.mktemp("storage")
    supervisor = Supervisor(work / "logs")
    service = storage_service(free_port())
    supervisor.start(service)
    try:
        supervisor.wait_ready([service])
        os.environ["STORAGE_EMULATOR_HOST"] = service.url
        yield service.url
    finally:
        supervisor.stop_all()
        os.environ.pop("STORAGE_EMULATOR_HOST", None)


def _rebuild_instance() -> None:
    """Settings and the clients built from them anew, as in a new function instance (the bucket is read
    once per instance)."""
    from pakn import runtime
    from pakn.platform.settings import load_settings

    load_settings.cache_clear()
    for built in ("attachment_store", "attachment_keeper", "sender", "official_console"):
        getattr(runtime, built).cache_clear()


@pytest.fixture
def attachments_bucket(storage_emulator, monkeypatch):
    """A bucket of this test's own on the Cloud Storage emulator, named in ATTACHMENTS_BUCKET for the
    functions built after it (the keeper stores citizens' files there, the console officials', the sender
    reads them); returns the google-cloud-storage Bucket, to look at what was stored."""
    import uuid

    from google.cloud import storage

    from pakn_dev.emulators import ensure_bucket

    name = f"t-{uuid.uuid4().hex[:16]}"
    ensure_bucket(storage_emulator, name)
    monkeypatch.setenv("ATTACHMENTS_BUCKET", name)
    _rebuild_instance()
    yield storage.Client().bucket(name)
    monkeypatch.delenv("ATTACHMENTS_BUCKET")
    _rebuild_instance()


@pytest.fixture(scope="session")
def sign_in(auth_emulator):
    """Returns a function that creates an Auth-emulator user with custom `claims` (none when None) and
    returns (uid, ID token): real tokens, as officials' browsers will send them."""
    import firebase_admin
    import requests
    from firebase_admin import auth

    from pakn_dev.emulators import DEV_PROJECT

    app = firebase_admin.initialize_app(options={"projectId": DEV_PROJECT}, name=f"tests-{uuid.uuid4().hex}")
    accounts = f"http://{auth_emulator}/identitytoolkit.googleapis.com/v1/accounts"

    def token_for(claims: dict | None) -> tuple[str, str]:
        email, password = f"{uuid.uuid4().hex[:10]}@pakn.local", "not-a-real-password"
        created = requests.post(
            f"{accounts}:signUp?key=demo", json={"email": email, "password": password}, timeout=10
        ).json()
        if claims:
            auth.set_custom_user_claims(created["localId"], claims, app=app)
        signed_in = requests.post(
            f"{accounts}:signInWithPassword?key=demo",
            json={"email": email, "password": password, "returnSecureToken": True},
            timeout=10,
        ).json()
        return created["localId"], signed_in["idToken"]

    yield token_for
    firebase_admin.delete_app(app)


@pytest.fixture
def project_id(emulator_ports) -> str:
    """A project of this test's own: Firestore data and Pub/Sub topics are not shared with other tests."""
    return f"demo-t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def firestore_db(project_id):
    from google.cloud import firestore

    client = firestore.Client(project=project_id)
    yield client
    client.close()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


@pytest.fixture
def standin():
    """The Zalo stand-in on a free port, for tests that drive the OA client directly."""
    with StandinServer(make_app(APP_ID, SECRET, FIRST_REFRESH)) as server:
        yield server

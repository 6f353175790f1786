"""infra/firestore.rules on the Firestore emulator, with real ID tokens from the Firebase Auth emulator:
an official reads their own agency's cases and nothing else; citizens and strangers read nothing.

The functions use the server SDK (IAM, not rules); these rules are what every other client meets.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from pakn_dev.emulators import DEV_PROJECT, EmulatorPorts, emulator_services
from pakn_dev.processes import Supervisor, free_port

pytestmark = pytest.mark.emulator

RULES = Path(__file__).resolve().parents[2] / "infra" / "firestore.rules"
CASE = "agencies/xa-00004/cases/case-1"


@pytest.fixture(scope="module")
def guarded_firestore(tmp_path_factory) -> str:
    """A second Firestore emulator that enforces the repo's rules (the suite's main one enforces none)."""
    port = free_port()
    ports = EmulatorPorts(firestore=port, pubsub=0, auth=0, hub=0, logging=0)
    work = tmp_path_factory.mktemp("rules")
    service = emulator_services(ports, work, auth=False, firestore_rules=RULES)[0]
    supervisor = Supervisor(work / "logs")
    supervisor.start(service)
    try:
        supervisor.wait_ready([service])
        base = f"http://127.0.0.1:{port}/v1/projects/{DEV_PROJECT}/databases/(default)/documents"
        others = ("agencies/xa-00008/cases/case-2", "deliveries/d-1", "citizens/c-1", "training_examples/e-1")
        for path in (CASE, *others):
            collection, _, doc_id = path.rpartition("/")
            # "Bearer owner" is the emulator's administrator: it writes past the rules, like the server SDK.
            response = requests.post(
                f"{base}/{collection}?documentId={doc_id}",
                json={"fields": {"content": {"stringValue": "nội dung"}}},
                headers={"Authorization": "Bearer owner"},
                timeout=10,
            )
            assert response.status_code == 200, response.text
        yield base
    finally:
        supervisor.stop_all()


def read(base: str, path: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{base}/{path}", headers=headers, timeout=10).status_code


def test_an_official_reads_their_own_agencys_cases(guarded_firestore, sign_in):
    _, token = sign_in({"role": "official", "agency_id": "xa-00004"})
    assert read(guarded_firestore, CASE, token) == 200
    assert read(guarded_firestore, "agencies/xa-00004/cases", token) == 200


@pytest.mark.parametrize(
    ("claims", "path"),
    [
        ({"role": "official", "agency_id": "xa-00004"}, "agencies/xa-00008/cases/case-2"),
        ({"role": "official", "agency_id": "xa-00004"}, "deliveries/d-1"),
        ({"role": "official", "agency_id": "xa-00004"}, "citizens/c-1"),
        ({"role": "desk", "agency_id": "vp-ubnd"}, "training_examples/e-1"),
        ({"role": "citizen", "agency_id": "xa-00004"}, CASE),
        (None, CASE),
    ],
)
def test_everyone_else_is_refused(guarded_firestore, sign_in, claims, path):
    assert read(guarded_firestore, path, sign_in(claims)[1]) == 403


def test_without_a_token_nothing_is_readable(guarded_firestore):
    assert read(guarded_firestore, CASE, None) == 403


def test_the_dev_stacks_firestore_refuses_a_browser_and_serves_the_admin_client(
    emulator_ports, tmp_path, monkeypatch
):
    """`pakn dev`'s own emulator configuration (its Firestore alone, on a free port)."""
    from google.cloud import firestore

    from pakn_dev.stack import LocalStack

    port = free_port()
    stack = LocalStack(port_base=port - 1, work_dir=tmp_path)  # Firestore is the base port + 1
    [service] = [s for s in stack.emulators() if s.name == "firestore-emulator"]
    assert service.port == port
    supervisor = Supervisor(tmp_path / "logs")
    supervisor.start(service)
    try:
        supervisor.wait_ready([service])
        # The functions' and the seed's client: the emulator's administrator, past the rules.
        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{port}")
        db = firestore.Client(project=DEV_PROJECT)
        db.document("citizens/c-1").set({"state": "idle"})
        db.document(CASE).set({"status": "open"})
        assert db.document("citizens/c-1").get().to_dict() == {"state": "idle"}
        db.close()

        base = f"http://127.0.0.1:{port}/v1/projects/{DEV_PROJECT}/databases/(default)/documents"
        assert read(base, "citizens/c-1", None) == 403
        assert read(base, "citizens", None) == 403
        assert read(base, CASE, None) == 403
        assert read(base, "citizens/c-1", "owner") == 200  # the administrator's token, as a control
    finally:
        supervisor.stop_all()

"""The deploy's registry seeding (infra.firestore_rest agencies) against the Firestore emulator's REST API:
every agency written once, nothing written again, and the contacts a city admin added left alone."""

from __future__ import annotations

import os

import pytest
import requests

from infra.firestore_rest import seed_documents
from pakn.routing.registry import registry_documents

pytestmark = pytest.mark.emulator


def emulator_call(method: str, url: str, body: dict | None) -> tuple[int, dict]:
    # "Bearer owner": the emulator's administrator, as the deployer's service account is in the cloud.
    response = requests.request(method, url, json=body, headers={"Authorization": "Bearer owner"}, timeout=30)
    return response.status_code, response.json() if response.content else {}


def test_the_registry_is_seeded_once_and_contacts_survive_a_redeploy(project_id, firestore_db):
    api = f"http://{os.environ['FIRESTORE_EMULATOR_HOST']}/v1"
    documents = list(registry_documents())

    assert seed_documents(project_id, "agencies", documents, emulator_call, api) == (
        f"agencies: {len(documents)} of {len(documents)} documents written"
    )
    ward = firestore_db.collection("agencies").document("xa-00004")
    assert ward.get().get("name") == "Phường Ba Đình"

    ward.update({"contacts": {"handlers": [{"email": "mot-cua@badinh.example"}]}})
    assert seed_documents(project_id, "agencies", documents, emulator_call, api) == (
        f"agencies: 0 of {len(documents)} documents written"
    )

    renamed = [dict(d, name="Phường Ba Đình (mới)") if d["id"] == "xa-00004" else d for d in documents]
    assert seed_documents(project_id, "agencies", renamed, emulator_call, api).startswith("agencies: 1 of")
    stored = ward.get().to_dict()
    assert stored["name"] == "Phường Ba Đình (mới)"
    assert stored["contacts"] == {"handlers": [{"email": "mot-cua@badinh.example"}]}

"""Seed data: the agency registry, written to `agencies/{agency_id}` (idempotent: documents are replaced),
with made-up contacts for each agency's officials so that the deadline sweep has someone to tell."""

from __future__ import annotations

BATCH_SIZE = 400  # under Firestore's 500 writes per batch
OFFICE_AGENCY_ID = "vp-ubnd"


def dev_contacts(agency_id: str, index: int) -> dict[str, list[dict[str, str]]]:
    """Obviously fake officials (`.pakn.local` is delivered nowhere); Zalo ids the stand-in accepts."""
    domain = f"{agency_id}.pakn.local"
    contacts = {
        "handlers": [{"email": f"handler@{domain}", "zalo_user_id": f"9100{index:015d}"}],
        "lead": [{"email": f"lead@{domain}", "zalo_user_id": f"9200{index:015d}"}],
    }
    if agency_id == OFFICE_AGENCY_ID:
        contacts["desk"] = [{"email": f"desk@{domain}"}]
    return contacts


def seed(project: str) -> int:
    from google.cloud import firestore

    from pakn.routing.registry import registry_documents

    db = firestore.Client(project=project)
    documents = [
        {**document, "contacts": dev_contacts(str(document["id"]), index)}
        for index, document in enumerate(registry_documents())
    ]
    for start in range(0, len(documents), BATCH_SIZE):
        batch = db.batch()
        for document in documents[start : start + BATCH_SIZE]:
            batch.set(db.collection("agencies").document(document["id"]), document)
        batch.commit()
    return len(documents)

"""Seed data: the agency registry, written to `agencies/{agency_id}` (idempotent: documents are replaced)."""

from __future__ import annotations

BATCH_SIZE = 400  # under Firestore's 500 writes per batch


def seed(project: str) -> int:
    from google.cloud import firestore

    from pakn.registry import registry_documents

    db = firestore.Client(project=project)
    documents = list(registry_documents())
    for start in range(0, len(documents), BATCH_SIZE):
        batch = db.batch()
        for document in documents[start : start + BATCH_SIZE]:
            batch.set(db.collection("agencies").document(document["id"]), document)
        batch.commit()
    return len(documents)

"""A case's messages to the citizen, read-only: the outbox's `deliveries/{key}` records with its case id.

Only the sender writes delivery state; the officials' console reads it here to show what the citizen was
sent and whether it arrived. One equality filter on `case_id` (Firestore's automatic single-field index).
"""

from __future__ import annotations

from pakn.delivery.outbox import Delivery
from pakn.platform import firestore_paths

MAX_PER_CASE = 100


def deliveries_of_case(db, case_id: str) -> list[Delivery]:
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = (
        db.collection(firestore_paths.DELIVERIES)
        .where(filter=FieldFilter("case_id", "==", case_id))
        .limit(MAX_PER_CASE)
    )
    found = [Delivery.model_validate(snapshot.to_dict()) for snapshot in query.stream()]
    return sorted(found, key=lambda delivery: delivery.created_at)

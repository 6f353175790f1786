"""A case's messages to the citizen, read-only: the outbox's `deliveries/{key}` records with its case id.

Only the sender writes delivery state; the officials' console reads it here to show what the citizen was
sent and whether it arrived. One equality filter on `case_id` (Firestore's automatic single-field index).
"""

from __future__ import annotations

from pakn.delivery.outbox import Delivery
from pakn.platform import firestore_paths

MAX_PER_CASE = 100


def deliveries_of_case(db, case_id: str, citizen_id: str) -> list[Delivery]:
    """What the case's citizen was sent about it, oldest first. The same case id also keys what officials
    were sent about it (new work announced, reminders): those are the notifications', not the citizen's."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = (
        db.collection(firestore_paths.DELIVERIES)
        .where(filter=FieldFilter("case_id", "==", case_id))
        .limit(MAX_PER_CASE)
    )
    found = [Delivery.model_validate(snapshot.to_dict()) for snapshot in query.stream()]
    found = [delivery for delivery in found if delivery.citizen_id == citizen_id]
    return sorted(found, key=lambda delivery: delivery.created_at)

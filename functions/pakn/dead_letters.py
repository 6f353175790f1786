"""Dead letters kept where ops can see them: `dead_letters/{id}` in Firestore, with the reason.

Two roads lead here: our handlers' explicit `PermanentFailure` (reason attached), and Pub/Sub's own
dead-letter policy after too many failed deliveries (no reason of ours; the attempts count says why).
The payload stays base64 as it came: it may hold personal data, and the collection is readable only by ops.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pakn import collections
from pakn.pubsub import PushEnvelope
from pakn.push import DEAD_LETTER_REASON

RETENTION = timedelta(days=30)


def record(db, envelope: PushEnvelope, clock=None) -> str:
    now = (clock or (lambda: datetime.now(UTC)))()
    attributes = envelope.message.attributes
    source_message_id = attributes.get("pakn_source_message_id", envelope.message.message_id)
    reason = attributes.get(DEAD_LETTER_REASON) or (
        "too many failed deliveries "
        f"({attributes.get('CloudPubSubDeadLetterSourceDeliveryCount', '?')} attempts)"
    )
    collections.dead_letter(db, source_message_id).set(
        {
            "reason": reason,
            "source_subscription": attributes.get("pakn_source_subscription")
            or attributes.get("CloudPubSubDeadLetterSourceSubscription"),
            "source_message_id": source_message_id,
            "attributes": attributes,
            "data_base64": envelope.message.data,
            "recorded_at": now,
            "expire_at": now + RETENTION,
        }
    )
    return reason

"""Dead letters kept where ops can see them: `dead_letters/{id}` in Firestore, with the reason.

Two roads lead here: our handlers' explicit `PermanentFailure` (reason attached), and Pub/Sub's own
dead-letter policy after too many failed deliveries (no reason of ours; the attempts count says why).
The payload stays base64 as it came: it may hold personal data, and the collection is readable only by ops.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pakn.platform import firestore_paths
from pakn.platform.pubsub import PushEnvelope
from pakn.platform.push import DEAD_LETTER_REASON
from pakn.platform.retention import DEAD_LETTER_RETENTION


def record(db, envelope: PushEnvelope, clock=None) -> str:
    now = (clock or (lambda: datetime.now(UTC)))()
    attributes = envelope.message.attributes
    source_message_id = attributes.get("pakn_source_message_id", envelope.message.message_id)
    reason = attributes.get(DEAD_LETTER_REASON) or (
        "too many failed deliveries "
        f"({attributes.get('CloudPubSubDeadLetterSourceDeliveryCount', '?')} attempts)"
    )
    firestore_paths.dead_letter(db, source_message_id).set(
        {
            "reason": reason,
            "source_subscription": attributes.get("pakn_source_subscription")
            or attributes.get("CloudPubSubDeadLetterSourceSubscription"),
            "source_message_id": source_message_id,
            "attributes": attributes,
            "data_base64": envelope.message.data,
            "recorded_at": now,
            "expire_at": now + DEAD_LETTER_RETENTION,
        }
    )
    return reason

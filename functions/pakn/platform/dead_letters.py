"""Dead letters kept where ops can see them: `dead_letters/{id}` in Firestore, with the reason, and replayed
from there (`pakn deliveries replay`).

Two roads lead here: our handlers' explicit `PermanentFailure` (reason attached), and Pub/Sub's own
dead-letter policy after too many failed deliveries (no reason of ours; the attempts count says why).
The payload stays base64 as it came: it may hold personal data, and the collection is readable only by ops.

A replay publishes the message again, data and attributes as they first were, to the topic of the
subscription that gave up on it, and notes when on the record. Every handler is idempotent on its natural
key (an event's msg_id, a delivery's key), so replaying a letter twice, or one whose work was done since
(the outbox sweep sends every reply it can), changes nothing.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from pakn.platform import firestore_paths
from pakn.platform.pubsub import Publisher, PushEnvelope
from pakn.platform.push import DEAD_LETTER_REASON, ORDERING_KEY
from pakn.platform.retention import DEAD_LETTER_RETENTION
from pakn.platform.topology import Topology, load_topology

# Attributes that say why and whence a message was dead-lettered: not the message's own, so not replayed.
_BOOKKEEPING_PREFIXES = ("pakn_", "CloudPubSubDeadLetter")


class DeadLetter(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = ""
    reason: str
    source_subscription: str | None = None
    source_message_id: str
    attributes: dict[str, str] = Field(default_factory=dict)
    data_base64: str = ""
    ordering_key: str | None = None
    recorded_at: datetime
    replayed_at: datetime | None = None
    replays: int = 0


class CannotReplay(LookupError):
    """No topic to replay to: the source subscription is not in the declared topology."""


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
            "ordering_key": attributes.get(ORDERING_KEY) or envelope.message.ordering_key or None,
            "recorded_at": now,
            "expire_at": now + DEAD_LETTER_RETENTION,
        }
    )
    return reason


def recorded(db, limit: int = 500) -> list[DeadLetter]:
    """The dead letters still kept, oldest first."""
    query = db.collection(firestore_paths.DEAD_LETTERS).order_by("recorded_at").limit(limit)
    return [DeadLetter.model_validate({**s.to_dict(), "id": s.id}) for s in query.stream()]


def find(db, letter_id: str) -> DeadLetter | None:
    snapshot = db.collection(firestore_paths.DEAD_LETTERS).document(letter_id).get()
    return DeadLetter.model_validate({**snapshot.to_dict(), "id": snapshot.id}) if snapshot.exists else None


def source_topic(letter: DeadLetter, topology: Topology | None = None) -> str:
    """The topic the letter was first published to: that of the subscription that gave up on it."""
    subscription = (letter.source_subscription or "").rsplit("/", 1)[-1]
    for sub in (topology or load_topology()).subscriptions:
        if sub.name == subscription:
            return sub.topic
    raise CannotReplay(f"dead letter {letter.id}: unknown source subscription {subscription or '(none)'}")


def replay(db, publisher: Publisher, letter: DeadLetter, clock=None) -> str:
    """Publishes the letter's message again to its source topic; returns the new message id."""
    from google.cloud import firestore

    topic = source_topic(letter)
    attributes = {
        key: value for key, value in letter.attributes.items() if not key.startswith(_BOOKKEEPING_PREFIXES)
    }
    message_id = publisher.publish_raw(
        topic, base64.b64decode(letter.data_base64), letter.ordering_key or "", **attributes
    )
    now = (clock or (lambda: datetime.now(UTC)))()
    db.collection(firestore_paths.DEAD_LETTERS).document(letter.id).update(
        {"replayed_at": now, "replays": firestore.Increment(1)}
    )
    return message_id

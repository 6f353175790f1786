"""Processing one citizen event exactly once, however often it is delivered.

The event's natural key (`event_id`, the Zalo `msg_id`) marks it processed in the same Firestore
transaction that applies its effects and records the replies it causes (an outbox in `deliveries`).
Replies are published after the commit; a redelivery of a processed event only republishes them, and the
sender skips any already sent, so a crash anywhere loses nothing and sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from pakn import collections
from pakn.events import CitizenEvent
from pakn.log import get_logger
from pakn.outbound import Delivery, OutboundMessage, OutboundRequest, queue

log = get_logger("pakn.inbox")

# How long the raw event (personal data) is kept: long enough to investigate, then Firestore's TTL drops it.
EVENT_RETENTION = timedelta(days=90)

# Applies an event inside a transaction (all reads before any write) and returns the replies it causes.
Apply = Callable[[object, CitizenEvent], Sequence[OutboundMessage]]


class Inbox:
    def __init__(self, db, publish_outbound: Callable[[OutboundRequest, str], None], clock=None):
        self._db = db
        self._publish_outbound = publish_outbound
        self._clock = clock or (lambda: datetime.now(UTC))

    def process(self, event: CitizenEvent, apply: Apply) -> list[str]:
        """Applies `event` once and returns the delivery keys of its replies (published, or republished)."""
        from google.cloud import firestore

        marker_ref = collections.inbound_event(self._db, event.event_id)

        @firestore.transactional
        def run(transaction) -> list[str]:
            marker = marker_ref.get(transaction=transaction)
            if marker.exists:
                return list(marker.get("delivery_keys") or [])
            replies = apply(transaction, event)
            now = self._clock()
            keys = [f"{event.event_id}#{index}" for index in range(len(replies))]
            for index, (key, reply) in enumerate(zip(keys, replies, strict=True)):
                record = Delivery(
                    key=key,
                    citizen_id=event.citizen_id,
                    message=reply,
                    after=keys[index - 1] if index else None,
                    created_at=now,
                )
                queue(transaction, self._db, record)
            transaction.set(
                marker_ref,
                {
                    "event": event.model_dump(mode="json"),
                    "processed_at": now,
                    "delivery_keys": keys,
                    "expire_at": now + EVENT_RETENTION,
                },
            )
            return keys

        keys = run(self._db.transaction())
        for key in keys:
            self._publish_outbound(OutboundRequest(delivery_key=key), event.citizen_id)
        log.info("event processed", event_id=event.event_id, count=len(keys))
        return keys

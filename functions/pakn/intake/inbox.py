"""Processing one citizen event exactly once, however often it is delivered.

The event's natural key (`event_id`, the Zalo `msg_id`) marks it processed in the same Firestore
transaction that applies its effects and records the replies it causes (an outbox in `deliveries`).
Replies are published after the commit; a redelivery of a processed event only republishes them, and the
sender skips any already sent, so a crash anywhere loses nothing and sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pakn.delivery.outbox import Delivery, OutboundMessage, OutboundRequest, queue
from pakn.intake.events import CitizenEvent
from pakn.platform import firestore_paths
from pakn.platform.log import get_logger
from pakn.platform.retention import EVENT_RETENTION
from pakn.platform.unit_of_work import UnitOfWork, in_transaction

log = get_logger("pakn.intake.inbox")

# Applies an event in a unit of work (its transaction) and returns the replies it causes.
Apply = Callable[[UnitOfWork, CitizenEvent], Sequence[OutboundMessage]]


class Inbox:
    def __init__(self, db, publish_outbound: Callable[[OutboundRequest, str], None], clock=None):
        self._db = db
        self._publish_outbound = publish_outbound
        self._clock = clock or (lambda: datetime.now(UTC))

    def process(self, event: CitizenEvent, apply: Apply) -> list[str]:
        """Applies `event` once and returns the delivery keys of its replies (published, or republished)."""
        marker_ref = firestore_paths.inbound_event(self._db, event.event_id)

        def run(uow: UnitOfWork) -> list[str]:
            marker = uow.get(marker_ref)
            if marker.exists:
                return list(marker.get("delivery_keys") or [])
            replies = apply(uow, event)
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
                queue(uow, record)
            uow.set(
                marker_ref,
                {
                    "event": event.model_dump(mode="json"),
                    "processed_at": now,
                    "delivery_keys": keys,
                    "expire_at": now + EVENT_RETENTION,
                },
            )
            return keys

        keys = in_transaction(self._db, run)
        for key in keys:
            self._publish_outbound(OutboundRequest(delivery_key=key), event.citizen_id)
        log.info("event processed", event_id=event.event_id, count=len(keys))
        return keys

"""Processing one citizen event exactly once, however often it is delivered.

The event's natural key (`event_id`, the Zalo `msg_id`) marks it processed (`inbound_events/{msg_id}`)
in the same Firestore transaction that applies its effects and records the replies it causes: one
delivery holding them in order (an outbox in `deliveries`). The delivery is published after the commit;
a redelivery of a processed event only republishes it, and the sender skips what was already sent, so a
crash anywhere loses nothing and sends nothing twice (a lost publish is the outbox sweep's to find).

The marker is a document of its own, not a field of the citizen's: a Zalo retry comes up to hours later,
Pub/Sub keeps a message for a week and a dead letter can be replayed for a month, while the citizen goes
on writing; only a marker per msg_id, kept for EVENT_RETENTION, answers "already processed?" for any of
those in any order, and one on the citizen's document would have to hold every msg_id of that month.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pakn.delivery.outbox import Delivery, OutboundMessage, OutboundRequest, PublishOutbound, queue
from pakn.intake.events import CitizenEvent
from pakn.platform import firestore_paths
from pakn.platform.log import get_logger
from pakn.platform.retention import EVENT_RETENTION
from pakn.platform.unit_of_work import UnitOfWork, in_transaction

log = get_logger("pakn.intake.inbox")


@dataclass(frozen=True)
class Replies:
    """What one event makes the OA answer, in order, and the case the answer is about when the event filed
    one (the filing's confirmation then shows on the case, among what its citizen was sent)."""

    messages: Sequence[OutboundMessage]
    case_id: str | None = None


# Applies an event in a unit of work (its transaction) and returns the replies it causes.
Apply = Callable[[UnitOfWork, CitizenEvent], Replies]


def replies_key(event_id: str) -> str:
    """The delivery key of the replies to one event."""
    return f"{event_id}#replies"


class Inbox:
    def __init__(self, db, publish_outbound: PublishOutbound, clock=None):
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
            keys = []
            if replies.messages:
                delivery = Delivery(
                    key=replies_key(event.event_id),
                    citizen_id=event.citizen_id,
                    messages=list(replies.messages),
                    case_id=replies.case_id,
                    created_at=now,
                )
                keys.append(queue(uow, delivery).key)
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

"""Processing one citizen event exactly once, however often it is delivered.

The event's natural key (`event_id`, the Zalo `msg_id`) marks it processed in the same Firestore
transaction that applies its effects. An event that causes replies records them there as one delivery
holding them in order (an outbox in `deliveries`), keyed by the event (`{msg_id}#replies`): that delivery
is the event's marker, and nothing else is written for it. Only an event that causes no reply writes a
marker of its own, `inbound_events/{msg_id}`. Either keeps the event as it came, for EVENT_RETENTION.

The marker is a record per event, not a field of the citizen's: a Zalo retry comes up to hours later,
Pub/Sub keeps a message for a week and a dead letter can be replayed for a month, while the citizen goes
on writing; only a record per msg_id answers "already processed?" for any of those in any order, and one
on the citizen's document would have to hold every msg_id of that month.

Unless it must wait for the citizen's earlier delivery, the turn's delivery is recorded already claimed by
this worker, which sends it itself after the commit, through the sender's own code (pakn.delivery.sender):
no publish, no push, no claim of its own to write. One that waits is published for the sender function.
The lease runs from when the worker's invocation began, so it ends when the invocation's timeout would
(LEASE is that timeout): no send starts that the timeout could cut short before it is recorded.

If Zalo cannot take the replies now, the delivery is left retrying and published for the sender function,
and the event's push is still acknowledged: the event was processed. A reply Zalo refuses dead-letters the
event with the reason, as the sender dead-letters a push it refused; replaying it changes nothing. A
redelivery of a processed event republishes its delivery while that is unsettled, and the sender sends
only what was not sent (or defers while this worker still holds the lease), so a crash anywhere loses
nothing and sends nothing twice: a worker that dies holding the lease leaves the delivery due at the
lease's end, when the outbox sweep brings it back (a lost publish is the sweep's to find too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pakn.delivery.outbox import (
    SETTLED_STATES,
    Delivery,
    OutboundMessage,
    OutboundRequest,
    PublishOutbound,
    queue,
)
from pakn.delivery.sender import LEASE
from pakn.domain.errors import TransientFailure
from pakn.intake.events import CitizenEvent
from pakn.platform import firestore_paths
from pakn.platform.log import get_logger
from pakn.platform.retention import EVENT_RETENTION, RECORD_RETENTION
from pakn.platform.unit_of_work import UnitOfWork, in_transaction

log = get_logger("pakn.intake.inbox")


@dataclass(frozen=True)
class Replies:
    """What one event makes the OA answer, in order, and the case the answer is about when the event filed
    one (the filing's confirmation then shows on the case, among what its citizen was sent).

    `after`: a delivery the replies must follow, when the event released the citizen's held ones (those
    go out first, through the sender function, so the replies wait for them instead of leaving at once)."""

    messages: Sequence[OutboundMessage]
    case_id: str | None = None
    after: str | None = None


# Applies an event in a unit of work (its transaction) and returns the replies it causes.
Apply = Callable[[UnitOfWork, CitizenEvent], Replies]
# Sends a delivery recorded already claimed (Sender.deliver_claimed).
SendClaimed = Callable[[Delivery], object]


def replies_key(event_id: str) -> str:
    """The delivery key of the replies to one event."""
    return f"{event_id}#replies"


class Inbox:
    def __init__(
        self, db, publish_outbound: PublishOutbound, clock=None, send_claimed: SendClaimed | None = None
    ):
        """`send_claimed`: sends the replies this worker recorded claimed; None: every delivery is
        published for the sender function instead."""
        self._db = db
        self._publish_outbound = publish_outbound
        self._clock = clock or (lambda: datetime.now(UTC))
        self._send_claimed = send_claimed

    def process(self, event: CitizenEvent, apply: Apply, began_at: datetime | None = None) -> list[str]:
        """Applies `event` once and returns the delivery keys of its replies (sent here, published, or
        republished). `began_at`: when the invocation processing it began (default: now), where the lease
        of the replies it sends itself starts."""
        began = began_at or self._clock()
        key = replies_key(event.event_id)
        replies_ref = firestore_paths.delivery(self._db, key)
        marker_ref = firestore_paths.inbound_event(self._db, event.event_id)

        def run(uow: UnitOfWork) -> tuple[Delivery | None, bool]:
            """The event's delivery, if it causes replies, and whether it was recorded now."""
            earlier = uow.get(replies_ref)
            if earlier.exists:
                return Delivery.model_validate(earlier.to_dict()), False
            if uow.get(marker_ref).exists:
                return None, False
            replies = apply(uow, event)
            now = self._clock()
            kept = event.model_dump(mode="json")
            if not replies.messages:
                uow.set(marker_ref, {"event": kept, "processed_at": now, "expire_at": now + EVENT_RETENTION})
                return None, True
            delivery = Delivery(
                key=key,
                citizen_id=event.citizen_id,
                messages=list(replies.messages),
                after=replies.after,
                case_id=replies.case_id,
                event=kept,
                created_at=now,
                # As long as a reply and as long as an event's marker.
                expire_at=now + max(RECORD_RETENTION, EVENT_RETENTION),
            )
            lease_until = began + LEASE if self._send_claimed is not None else None
            return queue(uow, delivery, lease_until=lease_until), True

        delivery, recorded = in_transaction(self._db, run)
        if delivery is None:
            log.info("event processed", event_id=event.event_id, count=0)
            return []
        if recorded and delivery.state == "sending":
            self._send_here(delivery)
        elif delivery.state not in SETTLED_STATES:
            # Waiting its turn, or recorded before and not finished: the sender function goes on with it.
            self._publish(delivery)
        log.info("event processed", event_id=event.event_id, count=1)
        return [delivery.key]

    def _send_here(self, delivery: Delivery) -> None:
        try:
            self._send_claimed(delivery)
        except TransientFailure:
            # Recorded as retrying: the sender function tries again (Pub/Sub's backoff), or the outbox sweep
            # at its next attempt if this publish is lost.
            self._publish(delivery)

    def _publish(self, delivery: Delivery) -> None:
        self._publish_outbound(OutboundRequest(delivery_key=delivery.key), delivery.citizen_id)

"""Handling one Pub/Sub push: ack on success, nack to be redelivered, dead-letter what can never succeed.

Retries are explicit (style.md, 6): a handler raises `TransientFailure` to be redelivered with backoff,
`PermanentFailure` to stop, and `Deferred` when the work is not this push's to do now (someone else holds
it, or it waits its turn, and whoever holds it or the outbox sweep brings it back): this module turns those
into the HTTP answers Pub/Sub understands. A deferred push is acknowledged: redelivering it could only
spend the subscription's delivery attempts while the holder works.

A message with the attribute `pakn_probe` is acknowledged unread: `pakn dev` publishes one now and then
to see that each push subscription still delivers (the log line "probe acknowledged" says it did).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pakn.domain.errors import InvalidInput, PaknError, PermanentFailure, TransientFailure
from pakn.platform.log import get_logger
from pakn.platform.pubsub import Publisher, PushEnvelope

log = get_logger("pakn.platform.push")

DEAD_LETTER_REASON = "pakn_dead_letter_reason"
ORDERING_KEY = "pakn_ordering_key"
PROBE = "pakn_probe"


class Deferred(PaknError):
    """Nothing for this push to do now: the work is held by another instance or waits for earlier work,
    and will be picked up without this message (by its holder, or by the outbox sweep). Acknowledged."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PushOutcome:
    status: int
    body: dict


def dead_letter(publisher: Publisher, topic: str, envelope: PushEnvelope, reason: str) -> None:
    """Keeps the message, untouched, with why it could not be processed and where it came from."""
    attributes = {
        **envelope.message.attributes,
        DEAD_LETTER_REASON: reason[:500],
        "pakn_source_subscription": envelope.subscription,
        "pakn_source_message_id": envelope.message.message_id,
    }
    if envelope.message.ordering_key:
        # Kept for a replay; the dead letter itself needs no order.
        attributes[ORDERING_KEY] = envelope.message.ordering_key
    publisher.publish_raw(topic, envelope.message.raw_data(), **attributes)


def handle_push(
    raw_body: bytes,
    handle: Callable[[PushEnvelope], None],
    on_permanent_failure: Callable[[PushEnvelope, str], None],
) -> PushOutcome:
    try:
        envelope = PushEnvelope.from_body(raw_body)
    except InvalidInput as exc:
        return PushOutcome(exc.status, {"error": {"code": exc.code, "message": exc.message}})
    message_id = envelope.message.message_id
    if PROBE in envelope.message.attributes:
        log.info("probe acknowledged", message_id=message_id, subscription=envelope.subscription)
        return PushOutcome(200, {"status": "probe"})
    try:
        handle(envelope)
    except PermanentFailure as exc:
        log.error("message dead-lettered", message_id=message_id, reason=exc.reason)
        try:
            on_permanent_failure(envelope, exc.reason)
        except Exception as dead_letter_exc:
            # Not acknowledged, so Pub/Sub keeps it and its own dead-letter policy takes over.
            log.exception("dead-letter publish failed", dead_letter_exc, message_id=message_id)
            return PushOutcome(503, {"status": "retry"})
        return PushOutcome(200, {"status": "dead_lettered", "reason": exc.reason})
    except TransientFailure as exc:
        log.warning("message will be redelivered", message_id=message_id, reason=str(exc)[:200])
        return PushOutcome(503, {"status": "retry"})
    except Deferred as exc:
        log.info("message deferred", message_id=message_id, reason=exc.reason)
        return PushOutcome(200, {"status": "deferred", "reason": exc.reason})
    except Exception as exc:
        log.exception("message handler failed", exc, message_id=message_id)
        return PushOutcome(500, {"status": "retry"})
    return PushOutcome(200, {"status": "done"})

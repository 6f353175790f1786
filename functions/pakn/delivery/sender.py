"""Sending one recorded reply to Zalo, at most once per delivery key.

A delivery is claimed under a short lease in a transaction, sent, then marked sent. Zalo's API has no
idempotency key of its own, so the only window for a double send is a crash between Zalo's answer and the
commit that follows it; everything else (redeliveries, two instances, a retry after an outage) finds the
record and sends nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pakn.citizens.store import CitizenStore
from pakn.delivery.outbox import Delivery, OutboundMessage
from pakn.domain.errors import PermanentFailure, TransientFailure
from pakn.platform import firestore_paths
from pakn.platform.leases import Take, claim, held
from pakn.platform.log import get_logger
from pakn.platform.unit_of_work import UnitOfWork
from pakn.zalo.client import ZaloClient, ZaloRejected, ZaloUnreachable

log = get_logger("pakn.delivery.sender")

# Longer than the most a send can take (zalo.client.WORST_CASE, about 46 s, plus a few Firestore writes),
# so no redelivery claims a delivery whose send is still under way and sends it twice; not longer than
# the function's timeout (60 s), so a delivery whose instance was killed is not held back past that.
LEASE = timedelta(seconds=60)
FINAL_STATES = {"sent", "unreachable", "rejected"}


class DeliveryInProgress(TransientFailure):
    """Another instance holds the delivery's lease: try again after it expires."""


class DeliveryWaiting(TransientFailure):
    """The reply before this one has not reached a final state: replies of a turn go out in order."""


class Sender:
    def __init__(self, db, zalo: ZaloClient, clock=None):
        self._db = db
        self._citizens = CitizenStore(db)
        self._zalo = zalo
        self._clock = clock or (lambda: datetime.now(UTC))

    def deliver(self, key: str) -> Delivery:
        ref = firestore_paths.delivery(self._db, key)
        delivery = self._claim(ref, key)
        if delivery.state in FINAL_STATES:
            return delivery
        try:
            zalo_message_id = self._send(delivery.citizen_id, delivery.message)
        except ZaloUnreachable as exc:
            return self._finish(ref, delivery, "unreachable", code=exc.code)
        except ZaloRejected as exc:
            self._finish(ref, delivery, "rejected", code=exc.code)
            raise PermanentFailure(f"Zalo rejected the message ({exc.code})") from exc
        except TransientFailure as exc:
            ref.update(
                {"state": "retrying", "lease_until": None, "last_error_code": getattr(exc, "code", None)}
            )
            log.warning("delivery will be retried", delivery_key=key, code=getattr(exc, "code", None))
            raise
        return self._finish(ref, delivery, "sent", zalo_message_id=zalo_message_id)

    def _claim(self, ref, key: str) -> Delivery:
        def examine(uow: UnitOfWork, snapshot) -> Delivery | Take[Delivery]:
            if not snapshot.exists:
                raise PermanentFailure("no delivery record for this key")
            delivery = Delivery.model_validate(snapshot.to_dict())
            if delivery.state in FINAL_STATES:
                return delivery
            if delivery.after:
                previous = uow.get(firestore_paths.delivery(self._db, delivery.after))
                if previous.exists and previous.get("state") not in FINAL_STATES:
                    raise DeliveryWaiting(key)
            now = self._clock()
            if delivery.state == "sending" and held(delivery.lease_until, now):
                raise DeliveryInProgress(key)
            attempts = delivery.attempts + 1
            return Take(
                delivery.model_copy(update={"state": "sending", "attempts": attempts}),
                {"state": "sending", "lease_until": now + LEASE, "attempts": attempts},
            )

        return claim(self._db, ref, examine)

    def _send(self, citizen_id: str, message: OutboundMessage) -> str | None:
        if message.kind == "image":
            return self._zalo.send_image(citizen_id, message.image_url, message.text)
        if message.kind == "request_user_info":
            return self._zalo.send_request_user_info(
                citizen_id, message.title, message.subtitle, message.image_url
            )
        return self._zalo.send_text(citizen_id, message.text)

    def _finish(self, ref, delivery: Delivery, state: str, code: int | None = None, zalo_message_id=None):
        now = self._clock()
        changes = {"state": state, "lease_until": None, "last_error_code": code}
        if state == "sent":
            changes.update(sent_at=now, zalo_message_id=zalo_message_id)
        ref.update(changes)
        if state == "unreachable":
            # The citizen's channel, not the case: an official reading the case sees it from here.
            self._citizens.mark_unreachable(delivery.citizen_id, code, now)
        log.info("delivery finished", delivery_key=delivery.key, status=state, code=code)
        return delivery.model_copy(update=changes)

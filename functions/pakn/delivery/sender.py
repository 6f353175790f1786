"""Sending one recorded delivery to Zalo, its messages in order, at most once per delivery key.

A delivery is claimed under a short lease in a transaction (or recorded already claimed by the worker that
created it, which sends it itself: a turn's replies, pakn.intake.inbox), its messages sent one after the
other, then it is marked finished in one write; both ways share everything after the claim. Zalo's API
has no idempotency key of its own, so the only window for a double send is a crash between Zalo's first
answer and the write that follows the delivery's last message; everything else (redeliveries, two
instances, the outbox sweep, a retry after an outage) finds the record and sends nothing it already sent:
a failed send records how far the delivery got.

How it reaches the citizen (pakn.delivery.reach): a customer-service message while the citizen's 7-day
window is open; once it has closed (by our record of their last event, or by Zalo's -230), the delivery's
ZNS template, to their Zalo id where the template allows, else to their phone; with no template, or none
that reaches them, the delivery is held (visible on the case) and goes when the citizen next writes. At
night (22:00 to 06:00 in Hanoi) nothing goes to Zalo: the delivery is due again at 06:00, when the outbox
sweep brings it back, the citizen's deliveries still in order.

What a push for a delivery key gets back:
- done: the delivery is final (sent, unreachable, or refused by Zalo: dead-lettered with the reason), held
  for the citizen's next message, or due again in the morning;
- deferred (acknowledged): another sender holds its lease, or the citizen's earlier delivery is not final
  yet. The holder finishes it, the earlier delivery's end republishes it, and the outbox sweep brings back
  whatever nobody finished; so holding a lease never spends the subscription's delivery attempts;
- retry (503): Zalo was unavailable. The delivery records when it may be tried again, so if Pub/Sub gives
  up (or dies) the outbox sweep still does.

A file message (an official's document or photo sent with an answer) names our copy in Cloud Storage: the
sender reads it, uploads it to Zalo (the image upload for a photo, the file upload otherwise) and sends what
the upload returns. The upload reaches no citizen, so it may be repeated freely; only the send counts as
the message. If the upload used up the time the lease keeps for a send, the delivery is handed on and the
next invocation uploads again, rather than sending past the lease (where a second sender could send it
too). A copy that is no longer in the bucket can never be sent: that message is refused like one Zalo
refuses, and the others still go.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pakn.citizens.store import CitizenStore
from pakn.delivery.outbox import (
    SETTLED_STATES,
    Delivery,
    OutboundMessage,
    OutboundRequest,
    PublishOutbound,
    waiting_on,
)
from pakn.delivery.reach import DeliveryPolicy, default_policy
from pakn.domain.errors import PermanentFailure, TransientFailure
from pakn.platform import firestore_paths
from pakn.platform.leases import Take, claim, held
from pakn.platform.log import get_logger
from pakn.platform.push import Deferred
from pakn.platform.unit_of_work import UnitOfWork
from pakn.zalo.client import (
    WORST_CASE,
    ZaloClient,
    ZaloNight,
    ZaloOutsideWindow,
    ZaloRejected,
    ZaloTemplateNeedsPhone,
    ZaloUnreachable,
)

log = get_logger("pakn.delivery.sender")

# Longer than the most a send can take (zalo.client.WORST_CASE, about 46 s, plus a few Firestore writes),
# so no redelivery claims a delivery whose send is still under way and sends it twice; not longer than
# the timeout (60 s) of the functions that send (send_outbound, and handle_zalo_event with its turn's
# replies, its lease running from the invocation's start), so no send starts that the timeout would cut
# short, and a delivery whose instance was killed is not held back past that.
LEASE = timedelta(seconds=60)
# A further message of the delivery is sent only while the lease still covers a whole send; otherwise the
# delivery is handed on (recorded, republished) for the next invocation to go on from there.
ONE_SEND = timedelta(seconds=WORST_CASE + 5)
# When a delivery that Zalo could not take may be tried again (doubling from RETRY_FIRST): Pub/Sub's own
# redeliveries usually come sooner; this is when the outbox sweep brings it back if they stop.
RETRY_FIRST = timedelta(seconds=30)
RETRY_LONGEST = timedelta(minutes=15)


class DeliveryInProgress(Deferred):
    """Another instance holds the delivery's lease: it finishes it, or the outbox sweep does after it."""


class DeliveryWaiting(Deferred):
    """The citizen's earlier delivery is not final: its end releases this one (replies go out in order)."""


class StoredFileMissing(PermanentFailure):
    """A file message's copy is not in the bucket (or no bucket is configured): it can never be sent."""


class _UploadTookTheLease(Exception):
    """The upload left the lease too short for the send: hand the delivery on, send nothing now."""


def retry_delay(attempts: int) -> timedelta:
    """After the first failed attempt RETRY_FIRST, doubling each time, never more than RETRY_LONGEST."""
    return min(RETRY_LONGEST, RETRY_FIRST * 2 ** min(max(0, attempts - 1), 10))


class Sender:
    def __init__(
        self,
        db,
        zalo: ZaloClient,
        publish_outbound: PublishOutbound,
        clock=None,
        policy: DeliveryPolicy | None = None,
        attachments=None,
    ):
        """`attachments`: the bucket of stored files (pakn.attachments.storage.BucketStore) file messages
        are read from; None: a file message cannot be sent (refused, as a copy that is gone)."""
        self._attachments = attachments
        self._db = db
        self._citizens = CitizenStore(db)
        self._zalo = zalo
        self._publish = publish_outbound
        self._clock = clock or (lambda: datetime.now(UTC))
        self._policy = policy or default_policy()

    def deliver(self, key: str) -> Delivery:
        """A pushed delivery key: the delivery claimed here, then sent."""
        ref = firestore_paths.delivery(self._db, key)
        delivery = self._claim(ref, key)
        if delivery.final:
            return delivery
        return self._send_claimed(ref, delivery)

    def deliver_claimed(self, delivery: Delivery) -> Delivery:
        """A delivery its caller recorded already claimed (outbox.queue with a lease), sent under that lease
        as a pushed one is. If the lease no longer covers a send (what came before took that long), it is
        handed on instead, to a sender with a lease of its own."""
        ref = firestore_paths.delivery(self._db, delivery.key)
        if self._clock() + ONE_SEND > delivery.lease_until:
            return self._hand_on(ref, delivery, _Progress(delivery))
        return self._send_claimed(ref, delivery)

    def _send_claimed(self, ref, delivery: Delivery) -> Delivery:
        """Sends what is left of a delivery this invocation holds the lease of, and records how it went."""
        progress = _Progress(delivery)
        now = self._clock()
        if self._policy.night.covers(now):
            return self._wait_for_morning(ref, delivery, progress)
        citizen = self._citizens.read(delivery.citizen_id)
        if not self._policy.window.open(citizen.last_interaction_at, now):
            return self._outside_window(ref, delivery, progress, code=None)
        for index in range(delivery.sent_count, len(delivery.messages)):
            if index > delivery.sent_count and self._clock() + ONE_SEND > delivery.lease_until:
                return self._hand_on(ref, delivery, progress)
            try:
                progress.sent(
                    self._send(
                        delivery.citizen_id, delivery.messages[index], lease_until=delivery.lease_until
                    )
                )
            except _UploadTookTheLease:
                return self._hand_on(ref, delivery, progress)
            except StoredFileMissing:
                # Nothing to upload, now or later; the messages after it still go.
                log.error("file message without its stored copy", delivery_key=delivery.key, count=index)
                progress.refused(None)
            except ZaloNight:
                return self._wait_for_morning(ref, delivery, progress)
            except ZaloOutsideWindow as exc:
                return self._outside_window(ref, delivery, progress, exc.code)
            except ZaloUnreachable as exc:
                if delivery.notice is not None:
                    # Not following the OA, or long silent: a ZNS to their phone may still reach them.
                    return self._outside_window(ref, delivery, progress, exc.code)
                # The citizen, not the message: none of the rest would reach them either.
                return self._finish(ref, delivery, progress, "unreachable", code=exc.code)
            except ZaloRejected as exc:
                # This message can never go; the ones after it still may.
                progress.refused(exc.code)
            except TransientFailure as exc:
                self._retry_later(ref, delivery, progress, getattr(exc, "code", None))
                raise
        if progress.rejected:
            self._finish(ref, delivery, progress, "rejected", code=progress.code)
            raise PermanentFailure(f"Zalo rejected a message ({progress.code})")
        return self._finish(ref, delivery, progress, "sent", channel="cs")

    def _outside_window(self, ref, delivery: Delivery, progress: _Progress, code: int | None) -> Delivery:
        """A customer-service message cannot reach the citizen: the delivery's ZNS template tells them, or
        the delivery waits for their next message."""
        notice = delivery.notice
        template = self._policy.templates.get(notice.purpose) if notice is not None else None
        if template is None:
            return self._hold(ref, delivery, progress, "outside_window", code)
        recipients = [{"user_id": delivery.citizen_id}] if template.by_user_id else []
        if notice.phone:
            recipients.append({"phone": notice.phone})
        reason = "no_phone"
        for recipient in recipients:
            try:
                zns_id = self._zalo.send_template(
                    template.template_id, template.data(notice.values), delivery.key, **recipient
                )
            except ZaloNight:
                return self._wait_for_morning(ref, delivery, progress)
            except ZaloTemplateNeedsPhone as exc:
                reason, code = "template_needs_phone", exc.code
                continue
            except ZaloUnreachable as exc:
                # This way of reaching them does not; the next (their phone) still may.
                reason, code = "zns_unreachable", exc.code
                continue
            except ZaloRejected as exc:
                # The template or its configuration, not the citizen: ops must look (it is logged), and the
                # citizen still gets the message when they next write.
                log.error("zalo refused a ZNS template", delivery_key=delivery.key, code=exc.code)
                return self._hold(ref, delivery, progress, "template_refused", exc.code)
            except TransientFailure as exc:
                self._retry_later(ref, delivery, progress, getattr(exc, "code", None))
                raise
            return self._finish(
                ref, delivery, progress, "sent", code=code, channel="zns", zns_message_id=zns_id
            )
        return self._hold(ref, delivery, progress, reason, code)

    def _hold(self, ref, delivery: Delivery, progress: _Progress, reason: str, code: int | None) -> Delivery:
        """Nothing reaches the citizen now: the delivery waits, on the case and on the citizen's record, for
        their next message (pakn.conversation.service releases it)."""
        held = self._record(
            ref,
            delivery,
            progress,
            state="held",
            next_attempt_at=None,
            last_error_code=code,
            held_reason=reason,
        )
        self._citizens.hold(delivery.citizen_id, delivery.key)
        log.info("delivery held for the citizen's next message", delivery_key=delivery.key, reason=reason)
        self._release_waiting(delivery.key)
        return held

    def _wait_for_morning(self, ref, delivery: Delivery, progress: _Progress) -> Delivery:
        """Zalo sends nothing at night: the delivery is due again when the night ends, and the outbox sweep
        brings it back then (the citizen's later deliveries wait behind it, so they keep their order)."""
        morning = self._policy.night.ends_after(self._clock())
        waiting = self._record(ref, delivery, progress, state="pending", next_attempt_at=morning)
        log.info("delivery waits for the morning", delivery_key=delivery.key)
        return waiting

    def _claim(self, ref, key: str) -> Delivery:
        def examine(uow: UnitOfWork, snapshot) -> Delivery | Take[Delivery]:
            if not snapshot.exists:
                raise PermanentFailure("no delivery record for this key")
            delivery = Delivery.model_validate(snapshot.to_dict())
            if delivery.final:
                return delivery
            now = self._clock()
            if held(delivery.lease_until, now):
                raise DeliveryInProgress("another sender holds the lease")
            if delivery.after:
                previous = uow.get(firestore_paths.delivery(self._db, delivery.after))
                if previous.exists and previous.get("state") not in SETTLED_STATES:
                    raise DeliveryWaiting("the citizen's earlier delivery is not final")
            lease = now + LEASE
            changes = {
                "state": "sending",
                "lease_until": lease,
                "next_attempt_at": lease,
                "attempts": delivery.attempts + 1,
            }
            return Take(delivery.model_copy(update=changes), changes)

        return claim(self._db, ref, examine)

    def _send(
        self, citizen_id: str, message: OutboundMessage, lease_until: datetime | None = None
    ) -> str | None:
        if message.kind == "file":
            return self._send_file(citizen_id, message, lease_until)
        if message.kind == "image":
            return self._zalo.send_image(citizen_id, message.image_url, message.text)
        if message.kind == "request_user_info":
            return self._zalo.send_request_user_info(
                citizen_id, message.title, message.subtitle, message.image_url
            )
        if message.kind == "buttons":
            buttons = [(button.title, button.payload) for button in message.buttons]
            return self._zalo.send_buttons(citizen_id, message.text, buttons)
        return self._zalo.send_text(citizen_id, message.text)

    def _send_file(
        self, citizen_id: str, message: OutboundMessage, lease_until: datetime | None
    ) -> str | None:
        """Reads the file's copy, uploads it to Zalo and sends it: a photo as an image message, anything
        else as a file message. Logs the kind and size only, never the name (it may be personal)."""
        found = self._attachments.read(message.object_name) if self._attachments is not None else None
        if found is None:
            raise StoredFileMissing("the file's stored copy is not in the bucket")
        content = b"".join(found.chunks)
        is_image = message.content_type.startswith("image/")
        if is_image:
            upload_id = self._zalo.upload_image(content, message.content_type, message.file_name)
        else:
            upload_id = self._zalo.upload_file(content, message.content_type, message.file_name)
        if lease_until is not None and self._clock() + ONE_SEND > lease_until:
            raise _UploadTookTheLease
        log.info("file uploaded to zalo", kind="image" if is_image else "file", count=len(content))
        if is_image:
            return self._zalo.send_image_attachment(citizen_id, upload_id)
        return self._zalo.send_file(citizen_id, upload_id)

    def _retry_later(self, ref, delivery: Delivery, progress: _Progress, code: int | None) -> None:
        retry_at = self._clock() + retry_delay(delivery.attempts)
        self._record(
            ref, delivery, progress, state="retrying", next_attempt_at=retry_at, last_error_code=code
        )
        log.warning(
            "delivery will be retried", delivery_key=delivery.key, code=code, attempt=delivery.attempts
        )

    def _hand_on(self, ref, delivery: Delivery, progress: _Progress) -> Delivery:
        """The lease cannot cover another send: what went out is recorded, the rest goes on elsewhere."""
        handed_on = self._record(ref, delivery, progress, state="pending", next_attempt_at=self._clock())
        self._republish(delivery.key, delivery.citizen_id)
        log.warning("delivery handed on", delivery_key=delivery.key, count=progress.sent_count)
        return handed_on

    def _finish(
        self,
        ref,
        delivery: Delivery,
        progress: _Progress,
        state: str,
        code: int | None = None,
        channel: str | None = None,
        zns_message_id: str | None = None,
    ):
        now = self._clock()
        finished = self._record(
            ref,
            delivery,
            progress,
            state=state,
            next_attempt_at=None,
            last_error_code=code,
            sent_at=now if progress.delivered or zns_message_id else None,
            channel=channel,
            zns_message_id=zns_message_id,
            held_reason=None,
        )
        if state == "unreachable":
            # The citizen's channel, not the case: an official reading the case sees it from here.
            self._citizens.mark_unreachable(delivery.citizen_id, code, now)
        log.info("delivery finished", delivery_key=delivery.key, status=state, code=code, kind=channel)
        self._release_waiting(delivery.key)
        return finished

    @staticmethod
    def _record(ref, delivery: Delivery, progress: _Progress, **changes) -> Delivery:
        """One write: how far this invocation got, what the delivery waits for next, the lease given up."""
        changes = {**changes, "lease_until": None, **progress.changes()}
        ref.update(changes)
        return delivery.model_copy(update=changes)

    def _release_waiting(self, key: str) -> None:
        """What waited for this delivery may go now (the outbox sweep would find it otherwise, later)."""
        for waiting, citizen_id in waiting_on(self._db, key):
            self._republish(waiting, citizen_id)

    def _republish(self, key: str, citizen_id: str) -> None:
        from google.api_core.exceptions import GoogleAPIError

        try:
            self._publish(OutboundRequest(delivery_key=key), citizen_id)
        except (GoogleAPIError, TimeoutError) as exc:
            # Its `next_attempt_at` stands: the outbox sweep publishes it.
            log.warning("delivery not republished", delivery_key=key, reason=type(exc).__name__)


class _Progress:
    """How far one invocation got through a delivery's messages."""

    def __init__(self, delivery: Delivery):
        self.ids = list(delivery.zalo_message_ids)
        self.rejected = list(delivery.rejected)
        self.sent_count = delivery.sent_count
        self.code: int | None = delivery.last_error_code

    def sent(self, zalo_message_id: str | None) -> None:
        self.ids.append(zalo_message_id)
        self.sent_count += 1

    def refused(self, code: int | None) -> None:
        self.rejected.append(self.sent_count)
        self.code = code
        self.sent(None)

    @property
    def delivered(self) -> int:
        return self.sent_count - len(self.rejected)

    def changes(self) -> dict:
        return {"sent_count": self.sent_count, "zalo_message_ids": self.ids, "rejected": self.rejected}

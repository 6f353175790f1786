"""Notifications of a case's deadlines, to officials and citizens, each sent once through a `Channel`.

A notification is recorded (`notifications/{key}`, state "pending") in the transaction that claims the
sweep step causing it, together with whatever its channel must write there (`Channel.queue`: the Zalo
outbox's delivery). After the commit it is sent (`Channel.send`) and its outcome recorded. The record
carries `retry_at` while it is not settled: the first send holds it as a lease, a failed send sets when to
try again, and a later sweep picks up every record whose `retry_at` has passed, so a crash or an outage
loses nothing.

Once-only: a step is claimed by one transaction, so its notifications are recorded once. Zalo messages then
go through the outbox, whose sender sends each delivery key once, whoever publishes it and how often. An
e-mail is sent by us: a crash between the SMTP server accepting it and the "sent" being recorded sends that
one e-mail again when the lease runs out.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from pakn.deadlines.clock import NotificationStep
from pakn.delivery.outbox import Delivery, Notice, OutboundMessage, OutboundRequest, queue
from pakn.escalation.officials import ChannelName, Role
from pakn.platform import firestore_paths
from pakn.platform.leases import Take, claim, held
from pakn.platform.log import get_logger
from pakn.platform.retention import Expiring
from pakn.platform.settings import Settings
from pakn.platform.unit_of_work import UnitOfWork

log = get_logger("pakn.escalation.notify")

# The first send's lease, and the wait before a failed one is tried again (the sweep runs hourly).
RETRY_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 6
RETRY_PAGE = 100
SMTP_TIMEOUT_SECONDS = 10

NotificationState = Literal["pending", "sent", "retrying", "failed"]


class Notification(Expiring):
    """`notifications/{key}`: one message about one step of one case, to one address by one channel."""

    model_config = ConfigDict(extra="ignore")

    key: str
    case_id: str
    agency_id: str
    step: NotificationStep
    role: Role
    channel: ChannelName
    address: str
    message: str
    text: str
    # For the citizen: what a ZNS template says instead once their 7-day window has closed.
    notice: Notice | None = None
    state: NotificationState = "pending"
    attempts: int = 1
    retry_at: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None

    def on_case(self) -> dict:
        """What the case keeps of it: enough to see who was told what and when, and to find the record."""
        return self.model_dump(include={"key", "step", "role", "channel", "message", "created_at"})


class ChannelResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    sent: bool
    reason: str | None = None
    # Retrying cannot help (the address was refused): the notification fails at once.
    permanent: bool = False


class Channel(Protocol):
    """One medium. `queue` writes in the claiming transaction; `send` runs after it and may be repeated."""

    name: ChannelName

    def queue(self, uow: UnitOfWork, notification: Notification) -> None: ...

    def send(self, notification: Notification) -> ChannelResult: ...


class EmailChannel:
    """E-mail to officials, over SMTP (STARTTLS unless turned off, login if a username is set)."""

    name: ChannelName = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = SMTP_TIMEOUT_SECONDS,
    ):
        self._host, self._port, self._sender = host, port, sender
        self._username, self._password = username, password
        self._starttls, self._timeout = starttls, timeout
        self._smtp: smtplib.SMTP | None = None
        # Requests of one instance may run in threads; they take turns on the one connection.
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailChannel | None:
        """The channel the settings describe, or None when they name no SMTP host or sender."""
        if not (settings.smtp_host and settings.smtp_sender):
            return None
        password = settings.smtp_password
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            username=settings.smtp_username,
            password=password.get_secret_value() if password else None,
            starttls=settings.smtp_starttls,
        )

    def queue(self, uow: UnitOfWork, notification: Notification) -> None:
        """Nothing to write: the notification's own record is the claim."""

    def send(self, notification: Notification) -> ChannelResult:
        subject, _, body = notification.text.partition("\n")
        email = EmailMessage()
        email["From"] = self._sender
        email["To"] = notification.address
        email["Subject"] = subject
        email.set_content(body or subject)
        with self._lock:
            reused = self._smtp is not None
            try:
                return self._send_once(email)
            except (smtplib.SMTPException, OSError) as exc:
                if not reused:
                    return ChannelResult(sent=False, reason=type(exc).__name__)
            # The kept connection was dropped by the server since the last send: once more, on a fresh one.
            try:
                return self._send_once(email)
            except (smtplib.SMTPException, OSError) as exc:
                return ChannelResult(sent=False, reason=type(exc).__name__)

    def _send_once(self, email: EmailMessage) -> ChannelResult:
        try:
            self._connection().send_message(email)
        except smtplib.SMTPRecipientsRefused:
            return ChannelResult(sent=False, reason="recipient refused", permanent=True)
        except (smtplib.SMTPException, OSError):
            self._close()
            raise
        return ChannelResult(sent=True)

    def _connection(self) -> smtplib.SMTP:
        """The connection kept open across sends (one per instance: a sweep sends many e-mails)."""
        if self._smtp is None:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
            try:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username:
                    smtp.login(self._username, self._password or "")
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


class ZaloChannel:
    """The OA's messages, to citizens and to officials who follow the OA: the same outbox as replies."""

    name: ChannelName = "zalo"

    def __init__(self, db, publish_outbound: Callable[[OutboundRequest, str], object]):
        self._db = db
        self._publish_outbound = publish_outbound

    def queue(self, uow: UnitOfWork, notification: Notification) -> None:
        delivery = Delivery(
            key=notification.key,
            citizen_id=notification.address,
            messages=[OutboundMessage(text=notification.text)],
            case_id=notification.case_id,
            notice=notification.notice,
            created_at=notification.created_at,
        )
        queue(uow, delivery)

    def send(self, notification: Notification) -> ChannelResult:
        # Publishing again is harmless: the sender skips a delivery already sent.
        from google.api_core.exceptions import GoogleAPIError

        try:
            self._publish_outbound(OutboundRequest(delivery_key=notification.key), notification.address)
        except (GoogleAPIError, TimeoutError) as exc:
            return ChannelResult(sent=False, reason=type(exc).__name__)
        return ChannelResult(sent=True)


class Notifier:
    """Records notifications, sends them through their channels, and retries the unsettled ones."""

    def __init__(self, db, channels: Mapping[ChannelName, Channel]):
        self._db = db
        self.channels = channels

    def record(self, uow: UnitOfWork, notification: Notification, now: datetime) -> None:
        """In the claiming unit of work: the record, leased to this sweep, and what the channel queues."""
        held = notification.model_copy(update={"retry_at": now + RETRY_AFTER})
        uow.create(firestore_paths.notification(self._db, notification.key), held.model_dump())
        self.channels[notification.channel].queue(uow, notification)

    def send(self, notification: Notification, now: datetime) -> NotificationState:
        """After the commit: send, and record how it went."""
        result = self.channels[notification.channel].send(notification)
        if result.sent:
            changes = {"state": "sent", "retry_at": None, "last_error": None, "sent_at": now}
        elif result.permanent or notification.attempts >= MAX_ATTEMPTS:
            changes = {"state": "failed", "retry_at": None, "last_error": result.reason}
        else:
            changes = {"state": "retrying", "retry_at": now + RETRY_AFTER, "last_error": result.reason}
        firestore_paths.notification(self._db, notification.key).update(changes)
        log_as = log.info if result.sent else log.warning
        log_as(
            "notification settled" if changes["retry_at"] is None else "notification will be retried",
            case_id=notification.case_id,
            step=notification.step,
            kind=notification.channel,
            status=changes["state"],
            reason=result.reason,
            attempt=notification.attempts,
        )
        return changes["state"]

    def retry_due(self, now: datetime) -> list[NotificationState]:
        """Sends again what earlier sweeps could not (one page a sweep; the rest wait for the next)."""
        from google.cloud.firestore_v1.base_query import FieldFilter

        query = (
            self._db.collection(firestore_paths.NOTIFICATIONS)
            .where(filter=FieldFilter("retry_at", "<=", now))
            .order_by("retry_at")
            .limit(RETRY_PAGE)
        )
        outcomes = []
        for snapshot in query.stream():
            notification = self._claim_retry(snapshot.reference, now)
            if notification is not None:
                outcomes.append(self.send(notification, now))
        return outcomes

    def _claim_retry(self, ref, now: datetime) -> Notification | None:
        def examine(uow: UnitOfWork, snapshot) -> Notification | Take[Notification | None] | None:
            notification = Notification.model_validate(snapshot.to_dict())
            # Settled, or leased by a concurrent sweep, since the query read it.
            if notification.retry_at is None or held(notification.retry_at, now):
                return None
            if notification.channel not in self.channels:
                # E-mail was turned off after it was recorded: nothing here can send it.
                log.warning("channel not configured", case_id=notification.case_id, kind=notification.channel)
                return Take(None, {"state": "failed", "retry_at": None, "last_error": "channel off"})
            attempts = notification.attempts + 1
            return Take(
                notification.model_copy(update={"attempts": attempts}),
                {"state": "pending", "retry_at": now + RETRY_AFTER, "attempts": attempts},
            )

        return claim(self._db, ref, examine)

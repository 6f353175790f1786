"""Replies to the citizen: what to send (`OutboundMessage`), the delivery record that tracks sending it, and
the outbox sweep that brings back every delivery nobody finished.

Delivery is not state (FixMyStreet's `send_state`): a delivery record says whether a reply reached Zalo;
it never says where a case is, and the sender never edits a case.

One delivery holds the messages of one cause (a turn's replies, an official's action, a notification) in
the order the citizen must read them; the sender claims it once and sends them in one invocation (a turn's
replies are recorded already claimed by the conversation worker, which sends them itself). A
citizen's deliveries go out in the order they were queued: each names the citizen's earlier delivery that
had not reached a final state when it was queued (`after`), and waits for it.

A delivery that is not final always carries `next_attempt_at`, the latest time by which someone should
have tried it (again): soon after it is queued, when its sender's lease ends, when a failed send may be
retried. The outbox sweep (`OutboxSweep`, scheduled every few minutes) republishes each delivery whose
time has passed, like FixMyStreet's send loop picks up unsent reports. So a publish lost after a commit, a
sender killed while it holds a lease, or a push subscription that gave up (or whose emulator died) delays
a reply but never loses it: nothing depends on Pub/Sub's delivery attempts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pakn.domain.vocabulary import OfficialFile
from pakn.platform import firestore_paths
from pakn.platform.log import get_logger
from pakn.platform.retention import Expiring
from pakn.platform.unit_of_work import UnitOfWork

log = get_logger("pakn.delivery.outbox")

# Zalo's limit for one text message.
TEXT_LIMIT = 2000
# A new delivery's push arrives within a second or two; if none has claimed it by then, its publish after
# the commit was probably lost, and the outbox sweep publishes it again.
FIRST_ATTEMPT_WITHIN = timedelta(minutes=1)
# After the sweep republishes a delivery, the time its push has to claim it before the sweep tries again
# (so a sweep never republishes what the previous one just did, and a full page moves on).
REPUBLISH_AFTER = timedelta(minutes=3)
SWEEP_PAGE = 200
SWEEP_PAGES = 5
# The citizen's latest deliveries looked at for the one a new delivery must wait for.
CHAIN_LOOKBACK = 5


# Zalo shows at most this many buttons under one message (UNSURE: integrations agree on 5), each title
# on one line of a phone screen.
MAX_BUTTONS = 5
BUTTON_TITLE_LIMIT = 100
BUTTON_PAYLOAD_LIMIT = 1000


class Button(BaseModel):
    """A quick-reply button (Zalo's `oa.query.show`): tapping it sends `payload` as the citizen's own text
    message, so it must be something the conversation reads when typed, too."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1, max_length=BUTTON_TITLE_LIMIT)
    payload: str = Field(min_length=1, max_length=BUTTON_PAYLOAD_LIMIT)


class OutboundMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # "file": a document or photo kept in Cloud Storage (`object_name`), which the sender uploads to Zalo
    # and sends as a file (or an image) message; the record names it, never holds its bytes.
    # "buttons": `text` with quick-reply `buttons` under it.
    kind: Literal["text", "image", "request_user_info", "file", "buttons"] = "text"
    text: str | None = Field(default=None, max_length=TEXT_LIMIT)
    image_url: str | None = None
    title: str | None = Field(default=None, max_length=100)
    subtitle: str | None = Field(default=None, max_length=500)
    object_name: str | None = None
    content_type: str | None = None
    file_name: str | None = Field(default=None, max_length=200)
    size: int | None = Field(default=None, ge=0)
    buttons: list[Button] | None = Field(default=None, min_length=1, max_length=MAX_BUTTONS)

    @model_validator(mode="after")
    def _a_file_names_its_copy(self) -> OutboundMessage:
        if self.kind == "file" and not (self.object_name and self.content_type and self.file_name):
            raise ValueError("a file message names its stored copy, its content type and its file name")
        return self

    @model_validator(mode="after")
    def _buttons_under_a_text(self) -> OutboundMessage:
        if (self.kind == "buttons") != (self.buttons is not None):
            raise ValueError("a buttons message, and only one, has buttons")
        if self.kind == "buttons" and not self.text:
            raise ValueError("a buttons message has a text above its buttons")
        return self


def file_message(attachment: OfficialFile) -> OutboundMessage:
    """The message that sends an official's file (an answer's attached document) to the citizen."""
    stored = attachment.stored
    return OutboundMessage(
        kind="file",
        object_name=stored.object_name,
        content_type=stored.content_type,
        file_name=attachment.name,
        size=stored.size,
    )


class Notice(BaseModel):
    """What a ZNS template says for a delivery once the citizen's 7-day window has closed
    (pakn.delivery.reach): the purpose names the template, `values` fill its parameters, and the phone (in
    84... form) is where it goes when the template cannot be sent to the Zalo user id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    purpose: str = Field(min_length=1)
    values: dict[str, str]
    phone: str | None = None


# held: nothing can reach the citizen now (outside the window, no template or the template refused); it is
# not final, and goes out when the citizen next writes (pakn.conversation.service releases it).
DeliveryState = Literal["pending", "sending", "sent", "retrying", "held", "unreachable", "rejected"]
FINAL_STATES = frozenset({"sent", "unreachable", "rejected"})
# A delivery queued behind one of these may go: the earlier one is final, or waits for the citizen.
SETTLED_STATES = FINAL_STATES | {"held"}
Channel = Literal["cs", "zns"]


class Delivery(Expiring):
    """`deliveries/{key}`: the messages of one cause, created in the same transaction as the state change
    that caused them, and how sending them goes."""

    model_config = ConfigDict(extra="ignore")

    key: str
    citizen_id: str
    # In the order the citizen must read them.
    messages: list[OutboundMessage] = Field(min_length=1)
    # The citizen's delivery that must reach a final state before this one goes out, if any.
    after: str | None = None
    case_id: str | None = None
    # What tells the citizen outside the 7-day window; None: the delivery waits for them instead.
    notice: Notice | None = None
    state: DeliveryState = "pending"
    # How it went out: a customer-service message (cs) or a ZNS template (zns, then `zns_message_id`).
    channel: Channel | None = None
    zns_message_id: str | None = None
    # Zalo's ZNS delivery receipt: when the citizen's phone received it.
    received_at: datetime | None = None
    held_reason: str | None = None
    attempts: int = 0
    # How many of `messages`, from the first, have been sent (or refused by Zalo): a retry goes on from there.
    sent_count: int = 0
    # Zalo's id of each message sent, in order (None where Zalo's success answer gave none, or it refused).
    zalo_message_ids: list[str | None] = Field(default_factory=list)
    # The positions of the messages Zalo refused (the others still went out).
    rejected: list[int] = Field(default_factory=list)
    lease_until: datetime | None = None
    # Not final: by when someone should (re)try it; the outbox sweep's query. None once final.
    next_attempt_at: datetime | None = None
    last_error_code: int | None = None
    sent_at: datetime | None = None
    # A turn's replies: the citizen event they answer, as it came. Their delivery is that event's processed
    # marker (pakn.intake.inbox), and keeps it as an event's own marker would.
    event: dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_message(cls, data: Any) -> Any:
        # Records written before a cause's messages shared one delivery, and callers that queue a single
        # message, name it `message`.
        if isinstance(data, dict) and "message" in data and "messages" not in data:
            data = {**data, "messages": [data["message"]]}
            del data["message"]
        return data

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters, in order, cut after a sentence (or a line) where it
    can be, else between words, and only as a last resort inside a word."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n"), *(window.rfind(end + " ") + 1 for end in ".!?…;"))
        if cut < limit // 3:
            cut = window.rfind(" ")
        if cut < limit // 3:
            cut = limit
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def texts(text: str) -> list[OutboundMessage]:
    """A long text as the messages that carry it, in order."""
    return [OutboundMessage(text=piece) for piece in split_text(text)]


class OutboundRequest(BaseModel):
    """The outbound topic's payload: only the key. The text stays in Firestore, out of Pub/Sub."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    delivery_key: str = Field(min_length=1)


PublishOutbound = Callable[[OutboundRequest, str], object]


def queue(uow: UnitOfWork, delivery: Delivery, lease_until: datetime | None = None) -> Delivery:
    """Records `delivery` in the unit of work of the change that causes it, behind the citizen's delivery
    still under way, if any, and due for a first attempt within FIRST_ATTEMPT_WITHIN. Its key is published
    after the commit (the outbox); publishing it again is harmless.

    With `lease_until`, a delivery that waits for none is recorded already claimed by the caller until then
    (sending, its first attempt): the caller sends it itself after the commit (Sender.deliver_claimed)
    instead of publishing it, which spares the push and the claim's write. Its next attempt is the lease's
    end, so if the caller dies before it finishes, the outbox sweep brings it back then."""
    after = delivery.after or _unfinished_before(uow.db, delivery.citizen_id, delivery.key)
    changes: dict[str, Any] = {
        "after": after,
        "next_attempt_at": delivery.next_attempt_at or delivery.created_at + FIRST_ATTEMPT_WITHIN,
    }
    if lease_until is not None and after is None:
        changes |= {
            "state": "sending",
            "lease_until": lease_until,
            "next_attempt_at": lease_until,
            "attempts": delivery.attempts + 1,
        }
    record = delivery.model_copy(update=changes)
    uow.create(firestore_paths.delivery(uow.db, record.key), record.model_dump())
    return record


def _unfinished_before(db, citizen_id: str, key: str) -> str | None:
    """The key of the citizen's latest delivery not yet final, of those the outbox sweep looks after (a
    record from before it, without `next_attempt_at`, may never end: nothing may wait for it).

    Read outside the transaction: it only orders, and two deliveries queued at the same moment may go in
    either order (both wait for the same earlier one), so locking the citizen's deliveries buys nothing."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = (
        db.collection(firestore_paths.DELIVERIES)
        .where(filter=FieldFilter("citizen_id", "==", citizen_id))
        .order_by("created_at", direction="DESCENDING")
        .limit(CHAIN_LOOKBACK)
    )
    for snapshot in query.stream():
        record = snapshot.to_dict()
        if record.get("state") not in FINAL_STATES and record.get("next_attempt_at") and record["key"] != key:
            return record["key"]
    return None


def release(uow: UnitOfWork, keys: list[str], now: datetime) -> list[str]:
    """The citizen wrote again: those of `keys` still held are due now (the window is open), in the unit of
    work of the turn that heard them; returns their keys. Those no longer held are left alone."""
    released = []
    for key in keys:
        ref = firestore_paths.delivery(uow.db, key)
        snapshot = uow.get(ref)
        if snapshot.exists and snapshot.get("state") == "held":
            uow.update(ref, {"state": "pending", "next_attempt_at": now, "held_reason": None})
            released.append(key)
    return released


def waiting_on(db, key: str) -> list[tuple[str, str]]:
    """(key, citizen id) of each delivery queued behind `key` and not final: what `key`'s end releases."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = db.collection(firestore_paths.DELIVERIES).where(filter=FieldFilter("after", "==", key)).limit(20)
    return [
        (snapshot.get("key"), snapshot.get("citizen_id"))
        for snapshot in query.stream()
        if snapshot.get("state") not in FINAL_STATES
    ]


class OutboxSweepReport(BaseModel):
    republished: int = 0
    # Changed by their sender between the query and the sweep's own write: left to it.
    skipped: int = 0
    failed_publishes: int = 0


class OutboxSweep:
    """Republishes every delivery whose `next_attempt_at` has passed (one indexed query, earliest first).

    Each is first given REPUBLISH_AFTER more (a write that succeeds only if the delivery is unchanged since
    the query read it), so a concurrent sender or sweep is left alone, and the page moves on to the next
    deliveries instead of republishing the same ones. The sender decides what a republished key needs:
    nothing when it is final, nothing yet when another sender holds it or it waits its turn.
    """

    def __init__(
        self, db, publish_outbound: PublishOutbound, page: int = SWEEP_PAGE, pages: int = SWEEP_PAGES
    ):
        self._db = db
        self._publish = publish_outbound
        self._page = page
        self._pages = pages

    def run(self, now: datetime) -> OutboxSweepReport:
        from google.api_core.exceptions import Conflict, FailedPrecondition, GoogleAPIError, NotFound
        from google.cloud.firestore_v1.base_query import FieldFilter

        report = OutboxSweepReport()
        query = (
            self._db.collection(firestore_paths.DELIVERIES)
            .where(filter=FieldFilter("next_attempt_at", "<=", now))
            .order_by("next_attempt_at")
            .limit(self._page)
        )
        for _ in range(self._pages):
            snapshots = list(query.stream())
            for snapshot in snapshots:
                try:
                    snapshot.reference.update(
                        {"next_attempt_at": now + REPUBLISH_AFTER},
                        option=self._db.write_option(last_update_time=snapshot.update_time),
                    )
                except (FailedPrecondition, Conflict, NotFound):
                    report.skipped += 1
                    continue
                key = snapshot.get("key")
                try:
                    self._publish(OutboundRequest(delivery_key=key), snapshot.get("citizen_id"))
                except (GoogleAPIError, TimeoutError) as exc:
                    # Due again after REPUBLISH_AFTER: the next sweep tries.
                    log.warning("outbox republish failed", delivery_key=key, reason=type(exc).__name__)
                    report.failed_publishes += 1
                    continue
                report.republished += 1
            if len(snapshots) < self._page:
                break
        if report.republished or report.skipped or report.failed_publishes:
            log.info(
                "outbox swept",
                count=report.republished,
                reason=f"{report.skipped} left to their sender, {report.failed_publishes} not published",
            )
        return report

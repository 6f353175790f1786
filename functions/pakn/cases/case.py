"""The Case aggregate (hồ sơ phản ánh): everything stored about one filed item, and the only moves it makes.

A case is filed by the conversation, acted on by officials (pakn.cases.workflow) and by the deadline sweep
(pakn.escalation.sweep). Each of those asks the case for a transition here; a transition is pure: it takes
the time and the policy as arguments, returns the new case together with what it causes (the history entry,
the text the citizen must receive, the change to the citizen's conversation), and refuses a move the case
cannot make with a typed `IllegalTransition`. Only `pakn.cases.store` reads and writes the document.

The model declares every stored field (`extra="forbid"`), so a round trip through the store keeps all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from pakn.deadlines import clock as deadlines
from pakn.deadlines.clock import CaseClock, DeadlinePolicy, NotificationStep, Step
from pakn.deadlines.workdays import day_written as _date
from pakn.delivery.outbox import TEXT_LIMIT, Notice
from pakn.domain import messages
from pakn.domain.errors import PaknError
from pakn.domain.vocabulary import ContactDetails, Kind, Language, Level, Location, Media, OfficialFile
from pakn.platform.unit_of_work import UnitOfWork
from pakn.zalo.phone import zns_phone

# An answer may run to several Zalo messages (pakn.delivery.outbox.split_text cuts it at sentences); a
# longer one belongs in an attached document.
ANSWER_MAX_CHARS = 10_000

CaseStatus = Literal["open", "answered", "closed"]
OfficialAction = Literal[
    "accept",
    "answer",
    "transfer",
    "extend",
    "request_info",
    "resume",
    "reject",
    "note",
    "mark_duplicate",
    "reclassify",
]
# What the citizen does to an answered case from the conversation: rates the answer, or does not accept it
# (the case reopens). Kept in the same history as the officials' actions, `by="citizen"`.
CitizenAction = Literal["rate", "object"]
HistoryAction = Literal[OfficialAction, CitizenAction]
# The scores of a rating, 1 (not satisfied at all) to 5 (very satisfied).
RATING_SCORES = range(1, 6)
# Decree 20/2008 Art. 9's grounds for not handling an item (the officials' console offers these).
RejectionGround = Literal["not_pakn", "anonymous", "already_answered", "outside_authority"]


class _Stored(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AskedQuestion(_Stored):
    """A quick question the citizen was asked before filing because the classifier was unsure (hỏi lại
    công dân): which ("kind", "department"), what was offered (kinds, or agency ids), and their answer
    (None: they did not know, or answered none of them)."""

    question: str
    choices: list[str]
    answer: str | None = None


class CaseRouting(_Stored):
    """Why the case is where it is: the decision, the classifier's version and the words that decided it."""

    outcome: str
    reason: str
    confidence: float
    evidence: list[str]
    classifier_version: str
    classified_agency_id: str | None = None
    outside_body: str | None = None
    # For a case sent to triage: the agencies it may belong to (agency ids, most likely first), for the desk.
    candidates: list[str] = Field(default_factory=list)
    # What the citizen was asked before filing, and answered; their answer decided over the classifier's.
    asked: list[AskedQuestion] = Field(default_factory=list)


class CitizenInformation(_Stored):
    """What the citizen sent in answer to an official's request for information."""

    text: str | None = None
    media: list[Media] = Field(default_factory=list)
    at: datetime


class Rating(_Stored):
    """The citizen's rating of one answer (the one given at `answered_at`, by `agency_id`): the agency's
    statistics count it. A later rating of the same answer replaces it."""

    score: int = Field(ge=1, le=5)
    comment: str | None = None
    at: datetime
    agency_id: str
    answered_at: datetime


class Objection(_Stored):
    """The citizen did not accept the answer `agency_id` gave at `answered_at`: the case reopened."""

    text: str | None = None
    at: datetime
    agency_id: str
    answered_at: datetime


class HistoryEntry(_Stored):
    """One action on the case. `request_id` is the client's: with the case and the action it is the natural
    key, so a retried request finds its entry instead of acting again."""

    action: HistoryAction
    request_id: str
    at: datetime
    by: str
    agency_id: str
    to_agency_id: str | None = None
    # A reclassification's kinds, before and after.
    from_kind: Kind | None = None
    to_kind: Kind | None = None
    detail: str | None = None
    # SHA-256 of the request's canonical parameters (pakn.cases.workflow), so that a request id sent again
    # with other parameters is told from a retry. None on entries older than it, and on the citizen's own.
    request_digest: str | None = None


class NotificationOnCase(_Stored):
    """What the case keeps of a deadline notification: who was told what and when, and the record's key."""

    key: str
    step: NotificationStep
    role: str
    channel: str
    message: str
    created_at: datetime


class AgencyRef(_Stored):
    """The agency a case is filed with or moves to, as the registry names it."""

    id: str
    name: str
    level: Level | None = None


class IllegalTransition(PaknError):
    """The case cannot make this move now (closed, already accepted, already extended, not waiting...).

    `code` is stable: the officials' API and console show it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class WrongRequest(IllegalTransition):
    """A move the request itself gets wrong, whatever the case's state: answered as invalid input."""


class SameAgency(WrongRequest):
    """A transfer to the agency that already holds the case."""

    def __init__(self):
        super().__init__("same_agency", "the case is already at this agency")


class SameKind(WrongRequest):
    """A reclassification to the kind the case has."""

    def __init__(self):
        super().__init__("same_kind", "the case already has this kind")


class TextTooLong(PaknError):
    """An official's text makes the citizen's message longer than Zalo takes in one message."""

    def __init__(self, field_name: str, room: int):
        super().__init__(f"{field_name} may have at most {room} characters here")
        self.field_name = field_name
        self.room = room


@dataclass(frozen=True)
class Transition:
    """A move's result: the new case, its history entry, and what it causes outside the case."""

    case: Case
    entry: HistoryEntry
    # The text the citizen must receive (through the outbox), if any; it may be longer than one message.
    citizen_message: str | None = None
    # What a ZNS template tells the citizen instead once their 7-day window has closed (None: the message
    # waits for them to write again).
    notice: Notice | None = None
    # The citizen's conversation: True when the case now waits for their answer, False when it no
    # longer does, None when unchanged.
    awaiting_citizen: bool | None = None
    # A file the citizen must receive after the message (the answer's attached document), if any.
    citizen_file: OfficialFile | None = None
    # The move answers the citizen, who is asked to rate the answer (pakn.cases.rating): the delivery ends
    # with the rating buttons, and the conversation reads their next replies about the case as a rating,
    # an objection or more for the case.
    invites_rating: bool = False

    def with_request_digest(self, digest: str) -> Transition:
        """The same move, its history entry fingerprinted with the request that asked for it."""
        history = list(self.case.history)
        if not history or history[-1] != self.entry:
            raise ValueError("the transition's entry is not the case's last history entry")
        entry = history[-1] = self.entry.model_copy(update={"request_digest": digest})
        return replace(self, case=self.case.model_copy(update={"history": history}), entry=entry)


class Case(_Stored):
    case_id: str
    tracking_code: str
    citizen_id: str
    status: CaseStatus = "open"
    agency_id: str
    agency_name: str
    kind: Kind
    level: Level
    content: str
    media: list[Media] = Field(default_factory=list)
    location: Location | None = None
    contact: ContactDetails
    routing: CaseRouting
    filed_at: datetime
    clock: CaseClock
    late_additions: list[str] = Field(default_factory=list)
    citizen_information: list[CitizenInformation] = Field(default_factory=list)
    # Actions on the case, oldest first, and what they decided.
    history: list[HistoryEntry] = Field(default_factory=list)
    # The deadline sweep's notifications about this case, oldest first.
    notifications: list[NotificationOnCase] = Field(default_factory=list)
    answer_text: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    # The file the official sent with the answer (our copy in Cloud Storage), if any.
    answer_attachment: OfficialFile | None = None
    extension_reason: str | None = None
    # What the citizen writes in, and is written to in (the officials read the original text).
    language: Language = "vi"
    # The citizen's ratings, one per answer (the latest replaces an earlier one of the same answer), and
    # each time they did not accept an answer, oldest first.
    ratings: list[Rating] = Field(default_factory=list)
    objections: list[Objection] = Field(default_factory=list)

    # --- filing and the citizen -------------------------------------------------------------------

    @classmethod
    def file(
        cls,
        *,
        case_id: str,
        tracking_code: str,
        citizen_id: str,
        agency: AgencyRef,
        kind: Kind,
        level: Level,
        content: str,
        media: list[Media],
        location: Location | None,
        contact: ContactDetails,
        routing: CaseRouting,
        at: datetime,
        policy: DeadlinePolicy | None = None,
        language: Language = "vi",
    ) -> Case:
        """A new case at `agency`, whose clock starts at `at`."""
        return cls(
            case_id=case_id,
            tracking_code=tracking_code,
            citizen_id=citizen_id,
            agency_id=agency.id,
            agency_name=agency.name,
            kind=kind,
            level=level,
            content=content,
            media=media,
            location=location,
            contact=contact,
            routing=routing,
            filed_at=at,
            clock=deadlines.start(kind, level, at, agency.id, policy=policy),
            language=language,
        )

    def add_late_text(self, text: str) -> Case:
        """Text the citizen wrote before confirming that arrived after: it joins the case, once."""
        if text in self.late_additions:
            return self
        return self.model_copy(update={"late_additions": [*self.late_additions, text]})

    @property
    def waiting_for_citizen(self) -> bool:
        return self.status == "open" and self.clock.frozen_since is not None

    def receive_information(
        self, information: CitizenInformation, event_id: str, policy: DeadlinePolicy | None = None
    ) -> Transition:
        """The citizen answers an official's question: it joins the case, and the case's clocks run again."""
        if not self.waiting_for_citizen:
            raise IllegalTransition("not_waiting", "the case is not waiting for the citizen")
        entry = HistoryEntry(
            action="resume",
            request_id=f"citizen:{event_id}",
            at=information.at,
            by="citizen",
            agency_id=self.agency_id,
        )
        case = self._with(
            entry,
            clock=deadlines.unfreeze(self.clock, information.at, policy=policy),
            citizen_information=[*self.citizen_information, information],
        )
        return Transition(case, entry)

    def rate(self, score: int, comment: str | None, at: datetime, event_id: str) -> Transition:
        """The citizen rates the answer (1 to 5, with an optional comment). A later rating of the same
        answer replaces the earlier one: the citizen may change their mind, and a comment sent after the
        score comes as a second rating with both."""
        request_id = f"citizen:{event_id}"
        done = self.entry("rate", request_id)
        if done is not None:
            return Transition(self, done)
        if self.status != "answered" or self.answered_at is None:
            raise IllegalTransition("not_answered", f"the case is {self.status}, not answered")
        if score not in RATING_SCORES:
            raise IllegalTransition("invalid_score", "a rating is 1 to 5")
        comment = (comment or "").strip() or None
        rating = Rating(
            score=score, comment=comment, at=at, agency_id=self.agency_id, answered_at=self.answered_at
        )
        detail = f"{score}/5" + (f" · {comment}" if comment else "")
        entry = HistoryEntry(
            action="rate", request_id=request_id, at=at, by="citizen", agency_id=self.agency_id, detail=detail
        )
        earlier = [r for r in self.ratings if r.answered_at != self.answered_at]
        return Transition(self._with(entry, ratings=[*earlier, rating]), entry)

    def object_to_answer(
        self,
        text: str | None,
        at: datetime,
        event_id: str,
        office: AgencyRef,
        policy: DeadlinePolicy | None = None,
    ) -> Transition:
        """The citizen does not accept the answer, within `objection_working_days` of it: the case opens
        again with a new clock at the agency that answered, which owes a new answer. From the second
        objection on, the case goes to `office` (the city Office's desk), which must accept or forward it."""
        request_id = f"citizen:{event_id}"
        done = self.entry("object", request_id)
        if done is not None:
            return Transition(self, done)
        if self.status != "answered" or self.answered_at is None:
            raise IllegalTransition("not_answered", f"the case is {self.status}, not answered")
        policy = policy or deadlines.default_policy()
        if at > policy.objection_until(self.answered_at):
            raise IllegalTransition("objection_too_late", "the time to object to this answer has passed")
        to = office if self.objections else AgencyRef(id=self.agency_id, name=self.agency_name)
        moving = to.id != self.agency_id
        level = (to.level or self.level) if moving else self.level
        text = (text or "").strip() or None
        objection = Objection(text=text, at=at, agency_id=self.agency_id, answered_at=self.answered_at)
        entry = HistoryEntry(
            action="object",
            request_id=request_id,
            at=at,
            by="citizen",
            agency_id=self.agency_id,
            to_agency_id=to.id if moving else None,
            detail=text,
        )
        clock = deadlines.reopen(
            self.clock, to.id, at, stage="accept" if moving else "answer", level=level, policy=policy
        )
        case = self._with(
            entry,
            status="open",
            clock=clock,
            agency_id=to.id,
            agency_name=to.name,
            level=level,
            objections=[*self.objections, objection],
        )
        return Transition(case, entry)

    # --- officials' actions -----------------------------------------------------------------------

    def entry(self, action: HistoryAction, request_id: str) -> HistoryEntry | None:
        """The entry of an action already taken under this request id, if any."""
        return next((e for e in self.history if e.action == action and e.request_id == request_id), None)

    def accept(
        self, by: str, request_id: str, at: datetime, policy: DeadlinePolicy | None = None
    ) -> Transition:
        """Tiếp nhận: the agency takes the case on; its answer clock starts."""
        self._require_open()
        if self.clock.agency.stage == "answer":
            raise IllegalTransition("already_accepted", "the case was already accepted")
        entry = self._entry("accept", request_id, by, at)
        case = self._with(entry, clock=deadlines.accept(self.clock, at, policy=policy))
        message = messages.text(
            "accepted", self.language, code=self.tracking_code, agency=self.agency_name, date=case.due_date
        )
        return Transition(case, entry, citizen_message=message)

    def answer(
        self, by: str, request_id: str, at: datetime, text: str, attachment: OfficialFile | None = None
    ) -> Transition:
        """Trả lời: the agency's answer, with the file the official attached, if any; it reaches the
        citizen (the file after the text), and the clocks stop."""
        self._require_open()
        message = messages.text(
            "answer", self.language, code=self.tracking_code, agency=self.agency_name, text=text
        )
        entry = self._entry("answer", request_id, by, at)
        case = self._with(
            entry,
            status="answered",
            clock=deadlines.close(self.clock, at),
            answer_text=text,
            answered_at=at,
            answered_by=by,
            answer_attachment=attachment,
        )
        notice = case.notice("answer_ready", date=_date(at))
        return Transition(
            case, entry, citizen_message=message, notice=notice, citizen_file=attachment, invites_rating=True
        )

    def transfer(
        self,
        by: str,
        request_id: str,
        at: datetime,
        to: AgencyRef,
        policy: DeadlinePolicy | None = None,
        reason: str | None = None,
    ) -> Transition:
        """Chuyển: the case moves to the competent agency, whose own accept clock starts. The citizen is
        told where, and why when the official gave a `reason` (kept on the history entry too)."""
        self._require_open()
        if to.id == self.agency_id:
            raise SameAgency()
        level = to.level or self.level
        entry = self._entry("transfer", request_id, by, at, to_agency_id=to.id, detail=reason)
        case = self._with(
            entry,
            agency_id=to.id,
            agency_name=to.name,
            level=level,
            clock=deadlines.transfer(self.clock, to.id, at, level=level, policy=policy),
        )
        because = messages.text("transferred.reason", self.language, reason=reason) if reason else ""
        message = messages.text(
            "transferred", self.language, code=self.tracking_code, agency=to.name, reason=because
        )
        return Transition(case, entry, citizen_message=message, notice=case.notice("transferred"))

    def reclassify(
        self, by: str, request_id: str, at: datetime, kind: Kind, policy: DeadlinePolicy | None = None
    ) -> Transition:
        """Phân loại lại: an official says what the case is about (a procedure, an official's conduct, a
        rule) where the classifier or the citizen's answer said otherwise. The agency and the deadlines
        under way stay; the citizen is not told (the kind is the officials' word for the case)."""
        self._require_open()
        if kind == self.kind:
            raise SameKind()
        entry = self._entry("reclassify", request_id, by, at, from_kind=self.kind, to_kind=kind)
        case = self._with(entry, kind=kind, clock=deadlines.reclassify(self.clock, kind, policy=policy))
        return Transition(case, entry)

    def extend(
        self, by: str, request_id: str, at: datetime, reason: str, policy: DeadlinePolicy | None = None
    ) -> Transition:
        """Gia hạn: the case's one extension moves both deadlines."""
        self._require_open()
        try:
            clock = deadlines.extend(self.clock, at, policy=policy)
        except deadlines.ExtensionRefused as exc:
            raise IllegalTransition("extension_refused", str(exc)) from exc
        entry = self._entry("extend", request_id, by, at, detail=reason)
        case = self._with(entry, clock=clock, extension_reason=reason)
        message = messages.text(
            "extended", self.language, code=self.tracking_code, date=case.due_date, reason=reason
        )
        return Transition(case, entry, citizen_message=message, notice=case.notice("extended"))

    def request_info(
        self, by: str, request_id: str, at: datetime, question: str, policy: DeadlinePolicy | None = None
    ) -> Transition:
        """The agency asks the citizen for more: both clocks stop until the citizen answers."""
        self._require_open()
        if self.clock.frozen_since is not None:
            raise IllegalTransition("already_waiting", "the case is already waiting for the citizen")
        message = _fitted(
            self.language,
            "info_requested",
            "question",
            code=self.tracking_code,
            agency=self.agency_name,
            question=question,
        )
        entry = self._entry("request_info", request_id, by, at, detail=question)
        case = self._with(entry, clock=deadlines.freeze(self.clock, at, policy=policy))
        notice = case.notice("info_requested", date=_date(at))
        return Transition(case, entry, citizen_message=message, notice=notice, awaiting_citizen=True)

    def resume(
        self, by: str, request_id: str, at: datetime, policy: DeadlinePolicy | None = None
    ) -> Transition:
        """The official resumes a case waiting for the citizen: the clocks run again, later by the wait."""
        self._require_open()
        if self.clock.frozen_since is None:
            raise IllegalTransition("not_waiting", "the case is not waiting for the citizen")
        entry = self._entry("resume", request_id, by, at)
        case = self._with(entry, clock=deadlines.unfreeze(self.clock, at, policy=policy))
        return Transition(case, entry, awaiting_citizen=False)

    # --- the deadline sweep -----------------------------------------------------------------------

    def with_notifications(self, notifications: list[NotificationOnCase]) -> Case:
        """The case with notifications sent about it (new work announced) kept on it."""
        return self.model_copy(update={"notifications": [*self.notifications, *notifications]})

    def rescheduled(self, policy: DeadlinePolicy | None = None) -> Case:
        """The clock's next action as the current rules and calendar place it (they may have changed)."""
        return self.model_copy(update={"clock": deadlines.rescheduled(self.clock, policy=policy)})

    def record_steps(
        self,
        steps: list[Step],
        notifications: list[NotificationOnCase],
        at: datetime,
        policy: DeadlinePolicy | None = None,
    ) -> Case:
        """The sweep took `steps` at `at` and sent `notifications`: both are kept, and the next step set."""
        self._require_open()
        clock = self.clock
        for step in steps:
            clock = deadlines.record(clock, step, at, policy=policy)
        return self.model_copy(
            update={"clock": clock, "notifications": [*self.notifications, *notifications]}
        )

    # --- helpers ----------------------------------------------------------------------------------

    @property
    def filed_kind(self) -> Kind:
        """The kind the case was filed with, before any reclassification."""
        first = next((entry for entry in self.history if entry.action == "reclassify"), None)
        return first.from_kind if first is not None and first.from_kind else self.kind

    @property
    def due_date(self) -> str:
        """The date the citizen's answer is due, as the citizen reads it."""
        return _date(self.clock.overall_due_at)

    def notice(self, purpose: str, date: str | None = None) -> Notice:
        """What a ZNS template with `purpose` says of this case (the date: the answer's due date unless
        given); sent to the citizen's phone where the template cannot go to their Zalo id."""
        values = {"code": self.tracking_code, "agency": self.agency_name, "date": date or self.due_date}
        return Notice(purpose=purpose, values=values, phone=zns_phone(self.contact.phone))

    def _require_open(self) -> None:
        if self.status != "open":
            raise IllegalTransition("case_closed", f"the case is {self.status}")

    def _entry(
        self, action: OfficialAction, request_id: str, by: str, at: datetime, **detail
    ) -> HistoryEntry:
        return HistoryEntry(
            action=action, request_id=request_id, at=at, by=by, agency_id=self.agency_id, **detail
        )

    def _with(self, entry: HistoryEntry, **changes) -> Case:
        return self.model_copy(update={**changes, "history": [*self.history, entry]})

    # --- the officials' console: a transfer's reason, refusal, internal notes, duplicates ---------------

    # Why the case was closed without an answer (None while open or when answered).
    rejection_ground: RejectionGround | None = None
    # The tracking code of the case this one duplicates, when it was closed as a duplicate.
    duplicate_of: str | None = None

    def reject(
        self, by: str, request_id: str, at: datetime, ground: RejectionGround, explanation: str
    ) -> Transition:
        """Không xem xét (Decree 20 Art. 9): the case closes without an answer on one of the decree's
        grounds, and the citizen is told why and, for a matter outside the city's authority, where to go."""
        self._require_open()
        if ground == "outside_authority" and not explanation.strip():
            raise IllegalTransition("channel_required", "say which body or channel handles the matter")
        extra = (
            messages.text("rejected.explanation", self.language, explanation=explanation)
            if explanation.strip()
            else ""
        )
        message = _fitted(
            self.language,
            "rejected",
            "explanation",
            code=self.tracking_code,
            agency=self.agency_name,
            ground=messages.text(f"rejected.ground.{ground}", self.language),
            explanation=extra,
        )
        entry = self._entry("reject", request_id, by, at, detail=explanation.strip() or None)
        case = self._with(
            entry, status="closed", clock=deadlines.close(self.clock, at), rejection_ground=ground
        )
        return Transition(case, entry, citizen_message=message, awaiting_citizen=self._no_longer_waiting())

    def note(self, by: str, request_id: str, at: datetime, text: str) -> Transition:
        """Ghi chú nội bộ: an official's note for colleagues. It changes nothing else and the citizen never
        sees it; it may be added at any status (a closed case can still need explaining)."""
        entry = self._entry("note", request_id, by, at, detail=text)
        return Transition(self._with(entry), entry)

    def mark_duplicate(self, by: str, request_id: str, at: datetime, original: Case) -> Transition:
        """Trùng: the case repeats `original` (still open or answered), so it closes and the citizen is
        told; their own earlier case is named to them, another citizen's is not."""
        self._require_open()
        if original.case_id == self.case_id:
            raise IllegalTransition("duplicate_of_itself", "a case cannot duplicate itself")
        if original.duplicate_of is not None:
            raise IllegalTransition("original_is_duplicate", "mark it a duplicate of the first case")
        if original.citizen_id == self.citizen_id:
            message = messages.text(
                "duplicate_own", self.language, code=self.tracking_code, other=original.tracking_code
            )
        else:
            message = messages.text(
                "duplicate", self.language, code=self.tracking_code, agency=original.agency_name
            )
        entry = self._entry("mark_duplicate", request_id, by, at, detail=original.tracking_code)
        case = self._with(
            entry, status="closed", clock=deadlines.close(self.clock, at), duplicate_of=original.tracking_code
        )
        return Transition(case, entry, citizen_message=message, awaiting_citizen=self._no_longer_waiting())

    def _no_longer_waiting(self) -> bool | None:
        # Closing a case that waits for the citizen's answer ends the wait; otherwise nothing changes.
        return False if self.waiting_for_citizen else None


class Announcer(Protocol):
    """Tells an agency's officials at once of a case arriving there (pakn.escalation.announce), recording
    the notifications in the unit of work that files or moves the case, and returns the case listing them.
    `reopened`: the case comes back because the citizen did not accept its answer."""

    def announce(self, uow: UnitOfWork, case: Case, at: datetime, *, reopened: bool = False) -> Case: ...


def _fitted(language: Language, key: str, field_name: str, **values: str) -> str:
    """The catalogue text `key`; refused when the official's `field_name` makes it longer than one message."""
    text = messages.text(key, language, **values)
    if len(text) > TEXT_LIMIT:
        raise TextTooLong(field_name, TEXT_LIMIT - (len(text) - len(values[field_name])))
    return text

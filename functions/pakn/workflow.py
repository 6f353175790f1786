"""Officials' actions on one case: accept (tiếp nhận), answer (trả lời), transfer (chuyển), extend (gia hạn),
ask the citizen for more information and resume when it arrives.

Each action is one Firestore transaction, every read before any write. Its natural key is the case, the
action and the client's `request_id`, kept in the case's history entry: a retried request finds its entry
and returns it, changing nothing. What the citizen must hear is recorded in the same transaction as a
delivery keyed by that natural key (the outbox) and published after the commit; a retry publishes it again,
which the sender ignores once it is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pakn import cases, collections, deadlines, messages
from pakn.cases import Case, CaseStatus, HistoryEntry, OfficialAction
from pakn.citizens import AwaitingInfo
from pakn.errors import InvalidInput
from pakn.log import get_logger
from pakn.outbound import TEXT_LIMIT, Delivery, OutboundMessage, OutboundRequest, queue
from pakn.registry import Agency, load_registry

log = get_logger("pakn.workflow")


@dataclass(frozen=True)
class Actor:
    """The official acting, as their verified ID token says."""

    uid: str
    agency_id: str


class CaseNotFound(InvalidInput):
    status = 404

    def __init__(self):
        super().__init__("case_not_found", "no case has this id")


class NotYourAgency(InvalidInput):
    status = 403

    def __init__(self):
        super().__init__("not_your_agency", "the case is handled by another agency")


class WrongState(InvalidInput):
    """The case cannot take this action now (closed, already accepted, extended, waiting...)."""

    status = 409


class ActionResult(HistoryEntry):
    """What an action returns, the same on every retry: its history entry, and the case it was taken on."""

    case_id: str
    tracking_code: str


@dataclass
class _Change:
    """What one action decides: the case's new fields, and what the citizen is told (if anything)."""

    updates: dict
    message: str | None = None
    to_agency: Agency | None = None
    entry: dict = field(default_factory=dict)
    # Fields of the citizen's conversation state (citizens/{id}) that the action sets.
    citizen_updates: dict = field(default_factory=dict)


class Workflow:
    def __init__(
        self,
        db,
        publish_outbound: Callable[[OutboundRequest, str], object],
        clock: Callable[[], datetime] | None = None,
        policy: deadlines.DeadlinePolicy | None = None,
    ):
        self._db = db
        self._publish_outbound = publish_outbound
        self._clock = clock or (lambda: datetime.now(UTC))
        self._policy = policy

    # --- reading ----------------------------------------------------------------------------------

    def cases(self, actor: Actor, status: CaseStatus | None, limit: int) -> list[Case]:
        return cases.cases_of_agency(self._db, actor.agency_id, status, limit)

    def case(self, actor: Actor, case_id: str) -> Case:
        snapshot = cases.locate(None, self._db, actor.agency_id, case_id)
        if snapshot is None:
            raise CaseNotFound()
        case = Case.model_validate(snapshot.to_dict())
        if case.agency_id != actor.agency_id:
            raise NotYourAgency()
        return case

    # --- actions ----------------------------------------------------------------------------------

    def accept(self, actor: Actor, case_id: str, request_id: str) -> ActionResult:
        def change(case: Case, now: datetime) -> _Change:
            if case.clock.agency.stage == "answer":
                raise WrongState("already_accepted", "the case was already accepted")
            return _Change({"clock": deadlines.accept(case.clock, now, policy=self._policy).model_dump()})

        return self._act(actor, case_id, "accept", request_id, change)

    def answer(self, actor: Actor, case_id: str, request_id: str, text: str) -> ActionResult:
        text = _required(text, "text")

        def change(case: Case, now: datetime) -> _Change:
            message = _fitted("answer", "text", code=case.tracking_code, agency=case.agency_name, text=text)
            return _Change(
                {
                    "status": "answered",
                    "clock": deadlines.close(case.clock, now).model_dump(),
                    "answer_text": text,
                    "answered_at": now,
                    "answered_by": actor.uid,
                },
                message=message,
            )

        return self._act(actor, case_id, "answer", request_id, change)

    def transfer(self, actor: Actor, case_id: str, request_id: str, to_agency_id: str) -> ActionResult:
        try:
            target = load_registry().get(to_agency_id)
        except KeyError as exc:
            raise InvalidInput("unknown_agency", "no agency in the registry has this id") from exc

        def change(case: Case, now: datetime) -> _Change:
            if target.id == case.agency_id:
                raise InvalidInput("same_agency", "the case is already at this agency")
            clock = deadlines.transfer(case.clock, target.id, now, level=target.level, policy=self._policy)
            return _Change(
                {
                    "agency_id": target.id,
                    "agency_name": target.name,
                    "level": target.level,
                    "clock": clock.model_dump(),
                },
                message=messages.text("transferred", code=case.tracking_code, agency=target.name),
                to_agency=target,
                entry={"to_agency_id": target.id},
            )

        return self._act(actor, case_id, "transfer", request_id, change)

    def extend(self, actor: Actor, case_id: str, request_id: str, reason: str) -> ActionResult:
        reason = _required(reason, "reason")

        def change(case: Case, now: datetime) -> _Change:
            try:
                clock = deadlines.extend(case.clock, now, policy=self._policy)
            except deadlines.ExtensionRefused as exc:
                raise WrongState("extension_refused", str(exc)) from exc
            return _Change(
                {"clock": clock.model_dump(), "extension_reason": reason}, entry={"detail": reason}
            )

        return self._act(actor, case_id, "extend", request_id, change)

    def request_info(self, actor: Actor, case_id: str, request_id: str, question: str) -> ActionResult:
        question = _required(question, "question")

        def change(case: Case, now: datetime) -> _Change:
            if case.clock.frozen_since is not None:
                raise WrongState("already_waiting", "the case is already waiting for the citizen")
            message = _fitted(
                "info_requested",
                "question",
                code=case.tracking_code,
                agency=case.agency_name,
                question=question,
            )
            clock = deadlines.freeze(case.clock, now, policy=self._policy)
            awaiting = AwaitingInfo(
                case_id=case.case_id, agency_id=case.agency_id, tracking_code=case.tracking_code
            )
            return _Change(
                {"clock": clock.model_dump()},
                message=message,
                entry={"detail": question},
                citizen_updates={"awaiting_info": awaiting.model_dump()},
            )

        return self._act(actor, case_id, "request_info", request_id, change)

    def resume(self, actor: Actor, case_id: str, request_id: str) -> ActionResult:
        """The citizen answered (in the conversation): the clocks run again, later by the wait."""

        def change(case: Case, now: datetime) -> _Change:
            if case.clock.frozen_since is None:
                raise WrongState("not_waiting", "the case is not waiting for the citizen")
            return _Change(
                {"clock": deadlines.unfreeze(case.clock, now, policy=self._policy).model_dump()},
                citizen_updates={"awaiting_info": None},
            )

        return self._act(actor, case_id, "resume", request_id, change)

    # --- one transaction --------------------------------------------------------------------------

    def _act(
        self,
        actor: Actor,
        case_id: str,
        action: OfficialAction,
        request_id: str,
        decide: Callable[[Case, datetime], _Change],
    ) -> ActionResult:
        from google.cloud import firestore

        delivery_key = f"case:{case_id}:{action}:{request_id}"

        @firestore.transactional
        def run(transaction) -> tuple[ActionResult, str, bool]:
            snapshot = cases.locate(transaction, self._db, actor.agency_id, case_id)
            if snapshot is None:
                raise CaseNotFound()
            stored = snapshot.to_dict()
            case = Case.model_validate(stored)
            done = case.entry(action, request_id)
            if done is not None:
                if done.by != actor.uid:
                    raise WrongState("request_id_taken", "another official used this request_id on the case")
                return _result(case, done), case.citizen_id, False
            if case.agency_id != actor.agency_id:
                raise NotYourAgency()
            if case.status != "open":
                raise WrongState("case_closed", f"the case is {case.status}")
            now = self._clock()
            try:
                change = decide(case, now)
            except deadlines.CaseClosed as exc:
                raise WrongState("case_closed", str(exc)) from exc
            entry = HistoryEntry(
                action=action,
                request_id=request_id,
                at=now,
                by=actor.uid,
                agency_id=case.agency_id,
                **change.entry,
            )
            ref = snapshot.reference
            if change.to_agency is None:
                transaction.update(
                    ref, {**change.updates, "history": firestore.ArrayUnion([entry.model_dump()])}
                )
            else:
                # A case lives under its agency: the document moves, with every field the sweep added.
                moved = {
                    **stored,
                    **change.updates,
                    "history": [*stored.get("history", []), entry.model_dump()],
                }
                transaction.create(
                    collections.agency_cases(self._db, change.to_agency.id).document(case_id), moved
                )
                transaction.delete(ref)
                transaction.update(
                    collections.tracking_code(self._db, case.tracking_code),
                    {"agency_id": change.to_agency.id},
                )
            if change.citizen_updates:
                transaction.set(
                    collections.citizen(self._db, case.citizen_id), change.citizen_updates, merge=True
                )
            if change.message is not None:
                delivery = Delivery(
                    key=delivery_key,
                    citizen_id=case.citizen_id,
                    message=OutboundMessage(text=change.message),
                    case_id=case_id,
                    created_at=now,
                )
                queue(transaction, self._db, delivery)
            return _result(case, entry), case.citizen_id, True

        result, citizen_id, acted = run(self._db.transaction())
        if action in MESSAGING_ACTIONS:
            self._publish_outbound(OutboundRequest(delivery_key=delivery_key), citizen_id)
        log.info(
            "official action" if acted else "official action repeated",
            case_id=case_id,
            kind=action,
            agency_id=result.agency_id,
        )
        return result


# The actions that tell the citizen something; a retry of one publishes its delivery again.
MESSAGING_ACTIONS: frozenset[OfficialAction] = frozenset({"answer", "transfer", "request_info"})


def _result(case: Case, entry: HistoryEntry) -> ActionResult:
    return ActionResult(case_id=case.case_id, tracking_code=case.tracking_code, **entry.model_dump())


def _fitted(key: str, field_name: str, **values: str) -> str:
    """The catalogue text `key`; refused when the official's `field_name` makes it longer than one message."""
    text = messages.text(key, **values)
    if len(text) > TEXT_LIMIT:
        room = TEXT_LIMIT - (len(text) - len(values[field_name]))
        raise InvalidInput(f"{field_name}_too_long", f"{field_name} may have at most {room} characters here")
    return text


def _required(value: str, name: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{name}_empty", f"{name} is blank")
    return value

"""Officials' actions on one case: accept (tiếp nhận), answer (trả lời), transfer (chuyển), extend (gia hạn),
ask the citizen for more information and resume when it arrives.

Each action is one transition of the Case aggregate (pakn.cases.case), read and stored by the case store
in one unit of work. Its natural key is the case, the
action and the client's `request_id`, kept in the case's history entry: a retried request finds its entry
and returns it, changing nothing. What the citizen must hear is recorded in the same transaction as a
delivery keyed by that natural key (the outbox) and published after the commit; a retry publishes it again,
which the sender ignores once it is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pakn.cases.case import (
    AgencyRef,
    Case,
    CaseStatus,
    HistoryEntry,
    IllegalTransition,
    OfficialAction,
    SameAgency,
    TextTooLong,
    Transition,
)
from pakn.cases.store import CaseStore
from pakn.citizens.state import AwaitingInfo
from pakn.citizens.store import CitizenStore
from pakn.deadlines import clock as deadlines
from pakn.delivery.outbox import Delivery, OutboundMessage, OutboundRequest, queue
from pakn.domain.errors import InvalidInput
from pakn.platform.log import get_logger
from pakn.platform.unit_of_work import UnitOfWork, in_transaction
from pakn.routing.registry import load_registry

log = get_logger("pakn.cases.workflow")


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


# Decides one action on a case read at a time: the aggregate's transition.
Decide = Callable[[Case, datetime], Transition]


class Workflow:
    def __init__(
        self,
        db,
        publish_outbound: Callable[[OutboundRequest, str], object],
        clock: Callable[[], datetime] | None = None,
        policy: deadlines.DeadlinePolicy | None = None,
    ):
        self._db = db
        self._cases = CaseStore(db)
        self._citizens = CitizenStore(db)
        self._publish_outbound = publish_outbound
        self._clock = clock or (lambda: datetime.now(UTC))
        self._policy = policy

    # --- reading ----------------------------------------------------------------------------------

    def cases(self, actor: Actor, status: CaseStatus | None, limit: int) -> list[Case]:
        return self._cases.of_agency(actor.agency_id, status, limit)

    def case(self, actor: Actor, case_id: str) -> Case:
        case = self._cases.locate(UnitOfWork.outside(self._db), actor.agency_id, case_id)
        if case is None:
            raise CaseNotFound()
        if case.agency_id != actor.agency_id:
            raise NotYourAgency()
        return case

    # --- actions ----------------------------------------------------------------------------------

    def accept(self, actor: Actor, case_id: str, request_id: str) -> ActionResult:
        return self._act(
            actor,
            case_id,
            "accept",
            request_id,
            lambda case, now: case.accept(actor.uid, request_id, now, self._policy),
        )

    def answer(self, actor: Actor, case_id: str, request_id: str, text: str) -> ActionResult:
        text = _required(text, "text")
        return self._act(
            actor,
            case_id,
            "answer",
            request_id,
            lambda case, now: case.answer(actor.uid, request_id, now, text),
        )

    def transfer(self, actor: Actor, case_id: str, request_id: str, to_agency_id: str) -> ActionResult:
        try:
            target = load_registry().get(to_agency_id)
        except KeyError as exc:
            raise InvalidInput("unknown_agency", "no agency in the registry has this id") from exc
        to = AgencyRef(id=target.id, name=target.name, level=target.level)
        return self._act(
            actor,
            case_id,
            "transfer",
            request_id,
            lambda case, now: case.transfer(actor.uid, request_id, now, to, self._policy),
        )

    def extend(self, actor: Actor, case_id: str, request_id: str, reason: str) -> ActionResult:
        reason = _required(reason, "reason")
        return self._act(
            actor,
            case_id,
            "extend",
            request_id,
            lambda case, now: case.extend(actor.uid, request_id, now, reason, self._policy),
        )

    def request_info(self, actor: Actor, case_id: str, request_id: str, question: str) -> ActionResult:
        question = _required(question, "question")
        return self._act(
            actor,
            case_id,
            "request_info",
            request_id,
            lambda case, now: case.request_info(actor.uid, request_id, now, question, self._policy),
        )

    def resume(self, actor: Actor, case_id: str, request_id: str) -> ActionResult:
        """The citizen answered (in the conversation): the clocks run again, later by the wait."""
        return self._act(
            actor,
            case_id,
            "resume",
            request_id,
            lambda case, now: case.resume(actor.uid, request_id, now, self._policy),
        )

    # --- one unit of work -------------------------------------------------------------------------

    def _act(
        self, actor: Actor, case_id: str, action: OfficialAction, request_id: str, decide: Decide
    ) -> ActionResult:
        delivery_key = f"case:{case_id}:{action}:{request_id}"

        def run(uow: UnitOfWork) -> tuple[ActionResult, str, bool]:
            case = self._cases.locate(uow, actor.agency_id, case_id)
            if case is None:
                raise CaseNotFound()
            done = case.entry(action, request_id)
            if done is not None:
                if done.by != actor.uid:
                    raise WrongState("request_id_taken", "another official used this request_id on the case")
                return _result(case, done), case.citizen_id, False
            if case.agency_id != actor.agency_id:
                raise NotYourAgency()
            now = self._clock()
            try:
                transition = decide(case, now)
            except SameAgency as exc:
                raise InvalidInput(exc.code, exc.message) from exc
            except IllegalTransition as exc:
                raise WrongState(exc.code, exc.message) from exc
            except TextTooLong as exc:
                raise InvalidInput(f"{exc.field_name}_too_long", str(exc)) from exc
            self._cases.save(uow, case, transition.case)
            if transition.awaiting_citizen:
                awaiting = AwaitingInfo(
                    case_id=case.case_id, agency_id=case.agency_id, tracking_code=case.tracking_code
                )
                self._citizens.await_information(uow, case.citizen_id, awaiting)
            elif transition.awaiting_citizen is False:
                self._citizens.stop_awaiting(uow, case.citizen_id)
            if transition.citizen_message is not None:
                delivery = Delivery(
                    key=delivery_key,
                    citizen_id=case.citizen_id,
                    message=OutboundMessage(text=transition.citizen_message),
                    case_id=case_id,
                    created_at=now,
                )
                queue(uow, delivery)
            return _result(case, transition.entry), case.citizen_id, True

        result, citizen_id, acted = in_transaction(self._db, run)
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


def _required(value: str, name: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{name}_empty", f"{name} is blank")
    return value

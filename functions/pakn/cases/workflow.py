"""Officials' actions on one case: accept (tiếp nhận), answer (trả lời), transfer (chuyển), extend (gia hạn),
ask the citizen for more information and resume when it arrives, reclassify (phân loại lại).

Each action is one transition of the Case aggregate (pakn.cases.case), read and stored by the case store
in one unit of work. Its natural key is the case, the
action and the client's `request_id`, kept in the case's history entry: a retried request finds its entry
and returns it, changing nothing. The entry also keeps a digest of the request's parameters, so the same
`request_id` sent with other parameters is refused (409 `request_id_reused`, as payment APIs treat a reused
idempotency key) rather than answered with a result that is not its own. What the citizen must hear is
recorded in the same transaction as a delivery keyed by that natural key (the outbox) and published after
the commit; a retry publishes it again, which the sender ignores once it is sent. A transfer or a
reclassification also keeps, in the same transaction, the training example it teaches the classifier
(pakn.cases.corrections).

An official sees their own agency's cases only, and another agency's case is answered exactly as a missing
one (404 `case_not_found`), before anything else about it (a used request id, its state) is looked at.
The one exception is the official's own retry of an action that moved the case away (a transfer): it finds
their entry and returns it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import get_args

from pakn.cases import rating
from pakn.cases.case import (
    AgencyRef,
    Announcer,
    Case,
    CaseStatus,
    HistoryEntry,
    IllegalTransition,
    OfficialAction,
    RejectionGround,
    TextTooLong,
    Transition,
    WrongRequest,
)
from pakn.cases.corrections import CorrectionStore
from pakn.cases.store import CaseStore
from pakn.citizens.state import AfterAnswer, AwaitingInfo
from pakn.citizens.store import CitizenStore
from pakn.deadlines import clock as deadlines
from pakn.delivery.outbox import Delivery, OutboundRequest, file_message, queue, texts
from pakn.domain.errors import InvalidInput
from pakn.domain.vocabulary import KINDS, OfficialFile
from pakn.platform.log import get_logger
from pakn.platform.unit_of_work import UnitOfWork, in_transaction
from pakn.routing.registry import load_registry

log = get_logger("pakn.cases.workflow")


@dataclass(frozen=True)
class Actor:
    """The official acting, as their verified ID token says."""

    uid: str
    agency_id: str
    # The city Office's triage desk acts on any agency's case (route the unrouted, move what bounced); every
    # other official on their own agency's only.
    any_agency: bool = False


class CaseNotFound(InvalidInput):
    status = 404

    def __init__(self):
        super().__init__("case_not_found", "no case has this id")


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
        announcer: Announcer | None = None,
    ):
        """`announcer`: tells the agency a case is transferred to (None: nobody is told at once)."""
        self._announcer = announcer
        self._db = db
        self._cases = CaseStore(db)
        self._corrections = CorrectionStore(db)
        self._citizens = CitizenStore(db)
        self._publish_outbound = publish_outbound
        self._clock = clock or (lambda: datetime.now(UTC))
        self._policy = policy

    def _deadline_policy(self) -> deadlines.DeadlinePolicy:
        return self._policy or deadlines.default_policy()

    # --- reading ----------------------------------------------------------------------------------

    def cases(self, actor: Actor, status: CaseStatus | None, limit: int) -> list[Case]:
        return self._cases.of_agency(actor.agency_id, status, limit)

    def case(self, actor: Actor, case_id: str) -> Case:
        # Read where the actor's agency keeps its cases only: another agency's case is not found.
        case = self._cases.read(UnitOfWork.outside(self._db), actor.agency_id, case_id)
        if case is None:
            raise CaseNotFound()
        return case

    # --- actions ----------------------------------------------------------------------------------

    def accept(self, actor: Actor, case_id: str, request_id: str) -> ActionResult:
        return self._act(
            actor,
            case_id,
            "accept",
            request_id,
            lambda case, now: case.accept(actor.uid, request_id, now, self._policy),
            params={},
        )

    def answer(
        self,
        actor: Actor,
        case_id: str,
        request_id: str,
        text: str,
        attachment: OfficialFile | None = None,
    ) -> ActionResult:
        """`attachment`: a file already stored in the attachments bucket (the console stores it before
        calling, outside the transaction); it reaches the citizen after the text. The API sends none."""
        raw_text, text = text, _required(text, "text")
        return self._act(
            actor,
            case_id,
            "answer",
            request_id,
            lambda case, now: case.answer(actor.uid, request_id, now, text, attachment),
            params=answer_params(raw_text, attachment),
        )

    def transfer(
        self, actor: Actor, case_id: str, request_id: str, to_agency_id: str, reason: str | None = None
    ) -> ActionResult:
        """`reason`: kept on the case, told to the citizen; the console asks for one, the API takes none."""
        to = _agency(to_agency_id)
        params: dict[str, object] = {"to_agency_id": to_agency_id}
        if reason is not None:
            params["reason"] = reason
            reason = _required(reason, "reason")
        return self._act(
            actor,
            case_id,
            "transfer",
            request_id,
            lambda case, now: case.transfer(actor.uid, request_id, now, to, self._policy, reason=reason),
            params=params,
        )

    def reclassify(self, actor: Actor, case_id: str, request_id: str, kind: str) -> ActionResult:
        """What the case is about, as the official reads it: one of the in-scope kinds (an item that is not
        this channel's is rejected instead, `reject` with `not_pakn`)."""
        if kind not in KINDS:
            raise InvalidInput("unknown_kind", f"the kinds are {', '.join(KINDS)}")
        return self._act(
            actor,
            case_id,
            "reclassify",
            request_id,
            lambda case, now: case.reclassify(actor.uid, request_id, now, kind, self._policy),
            params={"kind": kind},
        )

    def extend(self, actor: Actor, case_id: str, request_id: str, reason: str) -> ActionResult:
        raw_reason, reason = reason, _required(reason, "reason")
        return self._act(
            actor,
            case_id,
            "extend",
            request_id,
            lambda case, now: case.extend(actor.uid, request_id, now, reason, self._policy),
            params={"reason": raw_reason},
        )

    def request_info(self, actor: Actor, case_id: str, request_id: str, question: str) -> ActionResult:
        raw_question, question = question, _required(question, "question")
        return self._act(
            actor,
            case_id,
            "request_info",
            request_id,
            lambda case, now: case.request_info(actor.uid, request_id, now, question, self._policy),
            params={"question": raw_question},
        )

    def resume(self, actor: Actor, case_id: str, request_id: str) -> ActionResult:
        """The citizen answered (in the conversation): the clocks run again, later by the wait."""
        return self._act(
            actor,
            case_id,
            "resume",
            request_id,
            lambda case, now: case.resume(actor.uid, request_id, now, self._policy),
            params={},
        )

    # --- one unit of work -------------------------------------------------------------------------

    def _act(
        self,
        actor: Actor,
        case_id: str,
        action: OfficialAction,
        request_id: str,
        decide: Decide,
        params: Mapping[str, object],
    ) -> ActionResult:
        """`params` are the action's parameters as the official sent them (without the request id): their
        digest is kept on the entry, so the same request id sent again with other parameters is refused."""
        delivery_key = f"case:{case_id}:{action}:{request_id}"
        digest = request_digest(action, params)

        def run(uow: UnitOfWork) -> tuple[ActionResult, str, bool]:
            case = self._cases.locate(uow, actor.agency_id, case_id)
            if case is None:
                raise CaseNotFound()
            done = case.entry(action, request_id)
            if case.agency_id != actor.agency_id and not actor.any_agency and not _own_entry(done, actor):
                # Found under another agency: the same answer as no case at all.
                raise CaseNotFound()
            if done is not None:
                if done.by != actor.uid:
                    raise WrongState("request_id_taken", "another official used this request_id on the case")
                # Entries written before digests were kept have none: a retry of one is taken as the same.
                if done.request_digest not in (None, digest):
                    raise WrongState(
                        "request_id_reused", "this request_id was used for a request with other parameters"
                    )
                return _result(case, done), case.citizen_id, False
            now = self._clock()
            try:
                transition = decide(case, now)
            except WrongRequest as exc:
                raise InvalidInput(exc.code, exc.message) from exc
            except IllegalTransition as exc:
                raise WrongState(exc.code, exc.message) from exc
            except TextTooLong as exc:
                raise InvalidInput(f"{exc.field_name}_too_long", str(exc)) from exc
            transition = transition.with_request_digest(digest)
            changed = transition.case
            if self._announcer is not None and changed.agency_id != case.agency_id:
                changed = self._announcer.announce(uow, changed, now)
            self._cases.save(uow, case, changed)
            if action in ("transfer", "reclassify"):
                # Where the case belongs, and what it is about, are what the classifier should have said.
                self._corrections.record(uow, case, transition)
            if transition.awaiting_citizen:
                awaiting = AwaitingInfo(
                    case_id=case.case_id, agency_id=case.agency_id, tracking_code=case.tracking_code
                )
                self._citizens.await_information(uow, case.citizen_id, awaiting)
            elif transition.awaiting_citizen is False:
                self._citizens.stop_awaiting(uow, case.citizen_id)
            if transition.invites_rating:
                after = AfterAnswer(
                    case_id=case.case_id,
                    agency_id=changed.agency_id,
                    tracking_code=case.tracking_code,
                    answered_at=now,
                )
                self._citizens.answered(uow, case.citizen_id, after)
            if transition.citizen_message is not None:
                delivery = Delivery(
                    key=delivery_key,
                    citizen_id=case.citizen_id,
                    messages=[
                        *texts(transition.citizen_message),
                        *([file_message(transition.citizen_file)] if transition.citizen_file else []),
                        *(
                            [rating.prompt(changed, self._deadline_policy())]
                            if transition.invites_rating
                            else []
                        ),
                    ],
                    case_id=case_id,
                    notice=transition.notice,
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

    # --- the officials' console's actions (the same unit of work, natural key and outbox) -----------

    def reject(
        self, actor: Actor, case_id: str, request_id: str, ground: str, explanation: str = ""
    ) -> ActionResult:
        """Không xem xét on one of Decree 20's grounds; the citizen is told why through the outbox."""
        if ground not in get_args(RejectionGround):
            raise InvalidInput("unknown_ground", f"the grounds are {', '.join(get_args(RejectionGround))}")
        raw_explanation, explanation = explanation, explanation.strip()
        if ground == "outside_authority" and not explanation:
            raise InvalidInput("explanation_empty", "say which body or channel handles the matter")
        return self._act(
            actor,
            case_id,
            "reject",
            request_id,
            lambda case, now: case.reject(actor.uid, request_id, now, ground, explanation),
            params={"ground": ground, "explanation": raw_explanation},
        )

    def note(self, actor: Actor, case_id: str, request_id: str, text: str) -> ActionResult:
        """An internal note: kept on the case for officials, never sent to the citizen."""
        raw_text, text = text, _required(text, "text")
        return self._act(
            actor,
            case_id,
            "note",
            request_id,
            lambda case, now: case.note(actor.uid, request_id, now, text),
            params={"text": raw_text},
        )

    def mark_duplicate(self, actor: Actor, case_id: str, request_id: str, original_code: str) -> ActionResult:
        """Closes the case as a duplicate of the case with tracking code `original_code`."""
        raw_code, original_code = original_code, _required(original_code, "original_code").upper()
        original = self._cases.find_by_tracking_code(UnitOfWork.outside(self._db), original_code)
        if original is None:
            raise InvalidInput("original_not_found", "no case has this tracking code")
        if original.case_id == case_id:
            raise InvalidInput("duplicate_of_itself", "a case cannot duplicate itself")
        return self._act(
            actor,
            case_id,
            "mark_duplicate",
            request_id,
            lambda case, now: case.mark_duplicate(actor.uid, request_id, now, original),
            params={"original_code": raw_code},
        )


# The actions that tell the citizen something; a retry of one publishes its delivery again.
MESSAGING_ACTIONS: frozenset[OfficialAction] = frozenset(
    {"accept", "answer", "transfer", "extend", "request_info", "reject", "mark_duplicate"}
)


def answer_params(text: str, attachment: OfficialFile | None) -> dict[str, object]:
    """An answer's parameters as its digest sees them. The file is there by its name, type, size and the
    SHA-256 of its bytes, so a retry with another file is another request; an answer without one keeps the
    parameters (and the digests) answers had before files could be sent."""
    params: dict[str, object] = {"text": text}
    if attachment is not None:
        stored = attachment.stored
        params["attachment"] = {
            "name": attachment.name,
            "content_type": stored.content_type,
            "size": stored.size,
            "sha256": stored.sha256,
        }
    return params


def request_digest(action: OfficialAction, params: Mapping[str, object]) -> str:
    """SHA-256 of an action's parameters in canonical JSON (sorted keys, no spaces, UTF-8): the request's
    fingerprint, kept instead of a second copy of its text."""
    canonical = json.dumps(
        {"action": action, "params": dict(params)}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    # surrogatepass: a lone surrogate (no valid text, but a str can hold one) still has a fingerprint.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _agency(agency_id: str) -> AgencyRef:
    try:
        agency = load_registry().get(agency_id)
    except KeyError as exc:
        raise InvalidInput("unknown_agency", "no agency in the registry has this id") from exc
    return AgencyRef(id=agency.id, name=agency.name, level=agency.level)


def _own_entry(entry: HistoryEntry | None, actor: Actor) -> bool:
    """The actor's own earlier action, taken for their agency (a transfer's retry after the case moved)."""
    return entry is not None and entry.by == actor.uid and entry.agency_id == actor.agency_id


def _result(case: Case, entry: HistoryEntry) -> ActionResult:
    return ActionResult(case_id=case.case_id, tracking_code=case.tracking_code, **entry.model_dump())


def _required(value: str, name: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{name}_empty", f"{name} is blank")
    return value

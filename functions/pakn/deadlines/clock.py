"""A case's deadlines (hạn xử lý): the clock kept on each case, and the pure moves that change it.

Two clocks run on a case. The citizen's overall deadline is set when the case is filed and never restarts.
The current agency's clock covers one stage, accept (tiếp nhận: accept the case or forward it) and then
answer (trả lời); it restarts when the case is transferred to another agency. While the case waits for
the citizen's information both clocks stop: on resuming, both deadlines move by the working days spent
waiting. One extension (gia hạn) per case moves both deadlines once. The overall deadline is shown to the
citizen; the sweep's steps act on the agency's.

The scheduled sweep queries `next_action_at <= now`, asks `due_steps(clock, now)` what to do, does it,
and stores `record(clock, step, now)`, which sets the next `next_action_at`. Every move takes the time
as an argument, so tests drive the clock; nothing here reads the wall clock or a database.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, PositiveInt, model_validator

from pakn.deadlines.workdays import WorkCalendar, close_of_day, default_calendar, local_date, waking_hours
from pakn.domain.errors import PaknError
from pakn.domain.vocabulary import Kind, Level
from pakn.platform.configuration import CONFIG_DIR, load_config

DEFAULT_RULES = CONFIG_DIR / "deadlines.json"

Stage = Literal["accept", "answer"]
# In the order the sweep takes them for one agency's deadline.
LadderStep = Literal["remind", "breach", "escalate_lead", "escalate_office"]
Step = Literal[LadderStep, "update_citizen"]
# What a notification is about: a step of the sweep, or new work announced to the agency that receives it.
NotificationStep = Literal[Step, "announce"]
LADDER: tuple[LadderStep, ...] = get_args(LadderStep)


class DeadlineError(PaknError):
    """A case's clock cannot make the move asked of it."""


class ExtensionRefused(DeadlineError):
    """The one extension was already used, the case is not being answered, or its deadline has passed."""


class CaseClosed(DeadlineError):
    """The case is closed: its clocks have stopped."""


class StageLimits(BaseModel, extra="forbid"):
    """Working days allowed per stage, and added by the one extension."""

    accept: PositiveInt
    answer: PositiveInt
    extension: PositiveInt
    note: str = ""


class LimitsOverride(BaseModel, extra="forbid"):
    kind: Kind | None = None
    level: Level | None = None
    accept: PositiveInt | None = None
    answer: PositiveInt | None = None
    extension: PositiveInt | None = None
    note: str = ""


class Limits(BaseModel, extra="forbid"):
    default: StageLimits
    overrides: list[LimitsOverride] = []

    def for_case(self, kind: Kind, level: Level) -> StageLimits:
        values = self.default.model_dump(exclude={"note"})
        for entry in self.overrides:
            if entry.kind in (None, kind) and entry.level in (None, level):
                values |= entry.model_dump(include=set(values), exclude_none=True)
        return StageLimits(**values)


class Ladder(BaseModel, extra="forbid"):
    """Working days from an agency's deadline to each step of the sweep (the breach is at the deadline)."""

    remind_before_due: PositiveInt
    escalate_lead_after_due: PositiveInt
    escalate_office_after_due: PositiveInt

    @model_validator(mode="after")
    def _lead_before_office(self) -> Ladder:
        if self.escalate_office_after_due <= self.escalate_lead_after_due:
            raise ValueError("the Office is escalated to after the agency's lead")
        return self


class DeadlineRules(BaseModel, extra="forbid"):
    """`config/deadlines.json`; its `note` documents the format."""

    note: str = ""
    limits: Limits
    ladder: Ladder
    citizen_update_every_days: PositiveInt
    # Working days after an answer in which the citizen may say they do not accept it (the case reopens).
    # A file written before the key existed gets the shipped value.
    objection_working_days: PositiveInt = 10

    @classmethod
    def load(cls, path: Path = DEFAULT_RULES) -> DeadlineRules:
        return load_config(cls, path, "deadline rules")


@dataclass(frozen=True)
class DeadlinePolicy:
    """The rules and the calendar every move counts with; tests build their own."""

    rules: DeadlineRules
    calendar: WorkCalendar

    def limits(self, kind: Kind, level: Level) -> StageLimits:
        return self.rules.limits.for_case(kind, level)

    def due_after(self, at: datetime, working_days: int) -> datetime:
        """The close of the day `working_days` working days after (before, if negative) `at`'s date."""
        return close_of_day(self.calendar.add_working_days(local_date(at), working_days))

    def objection_until(self, answered_at: datetime) -> datetime:
        """Until when the citizen may object to an answer given at `answered_at`: the close of the
        `objection_working_days`-th working day after it."""
        return self.due_after(answered_at, self.rules.objection_working_days)


@functools.cache
def default_policy() -> DeadlinePolicy:
    """The shipped rules on the shipped calendar, loaded once per process."""
    return DeadlinePolicy(DeadlineRules.load(), default_calendar())


class AgencyClock(BaseModel, frozen=True):
    """The current agency's clock for one stage; it restarts on transfer and on acceptance."""

    agency_id: str
    stage: Stage
    started_at: AwareDatetime
    due_at: AwareDatetime
    # The last ladder step the sweep recorded against `due_at`; cleared whenever `due_at` moves.
    last_step: LadderStep | None = None


class NextAction(BaseModel, frozen=True):
    step: Step
    at: AwareDatetime


class CaseClock(BaseModel, frozen=True):
    """The clocks kept on a case. `next_action_at` is what the sweep's range query reads."""

    kind: Kind
    level: Level
    filed_at: AwareDatetime
    overall_due_at: AwareDatetime
    agency: AgencyClock
    frozen_since: AwareDatetime | None = None
    frozen_working_days: int = 0
    extended_at: AwareDatetime | None = None
    citizen_update_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    next_action_at: AwareDatetime | None = None
    next_step: Step | None = None

    @property
    def extension_used(self) -> bool:
        return self.extended_at is not None


def start(
    kind: Kind, level: Level, filed_at: datetime, agency_id: str, *, policy: DeadlinePolicy | None = None
) -> CaseClock:
    """The clock of a case filed at `filed_at` and routed to `agency_id`, which must accept or forward it."""
    policy = policy or default_policy()
    limits = policy.limits(kind, level)
    clock = CaseClock(
        kind=kind,
        level=level,
        filed_at=filed_at,
        overall_due_at=policy.due_after(filed_at, limits.accept + limits.answer),
        agency=AgencyClock(
            agency_id=agency_id,
            stage="accept",
            started_at=filed_at,
            due_at=policy.due_after(filed_at, limits.accept),
        ),
        citizen_update_at=waking_hours(filed_at + timedelta(days=policy.rules.citizen_update_every_days)),
    )
    return _scheduled(clock, policy)


def transfer(
    clock: CaseClock,
    to_agency: str,
    at: datetime,
    *,
    level: Level | None = None,
    policy: DeadlinePolicy | None = None,
) -> CaseClock:
    """Hand the case to `to_agency` (at `level`, if it changes): its own accept clock starts at `at`.

    The citizen's overall deadline keeps running. A transfer ends any wait for the citizen first.
    """
    _require_open(clock)
    policy = policy or default_policy()
    clock = unfreeze(clock, at, policy=policy)
    level = level or clock.level
    agency = AgencyClock(
        agency_id=to_agency,
        stage="accept",
        started_at=at,
        due_at=policy.due_after(at, policy.limits(clock.kind, level).accept),
    )
    return _scheduled(clock.model_copy(update={"level": level, "agency": agency}), policy)


def reopen(
    clock: CaseClock,
    agency_id: str,
    at: datetime,
    *,
    stage: Stage = "answer",
    level: Level | None = None,
    policy: DeadlinePolicy | None = None,
) -> CaseClock:
    """The citizen did not accept the answer: the answered case's clocks start again at `at`, a new round.

    `agency_id` gets a fresh clock for `stage`: the agency that answered has already accepted the case and
    owes a new answer; an agency that receives it (the city Office) must accept or forward it first. The
    citizen's overall deadline becomes the end of that round, since the earlier one was met by the answer.
    Waits for the citizen and the sweep's steps belong to the round that ended; the one extension stays used.
    """
    if clock.closed_at is None:
        raise DeadlineError("only a closed clock can be reopened")
    policy = policy or default_policy()
    level = level or clock.level
    limits = policy.limits(clock.kind, level)
    days = limits.answer if stage == "answer" else limits.accept
    overall = limits.answer if stage == "answer" else limits.accept + limits.answer
    agency = AgencyClock(agency_id=agency_id, stage=stage, started_at=at, due_at=policy.due_after(at, days))
    reopened = clock.model_copy(
        update={
            "level": level,
            "agency": agency,
            "overall_due_at": policy.due_after(at, overall),
            "frozen_since": None,
            "closed_at": None,
            "citizen_update_at": waking_hours(at + timedelta(days=policy.rules.citizen_update_every_days)),
        }
    )
    return _scheduled(reopened, policy)


def reclassify(clock: CaseClock, kind: Kind, *, policy: DeadlinePolicy | None = None) -> CaseClock:
    """The case is of another kind: the stage under way keeps the deadline its start set (the agency was
    told it), the stages after it follow the new kind's limits."""
    _require_open(clock)
    return _scheduled(clock.model_copy(update={"kind": kind}), policy or default_policy())


def accept(clock: CaseClock, at: datetime, *, policy: DeadlinePolicy | None = None) -> CaseClock:
    """The current agency accepts the case at `at`: its answer clock starts, and any wait ends.

    Repeating it changes nothing.
    """
    _require_open(clock)
    if clock.agency.stage == "answer":
        return clock
    policy = policy or default_policy()
    clock = unfreeze(clock, at, policy=policy)
    agency = clock.agency.model_copy(
        update={
            "stage": "answer",
            "started_at": at,
            "due_at": policy.due_after(at, policy.limits(clock.kind, clock.level).answer),
            "last_step": None,
        }
    )
    return _scheduled(clock.model_copy(update={"agency": agency}), policy)


def freeze(clock: CaseClock, at: datetime, *, policy: DeadlinePolicy | None = None) -> CaseClock:
    """Stop both clocks at `at`, waiting for the citizen's information. Repeating it changes nothing."""
    _require_open(clock)
    if clock.frozen_since is not None:
        return clock
    return _scheduled(clock.model_copy(update={"frozen_since": at}), policy or default_policy())


def unfreeze(clock: CaseClock, at: datetime, *, policy: DeadlinePolicy | None = None) -> CaseClock:
    """The citizen's information arrived at `at`: both deadlines move by the working days waited.

    Those are the working days after the day the wait began, up to and including the day it ended, so a
    wait that starts and ends on the same day moves nothing. Unfreezing a running clock changes nothing.
    """
    _require_open(clock)
    if clock.frozen_since is None:
        return clock
    policy = policy or default_policy()
    waited = policy.calendar.working_days_between(local_date(clock.frozen_since), local_date(at))
    clock = clock.model_copy(
        update={"frozen_since": None, "frozen_working_days": clock.frozen_working_days + waited}
    )
    return _scheduled(_moved(clock, waited, policy), policy)


def extend(clock: CaseClock, at: datetime, *, policy: DeadlinePolicy | None = None) -> CaseClock:
    """Use the case's one extension at `at`: the agency's answer deadline and the overall one move."""
    _require_open(clock)
    if clock.extended_at is not None:
        raise ExtensionRefused(f"the case was already extended once, at {clock.extended_at.isoformat()}")
    if clock.agency.stage != "answer":
        raise ExtensionRefused("only the answer stage can be extended")
    if at >= clock.agency.due_at:
        raise ExtensionRefused("the deadline has already passed")
    policy = policy or default_policy()
    working_days = policy.limits(clock.kind, clock.level).extension
    clock = _moved(clock.model_copy(update={"extended_at": at}), working_days, policy)
    return _scheduled(clock, policy)


def close(clock: CaseClock, at: datetime) -> CaseClock:
    """The case is answered or closed at `at`: nothing more is due. Repeating it changes nothing."""
    if clock.closed_at is not None:
        return clock
    return clock.model_copy(update={"closed_at": at, "next_action_at": None, "next_step": None})


def next_due(clock: CaseClock, *, policy: DeadlinePolicy | None = None) -> NextAction | None:
    """The earliest step still to come, or None for a closed case. Kept in `next_action_at`/`next_step`."""
    if clock.closed_at is not None:
        return None
    policy = policy or default_policy()
    pending = [NextAction(step="update_citizen", at=clock.citizen_update_at)]
    ladder = _pending_ladder(clock, policy)
    if ladder:
        pending.append(ladder[0])
    return min(pending, key=lambda action: action.at)


def due_steps(clock: CaseClock, now: datetime, *, policy: DeadlinePolicy | None = None) -> list[Step]:
    """The steps the sweep must take at `now`, each to be stored with `record` once done.

    Of the agency's ladder only the latest step already due is returned: after a sweep outage, a late
    reminder or breach notice is no use once the case is being escalated.
    """
    if clock.closed_at is not None:
        return []
    policy = policy or default_policy()
    steps: list[Step] = []
    passed = [action.step for action in _pending_ladder(clock, policy) if action.at <= now]
    if passed:
        steps.append(passed[-1])
    if clock.citizen_update_at <= now:
        steps.append("update_citizen")
    return steps


def record(clock: CaseClock, step: Step, at: datetime, *, policy: DeadlinePolicy | None = None) -> CaseClock:
    """Store that the sweep took `step` at `at`, and schedule what comes next.

    Recording a ladder step the clock is already past changes nothing, so a redelivered sweep is harmless.
    """
    _require_open(clock)
    policy = policy or default_policy()
    if step == "update_citizen":
        next_update = waking_hours(at + timedelta(days=policy.rules.citizen_update_every_days))
        return _scheduled(clock.model_copy(update={"citizen_update_at": next_update}), policy)
    if clock.agency.last_step is not None and LADDER.index(step) <= LADDER.index(clock.agency.last_step):
        return clock
    agency = clock.agency.model_copy(update={"last_step": step})
    return _scheduled(clock.model_copy(update={"agency": agency}), policy)


def rescheduled(clock: CaseClock, *, policy: DeadlinePolicy | None = None) -> CaseClock:
    """The clock with its next action placed by `policy` (the rules or the calendar may have changed)."""
    return _scheduled(clock, policy or default_policy())


def _require_open(clock: CaseClock) -> None:
    if clock.closed_at is not None:
        raise CaseClosed(f"the case was closed at {clock.closed_at.isoformat()}")


def _moved(clock: CaseClock, working_days: int, policy: DeadlinePolicy) -> CaseClock:
    """Both deadlines `working_days` later; the ladder starts again against the agency's new deadline."""
    if not working_days:
        return clock
    agency = clock.agency.model_copy(
        update={"due_at": policy.due_after(clock.agency.due_at, working_days), "last_step": None}
    )
    return clock.model_copy(
        update={"overall_due_at": policy.due_after(clock.overall_due_at, working_days), "agency": agency}
    )


def _pending_ladder(clock: CaseClock, policy: DeadlinePolicy) -> list[NextAction]:
    """The agency's ladder steps not yet recorded, in order; none while waiting for the citizen."""
    if clock.frozen_since is not None:
        return []
    due = clock.agency.due_at
    ladder = policy.rules.ladder
    instants = {
        "remind": policy.due_after(due, -ladder.remind_before_due),
        "breach": due,
        "escalate_lead": policy.due_after(due, ladder.escalate_lead_after_due),
        "escalate_office": policy.due_after(due, ladder.escalate_office_after_due),
    }
    done = LADDER.index(clock.agency.last_step) + 1 if clock.agency.last_step else 0
    return [NextAction(step=step, at=instants[step]) for step in LADDER[done:]]


def _scheduled(clock: CaseClock, policy: DeadlinePolicy) -> CaseClock:
    action = next_due(clock, policy=policy)
    return clock.model_copy(
        update={
            "next_action_at": action.at if action else None,
            "next_step": action.step if action else None,
        }
    )

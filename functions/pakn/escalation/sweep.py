"""The scheduled deadline sweep: every hour, each due case's clock is asked what to do, and it is done once.

Only due cases are read: a range query on `clock.next_action_at` over the open cases (collection group
`cases`, `status ==` then `clock.next_action_at` ascending: a composite index declared in
infra/firestore.indexes.json), so a sweep costs in proportion to the cases due, not to all cases. Closed
cases have no `next_action_at`.

For each due case one unit of work re-reads it and asks `plan_steps` (pure: the case, the time, the plan
and who the officials are) what to do; it then commits together the case's `record_steps` transition
(which moves `next_action_at` past now, and lists the notifications on the case), the notifications in the
notification outbox, and the Zalo deliveries. That transaction is the claim: a
second sweep, run again or at the same time, re-reads a clock with the steps recorded and finds nothing due.
Sending happens after the commit (pakn.notify).

In the cloud the scheduled run only finds the due cases and fans them out, one `DueCase` message each on
the `due-cases` topic, to the `sweep_case` function (at most `max_instances` at once, topology.json), so
5,000 cases due on one working day take minutes, not one invocation's timeout. A case dispatched twice (a
redelivery, the next hour's run finding it still due) is claimed once: the claim is the same transaction.
Without a dispatcher (the tests, a one-off run) the cases are swept in the run itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pakn.cases.case import Case, NotificationOnCase
from pakn.cases.store import CaseStore
from pakn.deadlines.clock import (
    CaseClock,
    DeadlineError,
    DeadlinePolicy,
    Step,
    default_policy,
    due_steps,
    record,
)
from pakn.deadlines.workdays import day_written as _date
from pakn.domain import messages
from pakn.escalation.notify import Channel, Notification, Notifier
from pakn.escalation.officials import (
    ChannelName,
    Directory,
    EscalationPlan,
    Official,
    OfficialRole,
    Recipient,
    addresses,
    default_plan,
)
from pakn.platform.log import get_logger
from pakn.platform.unit_of_work import UnitOfWork, in_transaction
from pakn.routing.registry import load_registry

log = get_logger("pakn.escalation.sweep")

PAGE_SIZE = 100

# Who a recipient line means for a case handled by an agency: (role, official) pairs.
OfficialsOf = Callable[[Recipient, str], list[tuple[OfficialRole, Official]]]


class DueCase(BaseModel):
    """The `due-cases` payload: one case for `sweep_case` to sweep (ids only: it re-reads the case)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency_id: str = Field(min_length=1)
    case_id: str = Field(min_length=1)


# Publishes the due cases found by one run (and returns when Pub/Sub has them all).
Dispatch = Callable[[Sequence[DueCase]], object]


class SweepReport(BaseModel):
    """What one sweep did; the HTTP entry point returns it as JSON."""

    cases: int = 0
    # Due cases handed to `sweep_case` (a fanned-out run sweeps none itself).
    dispatched: int = 0
    steps: dict[str, int] = Field(default_factory=dict)
    # Outcomes of the notifications sent, first attempts and retries: sent, retrying, failed.
    notifications: dict[str, int] = Field(default_factory=dict)
    # Recipients with nobody to reach: no official in the role, at the agency or at the office.
    unaddressed: int = 0
    # Cases whose stored clock cannot be read; left for a person, logged with their id.
    unreadable: int = 0
    # Cases that failed for another reason (a conflict, broken contacts); still due, retried next sweep.
    failed: int = 0


@dataclass
class StepPlan:
    """What the sweep does to one due case at one time: the case as it will be stored, the steps taken,
    the notifications they cause, and how many recipients had nobody to reach."""

    case: Case
    steps: list[Step] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    unaddressed: int = 0
    # How each notification's first send went, once sent (pakn.escalation.notify states).
    sent: list[str] = field(default_factory=list)


def answer_late(clock: CaseClock, now: datetime) -> bool:
    """The citizen's answer is late: a missed acceptance alone does not delay it, its deadlines passing do."""
    return now >= clock.overall_due_at or (clock.agency.stage == "answer" and now >= clock.agency.due_at)


def plan_steps(
    case: Case,
    now: datetime,
    *,
    policy: DeadlinePolicy,
    plan: EscalationPlan,
    channels: Sequence[ChannelName],
    officials_of: OfficialsOf,
) -> StepPlan:
    """The sweep's decision for `case` at `now`, by the deadline rules and escalation.json. Pure: the
    officials come from `officials_of`, and `channels` are the ones turned on, in order."""
    steps = due_steps(case.clock, now, policy=policy)
    if not steps:
        # Scheduled under older rules or calendar: store when it is really due, or it is read hourly.
        return StepPlan(case=case.rescheduled(policy))
    result = StepPlan(case=case, steps=steps)
    told = {entry.message for entry in case.notifications}
    clock = case.clock
    for step in steps:
        _compose(result, case, clock, step, now, told, policy, plan, channels, officials_of)
        clock = record(clock, step, now, policy=policy)
    on_case = [NotificationOnCase(**n.on_case()) for n in result.notifications]
    result.case = case.record_steps(steps, on_case, now, policy=policy)
    return result


def _compose(
    result: StepPlan,
    case: Case,
    clock: CaseClock,
    step: Step,
    now: datetime,
    told: set[str],
    policy: DeadlinePolicy,
    plan: EscalationPlan,
    channels: Sequence[ChannelName],
    officials_of: OfficialsOf,
) -> None:
    """The notifications `step` causes on this case, by escalation.json, added to `result`."""
    # The deadline the step is about; with the step, it makes each notification's key unique and stable.
    instant = clock.citizen_update_at if step == "update_citizen" else clock.agency.due_at
    prefix = f"{case.case_id}#{step}#{instant.astimezone(UTC):%Y%m%dT%H%MZ}"
    values = _values(case, clock, now, policy)
    for recipient in plan.steps[step]:
        if (recipient.once_per_case and recipient.message in told) or (
            recipient.when == "answer_late" and not answer_late(clock, now)
        ):
            continue
        found = addresses(recipient, case.citizen_id, clock.agency.agency_id, channels, officials_of)
        if not found:
            result.unaddressed += 1
            log.warning("nobody to notify", case_id=case.case_id, step=step, agency_id=clock.agency.agency_id)
        # Officials read Vietnamese; the citizen, the language they wrote in.
        text = messages.text(
            recipient.message, case.language if recipient.role == "citizen" else "vi", **values
        )
        notice = case.notice(recipient.message, date=values["date"])
        for index, (role, channel, address) in enumerate(found):
            result.notifications.append(
                Notification(
                    key=f"{prefix}#{recipient.message}#{role}{index}#{channel}",
                    case_id=case.case_id,
                    agency_id=clock.agency.agency_id,
                    step=step,
                    role=role,
                    channel=channel,
                    address=address,
                    message=recipient.message,
                    text=text,
                    notice=notice if role == "citizen" else None,
                    created_at=now,
                )
            )
        told.add(recipient.message)


def _values(case: Case, clock: CaseClock, now: datetime, policy: DeadlinePolicy) -> dict[str, str]:
    agency = load_registry().agencies.get(clock.agency.agency_id)
    expected = clock.overall_due_at
    if expected <= now:
        # Late already: the one extension the rules allow is the longest the answer may still take.
        extension = policy.limits(clock.kind, clock.level).extension
        expected = policy.due_after(expected, extension)
    return {
        "code": case.tracking_code,
        "agency": agency.name if agency else case.agency_name,
        "stage": messages.text(f"official.stage.{clock.agency.stage}"),
        "due": _date(clock.agency.due_at),
        "date": _date(expected),
    }


class Sweep:
    def __init__(
        self,
        db,
        channels: Mapping[ChannelName, Channel],
        *,
        policy: DeadlinePolicy | None = None,
        plan: EscalationPlan | None = None,
        page_size: int = PAGE_SIZE,
        dispatch: Dispatch | None = None,
    ):
        self._db = db
        self._dispatch = dispatch
        self._cases = CaseStore(db)
        self._notifier = Notifier(db, channels)
        self._policy = policy or default_policy()
        self._plan = plan or default_plan()
        self._page_size = page_size

    def run(self, now: datetime) -> SweepReport:
        """The scheduled run: retries the notifications due, then sweeps each due case, or dispatches them
        (a page at a time) when there is a dispatcher."""
        report = SweepReport()
        outcomes = Counter(self._notifier.retry_due(now))
        steps: Counter[str] = Counter()
        directory = Directory(self._db, self._plan)
        page: list[DueCase] = []
        for agency_id, case_id, _ in self._cases.due(now, self._page_size):
            if self._dispatch is not None:
                page.append(DueCase(agency_id=agency_id, case_id=case_id))
                if len(page) == self._page_size:
                    report.dispatched += self._dispatched(page)
                continue
            report.cases += 1
            self._sweep_one(agency_id, case_id, now, directory, report, steps, outcomes)
        if page:
            report.dispatched += self._dispatched(page)
        report.steps, report.notifications = dict(steps), dict(outcomes)
        log.info("sweep finished", count=report.cases or report.dispatched, status=report.notifications)
        return report

    def sweep_case(self, due: DueCase, now: datetime) -> SweepReport:
        """One dispatched case (the `sweep_case` function): claimed, planned and notified as `run` would."""
        report = SweepReport(cases=1)
        steps: Counter[str] = Counter()
        outcomes: Counter[str] = Counter()
        directory = Directory(self._db, self._plan)
        self._sweep_one(due.agency_id, due.case_id, now, directory, report, steps, outcomes)
        report.steps, report.notifications = dict(steps), dict(outcomes)
        return report

    def _dispatched(self, page: list[DueCase]) -> int:
        self._dispatch(list(page))
        count = len(page)
        page.clear()
        return count

    def _sweep_one(
        self,
        agency_id: str,
        case_id: str,
        now: datetime,
        directory: Directory,
        report: SweepReport,
        steps: Counter[str],
        outcomes: Counter[str],
    ) -> None:
        try:
            plan = self._take_steps(agency_id, case_id, now, directory)
        except (ValidationError, DeadlineError) as exc:
            report.unreadable += 1
            log.exception("case clock unreadable", exc, case_id=case_id)
            return
        except Exception as exc:
            # One case (a conflict, a bad contact entry) must not stop the sweep for every case after it;
            # this one stays due and the next sweep tries it again.
            report.failed += 1
            log.exception("case not swept", exc, case_id=case_id)
            return
        if plan is None:
            return
        steps.update(plan.steps)
        report.unaddressed += plan.unaddressed
        outcomes.update(plan.sent)

    def _take_steps(
        self, agency_id: str, case_id: str, now: datetime, directory: Directory
    ) -> StepPlan | None:
        plan = self._claim(agency_id, case_id, now, directory)
        if plan is not None:
            plan.sent = [self._notifier.send(notification, now) for notification in plan.notifications]
        return plan

    def _claim(self, agency_id: str, case_id: str, now: datetime, directory: Directory) -> StepPlan | None:
        """The claim: one unit of work re-reads the case, plans, and stores the plan with its records."""

        def claim(uow: UnitOfWork) -> StepPlan | None:
            case = self._cases.read(uow, agency_id, case_id)
            if case is None or case.status != "open":
                return None
            plan = plan_steps(
                case,
                now,
                policy=self._policy,
                plan=self._plan,
                channels=tuple(self._notifier.channels),
                officials_of=directory.officials,
            )
            for notification in plan.notifications:
                self._notifier.record(uow, notification, now)
            self._cases.save(uow, case, plan.case)
            return plan

        return in_transaction(self._db, claim)

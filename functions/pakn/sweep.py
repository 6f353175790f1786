"""The scheduled deadline sweep: every hour, each due case's clock is asked what to do, and it is done once.

Only due cases are read: a range query on `clock.next_action_at` over the open cases (collection group
`cases`, `status ==` then `clock.next_action_at` ascending: a composite index declared in
infra/firestore.indexes.json), so a sweep costs in proportion to the cases due, not to all cases. Closed
cases have no `next_action_at`.

For each due case one transaction re-reads it, asks `deadlines.due_steps`, and commits together the steps
recorded on the clock (which moves `next_action_at` past now), the notifications they cause, listed on the
case and recorded in the notification outbox, and the Zalo deliveries. That transaction is the claim: a
second sweep, run again or at the same time, re-reads a clock with the steps recorded and finds nothing due.
Sending happens after the commit (pakn.notify).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, Field, ValidationError

from pakn import collections, messages
from pakn.deadlines import (
    CaseClock,
    DeadlineError,
    DeadlinePolicy,
    Step,
    default_policy,
    due_steps,
    next_due,
    record,
)
from pakn.log import get_logger
from pakn.notify import Channel, Notification, Notifier
from pakn.officials import ChannelName, Directory, EscalationPlan, Recipient, default_plan
from pakn.registry import load_registry
from pakn.workdays import local_date

log = get_logger("pakn.sweep")

PAGE_SIZE = 100


class SweepReport(BaseModel):
    """What one sweep did; the HTTP entry point returns it as JSON."""

    cases: int = 0
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
class _Claim:
    steps: list[Step] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    unaddressed: int = 0


def answer_late(clock: CaseClock, now: datetime) -> bool:
    """The citizen's answer is late: a missed acceptance alone does not delay it, its deadlines passing do."""
    return now >= clock.overall_due_at or (clock.agency.stage == "answer" and now >= clock.agency.due_at)


def _date(instant: datetime) -> str:
    return local_date(instant).strftime("%d/%m/%Y")


class Sweep:
    def __init__(
        self,
        db,
        channels: Mapping[ChannelName, Channel],
        *,
        policy: DeadlinePolicy | None = None,
        plan: EscalationPlan | None = None,
        page_size: int = PAGE_SIZE,
    ):
        self._db = db
        self._notifier = Notifier(db, channels)
        self._policy = policy or default_policy()
        self._plan = plan or default_plan()
        self._page_size = page_size

    def run(self, now: datetime) -> SweepReport:
        report = SweepReport()
        outcomes = Counter(self._notifier.retry_due(now))
        steps: Counter[str] = Counter()
        directory = Directory(self._db, self._plan)
        for snapshot in self._due_cases(now):
            report.cases += 1
            try:
                claim = self._claim(snapshot.reference, now, directory)
            except (ValidationError, DeadlineError) as exc:
                report.unreadable += 1
                log.exception("case clock unreadable", exc, case_id=snapshot.id)
                continue
            except Exception as exc:
                # One case (a conflict, a bad contact entry) must not stop the sweep for every case after it;
                # this one stays due and the next sweep tries it again.
                report.failed += 1
                log.exception("case not swept", exc, case_id=snapshot.id)
                continue
            steps.update(claim.steps)
            report.unaddressed += claim.unaddressed
            outcomes.update(self._notifier.send(notification, now) for notification in claim.notifications)
        report.steps, report.notifications = dict(steps), dict(outcomes)
        log.info("sweep finished", count=report.cases, status=report.notifications)
        return report

    def _due_cases(self, now: datetime) -> Iterator:
        """The open cases due at `now`, earliest first, a page at a time (a cursor, so each is read once)."""
        from google.cloud.firestore_v1.base_query import FieldFilter

        query = (
            self._db.collection_group(collections.CASES)
            .where(filter=FieldFilter("status", "==", "open"))
            .where(filter=FieldFilter("clock.next_action_at", "<=", now))
            .order_by("clock.next_action_at")
            .limit(self._page_size)
        )
        page = query
        while True:
            snapshots = list(page.stream())
            yield from snapshots
            if len(snapshots) < self._page_size:
                return
            page = query.start_after(snapshots[-1])

    def _claim(self, ref, now: datetime, directory: Directory) -> _Claim:
        from google.cloud import firestore

        @firestore.transactional
        def claim(transaction) -> _Claim:
            snapshot = ref.get(transaction=transaction)
            case = snapshot.to_dict() if snapshot.exists else None
            if not case or case.get("status") != "open":
                return _Claim()
            clock = CaseClock.model_validate(case["clock"])
            steps = due_steps(clock, now, policy=self._policy)
            if not steps:
                # Scheduled under older rules or calendar: store when it is really due, or it is read hourly.
                action = next_due(clock, policy=self._policy)
                transaction.update(
                    ref,
                    {
                        "clock.next_action_at": action.at if action else None,
                        "clock.next_step": action.step if action else None,
                    },
                )
                return _Claim()
            result = _Claim(steps=steps)
            told = {entry["message"] for entry in case.get("notifications", [])}
            for step in steps:
                self._compose(result, case, clock, step, now, directory, told)
                clock = record(clock, step, now, policy=self._policy)
            for notification in result.notifications:
                self._notifier.record(transaction, notification, now)
            changes = {"clock": clock.model_dump()}
            if result.notifications:
                changes["notifications"] = firestore.ArrayUnion([n.on_case() for n in result.notifications])
            transaction.update(ref, changes)
            return result

        return claim(self._db.transaction())

    def _compose(
        self,
        result: _Claim,
        case: dict,
        clock: CaseClock,
        step: Step,
        now: datetime,
        directory: Directory,
        told: set[str],
    ) -> None:
        """The notifications `step` causes on this case, by escalation.json, added to `result`."""
        # The deadline the step is about; with the step, it makes each notification's key unique and stable.
        instant = clock.citizen_update_at if step == "update_citizen" else clock.agency.due_at
        prefix = f"{case['case_id']}#{step}#{instant.astimezone(UTC):%Y%m%dT%H%MZ}"
        values = self._values(case, clock, now)
        for recipient in self._plan.steps[step]:
            if (recipient.once_per_case and recipient.message in told) or (
                recipient.when == "answer_late" and not answer_late(clock, now)
            ):
                continue
            addresses = self._addresses(case, clock, recipient, directory)
            if not addresses:
                result.unaddressed += 1
                log.warning(
                    "nobody to notify", case_id=case["case_id"], step=step, agency_id=clock.agency.agency_id
                )
            text = messages.text(recipient.message, **values)
            for index, (role, channel, address) in enumerate(addresses):
                result.notifications.append(
                    Notification(
                        key=f"{prefix}#{recipient.message}#{role}{index}#{channel}",
                        case_id=case["case_id"],
                        agency_id=clock.agency.agency_id,
                        step=step,
                        role=role,
                        channel=channel,
                        address=address,
                        message=recipient.message,
                        text=text,
                        created_at=now,
                    )
                )
            told.add(recipient.message)

    def _addresses(
        self, case: dict, clock: CaseClock, recipient: Recipient, directory: Directory
    ) -> list[tuple[str, ChannelName, str]]:
        if recipient.role == "citizen":
            return [("citizen", "zalo", case["citizen_id"])] if "zalo" in self._notifier.channels else []
        return [
            (role, channel, official.address(channel))
            for role, official in directory.officials(recipient, clock.agency.agency_id)
            for channel in self._notifier.channels
            if official.address(channel)
        ]

    def _values(self, case: dict, clock: CaseClock, now: datetime) -> dict[str, str]:
        agency = load_registry().agencies.get(clock.agency.agency_id)
        expected = clock.overall_due_at
        if expected <= now:
            # Late already: the one extension the rules allow is the longest the answer may still take.
            extension = self._policy.limits(clock.kind, clock.level).extension
            expected = self._policy.due_after(expected, extension)
        return {
            "code": case["tracking_code"],
            "agency": agency.name if agency else case["agency_name"],
            "stage": messages.text(f"official.stage.{clock.agency.stage}"),
            "due": _date(clock.agency.due_at),
            "date": _date(expected),
        }

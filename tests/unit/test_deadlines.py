"""A case's clocks through filing, transfers, waiting for the citizen, an extension and the sweep's ladder.

The rules here are the test's own, so the shipped configuration can change without breaking these dates.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pakn.deadlines import clock as deadlines
from pakn.deadlines.clock import (
    CaseClock,
    CaseClosed,
    DeadlinePolicy,
    DeadlineRules,
    ExtensionRefused,
    StageLimits,
)
from pakn.deadlines.workdays import VIETNAM_TZ, WorkCalendar
from pakn.domain.errors import ConfigurationError, PaknError

RULES = {
    "limits": {
        "default": {"accept": 1, "answer": 20, "extension": 10},
        "overrides": [
            {"level": "outside", "accept": 5},
            {"kind": "conduct", "answer": 15},
            {"kind": "conduct", "level": "outside", "answer": 30},
        ],
    },
    "ladder": {"remind_before_due": 1, "escalate_lead_after_due": 2, "escalate_office_after_due": 5},
    "citizen_update_every_days": 7,
}
policy = DeadlinePolicy(DeadlineRules.model_validate(RULES), WorkCalendar())


def hanoi(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=VIETNAM_TZ)


def close(month, day):
    """A deadline on that date: 17:00 in Hanoi."""
    return hanoi(month, day, 17)


def start(filed_at, agency_id="ward-a", kind="procedure", level="commune"):
    return deadlines.start(kind, level, filed_at, agency_id, policy=policy)


def answering(filed_at, accepted_at):
    return deadlines.accept(start(filed_at), accepted_at, policy=policy)


def sweep(clock, now):
    """What the scheduled sweep does with a case whose next_action_at has come."""
    steps = deadlines.due_steps(clock, now, policy=policy)
    for step in steps:
        clock = deadlines.record(clock, step, now, policy=policy)
    return clock, steps


def sweep_until(clock, end):
    """Sweep each time the case's next_action_at comes, up to `end`; the steps taken, by instant."""
    taken = []
    while clock.next_action_at is not None and clock.next_action_at <= end:
        now = clock.next_action_at
        clock, steps = sweep(clock, now)
        taken += [(now, step) for step in steps]
    return clock, taken


def ladder_steps(taken):
    return [(when, step) for when, step in taken if step != "update_citizen"]


def test_limits_by_kind_and_level_most_specific_last():
    limits = policy.rules.limits
    assert limits.for_case("procedure", "commune") == StageLimits(accept=1, answer=20, extension=10)
    assert limits.for_case("procedure", "outside").accept == 5
    assert limits.for_case("conduct", "city").answer == 15
    assert limits.for_case("conduct", "outside").answer == 30


def test_filing_sets_the_agency_and_the_overall_deadlines():
    clock = start(hanoi(3, 2))  # a Monday
    assert clock.agency.stage == "accept"
    assert clock.agency.due_at == close(3, 3)
    # 1 + 20 working days after Monday 2/3.
    assert clock.overall_due_at == close(3, 31)
    assert (clock.next_step, clock.next_action_at) == ("remind", close(3, 2))


def test_filed_before_tet_the_deadline_skips_it():
    clock = start(hanoi(2, 13, 10))  # Friday before Tết
    assert clock.agency.due_at == close(2, 23)
    assert deadlines.accept(clock, hanoi(2, 23), policy=policy).agency.due_at == close(3, 23)


def test_filing_late_in_the_evening_counts_from_the_hanoi_date():
    # 18:30 UTC on Thursday 12/2 is 01:30 on Friday 13/2 in Hanoi.
    clock = start(datetime(2026, 2, 12, 18, 30, tzinfo=UTC))
    assert clock.agency.due_at == close(2, 23)


def test_a_make_up_saturday_can_be_the_deadline():
    clock = start(hanoi(8, 21))  # Friday before the make-up Saturday 22/8
    assert clock.agency.due_at == close(8, 22)


def test_a_case_transferred_twice_restarts_the_agency_clock_not_the_citizens():
    filed = start(hanoi(3, 2), agency_id="ward-a")
    first = deadlines.transfer(filed, "dept-b", hanoi(3, 3, 10), level="department", policy=policy)
    assert (first.agency.agency_id, first.level, first.agency.stage) == ("dept-b", "department", "accept")
    assert first.agency.started_at == hanoi(3, 3, 10)
    assert first.agency.due_at == close(3, 4)

    accepted = deadlines.accept(first, hanoi(3, 4), policy=policy)
    assert accepted.agency.due_at == close(4, 1)
    accepted, steps = sweep(accepted, hanoi(4, 1, 9))
    assert steps == ["remind", "update_citizen"]

    second = deadlines.transfer(accepted, "police", hanoi(4, 1, 11), level="outside", policy=policy)
    assert (second.agency.agency_id, second.level, second.agency.stage) == ("police", "outside", "accept")
    # Outside the city's authority: 5 working days to forward, from Wednesday 1/4.
    assert second.agency.due_at == close(4, 8)
    assert second.agency.last_step is None
    for clock in (first, accepted, second):
        assert clock.filed_at == hanoi(3, 2)
        assert clock.overall_due_at == close(3, 31)


def test_waiting_for_the_citizen_stops_both_clocks():
    clock = answering(hanoi(4, 13), hanoi(4, 14))
    assert (clock.agency.due_at, clock.overall_due_at) == (close(5, 15), close(5, 15))

    frozen = deadlines.freeze(clock, hanoi(4, 24, 10), policy=policy)
    assert frozen.frozen_since == hanoi(4, 24, 10)
    assert deadlines.freeze(frozen, hanoi(4, 27), policy=policy) == frozen
    # Only the citizen's progress updates go on while the agency waits.
    assert frozen.next_step == "update_citizen"
    assert deadlines.due_steps(frozen, hanoi(5, 20), policy=policy) == ["update_citizen"]

    resumed = deadlines.unfreeze(frozen, hanoi(5, 5, 15), policy=policy)
    # Waited Tue 28/4, Wed 29/4, Mon 4/5, Tue 5/5: Hùng Kings' Monday, 30/4 and 1/5 were off anyway.
    assert resumed.frozen_working_days == 4
    assert resumed.frozen_since is None
    assert (resumed.agency.due_at, resumed.overall_due_at) == (close(5, 21), close(5, 21))
    assert deadlines.unfreeze(resumed, hanoi(5, 6), policy=policy) == resumed


instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(VIETNAM_TZ)
)
hours = st.integers(min_value=0, max_value=24 * 40)


@given(filed_at=instants, accepted_after=hours, frozen_after=hours, waited=hours)
def test_a_wait_moves_both_deadlines_by_the_working_days_waited(
    filed_at, accepted_after, frozen_after, waited
):
    clock = answering(filed_at, filed_at + timedelta(hours=accepted_after))
    frozen_at = clock.agency.started_at + timedelta(hours=frozen_after)
    frozen = deadlines.freeze(clock, frozen_at, policy=policy)
    resumed = deadlines.unfreeze(frozen, frozen_at + timedelta(hours=waited), policy=policy)
    between = policy.calendar.working_days_between
    for before, after in [
        (clock.agency.due_at, resumed.agency.due_at),
        (clock.overall_due_at, resumed.overall_due_at),
    ]:
        assert after.hour == 17
        assert policy.calendar.is_working_day(after.date())
        assert between(before.date(), after.date()) == resumed.frozen_working_days


def test_a_wait_within_one_day_moves_nothing():
    clock = answering(hanoi(4, 13), hanoi(4, 14))
    frozen = deadlines.freeze(clock, hanoi(4, 15, 9), policy=policy)
    resumed = deadlines.unfreeze(frozen, hanoi(4, 15, 16), policy=policy)
    assert resumed.agency.due_at == clock.agency.due_at
    assert resumed.frozen_working_days == 0


def test_a_transfer_ends_the_wait_and_the_citizen_gets_the_days_back():
    frozen = deadlines.freeze(answering(hanoi(3, 2), hanoi(3, 3)), hanoi(3, 5), policy=policy)
    moved = deadlines.transfer(frozen, "dept-b", hanoi(3, 9), policy=policy)
    assert moved.frozen_since is None
    assert moved.frozen_working_days == 2  # Fri 6/3, Mon 9/3
    assert moved.overall_due_at == close(4, 2)


def test_one_extension_moves_both_deadlines_and_a_second_is_refused():
    clock = answering(hanoi(3, 2), hanoi(3, 3))
    assert (clock.agency.due_at, clock.overall_due_at) == (close(3, 31), close(3, 31))
    reminded, _ = sweep(clock, hanoi(3, 30, 18))
    assert reminded.agency.last_step == "remind"

    extended = deadlines.extend(reminded, hanoi(3, 31, 9), policy=policy)
    assert extended.extension_used
    assert (extended.agency.due_at, extended.overall_due_at) == (close(4, 14), close(4, 14))
    # A new deadline gets its own reminder.
    assert extended.agency.last_step is None
    _, taken = sweep_until(extended, close(4, 14))
    assert ladder_steps(taken) == [(close(4, 13), "remind"), (close(4, 14), "breach")]

    with pytest.raises(ExtensionRefused, match="already extended") as refused:
        deadlines.extend(extended, hanoi(4, 1), policy=policy)
    assert isinstance(refused.value, PaknError)


def test_no_extension_before_acceptance_or_after_the_deadline():
    with pytest.raises(ExtensionRefused, match="answer stage"):
        deadlines.extend(start(hanoi(3, 2)), hanoi(3, 2, 10), policy=policy)
    with pytest.raises(ExtensionRefused, match="passed"):
        deadlines.extend(answering(hanoi(3, 2), hanoi(3, 3)), close(3, 31), policy=policy)


def test_the_sweep_climbs_the_ladder_and_updates_the_citizen_weekly():
    clock = answering(hanoi(3, 2), hanoi(3, 3))  # answer due Tuesday 31/3
    clock, taken = sweep_until(clock, hanoi(4, 30))
    assert ladder_steps(taken) == [
        (close(3, 30), "remind"),
        (close(3, 31), "breach"),
        (close(4, 2), "escalate_lead"),
        (close(4, 7), "escalate_office"),
    ]
    updates = [when for when, step in taken if step == "update_citizen"]
    assert updates == [
        hanoi(3, 9),
        hanoi(3, 16),
        hanoi(3, 23),
        hanoi(3, 30),
        hanoi(4, 6),
        hanoi(4, 13),
        hanoi(4, 20),
        hanoi(4, 27),
    ]
    assert (clock.next_step, clock.next_action_at) == ("update_citizen", hanoi(5, 4))


def test_nothing_is_due_a_minute_before_the_deadline():
    clock = answering(hanoi(3, 2), hanoi(3, 3))
    clock, _ = sweep(clock, hanoi(3, 30, 17))
    assert deadlines.due_steps(clock, hanoi(3, 31, 16, 59), policy=policy) == []
    assert deadlines.due_steps(clock, close(3, 31), policy=policy) == ["breach"]


def test_after_a_sweep_outage_only_the_latest_ladder_step_is_taken():
    clock = answering(hanoi(3, 2), hanoi(3, 3))
    clock, steps = sweep(clock, hanoi(4, 3, 12))
    assert steps == ["escalate_lead", "update_citizen"]
    assert (clock.next_step, clock.next_action_at) == ("escalate_office", close(4, 7))
    # A redelivered record of an earlier step changes nothing.
    assert deadlines.record(clock, "breach", hanoi(4, 3, 12), policy=policy) == clock

    clock, steps = sweep(clock, close(4, 7))
    assert steps == ["escalate_office"]
    assert clock.next_step == "update_citizen"


def test_a_closed_case_has_nothing_due_and_refuses_moves():
    closed = deadlines.close(answering(hanoi(3, 2), hanoi(3, 3)), hanoi(3, 20))
    assert (closed.next_action_at, closed.next_step) == (None, None)
    assert deadlines.due_steps(closed, hanoi(12, 31), policy=policy) == []
    assert deadlines.close(closed, hanoi(3, 21)) == closed
    with pytest.raises(CaseClosed):
        deadlines.transfer(closed, "dept-b", hanoi(3, 21), policy=policy)
    with pytest.raises(CaseClosed):
        deadlines.extend(closed, hanoi(3, 21), policy=policy)


def test_the_clock_survives_a_round_trip_through_utc_storage():
    clock = answering(hanoi(3, 2), hanoi(3, 3))
    stored = {
        key: value.astimezone(UTC) if isinstance(value, datetime) else value
        for key, value in clock.model_dump().items()
    }
    assert CaseClock.model_validate(stored) == clock


def test_the_shipped_rules_load():
    rules = deadlines.default_policy().rules
    assert rules.limits.for_case("procedure", "outside").accept == 5
    assert rules.citizen_update_every_days == 7


@pytest.mark.parametrize(
    "change",
    [
        {"ladder": {"remind_before_due": 1, "escalate_lead_after_due": 5, "escalate_office_after_due": 2}},
        {"limits": {"default": {"accept": 0, "answer": 20, "extension": 10}}},
        {"limits": {"default": {"accept": 1, "answer": 20, "extension": 10}, "overrides": [{"answr": 3}]}},
    ],
)
def test_bad_rules_are_refused(tmp_path, change):
    path = tmp_path / "deadlines.json"
    path.write_text(json.dumps(RULES | change))
    with pytest.raises(ConfigurationError):
        DeadlineRules.load(path)

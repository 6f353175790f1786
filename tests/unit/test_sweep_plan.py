"""The deadline sweep's decisions, without Firestore: for a case at a time, which steps are due, who is told
what through which channel, and what the case keeps. The sweep's storage, claims and sending run on the
emulators in tests/emulator/test_sweep.py."""

from __future__ import annotations

from datetime import timedelta

from cases_for_tests import CITIZEN, POLICY, WARD, filed_case, hanoi

from pakn.cases.case import AgencyRef
from pakn.domain import messages
from pakn.escalation.officials import Official, default_plan
from pakn.escalation.sweep import StepPlan, answer_late, plan_steps

PLAN = default_plan()
HANDLER = Official(email="handler@xa-00004.pakn.local", zalo_user_id="9100000000000000004")
LEAD = Official(email="lead@xa-00004.pakn.local")
DESK = Official(email="desk@vp-ubnd.pakn.local")
OFFICIALS = {("xa-00004", "handlers"): [HANDLER], ("xa-00004", "lead"): [LEAD], ("vp-ubnd", "desk"): [DESK]}
FILED = hanoi(3, 2, 9)  # Monday 2 March 2026: accept by Tuesday 3 March, 17:00


def officials_of(recipient, handling_agency_id):
    agency = PLAN.office_agency_id if recipient.agency == "office" else handling_agency_id
    found = OFFICIALS.get((agency, recipient.role), [])
    if found:
        return [(recipient.role, official) for official in found]
    return [(PLAN.fallback_role, official) for official in OFFICIALS.get((PLAN.office_agency_id, "desk"), [])]


def plan(case, now, channels=("zalo", "email"), officials=officials_of) -> StepPlan:
    return plan_steps(case, now, policy=POLICY, plan=PLAN, channels=channels, officials_of=officials)


def told(result: StepPlan) -> list[tuple[str, str, str, str]]:
    return [(n.step, n.role, n.channel, n.address) for n in result.notifications]


def test_nothing_is_due_before_the_first_step_and_the_case_is_only_rescheduled():
    case = filed_case(FILED)
    result = plan(case, FILED + timedelta(minutes=5))
    assert result.steps == [] and result.notifications == []
    assert result.case == case.rescheduled(POLICY)


def test_the_reminder_reaches_the_handlers_by_every_channel_they_have_and_is_kept_on_the_case():
    case = filed_case(FILED)
    at = case.clock.next_action_at
    result = plan(case, at)
    assert result.steps == ["remind"]
    assert told(result) == [
        ("remind", "handlers", "zalo", HANDLER.zalo_user_id),
        ("remind", "handlers", "email", HANDLER.email),
    ]
    assert result.notifications[0].text == messages.text(
        "official.remind",
        code=case.tracking_code,
        agency=WARD.name,
        stage=messages.text("official.stage.accept"),
        due="03/03/2026",
        date="31/03/2026",
    )
    assert [n.key for n in result.case.notifications] == [n.key for n in result.notifications]
    assert result.case.clock.agency.last_step == "remind"
    assert result.case.clock.next_action_at > at


def test_with_e_mail_off_officials_hear_only_through_zalo():
    case = filed_case(FILED)
    result = plan(case, case.clock.next_action_at, channels=("zalo",))
    assert told(result) == [("remind", "handlers", "zalo", HANDLER.zalo_user_id)]


def test_after_an_outage_only_the_latest_step_due_is_taken():
    case = filed_case(FILED)
    # Due 3/3: remind 2/3, breach 3/3, the lead 5/3, the office 10/3, all at 17:00; a weekly update 9/3.
    result = plan(case, hanoi(3, 12, 9))
    assert result.steps == ["escalate_office", "update_citizen"]
    assert ("escalate_office", "desk", "email", DESK.email) in told(result)
    assert result.case.clock.agency.last_step == "escalate_office"


def test_the_lead_then_the_office_desk_are_escalated_to_each_once():
    case, officials_told = filed_case(FILED), []
    while case.clock.agency.last_step != "escalate_office":
        result = plan(case, case.clock.next_action_at)
        officials_told += [entry for entry in told(result) if entry[1] != "citizen"]
        case = result.case
    assert [entry for entry in officials_told if entry[2] == "email"] == [
        ("remind", "handlers", "email", HANDLER.email),
        ("breach", "handlers", "email", HANDLER.email),
        ("escalate_lead", "lead", "email", LEAD.email),
        ("escalate_office", "desk", "email", DESK.email),
    ]
    assert case.clock.next_step == "update_citizen"  # the ladder is done; only weekly updates remain


def test_an_agency_with_nobody_in_the_role_falls_back_to_the_office_desk():
    other = AgencyRef(id="so-y-te", name="Sở Y tế", level="department")
    case = filed_case(FILED, agency=other)
    result = plan(case, case.clock.next_action_at)
    assert told(result) == [("remind", "desk", "email", DESK.email)]


def test_a_recipient_nobody_can_reach_is_counted_not_lost():
    case = filed_case(FILED)
    result = plan(case, case.clock.next_action_at, officials=lambda recipient, agency: [])
    assert result.unaddressed == 1 and result.notifications == []
    assert result.case.clock.agency.last_step == "remind"


def test_the_citizen_hears_of_the_delay_once_and_of_progress_every_week():
    case = filed_case(FILED)
    week = plan(case, case.clock.citizen_update_at)
    assert "update_citizen" in week.steps
    progress = [n for n in week.notifications if n.role == "citizen"]
    assert [(n.message, n.address) for n in progress] == [("progress_update", CITIZEN)]

    late_at = case.clock.overall_due_at + timedelta(days=1)
    assert answer_late(case.clock, late_at)
    late = plan(case, late_at)
    citizen_messages = [n.message for n in late.notifications if n.role == "citizen"]
    assert citizen_messages.count("late_notice") == 1
    later = plan(late.case, late.case.clock.citizen_update_at)
    assert [n.message for n in later.notifications if n.role == "citizen"] == ["progress_update"]


def test_a_case_waiting_for_the_citizen_has_no_ladder_step_due():
    case = filed_case(FILED)
    asked = case.request_info("o", "r", FILED + timedelta(hours=1), "Ngày nào?", POLICY).case
    result = plan(asked, case.clock.agency.due_at + timedelta(days=3))
    assert result.steps == []


def test_planning_again_at_the_same_time_gives_the_same_keys_and_a_planned_case_has_nothing_left():
    case = filed_case(FILED)
    at = case.clock.next_action_at
    assert [n.key for n in plan(case, at).notifications] == [n.key for n in plan(case, at).notifications]
    again = plan(plan(case, at).case, at)
    assert again.steps == [] and again.notifications == []

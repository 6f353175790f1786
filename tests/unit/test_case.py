"""The Case aggregate's transitions, without Firestore: what each move changes, what it causes, and which
moves it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cases_for_tests import CITIZEN, POLICY, WARD, filed_case, hanoi
from pydantic import ValidationError

from pakn.cases.case import (
    AgencyRef,
    Case,
    CitizenInformation,
    IllegalTransition,
    NotificationOnCase,
    SameAgency,
    SameKind,
)
from pakn.deadlines.clock import DeadlinePolicy, LimitsOverride
from pakn.delivery.outbox import TEXT_LIMIT, split_text
from pakn.zalo.phone import zns_phone

FILED = hanoi(3, 2, 9)  # a Monday
HEALTH = AgencyRef(id="so-y-te", name="Sở Y tế", level="department")


def accepted(case: Case) -> Case:
    return case.accept("official-1", "r-accept", FILED + timedelta(hours=2), POLICY).case


def test_filing_starts_the_agencys_accept_clock_and_keeps_every_given_field():
    case = filed_case(FILED)
    assert case.status == "open"
    assert case.agency_id == WARD.id and case.agency_name == WARD.name
    assert case.clock.agency.stage == "accept" and case.clock.agency.agency_id == WARD.id
    assert case.clock.filed_at == FILED and case.filed_at == FILED
    assert case.clock.overall_due_at > case.clock.agency.due_at > FILED
    assert case.history == [] and case.notifications == []


def test_a_stored_case_round_trips_whole_including_what_the_sweep_added():
    notification = NotificationOnCase(
        key="k", step="remind", role="handlers", channel="email", message="official.remind", created_at=FILED
    )
    case = accepted(filed_case(FILED)).record_steps(["remind"], [notification], FILED, POLICY)
    assert Case.model_validate(case.model_dump()) == case


def test_a_document_with_a_field_the_model_does_not_declare_is_refused_rather_than_silently_dropped():
    document = filed_case(FILED).model_dump() | {"written_by_someone_else": True}
    with pytest.raises(ValidationError):
        Case.model_validate(document)


def test_a_late_text_joins_the_case_once():
    case = filed_case(FILED).add_late_text("thêm chi tiết")
    assert case.late_additions == ["thêm chi tiết"]
    assert case.add_late_text("thêm chi tiết").late_additions == ["thêm chi tiết"]


def test_accept_starts_the_answer_clock_records_the_official_and_refuses_a_second_accept():
    case = filed_case(FILED)
    at = FILED + timedelta(hours=2)
    transition = case.accept("official-1", "r1", at, POLICY)
    assert transition.case.clock.agency.stage == "answer"
    assert transition.case.clock.agency.started_at == at
    assert transition.entry.action == "accept" and transition.entry.by == "official-1"
    assert transition.entry.agency_id == WARD.id and transition.case.history == [transition.entry]
    # The citizen is told who took it on and by when they will be answered.
    assert transition.citizen_message == (
        f"Phản ánh {case.tracking_code} đã được {WARD.name} tiếp nhận. "
        f"Hạn trả lời: ngày {transition.case.due_date}."
    )
    assert transition.awaiting_citizen is None
    assert case.clock.agency.stage == "accept"  # the original is untouched: transitions are pure
    with pytest.raises(IllegalTransition) as refused:
        transition.case.accept("official-1", "r2", at, POLICY)
    assert refused.value.code == "already_accepted"


def test_answer_closes_the_case_and_tells_the_citizen_in_the_catalogues_words():
    at = FILED + timedelta(days=3)
    transition = accepted(filed_case(FILED)).answer("official-1", "r2", at, "Hồ sơ đã được tiếp nhận lại.")
    case = transition.case
    assert case.status == "answered" and case.answered_by == "official-1" and case.answered_at == at
    assert case.clock.closed_at == at and case.clock.next_action_at is None
    assert transition.citizen_message.startswith(f"Trả lời phản ánh {case.tracking_code} từ {WARD.name}")
    assert "Hồ sơ đã được tiếp nhận lại." in transition.citizen_message


def test_an_answer_longer_than_one_zalo_message_reaches_the_citizen_whole_in_order():
    sentences = [f"Câu trả lời số {n} của cơ quan về thủ tục này." for n in range(120)]
    answer = " ".join(sentences)
    message = filed_case(FILED).answer("official-1", "r", FILED, answer).citizen_message
    pieces = split_text(message)
    assert len(pieces) > 1 and all(len(piece) <= TEXT_LIMIT for piece in pieces)
    # Cut only after a sentence, and nothing lost or reordered.
    assert all(piece.endswith(".") for piece in pieces)
    assert " ".join(pieces) == message


def test_the_answer_tells_a_silent_citizen_by_template_with_the_code_agency_and_date():
    case = filed_case(FILED)
    notice = case.answer("official-1", "r", FILED + timedelta(days=3), "Đã giải quyết.").notice
    assert notice.purpose == "answer_ready"
    assert notice.values == {"code": case.tracking_code, "agency": WARD.name, "date": "05/03/2026"}
    assert notice.phone == zns_phone(case.contact.phone) and notice.phone.startswith("84")


@pytest.mark.parametrize(
    "move",
    [
        lambda c: c.accept("o", "r", FILED, POLICY),
        lambda c: c.answer("o", "r", FILED, "again"),
        lambda c: c.transfer("o", "r", FILED, HEALTH, POLICY),
        lambda c: c.extend("o", "r", FILED, "why", POLICY),
        lambda c: c.request_info("o", "r", FILED, "what?", POLICY),
        lambda c: c.resume("o", "r", FILED, POLICY),
        lambda c: c.record_steps(["remind"], [], FILED, POLICY),
        lambda c: c.reclassify("o", "r", FILED, "conduct", POLICY),
    ],
)
def test_an_answered_case_takes_no_further_move(move):
    answered = filed_case(FILED).answer("o", "r0", FILED, "Đã trả lời").case
    with pytest.raises(IllegalTransition) as refused:
        move(answered)
    assert refused.value.code == "case_closed"


def test_transfer_moves_the_case_restarts_the_agency_clock_keeps_the_overall_one_and_tells_the_citizen():
    case = accepted(filed_case(FILED))
    at = FILED + timedelta(days=1)
    transition = case.transfer("official-1", "r3", at, HEALTH, POLICY)
    moved = transition.case
    assert (moved.agency_id, moved.agency_name, moved.level) == (HEALTH.id, HEALTH.name, "department")
    assert moved.clock.agency.agency_id == HEALTH.id and moved.clock.agency.stage == "accept"
    assert moved.clock.agency.started_at == at
    assert moved.clock.overall_due_at == case.clock.overall_due_at
    assert transition.entry.to_agency_id == HEALTH.id and transition.entry.agency_id == WARD.id
    assert HEALTH.name in transition.citizen_message and case.tracking_code in transition.citizen_message


def test_a_transfer_to_the_agency_that_holds_the_case_is_a_wrong_request():
    with pytest.raises(SameAgency) as refused:
        filed_case(FILED).transfer("o", "r", FILED, WARD, POLICY)
    assert refused.value.code == "same_agency"


def test_reclassifying_changes_the_kind_keeps_the_agency_and_the_deadline_under_way_and_tells_nobody():
    case = filed_case(FILED)
    at = FILED + timedelta(hours=2)
    transition = case.reclassify("official-1", "r5", at, "conduct", POLICY)
    changed = transition.case
    assert (changed.kind, changed.clock.kind, changed.filed_kind) == ("conduct", "conduct", "procedure")
    assert (changed.agency_id, changed.level, changed.clock.agency) == (
        case.agency_id,
        case.level,
        case.clock.agency,
    )
    assert (transition.entry.action, transition.entry.from_kind, transition.entry.to_kind) == (
        "reclassify",
        "procedure",
        "conduct",
    )
    assert transition.citizen_message is None and transition.notice is None
    assert changed.reclassify("official-1", "r6", at, "regulation", POLICY).case.filed_kind == "procedure"


def test_the_stages_after_a_reclassification_follow_the_new_kinds_limits():
    rules = POLICY.rules.model_copy(deep=True)
    rules.limits.overrides.append(LimitsOverride(kind="conduct", answer=10))
    policy = DeadlinePolicy(rules, POLICY.calendar)
    at = FILED + timedelta(hours=1)
    as_filed = filed_case(FILED).accept("o", "r1", at, policy).case
    reclassified = filed_case(FILED).reclassify("o", "r0", FILED, "conduct", policy).case
    as_conduct = reclassified.accept("o", "r1", at, policy).case
    assert as_conduct.clock.agency.due_at == policy.due_after(at, 10) < as_filed.clock.agency.due_at


def test_a_reclassification_to_the_kind_the_case_has_is_a_wrong_request():
    with pytest.raises(SameKind) as refused:
        filed_case(FILED).reclassify("o", "r", FILED, "procedure", POLICY)
    assert refused.value.code == "same_kind"


def test_the_one_extension_needs_the_answer_stage_moves_both_deadlines_and_cannot_be_used_twice():
    case = filed_case(FILED)
    with pytest.raises(IllegalTransition) as early:
        case.extend("o", "r", FILED + timedelta(hours=1), "cần xác minh", POLICY)
    assert early.value.code == "extension_refused"
    answering = accepted(case)
    extended = answering.extend("o", "r", FILED + timedelta(days=2), "cần xác minh", POLICY)
    assert extended.case.extension_reason == "cần xác minh" and extended.entry.detail == "cần xác minh"
    assert extended.case.clock.agency.due_at > answering.clock.agency.due_at
    assert extended.case.clock.overall_due_at > answering.clock.overall_due_at
    with pytest.raises(IllegalTransition) as twice:
        extended.case.extend("o", "r2", FILED + timedelta(days=3), "lần hai", POLICY)
    assert twice.value.code == "extension_refused"


def test_asking_the_citizen_freezes_the_clocks_and_waits_for_them_until_answered_or_resumed():
    case = accepted(filed_case(FILED))
    at = FILED + timedelta(days=1)
    asked = case.request_info("official-1", "r4", at, "Anh/chị nộp hồ sơ ngày nào?", POLICY)
    assert asked.case.clock.frozen_since == at and asked.case.waiting_for_citizen
    assert asked.awaiting_citizen is True
    assert "Anh/chị nộp hồ sơ ngày nào?" in asked.citizen_message
    with pytest.raises(IllegalTransition) as again:
        asked.case.request_info("official-1", "r5", at, "Còn gì nữa?", POLICY)
    assert again.value.code == "already_waiting"

    resumed = asked.case.resume("official-1", "r6", at + timedelta(days=3), POLICY)
    assert resumed.case.clock.frozen_since is None and resumed.awaiting_citizen is False
    assert resumed.case.clock.agency.due_at > asked.case.clock.agency.due_at  # later by the wait
    with pytest.raises(IllegalTransition) as not_waiting:
        resumed.case.resume("official-1", "r7", at, POLICY)
    assert not_waiting.value.code == "not_waiting"


def test_the_citizens_information_joins_the_case_and_restarts_its_clocks():
    asked = accepted(filed_case(FILED)).request_info("o", "r", FILED + timedelta(days=1), "Ngày nào?", POLICY)
    information = CitizenInformation(text="Ngày 1/3 ạ", at=FILED + timedelta(days=4))
    transition = asked.case.receive_information(information, "msg-9", POLICY)
    case = transition.case
    assert case.citizen_information == [information] and case.clock.frozen_since is None
    assert transition.entry.action == "resume" and transition.entry.by == "citizen"
    assert transition.entry.request_id == "citizen:msg-9"


def test_information_for_a_case_that_no_longer_waits_is_refused():
    information = CitizenInformation(text="Ngày 1/3 ạ", at=FILED)
    with pytest.raises(IllegalTransition) as refused:
        filed_case(FILED).receive_information(information, "msg-1", POLICY)
    assert refused.value.code == "not_waiting"


def test_an_entry_is_found_by_action_and_request_id_only():
    case = filed_case(FILED).accept("o", "r1", FILED, POLICY).case
    assert case.entry("accept", "r1") == case.history[0]
    assert case.entry("accept", "r2") is None and case.entry("answer", "r1") is None


def test_recorded_sweep_steps_move_the_next_action_and_keep_the_notifications():
    case = filed_case(FILED, citizen_id=CITIZEN)
    due = case.clock.next_action_at
    notification = NotificationOnCase(
        key="k1", step="remind", role="handlers", channel="email", message="official.remind", created_at=due
    )
    swept = case.record_steps(["remind"], [notification], due, POLICY)
    assert swept.clock.agency.last_step == "remind"
    assert swept.clock.next_action_at > due
    assert swept.notifications == [notification]


def test_rescheduling_places_the_next_action_by_the_policy_given():
    case = filed_case(FILED)
    stale = case.model_copy(update={"clock": case.clock.model_copy(update={"next_action_at": FILED})})
    assert stale.rescheduled(POLICY).clock.next_action_at == case.clock.next_action_at

"""The transitions the officials' console adds to the Case aggregate, without Firestore: a transfer with its
reason, refusal on Decree 20's grounds, internal notes and duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cases_for_tests import POLICY, WARD, filed_case, hanoi

from pakn.cases.case import AgencyRef, Case, IllegalTransition, SameAgency, TextTooLong

FILED = hanoi(3, 2, 9)  # a Monday
LATER = FILED + timedelta(hours=3)
HEALTH = AgencyRef(id="so-y-te", name="Sở Y tế", level="department")


def test_a_transfer_with_reason_moves_the_case_and_tells_the_citizen_where_and_why():
    case = filed_case(FILED)
    moved = case.transfer("desk-1", "r1", LATER, HEALTH, POLICY, reason="Thủ tục cấp phép y tế")
    assert moved.case.agency_id == HEALTH.id and moved.case.clock.agency.agency_id == HEALTH.id
    assert moved.entry.action == "transfer" and moved.entry.detail == "Thủ tục cấp phép y tế"
    assert moved.entry.to_agency_id == HEALTH.id and moved.case.history == [moved.entry]
    assert "Sở Y tế" in moved.citizen_message and "Lý do: Thủ tục cấp phép y tế" in moved.citizen_message
    assert moved.notice.purpose == "transferred" and moved.notice.values["agency"] == "Sở Y tế"
    # The same entry a plain transfer under this request id would have been found by.
    assert moved.case.entry("transfer", "r1") == moved.entry
    with pytest.raises(SameAgency):
        case.transfer("desk-1", "r2", LATER, WARD, POLICY, reason="lý do")


@pytest.mark.parametrize(
    ("ground", "says"),
    [
        ("not_pakn", "không phải là phản ánh"),
        ("anonymous", "họ tên"),
        ("already_answered", "đã được cơ quan có thẩm quyền"),
        ("outside_authority", "không thuộc thẩm quyền"),
    ],
)
def test_a_rejection_closes_the_case_stops_its_clock_and_tells_the_citizen_why(ground, says):
    case = filed_case(FILED)
    rejected = case.reject("official-1", "r1", LATER, ground, "Xin gửi tới Công an phường Ba Đình.")
    assert rejected.case.status == "closed" and rejected.case.rejection_ground == ground
    assert rejected.case.clock.closed_at == LATER and rejected.case.clock.next_action_at is None
    assert (
        rejected.entry.action == "reject" and rejected.entry.detail == "Xin gửi tới Công an phường Ba Đình."
    )
    assert case.tracking_code in rejected.citizen_message and says in rejected.citizen_message
    assert "Xin gửi tới Công an phường Ba Đình." in rejected.citizen_message
    assert Case.model_validate(rejected.case.model_dump()) == rejected.case


def test_a_rejection_outside_the_citys_authority_must_point_to_the_right_channel():
    with pytest.raises(IllegalTransition) as refused:
        filed_case(FILED).reject("official-1", "r1", LATER, "outside_authority", "  ")
    assert refused.value.code == "channel_required"
    plain = filed_case(FILED).reject("official-1", "r1", LATER, "not_pakn", "")
    assert plain.citizen_message.endswith(".") and plain.entry.detail is None


def test_a_rejection_ends_a_wait_for_the_citizen_and_a_closed_case_cannot_be_rejected_again():
    waiting = filed_case(FILED).request_info("official-1", "q", LATER, "Số hồ sơ?", POLICY).case
    rejected = waiting.reject("official-1", "r1", LATER + timedelta(hours=1), "anonymous", "")
    assert rejected.awaiting_citizen is False
    assert filed_case(FILED).reject("o", "r", LATER, "anonymous", "").awaiting_citizen is None
    with pytest.raises(IllegalTransition) as refused:
        rejected.case.reject("official-1", "r2", LATER, "anonymous", "")
    assert refused.value.code == "case_closed"


def test_a_rejection_whose_explanation_makes_the_message_too_long_is_refused_with_the_room_left():
    with pytest.raises(TextTooLong) as refused:
        filed_case(FILED).reject("official-1", "r1", LATER, "not_pakn", "x" * 2000)
    assert refused.value.field_name == "explanation" and 0 < refused.value.room < 2000


def test_a_note_is_kept_for_officials_on_any_status_and_tells_the_citizen_nothing():
    case = filed_case(FILED)
    noted = case.note("official-1", "n1", LATER, "Đã gọi điện cho công dân, hẹn bổ sung.")
    assert noted.citizen_message is None and noted.awaiting_citizen is None
    assert noted.case.history == [noted.entry] and noted.entry.action == "note"
    assert noted.case.model_dump(exclude={"history"}) == case.model_dump(exclude={"history"})
    answered = case.answer("official-1", "a1", LATER, "Đã giải quyết.").case
    assert answered.note("official-1", "n2", LATER, "Lưu hồ sơ.").case.status == "answered"


def test_a_duplicate_of_the_same_citizens_case_closes_and_names_their_earlier_case():
    original = filed_case(FILED, number=1)
    copy = filed_case(LATER, number=2)
    marked = copy.mark_duplicate("official-1", "d1", LATER, original)
    assert marked.case.status == "closed" and marked.case.duplicate_of == original.tracking_code
    assert marked.entry.action == "mark_duplicate" and marked.entry.detail == original.tracking_code
    assert original.tracking_code in marked.citizen_message and copy.tracking_code in marked.citizen_message


def test_a_duplicate_of_another_citizens_case_does_not_reveal_that_case_to_the_citizen():
    original = filed_case(FILED, number=1, citizen_id="someone-else")
    marked = filed_case(LATER, number=2).mark_duplicate("official-1", "d1", LATER, original)
    assert original.tracking_code not in marked.citizen_message
    assert WARD.name in marked.citizen_message


def test_a_case_cannot_duplicate_itself_or_a_duplicate_nor_be_marked_once_closed():
    case = filed_case(FILED, number=1)
    with pytest.raises(IllegalTransition) as refused:
        case.mark_duplicate("official-1", "d1", LATER, case)
    assert refused.value.code == "duplicate_of_itself"
    first = filed_case(FILED, number=3)
    second = filed_case(FILED, number=4).mark_duplicate("o", "d", LATER, first).case
    with pytest.raises(IllegalTransition) as refused:
        case.mark_duplicate("official-1", "d2", LATER, second)
    assert refused.value.code == "original_is_duplicate"
    with pytest.raises(IllegalTransition) as refused:
        second.mark_duplicate("official-1", "d3", LATER, first)
    assert refused.value.code == "case_closed"

"""The conversation after an answer, decided without Firestore: a score or a tap rates the answer, KHÔNG
ĐỒNG Ý reopens the case (within the window, else a polite refusal), and other text joins the case instead
of starting a draft. The same paths run on the emulators in tests/emulator/test_rating_and_objection.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cases_for_tests import POLICY, WARD, filed_case, hanoi
from test_turn import CITIZEN, CasesAtHand, Citizen, text

from pakn.cases import rating
from pakn.cases.case import Case
from pakn.citizens.state import AfterAnswer, CitizenState
from pakn.conversation.commands import Command, parse_command

ANSWERED = hanoi(3, 4, 9)
SOON = hanoi(3, 5, 9)
TOO_LATE = hanoi(3, 19, 9)  # the window closed at the end of 18/3


def answered_case() -> Case:
    case = filed_case(hanoi(3, 2, 9), citizen_id=CITIZEN)
    return case.answer("official-1", "r1", ANSWERED, "Phường đã hướng dẫn lại.").case


def citizen_after(case: Case) -> Citizen:
    after = AfterAnswer(
        case_id=case.case_id, agency_id=case.agency_id, tracking_code=case.tracking_code, answered_at=ANSWERED
    )
    return Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, after_answer=after), CasesAtHand(case))


def stored(citizen: Citizen, case: Case) -> Case:
    return citizen.cases.cases[case.case_id]


@pytest.mark.parametrize(
    ("typed", "score", "comment"),
    [
        ("4", 4, None),
        ("4 sao", 4, None),
        ("5 sao, cán bộ nhiệt tình", 5, "cán bộ nhiệt tình"),
        ("rat hai long", 5, None),
        ("Không hài lòng", 1, None),
        ("đánh giá 3", 3, None),
    ],
)
def test_a_typed_score_rates_the_case_answered_last(typed, score, comment):
    case = answered_case()
    citizen = citizen_after(case)
    replies = citizen.says(typed, at=SOON)
    [rated] = stored(citizen, case).ratings
    assert (rated.score, rated.comment) == (score, comment)
    key = "rating_received_with_comment" if comment else "rating_received"
    values = {"code": case.tracking_code} | ({} if comment else {"score": score})
    assert replies[0] == text(key, **values)
    if score <= 2:
        # Not satisfied: the citizen is told they can still object, and until when.
        assert replies[1:] == [text("rating_objection_hint", date="18/03/2026")]
    assert citizen.state.draft is None


def test_a_tap_on_a_button_rates_its_case_even_while_a_draft_is_written():
    case = answered_case()
    citizen = citizen_after(case)
    citizen.says("Tôi muốn phản ánh thêm một việc khác ở Sở Tư pháp", at=SOON)  # joins the case
    citizen.says("mới", at=SOON + timedelta(minutes=1))
    citizen.says("Sở Tư pháp cấp phiếu lý lịch tư pháp chậm", at=SOON + timedelta(minutes=2))
    assert citizen.state.draft is not None
    tap = rating.prompt(case, POLICY).buttons[1].payload
    assert citizen.says(tap, at=SOON + timedelta(minutes=3)) == [
        text("rating_received", code=case.tracking_code, score=4)
    ]
    assert [r.score for r in stored(citizen, case).ratings] == [4]
    assert citizen.state.draft.content == "Sở Tư pháp cấp phiếu lý lịch tư pháp chậm"


def test_the_text_after_a_score_is_its_comment_and_the_next_joins_the_case():
    case = answered_case()
    citizen = citizen_after(case)
    citizen.says("5", at=SOON)
    assert citizen.says("Cảm ơn cán bộ phường", at=SOON + timedelta(minutes=1)) == [
        text("rating_comment_received", code=case.tracking_code)
    ]
    assert [(r.score, r.comment) for r in stored(citizen, case).ratings] == [(5, "Cảm ơn cán bộ phường")]
    assert citizen.says("Tôi đã nộp bổ sung", at=SOON + timedelta(minutes=2)) == [
        text("late_addition_answered", code=case.tracking_code)
    ]
    assert stored(citizen, case).late_additions == ["Tôi đã nộp bổ sung"]
    assert citizen.state.draft is None


def test_an_objection_reopens_the_case_and_what_follows_joins_it():
    case = answered_case()
    citizen = citizen_after(case)
    replies = citizen.says("không đồng ý", at=SOON)
    reopened = stored(citizen, case)
    assert reopened.status == "open" and reopened.agency_id == WARD.id
    assert citizen.last.reopened == [case.case_id]
    assert replies == [
        text("objection_received", code=case.tracking_code, agency=WARD.name, date=reopened.due_date),
        text("objection_reason_invite"),
    ]
    assert citizen.says("Cán bộ vẫn bắt bổ sung giấy tờ", at=SOON + timedelta(minutes=1)) == [
        text("late_addition_answered", code=case.tracking_code)
    ]
    assert stored(citizen, case).late_additions == ["Cán bộ vẫn bắt bổ sung giấy tờ"]
    # A second objection before the new answer: the case is already being looked at again.
    assert citizen.says("không đồng ý", at=SOON + timedelta(minutes=2)) == [
        text("objection_pending", code=case.tracking_code, date=reopened.due_date)
    ]
    # A rating of a reopened case waits for its new answer.
    assert citizen.says("5", at=SOON + timedelta(minutes=3)) == [
        text("rating_not_answered", code=case.tracking_code)
    ]


def test_an_objection_with_its_reason_keeps_the_reason_on_the_case():
    case = answered_case()
    citizen = citizen_after(case)
    replies = citizen.says(f"KHONG DONG Y {case.tracking_code} vì phường chưa trả hồ sơ", at=SOON)
    assert len(replies) == 1
    assert [o.text for o in stored(citizen, case).objections] == ["vì phường chưa trả hồ sơ"]


def test_an_objection_after_the_window_is_refused_politely_and_later_text_starts_a_draft():
    case = answered_case()
    citizen = citizen_after(case)
    assert citizen.says("không đồng ý", at=TOO_LATE) == [
        text("objection_too_late", code=case.tracking_code, date="18/03/2026")
    ]
    assert stored(citizen, case).status == "answered" and citizen.last.changed == []
    assert citizen.says("Phường lại bắt tôi bổ sung giấy tờ", at=TOO_LATE + timedelta(minutes=1)) == [
        text("draft_started")
    ]


def test_another_citizens_code_is_not_found():
    case = answered_case()
    theirs = filed_case(hanoi(3, 2, 9), number=7, citizen_id="someone-else")
    theirs = theirs.answer("o", "r", ANSWERED, "Đã xong").case
    citizen = citizen_after(case)
    citizen.cases.cases[theirs.case_id] = theirs
    assert citizen.says(f"không đồng ý {theirs.tracking_code}", at=SOON) == [
        text("status_not_found", code=theirs.tracking_code)
    ]
    assert citizen.cases.cases[theirs.case_id].status == "answered"


def test_without_an_answer_a_score_or_an_objection_alone_is_content():
    assert parse_command("5") is None and parse_command("không đồng ý") is None
    assert parse_command("3 lần bị trả hồ sơ", after_answer=True) is None
    assert parse_command("HN-4K7Q2M 5 lần bị trả", after_answer=True) is None
    assert parse_command("HN-4K7Q2M 5") == Command("rate", "HN-4K7Q2M", score=5)
    assert parse_command("khong dong y", after_answer=True) == Command("object")
    # Diacritics typed must be the phrase's own: "hải lòng" is not "hài lòng".
    assert parse_command("hải lòng", after_answer=True) is None
    citizen = Citizen()
    assert citizen.says("không đồng ý") == [text("draft_started")]

"""After an answer: the citizen's rating and objection as transitions of the Case aggregate, without
Firestore; and the question with buttons that asks for the rating."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cases_for_tests import POLICY, WARD, filed_case, hanoi

from pakn.cases import rating
from pakn.cases.case import AgencyRef, Case, IllegalTransition
from pakn.conversation.commands import parse_command
from pakn.deadlines import clock as deadlines
from pakn.domain import messages

FILED = hanoi(3, 2, 9)  # a Monday
ANSWERED = hanoi(3, 4, 9)
# Ten working days after 4/3/2026 (no holiday in between): the close of Wednesday 18/3.
WINDOW_ENDS = hanoi(3, 18, 17)
OFFICE = AgencyRef(id="vp-ubnd", name="Văn phòng Ủy ban nhân dân thành phố Hà Nội", level="city")


def answered(case: Case | None = None, at=ANSWERED) -> Case:
    case = case or filed_case(FILED).accept("official-1", "r-accept", FILED + timedelta(hours=1), POLICY).case
    return case.answer("official-1", f"r-answer-{at.isoformat()}", at, "Phường đã hướng dẫn lại.").case


def test_an_answer_invites_the_citizens_rating_and_the_question_has_one_button_per_score():
    case = filed_case(FILED)
    move = case.answer("official-1", "r1", ANSWERED, "Đã giải quyết.")
    assert move.invites_rating
    assert not case.accept("official-1", "r2", ANSWERED, POLICY).invites_rating

    question = rating.prompt(move.case, POLICY)
    assert question.kind == "buttons"
    assert question.text == messages.text("rating_prompt", code=case.tracking_code, date="18/03/2026")
    assert [b.title for b in question.buttons] == [
        "Rất hài lòng",
        "Hài lòng",
        "Bình thường",
        "Chưa hài lòng",
        "Không hài lòng",
    ]
    # Each button sends what the conversation reads as that score for that case, whatever the state.
    for button, score in zip(question.buttons, (5, 4, 3, 2, 1), strict=True):
        command = parse_command(button.payload)
        assert (command.intent, command.code, command.score) == ("rate", case.tracking_code, score)


def test_a_rating_is_kept_for_the_agency_that_answered_and_a_later_one_of_the_same_answer_replaces_it():
    case = answered()
    first = case.rate(2, None, ANSWERED + timedelta(hours=1), "e1")
    assert [(r.score, r.comment, r.agency_id) for r in first.case.ratings] == [(2, None, WARD.id)]
    assert first.entry.action == "rate" and first.entry.by == "citizen"
    assert first.entry.request_id == "citizen:e1" and first.entry.detail == "2/5"
    assert first.case.status == "answered" and first.case.clock == case.clock

    again = first.case.rate(4, "Cán bộ nhiệt tình", ANSWERED + timedelta(hours=2), "e2")
    assert [(r.score, r.comment) for r in again.case.ratings] == [(4, "Cán bộ nhiệt tình")]
    assert [e.action for e in again.case.history][-2:] == ["rate", "rate"]
    assert again.entry.detail == "4/5 · Cán bộ nhiệt tình"


def test_the_same_event_rates_once():
    case = answered().rate(5, None, ANSWERED, "e1").case
    repeated = case.rate(5, None, ANSWERED, "e1")
    assert repeated.case == case


@pytest.mark.parametrize("score", [0, 6])
def test_a_score_outside_one_to_five_is_refused(score):
    with pytest.raises(IllegalTransition) as refused:
        answered().rate(score, None, ANSWERED, "e1")
    assert refused.value.code == "invalid_score"


def test_a_case_not_answered_cannot_be_rated_or_objected_to():
    case = filed_case(FILED)
    with pytest.raises(IllegalTransition) as refused:
        case.rate(5, None, ANSWERED, "e1")
    assert refused.value.code == "not_answered"
    with pytest.raises(IllegalTransition) as refused:
        case.object_to_answer("Chưa đúng", ANSWERED, "e2", OFFICE, POLICY)
    assert refused.value.code == "not_answered"


def test_an_objection_reopens_the_case_at_the_agency_that_answered_with_a_new_answer_clock():
    case = answered()
    at = ANSWERED + timedelta(days=2)
    move = case.object_to_answer("Cán bộ vẫn bắt bổ sung giấy tờ", at, "e1", OFFICE, POLICY)
    reopened = move.case
    assert reopened.status == "open" and reopened.agency_id == WARD.id
    assert reopened.clock.closed_at is None and reopened.clock.next_action_at is not None
    assert reopened.clock.agency.stage == "answer" and reopened.clock.agency.started_at == at
    assert reopened.clock.agency.due_at == POLICY.due_after(at, 20)
    assert reopened.clock.overall_due_at == reopened.clock.agency.due_at
    assert [(o.text, o.agency_id) for o in reopened.objections] == [
        ("Cán bộ vẫn bắt bổ sung giấy tờ", WARD.id)
    ]
    entry = move.entry
    assert (entry.action, entry.by, entry.request_id, entry.to_agency_id) == (
        "object",
        "citizen",
        "citizen:e1",
        None,
    )
    # The earlier answer stays on the case for whoever looks at it again.
    assert reopened.answer_text == case.answer_text
    # The same event objects once.
    assert reopened.object_to_answer("x", at, "e1", OFFICE, POLICY).case == reopened


def test_the_second_objection_sends_the_case_to_the_city_offices_desk_to_accept_or_forward():
    once = answered().object_to_answer(None, ANSWERED + timedelta(days=1), "e1", OFFICE, POLICY).case
    second_answer = hanoi(3, 10, 9)
    again = answered(once, at=second_answer)
    at = second_answer + timedelta(days=1)
    moved = again.object_to_answer("Vẫn chưa giải quyết", at, "e2", OFFICE, POLICY)
    case = moved.case
    assert (case.agency_id, case.agency_name, case.level, case.status) == (
        OFFICE.id,
        OFFICE.name,
        "city",
        "open",
    )
    assert case.clock.agency.agency_id == OFFICE.id and case.clock.agency.stage == "accept"
    assert moved.entry.to_agency_id == OFFICE.id and moved.entry.agency_id == WARD.id
    assert [o.agency_id for o in case.objections] == [WARD.id, WARD.id]


def test_an_objection_after_the_window_is_refused_and_changes_nothing():
    case = answered()
    case.object_to_answer(None, WINDOW_ENDS, "e1", OFFICE, POLICY)  # the last moment still counts
    with pytest.raises(IllegalTransition) as refused:
        case.object_to_answer(None, WINDOW_ENDS + timedelta(minutes=1), "e2", OFFICE, POLICY)
    assert refused.value.code == "objection_too_late"


def test_the_objection_window_is_configuration():
    rules = POLICY.rules.model_copy(update={"objection_working_days": 2})
    policy = deadlines.DeadlinePolicy(rules, POLICY.calendar)
    assert policy.objection_until(ANSWERED) == hanoi(3, 6, 17)
    assert deadlines.DeadlineRules.load().objection_working_days == 10


def test_only_a_closed_clock_reopens():
    with pytest.raises(deadlines.DeadlineError):
        deadlines.reopen(filed_case(FILED).clock, WARD.id, ANSWERED, policy=POLICY)

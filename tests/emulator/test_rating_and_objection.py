"""After an answer, on the real functions, the emulators and the Zalo stand-in: the rating asked with
buttons and kept on the case (and in the agency's statistics), an objection that reopens the case at the
agency with a new clock and tells its officials, a second one that sends it to the city Office's desk, an
objection too late refused politely, and a reply after the answer joined to the case, not a new draft."""
# The console's fixtures are imported from console_support (tests/emulator/conftest.py is not the console's).
# ruff: noqa: F811

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from console_support import console_app, official, stored_case, text_of  # noqa: F401

from pakn.cases.workflow import Actor
from pakn.deadlines.clock import default_policy
from pakn.deadlines.workdays import day_written
from pakn.domain import messages
from pakn.platform import firestore_paths

pytestmark = pytest.mark.emulator

CITIZEN = "7712345678901234611"
WARD, WARD_NAME = "xa-00004", "Phường Ba Đình"
OFFICE, OFFICE_NAME = "vp-ubnd", "Văn phòng Ủy ban nhân dân thành phố Hà Nội"
OFFICIAL = Actor(uid="official-ba-dinh", agency_id=WARD)
HANDLER, LEAD, DESK = "9100000000000000021", "9100000000000000022", "9100000000000000023"
ANSWER = "Phường đã kiểm tra hồ sơ và hướng dẫn lại cán bộ tiếp nhận."


def file_case(pipeline, firestore_db) -> dict:
    case = pipeline.filed_case(CITIZEN)
    assert case["agency_id"] == WARD
    return case


def answer(pipeline, case_id: str, actor: Actor = OFFICIAL) -> list[dict]:
    """The agency answers (the workflow the API and the console share); returns what the citizen got."""
    from pakn import runtime

    runtime.workflow().answer(actor, case_id, uuid.uuid4().hex, ANSWER)
    pipeline.run()
    return pipeline.sent(CITIZEN)


def case_now(firestore_db, agency_id: str, case_id: str):
    return stored_case(firestore_db, agency_id, case_id)


def with_contacts(firestore_db) -> None:
    for agency_id, contacts in {
        WARD: {"handlers": [{"zalo_user_id": HANDLER}], "lead": [{"zalo_user_id": LEAD}]},
        OFFICE: {"desk": [{"zalo_user_id": DESK}]},
    }.items():
        firestore_paths.agency(firestore_db, agency_id).set({"id": agency_id, "contacts": contacts})


def test_the_answer_asks_for_a_rating_with_buttons_a_tap_keeps_it_and_statistics_count_it(
    pipeline, firestore_db, official
):
    case = file_case(pipeline, firestore_db)
    sent = answer(pipeline, case["case_id"])
    code = case["tracking_code"]
    assert sent[0]["text"] == messages.text("answer", code=code, agency=WARD_NAME, text=ANSWER)
    question = sent[-1]
    until = day_written(default_policy().objection_until(datetime.now(UTC)))
    assert question["text"] == messages.text("rating_prompt", code=code, date=until)
    buttons = question["attachment"]["payload"]["buttons"]
    assert [b["title"] for b in buttons][:2] == ["Rất hài lòng", "Hài lòng"]
    assert {b["type"] for b in buttons} == {"oa.query.show"}
    assert buttons[1]["payload"] == f"ĐÁNH GIÁ {code} 4"

    # Zalo sends a tap back as the citizen's text.
    replies = pipeline.say(CITIZEN, buttons[1]["payload"])
    assert replies == [messages.text("rating_received", code=code, score=4)]
    stored = case_now(firestore_db, WARD, case["case_id"])
    assert [(r.score, r.agency_id) for r in stored.ratings] == [(4, WARD)]
    assert stored.history[-1].action == "rate" and stored.history[-1].by == "citizen"

    page = text_of(official("lead").get("/thong-ke"))
    assert "Mức hài lòng của công dân" in page and "4,0/5 (1 đánh giá)" in page
    # The case page shows the rating in the history.
    shown = text_of(official("official").get(f"/phan-anh/{case['case_id']}"))
    assert "Công dân đánh giá trả lời" in shown and "4/5" in shown


def test_an_objection_reopens_the_case_at_the_agency_and_a_second_sends_it_to_the_offices_desk(
    pipeline, firestore_db
):
    with_contacts(firestore_db)
    case = file_case(pipeline, firestore_db)
    pipeline.sent(HANDLER)  # the new case's announcement
    code = case["tracking_code"]
    answered = answer(pipeline, case["case_id"])
    assert len(answered) == 2
    first_close = case_now(firestore_db, WARD, case["case_id"]).clock

    replies = pipeline.say(CITIZEN, "không đồng ý, cán bộ vẫn bắt bổ sung giấy tờ")
    reopened = case_now(firestore_db, WARD, case["case_id"])
    assert reopened.status == "open" and reopened.agency_id == WARD
    assert reopened.clock.closed_at is None and reopened.clock.agency.stage == "answer"
    assert reopened.clock.agency.started_at > first_close.closed_at
    assert reopened.clock.next_action_at is not None  # the sweep watches it again
    assert [o.text for o in reopened.objections] == ["cán bộ vẫn bắt bổ sung giấy tờ"]
    assert replies == [
        messages.text("objection_received", code=code, agency=WARD_NAME, date=reopened.due_date)
    ]
    # The agency's handlers and its lead are told at once.
    for person in (HANDLER, LEAD):
        [told] = pipeline.replies(person)
        assert told.startswith(f"[PAKN] Phản ánh {code} được mở lại")
    assert {n.role for n in reopened.notifications if n.message == "official.reopened"} == {
        "handlers",
        "lead",
    }

    # Answered again, objected again: the case goes to the city Office's desk.
    assert len(answer(pipeline, case["case_id"])) == 2
    replies = pipeline.say(CITIZEN, "chua dong y")
    assert firestore_paths.agency_cases(firestore_db, WARD).document(case["case_id"]).get().exists is False
    moved = case_now(firestore_db, OFFICE, case["case_id"])
    assert (moved.status, moved.agency_id, moved.clock.agency.stage) == ("open", OFFICE, "accept")
    assert [o.agency_id for o in moved.objections] == [WARD, WARD]
    assert replies == [
        messages.text("objection_to_office", code=code, agency=OFFICE_NAME, date=moved.due_date),
        messages.text("objection_reason_invite"),
    ]
    [told] = pipeline.replies(DESK)
    assert told.startswith(f"[PAKN] Phản ánh {code} được mở lại")
    # The tracking code follows the case: TRA CỨU finds it at the Office.
    status = pipeline.say(CITIZEN, f"tra cứu {code}")
    assert any(OFFICE_NAME in reply for reply in status)


def test_an_objection_after_the_window_is_refused_politely(pipeline, firestore_db):
    from pakn import runtime
    from pakn.cases.workflow import Workflow

    case = file_case(pipeline, firestore_db)
    # The answer was given long ago: three weeks are more than ten working days.
    long_ago = datetime.now(UTC) - timedelta(days=21)
    past = Workflow(firestore_db, runtime.publish_outbound, clock=lambda: long_ago)
    past.answer(OFFICIAL, case["case_id"], uuid.uuid4().hex, ANSWER)
    pipeline.run()
    pipeline.sent(CITIZEN)

    replies = pipeline.say(CITIZEN, "không đồng ý")
    until = day_written(default_policy().objection_until(long_ago))
    assert replies == [messages.text("objection_too_late", code=case["tracking_code"], date=until)]
    stored = case_now(firestore_db, WARD, case["case_id"])
    assert stored.status == "answered" and stored.objections == []


def test_a_reply_after_the_answer_joins_the_case_and_starts_no_draft(pipeline, firestore_db):
    case = file_case(pipeline, firestore_db)
    answer(pipeline, case["case_id"])
    replies = pipeline.say(CITIZEN, "Tôi đã lên phường nộp bổ sung theo hướng dẫn")
    assert replies == [messages.text("late_addition_answered", code=case["tracking_code"])]
    stored = case_now(firestore_db, WARD, case["case_id"])
    assert stored.late_additions == ["Tôi đã lên phường nộp bổ sung theo hướng dẫn"]
    state = firestore_paths.citizen(firestore_db, CITIZEN).get().to_dict()
    assert state["draft"] is None and state["after_answer"]["case_id"] == case["case_id"]
    assert len(list(firestore_db.collection_group("cases").stream())) == 1

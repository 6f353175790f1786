"""The quick question at XONG (issue 13) through the webhook, Pub/Sub, Firestore and the Zalo stand-in: the
buttons reach the citizen, a tap answers, the case records the question and the answer, and the desk's
case page shows them with the candidates. The classifier is made unsure of one text (a stub in front of
the real one), so the test does not hang on what the trained model happens to say."""
# The console's fixtures are imported from console_support (tests/emulator/conftest.py is not the console's).
# ruff: noqa: F811

from __future__ import annotations

import dataclasses

import pytest
from console_support import OFFICE, console_app, official, text_of  # noqa: F401

pytestmark = pytest.mark.emulator

CITIZEN = "5512345678901234568"
COMPLAINT = "Tôi xin cấp giấy phép hai tháng nay mà chưa được trả lời"
DEPARTMENTS = ("so-tu-phap", "so-y-te", "so-noi-vu")


@pytest.fixture
def unsure_of_the_department(monkeypatch):
    """The classifier reads COMPLAINT as a department's procedure without knowing which department."""
    from pakn.routing import classify

    real = classify.classify

    def unsure(text: str):
        found = real(text)
        if COMPLAINT not in text:
            return found
        return dataclasses.replace(
            found,
            kind="procedure",
            level="department",
            agency_id=None,
            agency_name=None,
            confidence=0.35,
            kind_confidence=0.95,
            level_confidence=0.9,
            agency_confidence=None,
            place_ambiguous=False,
            place_candidates=(),
            agency_candidates=DEPARTMENTS,
        )

    # The conversation's dependencies are built on the first event, from this name.
    monkeypatch.setattr(classify, "classify", unsure)


def stored_cases(db) -> list[dict]:
    return [snapshot.to_dict() for snapshot in db.collection_group("cases").stream()]


def test_a_tapped_department_receives_the_case_and_the_question_is_recorded(
    pipeline, firestore_db, unsure_of_the_department
):
    from pakn.domain import messages

    pipeline.give_contact(CITIZEN)
    pipeline.say(CITIZEN, COMPLAINT)
    assert pipeline.say(CITIZEN, "xong") == [messages.text("ask_department")]
    [question] = [
        m["body"]["message"]
        for m in pipeline.standin.control.messages(user_id=CITIZEN)
        if m["body"]["message"].get("text") == messages.text("ask_department")
    ]
    tapped = [button["payload"] for button in question["attachment"]["payload"]["buttons"]]
    assert "Sở Y tế" in tapped and "Không rõ / không biết" in tapped
    assert "Nhắn 1 để GỬI" in pipeline.say(CITIZEN, "Sở Y tế")[0]
    assert "Sở Y tế" in pipeline.say(CITIZEN, "1")[0]
    [case] = stored_cases(firestore_db)
    assert (case["agency_id"], case["level"], case["routing"]["outcome"]) == (
        "so-y-te",
        "department",
        "agency",
    )
    assert case["routing"]["asked"] == [
        {"question": "department", "choices": list(DEPARTMENTS), "answer": "so-y-te"}
    ]


def test_not_known_goes_to_the_desk_whose_case_page_shows_the_question_and_the_candidates(
    pipeline, firestore_db, official, unsure_of_the_department
):
    pipeline.give_contact(CITIZEN)
    pipeline.say(CITIZEN, COMPLAINT)
    pipeline.say(CITIZEN, "xong")
    assert "Nhắn 1 để GỬI" in pipeline.say(CITIZEN, "khong biet")[0]
    pipeline.say(CITIZEN, "1")
    [case] = stored_cases(firestore_db)
    assert case["agency_id"] == OFFICE and case["routing"]["outcome"] == "triage"
    assert case["routing"]["candidates"] == list(DEPARTMENTS)
    page = text_of(official("desk").get(f"/phan-anh/{case['case_id']}"))
    assert "Cơ quan có thể thụ lý</dt><dd>Sở Tư pháp, Sở Y tế, Sở Nội vụ" in page
    assert "Thuộc cơ quan nào: công dân không rõ hoặc không trả lời" in page

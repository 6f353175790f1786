"""The fingerprint an official's action keeps of its request: stable for the same parameters, different for
others, and carried by the transition's history entry without changing anything else of the move."""

from __future__ import annotations

from datetime import UTC, datetime

from pakn.cases import case as cases
from pakn.cases.workflow import request_digest
from pakn.deadlines import clock as deadlines
from pakn.domain.vocabulary import ContactDetails

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def a_case() -> cases.Case:
    return cases.Case(
        case_id="case-1",
        tracking_code="HN-T00001",
        citizen_id="7712345678901234567",
        agency_id="xa-00004",
        agency_name="Phường Ba Đình",
        kind="procedure",
        level="commune",
        content="Nội dung thử",
        contact=ContactDetails(name="Người thử", phone="0900000000", address="Địa chỉ thử"),
        routing=cases.CaseRouting(
            outcome="agency", reason="test", confidence=1.0, evidence=[], classifier_version="test"
        ),
        filed_at=AT,
        clock=deadlines.start("procedure", "commune", AT, "xa-00004"),
    )


def test_the_digest_is_the_same_for_the_same_parameters_in_any_order_and_differs_otherwise():
    first = request_digest("transfer", {"to_agency_id": "so-tu-phap", "reason": "Thẩm quyền"})
    assert first == request_digest("transfer", {"reason": "Thẩm quyền", "to_agency_id": "so-tu-phap"})
    assert len(first) == 64 and int(first, 16) >= 0
    assert first != request_digest("transfer", {"to_agency_id": "so-xay-dung", "reason": "Thẩm quyền"})
    assert first != request_digest("transfer", {"to_agency_id": "so-tu-phap", "reason": "Thẩm quyền "})
    assert request_digest("accept", {}) != request_digest("resume", {})
    assert "so-tu-phap" not in first


def test_a_fingerprinted_transition_changes_only_its_entrys_digest():
    move = a_case().answer("u1", "r1", AT, "Đã trả lời")
    fingerprinted = move.with_request_digest("d" * 64)
    assert fingerprinted.entry.request_digest == "d" * 64
    assert fingerprinted.case.history == [fingerprinted.entry]
    assert fingerprinted.entry.model_copy(update={"request_digest": None}) == move.entry
    assert fingerprinted.case.model_copy(update={"history": move.case.history}) == move.case
    assert (fingerprinted.citizen_message, fingerprinted.awaiting_citizen) == (
        move.citizen_message,
        move.awaiting_citizen,
    )

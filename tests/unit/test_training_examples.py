"""What a transfer teaches the classifier (pakn.cases.corrections), without Firestore, and the rows
`pakn training export` makes of it (pakn_dev.learnt_examples) in the labelled set's format."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from cases_for_tests import POLICY, WARD, filed_case, hanoi

from pakn.cases.case import AgencyRef, Case, CaseRouting
from pakn.cases.corrections import TrainingExample, example_of
from pakn.domain.vocabulary import ContactDetails
from pakn.platform.retention import TRAINING_EXAMPLE_RETENTION
from pakn.routing.registry import load_registry
from pakn.routing.text import tokens
from pakn_dev.eval_classifier import load_labelled
from pakn_dev.learnt_examples import labelled_rows, row_id, rows_to_learn

FILED = hanoi(3, 2, 9)
MOVED = FILED + timedelta(hours=3)
DESK = "vp-ubnd"
JUSTICE = AgencyRef(id="so-tu-phap", name="Sở Tư pháp", level="department")
CONTACT = ContactDetails(name="Trần Văn Bình", phone="0987654321", address="số 5 ngõ 12 Đội Cấn, Ba Đình")
COMPLAINT = (
    "Tôi là Trần Văn Bình, ở số 5 ngõ 12 Đội Cấn, làm khai sinh cho con ở phường Trúc Bạch, quận Ba Đình "
    "mà cán bộ bắt bổ sung 3 lần, gọi 0912 345 678 không ai nghe"
)


def case_at(agency: AgencyRef, content: str = COMPLAINT) -> Case:
    routing = CaseRouting(
        outcome="agency",
        reason="classified",
        confidence=0.72,
        evidence=["khai sinh"],
        classifier_version="2026.2+abcdef12",
        classified_agency_id=agency.id,
    )
    case = filed_case(FILED, agency=agency)
    return case.model_copy(update={"content": content, "contact": CONTACT, "routing": routing})


def moved(case: Case, to: AgencyRef, reason: str | None = "Thuộc thẩm quyền của Sở"):
    return example_of(
        case, case.transfer("official-1", "r-1", MOVED, to, POLICY, reason=reason), load_registry(), DESK
    )


def test_a_transfer_to_a_department_teaches_its_level_and_agency_without_the_citizens_details():
    case = case_at(WARD)
    example = moved(case, JUSTICE, reason="Anh Trần Văn Bình nộp nhầm nơi")
    assert (example.kind, example.level, example.agency_id) == ("procedure", "department", "so-tu-phap")
    assert example.classified.model_dump() == {
        "version": "2026.2+abcdef12",
        "kind": "procedure",
        "agency_id": WARD.id,
        "outcome": "agency",
        "confidence": 0.72,
    }
    assert (example.from_agency_id, example.from_level) == (WARD.id, "commune")
    assert example.reason == "Anh <tên> nộp nhầm nơi"
    assert example.created_at == MOVED and example.expire_at == MOVED + TRAINING_EXAMPLE_RETENTION
    stored = json.dumps(example.model_dump(mode="json"), ensure_ascii=False)
    for personal in ("Trần Văn Bình", "0987654321", "0912 345 678", "Đội Cấn", case.citizen_id, case.case_id):
        assert personal not in stored
    assert "phường Trúc Bạch, quận Ba Đình" in example.text  # the place a procedure was filed stays


def test_a_commune_keeps_its_id_only_while_the_text_names_its_place():
    at_justice = case_at(JUSTICE)
    assert moved(at_justice, WARD).agency_id == WARD.id  # "phường Trúc Bạch, quận Ba Đình" is Ba Đình now
    elsewhere = AgencyRef(id="xa-00008", name="Phường Ngọc Hà", level="commune")
    example = moved(at_justice, elsewhere)
    assert (example.level, example.agency_id) == ("commune", None)  # the text does not say Ngọc Hà


def test_the_city_is_a_level_without_an_agency_and_the_desk_itself_is_no_example():
    case = case_at(WARD)
    city = AgencyRef(id="ubnd-tp", name="UBND Thành phố Hà Nội", level="city")
    assert (moved(case, city).level, moved(case, city).agency_id) == ("city", None)
    # Sent to the triage desk: where it does not belong, not where it does.
    assert moved(case, AgencyRef(id=DESK, name="Văn phòng UBND Thành phố", level="city")) is None


def test_a_reclassification_teaches_the_new_kind_where_the_case_is_and_the_kind_it_was_filed_with():
    case = case_at(WARD)
    reclassified = case.reclassify("official-1", "r-1", MOVED, "conduct", POLICY)
    example = example_of(case, reclassified, load_registry(), DESK)
    assert (example.kind, example.level, example.agency_id) == ("conduct", "commune", WARD.id)
    assert example.classified.kind == "procedure" and example.from_agency_id == WARD.id
    # Moved on after it, the case teaches its corrected kind, and still says what it was filed as.
    onward = reclassified.case.transfer("official-1", "r-2", MOVED, JUSTICE, POLICY, reason="Sở")
    later = example_of(reclassified.case, onward, load_registry(), DESK)
    assert (later.kind, later.agency_id, later.classified.kind) == ("conduct", "so-tu-phap", "procedure")


def test_a_reclassification_at_the_desk_is_no_example_until_the_desk_routes_the_case():
    desk = AgencyRef(id=DESK, name="Văn phòng UBND Thành phố", level="city")
    case = case_at(desk)
    reclassified = case.reclassify("desk-1", "r-1", MOVED, "regulation", POLICY)
    assert example_of(case, reclassified, load_registry(), DESK) is None
    routed = reclassified.case.transfer("desk-1", "r-2", MOVED, JUSTICE, POLICY, reason="Sở")
    example = example_of(reclassified.case, routed, load_registry(), DESK)
    assert (example.kind, example.level, example.agency_id) == ("regulation", "department", "so-tu-phap")


# --- the export's rows ---------------------------------------------------------------------------------


def example(text: str, agency_id: str | None, level="department", hours: int = 0) -> TrainingExample:
    classified = {
        "version": "v",
        "kind": "procedure",
        "agency_id": None,
        "outcome": "triage",
        "confidence": 0.3,
    }
    return TrainingExample.model_validate(
        {
            "text": text,
            "kind": "procedure",
            "level": level,
            "agency_id": agency_id,
            "classified": classified,
            "from_agency_id": DESK,
            "from_level": "city",
            "created_at": MOVED + timedelta(hours=hours),
            "expire_at": MOVED + TRAINING_EXAMPLE_RETENTION,
        }
    )


def test_export_writes_labelled_set_rows_one_per_text_with_its_latest_labels(tmp_path):
    rows = labelled_rows(
        [
            example("Xin cấp phiếu lý lịch tư pháp chậm quá", "so-tu-phap", hours=2),
            example(
                "xin cap phieu ly lich tu phap cham qua!", "so-noi-vu", hours=1
            ),  # the same text, earlier
            example("Xin cấp giấy phép xây dựng ở phường Ba Đình", "xa-00004", level="commune"),
        ]
    )
    assert [set(row) for row in rows] == [{"id", "text", "kind", "level", "agency_id", "split"}] * 2
    assert all(re.fullmatch(r"x[0-9a-f]{10}", row["id"]) and row["split"] == "train" for row in rows)
    by_text = {tokens(row["text"]): row for row in rows}
    assert by_text[tokens("Xin cấp phiếu lý lịch tư pháp chậm quá")]["agency_id"] == "so-tu-phap"
    assert rows == sorted(rows, key=lambda row: row["id"])
    # JSON lines that the labelled set's own reader reads back unchanged.
    path = tmp_path / "learnt.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    assert load_labelled(path) == rows


def test_export_redacts_again_what_an_older_redaction_let_through():
    [row] = labelled_rows(
        [example("phường Ba Đình chậm khai sinh, gọi em 0912345678", "xa-00004", "commune")]
    )
    assert "0912345678" not in row["text"] and "<sđt>" in row["text"]
    assert row["agency_id"] == "xa-00004"  # the place is still named
    [unnamed] = labelled_rows([example("ở 12 Ba Đình chậm khai sinh, gọi 0912345678", "xa-00004", "commune")])
    assert unnamed["agency_id"] is None  # "12 Ba Đình" was a house address, now gone with the place


def test_learnt_rows_never_bring_a_labelled_text_or_a_dev_or_test_row_into_training(tmp_path):
    labelled = [
        {"id": "t0001", "text": "Sở Y tế cấp chứng chỉ hành nghề chậm", "split": "test"},
        {"id": "m0001", "text": "Phường Ba Đình chậm khai sinh", "split": "train"},
    ]
    learnt = [
        {
            "id": row_id("so y te cap chung chi hanh nghe cham"),
            "text": "so y te cap chung chi hanh nghe cham",
        },
        {"id": row_id("phuong ba dinh cham khai sinh"), "text": "phuong ba dinh cham khai sinh"},
        {"id": row_id("Sở Xây dựng chậm cấp phép"), "text": "Sở Xây dựng chậm cấp phép"},
        {"id": "n9999", "text": "Sở Nội vụ chậm trả lời"},  # not a learnt row
    ]
    path = tmp_path / "learnt.jsonl"
    rows = [
        {"kind": "procedure", "level": "department", "agency_id": None, "split": "train", **r} for r in learnt
    ]
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    kept, left_out = rows_to_learn([path, path], labelled)
    assert [row["text"] for row in kept] == ["Sở Xây dựng chậm cấp phép"] and left_out == 7

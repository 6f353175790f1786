"""Officials' transfers and reclassifications kept as training examples, on the emulators: a case filed
through the citizen's real conversation, moved by the ward's official and then by the city Office's desk
(or given another kind) through the workflow the API and the console share, and what `pakn training
export` makes of the examples."""

from __future__ import annotations

import argparse
import json
import os

import pytest

from pakn.cases.workflow import Actor
from pakn.platform import firestore_paths
from pakn_dev.commands import training as training_command

pytestmark = pytest.mark.emulator

CITIZEN = "7712345678901234511"
WARD = "xa-00004"  # Phường Ba Đình, where the conversation files the complaint below
OFFICIAL = Actor(uid="official-ba-dinh", agency_id=WARD)
DESK = Actor(uid="desk-1", agency_id="vp-ubnd", any_agency=True)
# The pipeline's contact form gives Nguyễn Văn An, 0912345678, 12 Hàng Bông; the citizen also writes them,
# and another phone, into the complaint itself.
COMPLAINT = (
    "Tôi là Nguyễn Văn An ở 12 Hàng Bông, làm khai sinh cho con ở phường Trúc Bạch, quận Ba Đình mà cán bộ "
    "bắt bổ sung giấy tờ, gọi 0987 654 321 không ai nghe"
)
PERSONAL = (
    "Nguyễn Văn An",
    "Nguyen Van An",
    "0912345678",
    "912345678",
    "12 Hàng Bông",
    "0987 654 321",
    "987654321",
)


def examples(firestore_db) -> list[dict]:
    return [s.to_dict() for s in firestore_db.collection(firestore_paths.TRAINING_EXAMPLES).stream()]


def assert_no_personal_data(document: dict, case: dict) -> None:
    written = json.dumps(document, ensure_ascii=False, default=str)
    for personal in (*PERSONAL, case["citizen_id"], case["case_id"], case["tracking_code"]):
        assert personal not in written


def test_a_transfer_keeps_one_example_without_personal_data_and_export_writes_it(
    pipeline, firestore_db, project_id, tmp_path, monkeypatch
):
    from pakn import runtime

    case = pipeline.filed_case(CITIZEN, COMPLAINT)
    assert case["agency_id"] == WARD and "0987 654 321" in case["content"]
    workflow = runtime.workflow()

    moved = workflow.transfer(
        OFFICIAL, case["case_id"], "transfer-1", "so-tu-phap", reason="Thuộc Sở Tư pháp"
    )
    [example] = examples(firestore_db)
    assert (example["kind"], example["level"], example["agency_id"]) == (
        "procedure",
        "department",
        "so-tu-phap",
    )
    assert example["classified"]["version"] == case["routing"]["classifier_version"]
    assert example["classified"]["agency_id"] == case["routing"]["classified_agency_id"]
    assert (example["from_agency_id"], example["reason"]) == (WARD, "Thuộc Sở Tư pháp")
    assert "<tên>" in example["text"] and "<địa chỉ>" in example["text"] and "<sđt>" in example["text"]
    assert "phường Trúc Bạch, quận Ba Đình" in example["text"]
    assert_no_personal_data(example, case)

    # The official's retry (a double click, a lost answer) finds the transfer done and writes nothing.
    assert (
        workflow.transfer(OFFICIAL, case["case_id"], "transfer-1", "so-tu-phap", reason="Thuộc Sở Tư pháp")
        == moved
    )
    assert examples(firestore_db) == [example]

    # The desk sends it back to the ward the text names: a second example, with the commune's id.
    workflow.transfer(DESK, case["case_id"], "desk-1", WARD, reason="Thủ tục cấp xã")
    assert sorted((e["level"], e["agency_id"]) for e in examples(firestore_db)) == [
        ("commune", WARD),
        ("department", "so-tu-phap"),
    ]
    # Handing it to the desk itself says where it does not belong, not where it does: no example.
    workflow.transfer(OFFICIAL, case["case_id"], "to-desk", "vp-ubnd", reason="Không thuộc phường")
    assert len(examples(firestore_db)) == 2

    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", project_id)
    out = tmp_path / "learnt.jsonl"
    args = argparse.Namespace(action="export", out=out, project=None, work_dir=None)
    assert os.environ.get("FIRESTORE_EMULATOR_HOST") and training_command.export(args) == 0
    [row] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # One text, its latest correction.
    assert row == {
        "id": row["id"],
        "text": example["text"],
        "kind": "procedure",
        "level": "commune",
        "agency_id": WARD,
        "split": "train",
    }
    assert row["id"].startswith("x")
    assert_no_personal_data(row, case)


def test_a_reclassification_keeps_the_corrected_kind_once_and_a_wrong_request_changes_nothing(
    pipeline, firestore_db
):
    from pakn import runtime
    from pakn.domain.errors import InvalidInput

    case = pipeline.filed_case("7712345678901234512", COMPLAINT)
    assert case["kind"] == "procedure"
    workflow = runtime.workflow()
    with pytest.raises(InvalidInput) as same:
        workflow.reclassify(OFFICIAL, case["case_id"], "same", "procedure")
    with pytest.raises(InvalidInput) as unknown:
        workflow.reclassify(OFFICIAL, case["case_id"], "unknown", "out_of_scope")
    assert (same.value.code, unknown.value.code) == ("same_kind", "unknown_kind")
    assert examples(firestore_db) == []

    # "cán bộ bắt bổ sung ..., gọi ... không ai nghe": the ward's official reads it as conduct.
    done = workflow.reclassify(OFFICIAL, case["case_id"], "kind-1", "conduct")
    assert (done.from_kind, done.to_kind) == ("procedure", "conduct")
    assert workflow.reclassify(OFFICIAL, case["case_id"], "kind-1", "conduct") == done
    [example] = examples(firestore_db)
    assert (example["kind"], example["level"], example["agency_id"]) == ("conduct", "commune", WARD)
    assert example["classified"]["kind"] == "procedure"
    assert_no_personal_data(example, case)
    stored = firestore_paths.agency_cases(firestore_db, WARD).document(case["case_id"]).get().to_dict()
    assert (stored["kind"], stored["clock"]["kind"], stored["agency_id"]) == ("conduct", "conduct", WARD)

"""Whole conversations through the webhook, Pub/Sub, Firestore and the Zalo stand-in, as a citizen has them."""

from __future__ import annotations

import pytest

from pakn import collections

pytestmark = pytest.mark.emulator

CITIZEN = "5512345678901234567"


def all_cases(db) -> list[dict]:
    return [s.to_dict() for s in db.collection_group("cases").stream()]


def test_happy_path_files_a_case_at_the_competent_ward(pipeline, firestore_db):
    greeting = pipeline.say(
        CITIZEN,
        "Tôi đi làm khai sinh cho con ở phường Trúc Bạch, quận Ba Đình mà cán bộ bắt bổ sung giấy tờ 3 lần",
    )
    assert greeting[0].startswith("Xin chào anh/chị!")
    assert "XONG" in greeting[-1]

    asked = pipeline.say(CITIZEN, "xong")
    assert asked[-1] == "[request_user_info]"
    assert "họ tên, số điện thoại và địa chỉ" in asked[0]

    assert (
        pipeline.post(
            pipeline.zalo.submit_info(CITIZEN, "Nguyễn Văn An", "0912345678", "12 Hàng Bông")
        ).status_code
        == 200
    )
    pipeline.run()
    summary = pipeline.replies(CITIZEN)
    assert len(summary) == 1 and "Nhắn 1 để GỬI" in summary[0] and "Nguyễn Văn An" in summary[0]

    filed = pipeline.say(CITIZEN, "1")
    assert "Phường Ba Đình" in filed[0] and "Mã tra cứu: HN-" in filed[0]

    [case] = all_cases(firestore_db)
    assert case["agency_id"] == "xa-00004"
    assert case["routing"]["outcome"] == "agency"
    assert case["contact"]["phone"] == "0912345678"
    code = case["tracking_code"]
    assert code in filed[0]
    stored = collections.agency_cases(firestore_db, "xa-00004").document(case["case_id"]).get()
    assert stored.exists

    status = pipeline.say(CITIZEN, f"tra cuu {code.lower()}")
    assert status[0].startswith(f"Phản ánh {code}: đang xử lý.")

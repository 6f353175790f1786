"""Conversations through the webhook, Pub/Sub, Firestore and the Zalo stand-in, as citizens have them."""

from __future__ import annotations

import pytest

from pakn.platform import firestore_paths

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
    stored = firestore_paths.agency_cases(firestore_db, "xa-00004").document(case["case_id"]).get()
    assert stored.exists

    status = pipeline.say(CITIZEN, f"tra cuu {code.lower()}")
    assert status[0].startswith(f"Phản ánh {code}: đang xử lý.")


def test_without_diacritics_and_with_teen_code_a_typed_contact_is_enough(pipeline, firestore_db):
    pipeline.say(
        CITIZEN,
        "p truc bach q ba dinh ko nhan ho so dang ky ket hon cua e, bao thieu giay to ma ko noi ro",
    )
    assert pipeline.say(CITIZEN, "XONG")[-1] == "[request_user_info]"
    assert pipeline.say(CITIZEN, "Tran Van Binh 0987654321")[0].startswith("Chưa đủ thông tin")
    summary = pipeline.say(CITIZEN, "Tran Van Binh, 0987 654 321, so 5 ngo 12 Doi Can")
    assert "Người gửi: Tran Van Binh, 0987654321" in summary[0]
    filed = pipeline.say(CITIZEN, "gui")
    assert "Phường Ba Đình" in filed[0]
    [case] = all_cases(firestore_db)
    assert case["contact"] == {
        "name": "Tran Van Binh",
        "phone": "0987654321",
        "address": "so 5 ngo 12 Doi Can",
    }


def test_photos_files_and_location_join_the_draft_and_the_case(pipeline, firestore_db):
    pipeline.give_contact(CITIZEN)
    pipeline.say(
        CITIZEN, "Bộ phận một cửa phường Cửa Nam trả hồ sơ cấp giấy phép xây dựng nhà ở quá hạn 2 tuần"
    )
    for event in (
        pipeline.zalo.image(CITIZEN, "https://photo.zdn.vn/giay-hen.jpg"),
        pipeline.zalo.file(CITIZEN, "https://file.zdn.vn/don.pdf", "don.pdf"),
        pipeline.zalo.location(CITIZEN, 21.0287, 105.8465),
    ):
        assert pipeline.post(event).status_code == 200
    pipeline.run()
    assert pipeline.replies(CITIZEN) == [pipeline_text("draft_added")] * 3
    summary = pipeline.say(CITIZEN, "xong")
    assert "Đính kèm: 2 ảnh/tệp, vị trí" in summary[0]
    pipeline.say(CITIZEN, "1")
    [case] = all_cases(firestore_db)
    assert [m["url"] for m in case["media"]] == [
        "https://photo.zdn.vn/giay-hen.jpg",
        "https://file.zdn.vn/don.pdf",
    ]
    assert case["location"] == {"latitude": 21.0287, "longitude": 105.8465}
    assert case["agency_name"] == "Phường Cửa Nam"


def pipeline_text(key: str, **values) -> str:
    from pakn.domain import messages

    return messages.text(key, **values)


def test_an_edit_replaces_the_text_and_a_cancel_files_nothing(pipeline, firestore_db):
    pipeline.give_contact(CITIZEN)
    pipeline.say(CITIZEN, "Sở Y tế cấp chứng chỉ hành nghề dược chậm")
    assert "Sở Y tế cấp chứng chỉ hành nghề dược chậm" in pipeline.say(CITIZEN, "xong")[0]
    assert pipeline.say(CITIZEN, "2") == [pipeline_text("edit_prompt")]
    pipeline.say(CITIZEN, "Sở Y tế cấp giấy phép hoạt động phòng khám chậm 3 tháng")
    summary = pipeline.say(CITIZEN, "xong")[0]
    assert "phòng khám chậm 3 tháng" in summary and "hành nghề dược" not in summary
    assert pipeline.say(CITIZEN, "3") == [pipeline_text("cancelled")]
    assert pipeline.say(CITIZEN, "hủy") == [pipeline_text("nothing_to_cancel")]
    assert all_cases(firestore_db) == []


def test_a_second_case_reuses_contact_details_and_lists_both(pipeline, firestore_db):
    pipeline.give_contact(CITIZEN)
    for text in (
        "Sở Tài chính chậm cấp giấy chứng nhận đăng ký doanh nghiệp",
        "Sở Y tế chậm cấp chứng chỉ hành nghề",
    ):
        pipeline.say(CITIZEN, text)
        assert "Nhắn 1 để GỬI" in pipeline.say(CITIZEN, "xong")[0]
        pipeline.say(CITIZEN, "1")
    listing = pipeline.say(CITIZEN, "Hồ sơ")[0]
    codes = sorted(case["tracking_code"] for case in all_cases(firestore_db))
    assert len(codes) == 2 and all(code in listing for code in codes)
    assert pipeline.say("someone-else", f"tra cứu {codes[0]}")[-1] == pipeline_text(
        "status_not_found", code=codes[0]
    )


def test_urban_problems_are_pointed_elsewhere_and_not_filed(pipeline, firestore_db):
    # Said at once, after the greeting; if the citizen sends it anyway, they hear that nothing was passed on.
    first = pipeline.say(CITIZEN, "duong truoc nha toi bi ngap nuoc may hom nay, rac thai bot mui")
    assert first == [pipeline_text("welcome"), pipeline_text("out_of_scope")]
    assert pipeline.say(CITIZEN, "xong") == [pipeline_text("nothing_filed")]
    assert pipeline.say(CITIZEN, "1") == [pipeline_text("nothing_to_answer")]
    assert all_cases(firestore_db) == []


def test_police_matters_are_kept_for_the_office_to_forward(pipeline, firestore_db):
    pipeline.give_contact(CITIZEN)
    pipeline.say(CITIZEN, "lam can cuoc cong dan cho con 3 thang chua co")
    pipeline.say(CITIZEN, "xong")
    filed = pipeline.say(CITIZEN, "1")[0]
    assert "cơ quan Công an" in filed and "Hệ thống tiếp nhận phản ánh, kiến nghị quốc gia" in filed
    [case] = all_cases(firestore_db)
    assert case["agency_id"] == "vp-ubnd" and case["level"] == "outside"
    assert case["routing"]["outcome"] == "outside" and case["routing"]["outside_body"] == "police"


def test_a_commune_procedure_without_a_place_is_asked_once_then_routed(pipeline, firestore_db):
    pipeline.give_contact(CITIZEN)
    pipeline.say(CITIZEN, "Tôi đi đăng ký khai tử cho bố mà cán bộ hẹn đi hẹn lại")
    assert pipeline.say(CITIZEN, "xong") == [pipeline_text("ask_place")]
    assert "Nhắn 1 để GỬI" in pipeline.say(CITIZEN, "phường Cửa Nam")[0]
    pipeline.say(CITIZEN, "1")
    [case] = all_cases(firestore_db)
    assert case["agency_name"] == "Phường Cửa Nam"
    assert "Phường Cửa Nam" in case["routing"]["evidence"] or case["routing"]["confidence"] >= 0.5


def test_an_unknown_place_goes_to_the_office_triage_desk(pipeline, firestore_db):
    pipeline.give_contact(CITIZEN)
    pipeline.say(CITIZEN, "Tôi đi đăng ký khai tử cho bố mà cán bộ hẹn đi hẹn lại")
    pipeline.say(CITIZEN, "xong")
    pipeline.say(CITIZEN, "chỗ gần nhà tôi")
    filed = pipeline.say(CITIZEN, "1")[0]
    assert "để chuyển cơ quan có thẩm quyền" in filed
    [case] = all_cases(firestore_db)
    assert case["agency_id"] == "vp-ubnd" and case["routing"]["reason"] == "no_agency"


def test_follow_greets_once(pipeline):
    pipeline.post(pipeline.zalo.follow(CITIZEN))
    pipeline.run()
    first = pipeline.replies(CITIZEN)
    assert first == [pipeline_text("welcome"), pipeline_text("how_to_start")]
    pipeline.post(pipeline.zalo.follow(CITIZEN))
    pipeline.run()
    assert pipeline.replies(CITIZEN) == []


def test_help_is_there_at_any_time(pipeline):
    pipeline.say(CITIZEN, "xin chao")
    assert pipeline.say(CITIZEN, "huong dan") == [pipeline_text("help")]


def test_more_about_the_problem_while_details_are_awaited_is_kept(pipeline, firestore_db):
    pipeline.say(CITIZEN, "Sở Tư pháp cấp phiếu lý lịch tư pháp chậm")
    pipeline.say(CITIZEN, "xong")
    assert pipeline.say(CITIZEN, "Đã nộp từ 2 tháng trước") == [pipeline_text("contact_still_needed")]
    assert pipeline.say(CITIZEN, "Tôi đã gọi 0912345678 nhiều lần") == [pipeline_text("contact_incomplete")]
    summary = pipeline.say(CITIZEN, "Lê Văn Tài, 0987654321, 3 Phố Huế")[0]
    assert "lý lịch tư pháp chậm\nĐã nộp từ 2 tháng trước" in summary
    assert "Người gửi: Lê Văn Tài, 0987654321" in summary


def test_details_can_be_corrected_from_the_summary(pipeline, firestore_db):
    pipeline.give_contact(CITIZEN)
    pipeline.say(CITIZEN, "Sở Tư pháp cấp phiếu lý lịch tư pháp chậm")
    assert "Nguyễn Văn An" in pipeline.say(CITIZEN, "xong")[0]
    corrected = pipeline.say(CITIZEN, "Nguyễn Văn Ân, 0912345679, 14 Hàng Bông")[0]
    assert "Người gửi: Nguyễn Văn Ân, 0912345679" in corrected and "Nhắn 1 để GỬI" in corrected
    formed = pipeline.give_contact(CITIZEN)[0]  # the Zalo form again, while the summary waits
    assert "Người gửi: Nguyễn Văn An, 0912345678" in formed
    pipeline.say(CITIZEN, "1")
    [case] = all_cases(firestore_db)
    assert case["contact"]["name"] == "Nguyễn Văn An"


def test_a_location_pin_does_not_answer_where_but_is_kept(pipeline, firestore_db):
    pipeline.give_contact(CITIZEN)
    pipeline.say(CITIZEN, "Tôi đi đăng ký khai tử cho bố mà cán bộ hẹn đi hẹn lại")
    assert pipeline.say(CITIZEN, "xong") == [pipeline_text("ask_place")]
    pipeline.post(pipeline.zalo.location(CITIZEN, 21.0287, 105.8465))
    pipeline.run()
    assert pipeline.replies(CITIZEN) == [pipeline_text("ask_place")]
    summary = pipeline.say(CITIZEN, "phường Cửa Nam")[0]
    assert "Đính kèm: vị trí" in summary
    pipeline.say(CITIZEN, "1")
    [case] = all_cases(firestore_db)
    assert case["location"] == {"latitude": 21.0287, "longitude": 105.8465}


def test_stickers_get_no_answer_and_start_nothing(pipeline, firestore_db):
    pipeline.say(CITIZEN, "hướng dẫn")
    sticker = pipeline.zalo.image(CITIZEN, "https://sticker.zdn.vn/1.png")
    sticker["event_name"] = "user_send_sticker"
    sticker["message"]["attachments"][0]["type"] = "sticker"
    pipeline.post(sticker)
    pipeline.run()
    assert pipeline.replies(CITIZEN) == []
    assert firestore_paths.citizen(firestore_db, CITIZEN).get().get("draft") is None


def test_a_very_long_complaint_and_address_still_fit_one_summary(pipeline, firestore_db):
    pipeline.post(pipeline.zalo.submit_info(CITIZEN, "Nguyễn Văn An", "0912345678", "Ngõ " * 800))
    pipeline.run()
    pipeline.replies(CITIZEN)
    pipeline.say(CITIZEN, "Sở Y tế cấp chứng chỉ hành nghề chậm. " + "Tôi đã chờ rất lâu. " * 150)
    summary = pipeline.say(CITIZEN, "xong")[0]
    assert len(summary) <= 2000 and "Nhắn 1 để GỬI" in summary
    pipeline.say(CITIZEN, "1")
    [case] = all_cases(firestore_db)
    assert len(case["content"]) > 3000  # the case keeps everything; only the summary is cut


def test_a_message_written_before_filing_but_delivered_after_joins_the_case_wherever_it_went(
    pipeline, firestore_db
):
    from pakn import runtime
    from pakn.cases.workflow import Actor, Workflow

    pipeline.give_contact(CITIZEN)
    pipeline.say(CITIZEN, "Sở Y tế cấp chứng chỉ hành nghề chậm")
    pipeline.say(CITIZEN, "xong")
    confirm = pipeline.zalo.text(CITIZEN, "1")
    late = pipeline.zalo.text(CITIZEN, "Tôi nộp hồ sơ từ tháng 3")
    late["timestamp"] = str(int(confirm["timestamp"]) - 2000)  # written before "1", delivered after it
    assert pipeline.post(confirm).status_code == 200
    pipeline.run()
    pipeline.replies(CITIZEN)
    [case] = all_cases(firestore_db)
    Workflow(firestore_db, runtime.publish_outbound).transfer(
        Actor("official-1", case["agency_id"]), case["case_id"], "move-1", "so-noi-vu"
    )
    pipeline.run()
    pipeline.replies(CITIZEN)

    assert pipeline.post(late).status_code == 200
    pipeline.run()
    assert pipeline.replies(CITIZEN) == [pipeline_text("late_addition", code=case["tracking_code"])]
    [moved] = all_cases(firestore_db)
    assert moved["agency_id"] == "so-noi-vu"
    assert moved["late_additions"] == ["Tôi nộp hồ sơ từ tháng 3"]


def test_the_citizens_answer_to_an_officials_question_joins_the_case_and_restarts_its_clock(
    pipeline, firestore_db
):
    from pakn import runtime
    from pakn.cases.workflow import Actor, Workflow

    pipeline.give_contact(CITIZEN)
    pipeline.say(CITIZEN, "Sở Y tế cấp chứng chỉ hành nghề chậm")
    pipeline.say(CITIZEN, "xong")
    pipeline.say(CITIZEN, "1")
    [case] = all_cases(firestore_db)
    Workflow(firestore_db, runtime.publish_outbound).request_info(
        Actor("official-1", "so-y-te"), case["case_id"], "ask-1", "Anh/chị nộp hồ sơ ngày nào?"
    )
    pipeline.run()
    assert "Anh/chị nộp hồ sơ ngày nào?" in pipeline.replies(CITIZEN)[0]
    [frozen] = all_cases(firestore_db)
    assert frozen["clock"]["frozen_since"] is not None

    answered = pipeline.say(CITIZEN, "Tôi nộp ngày 3/3/2026")
    assert answered == [pipeline_text("information_received", code=case["tracking_code"])]
    [resumed] = all_cases(firestore_db)
    assert resumed["clock"]["frozen_since"] is None
    assert [info["text"] for info in resumed["citizen_information"]] == ["Tôi nộp ngày 3/3/2026"]
    assert resumed["history"][-1]["by"] == "citizen"

    # The question is answered: what the citizen writes next starts a new draft.
    assert pipeline.say(CITIZEN, "Sở Tư pháp cấp lý lịch tư pháp chậm") == [pipeline_text("draft_started")]

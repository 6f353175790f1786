"""Every text a citizen sees, in one catalogue: polite, short, correctly accented Vietnamese.

Texts are `str.format` templates. A template names its values; `text()` fails loudly on a missing one,
and the tests render every key, so a citizen never receives a blank or half-filled reply.
"""

from __future__ import annotations

CATALOGUE: dict[str, str] = {
    # Greeting, on follow and on first contact.
    "welcome": (
        "Xin chào anh/chị! Đây là kênh tiếp nhận phản ánh, kiến nghị về thủ tục hành chính "
        "của thành phố Hà Nội.\n"
        "Kênh này tiếp nhận: vướng mắc khi làm thủ tục hành chính, thái độ của cán bộ, "
        "kiến nghị sửa quy định.\n"
        "Không tiếp nhận: sự cố đô thị (ngập, rác, đường hỏng…) xin gửi qua ứng dụng iHanoi hoặc gọi 1022; "
        "khiếu nại, tố cáo xin gửi theo kênh riêng."
    ),
    "how_to_start": "Mời anh/chị nhắn nội dung cần phản ánh, có thể kèm ảnh, tệp hoặc vị trí.",
    "help": (
        "Anh/chị có thể nhắn:\n"
        "• Nội dung phản ánh (kèm ảnh, tệp, vị trí nếu có)\n"
        "• XONG: xem lại và gửi phản ánh\n"
        "• TRA CỨU <mã>: xem tình trạng một phản ánh\n"
        "• HỒ SƠ: các phản ánh đã gửi\n"
        "• MỚI: soạn phản ánh mới\n"
        "• HỦY: hủy phản ánh đang soạn"
    ),
    # Collecting a draft.
    "draft_started": (
        "Đã ghi nhận. Anh/chị có thể nhắn thêm chi tiết, ảnh hoặc vị trí. "
        "Khi đủ, nhắn XONG để xem lại trước khi gửi."
    ),
    "draft_added": "Đã bổ sung vào phản ánh đang soạn. Khi đủ, nhắn XONG.",
    "draft_full": (
        "Phản ánh đang soạn đã đủ dài nên tin vừa rồi chưa được thêm vào. "
        "Anh/chị vui lòng nhắn XONG để xem lại và gửi, hoặc MỚI để soạn lại."
    ),
    "slow_down": (
        "Anh/chị nhắn nhiều tin trong thời gian ngắn nên các tin vừa rồi chưa được ghi nhận. "
        "Xin chờ một phút rồi nhắn tiếp."
    ),
    "draft_empty": "Anh/chị chưa nhắn nội dung phản ánh. Mời anh/chị nhắn nội dung trước.",
    "need_contact": (
        "Theo quy định, phản ánh cần có họ tên, số điện thoại và địa chỉ của người gửi để cơ quan trả lời. "
        "Anh/chị vui lòng bấm vào mẫu bên dưới, hoặc nhắn theo mẫu: Họ tên, số điện thoại, địa chỉ."
    ),
    "contact_form_title": "Thông tin người gửi phản ánh",
    "contact_form_subtitle": "Họ tên, số điện thoại và địa chỉ để cơ quan trả lời anh/chị.",
    "contact_incomplete": (
        "Chưa đủ thông tin: cần họ tên, số điện thoại và địa chỉ. Anh/chị vui lòng nhắn theo mẫu: "
        "Nguyễn Văn A, 0912345678, số 1 Hàng Bông, phường Hoàn Kiếm."
    ),
    "contact_saved": "Cảm ơn anh/chị đã cung cấp thông tin.",
    "contact_still_needed": (
        "Đã bổ sung vào phản ánh. Để hoàn tất, anh/chị vui lòng gửi họ tên, số điện thoại và địa chỉ."
    ),
    "ask_place": "Anh/chị làm thủ tục này tại xã/phường nào?",
    "summary": (
        "Xin anh/chị xem lại phản ánh:\n"
        "Nội dung: {content}\n"
        "{attachments}"
        "Người gửi: {name}, {phone}\n"
        "Địa chỉ: {address}\n\n"
        "Nhắn 1 để GỬI, 2 để SỬA, 3 để HỦY."
    ),
    "summary_attachments": "Đính kèm: {items}\n",
    "summary_files": "{count} ảnh/tệp",
    "summary_location": "vị trí",
    "confirm_expected": "Anh/chị vui lòng nhắn 1 để GỬI, 2 để SỬA hoặc 3 để HỦY.",
    "edit_prompt": (
        "Mời anh/chị nhắn lại nội dung; nội dung cũ sẽ được thay thế (ảnh, tệp vẫn giữ). Khi xong, nhắn XONG."
    ),
    "cancelled": "Đã hủy phản ánh đang soạn. Khi cần, anh/chị cứ nhắn nội dung mới.",
    "nothing_to_cancel": "Hiện không có phản ánh nào đang soạn.",
    "new_draft": "Mời anh/chị nhắn nội dung phản ánh mới.",
    # Filing.
    "filed": (
        "Phản ánh đã được gửi tới {agency}.\n"
        "Mã tra cứu: {code}\n"
        "Hạn trả lời dự kiến: {due_date} ({days} ngày làm việc).\n"
        "Để xem tình trạng, nhắn: TRA CỨU {code}"
    ),
    "filed_triage": (
        "Phản ánh đã được gửi tới {agency} để chuyển cơ quan có thẩm quyền giải quyết.\n"
        "Mã tra cứu: {code}\n"
        "Hạn trả lời dự kiến: {due_date} ({days} ngày làm việc).\n"
        "Để xem tình trạng, nhắn: TRA CỨU {code}"
    ),
    "filed_outside": (
        "Việc này thuộc thẩm quyền của {body}, không thuộc thẩm quyền của Thành phố. Phản ánh của anh/chị "
        "đã được ghi nhận "
        "(mã {code}) và sẽ được chuyển lên Hệ thống tiếp nhận phản ánh, kiến nghị quốc gia.\n"
        "Để xem tình trạng, nhắn: TRA CỨU {code}"
    ),
    "outside_body.police": "cơ quan Công an",
    "outside_body.tax": "cơ quan Thuế",
    "outside_body.social_insurance": "cơ quan Bảo hiểm xã hội",
    "outside_body.unknown": "cơ quan Trung ương có thẩm quyền",
    "out_of_scope": (
        "Kênh này chỉ tiếp nhận phản ánh về thủ tục hành chính và thái độ của cán bộ. "
        "Sự cố đô thị (ngập, rác, đường hỏng, tiếng ồn): xin gửi qua ứng dụng iHanoi hoặc gọi 1022. "
        "Tranh chấp, tố giác tội phạm: xin liên hệ UBND xã/phường hoặc công an nơi cư trú."
    ),
    "late_addition": "Đã bổ sung vào phản ánh {code}.",
    "information_received": (
        "Cảm ơn anh/chị. Thông tin đã được bổ sung vào phản ánh {code}; cơ quan xử lý sẽ tiếp tục giải quyết."
    ),
    # Status.
    "status": (
        "Phản ánh {code}: {status}.\n"
        "Cơ quan xử lý: {agency}\n"
        "Ngày gửi: {filed_date}. Hạn trả lời: {due_date}."
    ),
    "status_not_found": "Không tìm thấy phản ánh mã {code} của anh/chị. Anh/chị vui lòng kiểm tra lại mã.",
    "status.open": "đang xử lý",
    "status.answered": "đã có trả lời",
    "status.closed": "đã kết thúc",
    "my_cases": "Các phản ánh gần đây của anh/chị:\n{lines}\nĐể xem chi tiết, nhắn: TRA CỨU <mã>",
    "my_cases_line": "• {code}: {status}, gửi ngày {filed_date}",
    "no_cases": "Anh/chị chưa gửi phản ánh nào qua kênh này.",
    "attachment_received": "Đã nhận. Mời anh/chị nhắn nội dung mô tả vấn đề.",
    # Officials' actions (pakn.workflow), to the citizen.
    "answer": "Trả lời phản ánh {code} từ {agency}:\n{text}",
    "transferred": (
        "Phản ánh {code} đã được chuyển tới {agency} để giải quyết theo thẩm quyền.\n"
        "Để xem tình trạng, nhắn: TRA CỨU {code}"
    ),
    "info_requested": (
        "{agency} đề nghị anh/chị bổ sung thông tin cho phản ánh {code}:\n{question}\n"
        "Anh/chị vui lòng nhắn trả lời tại đây."
    ),
    # The deadline sweep (pakn.sweep), to the citizen: once when the answer is late, then every 7 days.
    "late_notice": (
        "Phản ánh {code} của anh/chị đã quá hạn trả lời. Cơ quan xử lý: {agency}. "
        "Dự kiến trả lời trước ngày {date}. Xin lỗi anh/chị vì sự chậm trễ."
    ),
    "progress_update": (
        "Phản ánh {code} của anh/chị đang được xử lý. Cơ quan xử lý: {agency}. "
        "Dự kiến trả lời trước ngày {date}. Để xem tình trạng, nhắn: TRA CỨU {code}"
    ),
    # The deadline sweep, to officials by Zalo and e-mail (the first line is the e-mail's subject). Only the
    # tracking code identifies the case: the citizen's details stay in the case, out of mailboxes.
    "official.remind": (
        "[PAKN] Sắp đến hạn {stage} phản ánh {code}\n"
        "Phản ánh {code} đến hạn {stage} vào ngày {due}. Cơ quan xử lý: {agency}. "
        "Đề nghị đơn vị xử lý đúng hạn."
    ),
    "official.breach": (
        "[PAKN] Quá hạn {stage} phản ánh {code}\n"
        "Phản ánh {code} đã quá hạn {stage} (ngày {due}). Cơ quan xử lý: {agency}. "
        "Đề nghị đơn vị khẩn trương xử lý và báo cáo lý do chậm."
    ),
    "official.escalate_lead": (
        "[PAKN] Báo cáo lãnh đạo: phản ánh {code} quá hạn {stage}\n"
        "Phản ánh {code} quá hạn {stage} từ ngày {due}. Cơ quan xử lý: {agency}. "
        "Đề nghị lãnh đạo đơn vị chỉ đạo xử lý."
    ),
    "official.escalate_office": (
        "[PAKN] Đề nghị đôn đốc: phản ánh {code} quá hạn {stage}\n"
        "Phản ánh {code} quá hạn {stage} từ ngày {due}. Cơ quan xử lý: {agency}. "
        "Đề nghị Văn phòng UBND thành phố theo dõi, đôn đốc."
    ),
    "official.stage.accept": "tiếp nhận",
    "official.stage.answer": "trả lời",
}


def text(key: str, **values: object) -> str:
    return CATALOGUE[key].format(**values)

"""Every text a citizen sees, in one catalogue: polite, short, correctly accented Vietnamese, with an
English column for citizens who write in English (officials' texts, `official.*`, are Vietnamese only).

Texts are `str.format` templates. A template names its values; `text()` fails loudly on a missing one,
and the tests render every key in both languages, so a citizen never receives a blank or half-filled reply.
"""

from __future__ import annotations

from pakn.domain.vocabulary import Language

CATALOGUE: dict[str, str] = {
    # Greeting, on follow and on first contact: short enough for one phone screen; the rest is in "help".
    "welcome": (
        "Xin chào anh/chị! Đây là kênh tiếp nhận phản ánh, kiến nghị của TP Hà Nội về thủ tục hành chính "
        "và thái độ của cán bộ. Nhắn HƯỚNG DẪN để xem cách dùng."
    ),
    "how_to_start": "Mời anh/chị nhắn nội dung cần phản ánh, có thể kèm ảnh, tệp hoặc vị trí.",
    "help": (
        "Anh/chị có thể nhắn:\n"
        "• Nội dung phản ánh (kèm ảnh, tệp, vị trí nếu có)\n"
        "• XONG: xem lại và gửi phản ánh\n"
        "• TRA CỨU <mã>: xem tình trạng một phản ánh\n"
        "• HỒ SƠ: các phản ánh đã gửi\n"
        "• MỚI: soạn phản ánh mới\n"
        "• HỦY: hủy phản ánh đang soạn\n"
        "Kênh không tiếp nhận sự cố đô thị (ngập, rác, đường hỏng…): xin gửi qua iHanoi hoặc gọi 1022; "
        "khiếu nại, tố cáo xin gửi theo kênh riêng."
    ),
    # Collecting a draft.
    "draft_started": (
        "Đã ghi nhận. Anh/chị có thể nhắn thêm chi tiết, ảnh hoặc vị trí. "
        "Khi đủ, nhắn XONG để xem lại trước khi gửi."
    ),
    "draft_added": "Đã bổ sung vào phản ánh đang soạn. Khi đủ, nhắn XONG.",
    "thanks_reply": "Cảm ơn anh/chị. Khi cần phản ánh, kiến nghị, anh/chị cứ nhắn cho kênh này.",
    "nothing_to_answer": (
        "Hiện không có nội dung nào chờ anh/chị xác nhận hay trả lời. Mời anh/chị nhắn nội dung cần phản "
        "ánh, có thể kèm ảnh, tệp hoặc vị trí."
    ),
    "turned_away_undo": "Nếu anh/chị chọn nhầm, xin nhắn số 1, 2 hoặc 3 để chọn lại loại việc.",
    "nothing_filed": (
        "Nội dung vừa rồi không được chuyển tới cơ quan nào. Khi cần phản ánh, kiến nghị, anh/chị cứ nhắn "
        "cho kênh này."
    ),
    "draft_in_progress": (
        "Anh/chị đang soạn một phản ánh: mời nhắn tiếp nội dung, hoặc nhắn XONG để xem lại và gửi."
    ),
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
    "contact_phone_invalid": (
        "Số điện thoại chưa đúng: số di động gồm 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678). "
        "Anh/chị vui lòng nhắn lại theo mẫu: Họ tên, số điện thoại, địa chỉ."
    ),
    "contact_missing_phone": (
        "Chưa đủ thông tin: còn thiếu số điện thoại. Anh/chị vui lòng nhắn lại theo mẫu: "
        "Họ tên, số điện thoại, địa chỉ."
    ),
    "contact_missing_name": (
        "Chưa đủ thông tin: còn thiếu họ tên. Anh/chị vui lòng nhắn lại theo mẫu: "
        "Họ tên, số điện thoại, địa chỉ."
    ),
    "contact_missing_address": (
        "Chưa đủ thông tin: còn thiếu địa chỉ. Anh/chị vui lòng nhắn lại theo mẫu: "
        "Họ tên, số điện thoại, địa chỉ."
    ),
    "contact_saved": "Cảm ơn anh/chị đã cung cấp thông tin.",
    "lookup_needs_code": (
        "Anh/chị vui lòng nhắn kèm mã tra cứu, ví dụ: TRA CỨU HN-4K7Q2M. Mã có trong tin nhắn xác nhận "
        "khi gửi phản ánh; nhắn HỒ SƠ để xem các phản ánh đã gửi."
    ),
    "contact_still_needed": (
        "Đã bổ sung vào phản ánh. Để hoàn tất, anh/chị vui lòng gửi họ tên, số điện thoại và địa chỉ."
    ),
    "ask_place": "Anh/chị làm thủ tục này tại xã/phường nào?",
    "choose_place": (
        "Địa bàn anh/chị nêu nay thuộc một trong các xã/phường sau. Anh/chị làm thủ tục tại đâu? "
        "Xin nhắn số tương ứng:\n{options}"
    ),
    # The quick questions when the classifier is unsure (pakn.conversation.questions): buttons, numbered,
    # each answerable by tapping, by its number or by its words.
    "ask_kind": (
        "Để phản ánh được chuyển đúng nơi, xin anh/chị cho biết phản ánh này về việc gì? "
        "Anh/chị bấm một mục bên dưới hoặc nhắn số tương ứng."
    ),
    "ask_kind.procedure": "Thủ tục hành chính",
    "ask_kind.conduct": "Thái độ, hành vi của cán bộ",
    "ask_kind.regulation": "Đề xuất sửa quy định",
    "ask_kind.out_of_scope": "Việc khác",
    "ask_department": (
        "Phản ánh này có thể thuộc một trong các cơ quan dưới đây. Anh/chị bấm chọn hoặc nhắn số tương "
        "ứng; nếu không rõ, Văn phòng UBND thành phố sẽ chuyển tới đúng cơ quan."
    ),
    "ask_department.unknown": "Không rõ / không biết",
    "ask_again": (
        "Xin lỗi, chưa rõ anh/chị chọn mục nào. Anh/chị vui lòng bấm một mục bên dưới hoặc nhắn số tương ứng."
    ),
    "ask_again_added": (
        "Đã bổ sung vào phản ánh. Anh/chị vui lòng trả lời thêm câu hỏi dưới đây để phản ánh được chuyển "
        "đúng nơi."
    ),
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
    "outside_body.court": "Tòa án hoặc cơ quan thi hành án",
    "outside_body.customs": "cơ quan Hải quan",
    "outside_body.state_bank": "Ngân hàng Nhà nước",
    "outside_body.unknown": "cơ quan Trung ương có thẩm quyền",
    # A thank-you letter for a finished procedure: thanked back, with what the channel is for.
    "praise_received": (
        "Xin trân trọng cảm ơn những lời ghi nhận của anh/chị. Khi cần phản ánh, kiến nghị về thủ tục "
        "hành chính hoặc thái độ của cán bộ, anh/chị cứ nhắn cho kênh này."
    ),
    "out_of_scope": (
        "Kênh này chỉ tiếp nhận phản ánh về thủ tục hành chính và thái độ của cán bộ. "
        "Sự cố đô thị (ngập, rác, đường hỏng, tiếng ồn): xin gửi qua ứng dụng iHanoi hoặc gọi 1022. "
        "Tranh chấp, tố giác tội phạm: xin liên hệ UBND xã/phường hoặc công an nơi cư trú."
    ),
    "denunciation_channel": (
        "Phản ánh nêu việc cán bộ đòi hoặc nhận tiền nên được chuyển tới cơ quan thanh tra, không gửi "
        "cho chính nơi có cán bộ đó. Nếu anh/chị muốn tố cáo, việc tố cáo có kênh và thủ tục riêng theo "
        "Luật Tố cáo: gửi đơn tới Thanh tra thành phố Hà Nội."
    ),
    "late_addition": "Đã bổ sung vào phản ánh {code}.",
    # After an answer (pakn.cases.rating): the rating asked with buttons, an objection, a later reply.
    "rating_prompt": (
        "Anh/chị có hài lòng với trả lời phản ánh {code} không? Xin bấm một mức đánh giá bên dưới. "
        "Nếu chưa đồng ý với trả lời, anh/chị nhắn KHÔNG ĐỒNG Ý kèm lý do trước ngày {date}."
    ),
    "rating.button.5": "Rất hài lòng",
    "rating.button.4": "Hài lòng",
    "rating.button.3": "Bình thường",
    "rating.button.2": "Chưa hài lòng",
    "rating.button.1": "Không hài lòng",
    # What a rating button sends as the citizen's message (they may type it too).
    "rating.payload": "ĐÁNH GIÁ {code} {score}",
    "rating_received": (
        "Cảm ơn anh/chị đã đánh giá trả lời phản ánh {code} ({score}/5). "
        "Anh/chị có thể nhắn thêm góp ý trong tin tiếp theo."
    ),
    "rating_received_with_comment": "Cảm ơn anh/chị đã đánh giá và góp ý về trả lời phản ánh {code}.",
    "rating_objection_hint": (
        "Nếu chưa đồng ý với trả lời, anh/chị nhắn KHÔNG ĐỒNG Ý kèm lý do trước ngày {date} "
        "để cơ quan xem xét lại."
    ),
    "rating_comment_received": (
        "Đã ghi nhận góp ý của anh/chị về trả lời phản ánh {code}. Xin cảm ơn anh/chị."
    ),
    "rating_not_answered": "Phản ánh {code} đang được xử lý. Anh/chị có thể đánh giá khi có trả lời.",
    "objection_received": (
        "Đã ghi nhận ý kiến chưa đồng ý của anh/chị. Phản ánh {code} được mở lại để {agency} xem xét, "
        "trả lời lại trước ngày {date}."
    ),
    "objection_to_office": (
        "Đã ghi nhận ý kiến chưa đồng ý của anh/chị. Phản ánh {code} được chuyển tới {agency} "
        "để xem xét, trả lời trước ngày {date}."
    ),
    "objection_reason_invite": (
        "Anh/chị có thể nhắn thêm lý do chưa đồng ý; nội dung sẽ được bổ sung vào phản ánh."
    ),
    "objection_too_late": (
        "Rất tiếc, thời hạn đề nghị xem xét lại trả lời phản ánh {code} đã hết từ ngày {date}. "
        "Nếu vấn đề chưa được giải quyết, anh/chị vui lòng gửi phản ánh mới: nhắn MỚI rồi nhắn nội dung."
    ),
    "objection_pending": (
        "Phản ánh {code} đang được xem xét lại. Cơ quan sẽ trả lời anh/chị trước ngày {date}."
    ),
    "objection_closed": (
        "Phản ánh {code} đã kết thúc. Nếu vấn đề chưa được giải quyết, anh/chị vui lòng gửi phản ánh mới: "
        "nhắn MỚI rồi nhắn nội dung."
    ),
    "late_addition_answered": (
        "Đã bổ sung vào phản ánh {code}. Nếu muốn gửi phản ánh mới, anh/chị nhắn MỚI."
    ),
    "information_received": (
        "Cảm ơn anh/chị. Thông tin đã được bổ sung vào phản ánh {code}; cơ quan xử lý sẽ tiếp tục giải quyết."
    ),
    # Status.
    "status": (
        "Phản ánh {code}: {status}.\n"
        "Cơ quan xử lý: {agency}\n"
        "Ngày gửi: {filed_date}. Hạn trả lời: {due_date}."
    ),
    "status_answer": "Trả lời của {agency} ngày {date}:\n{text}",
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
    "accepted": "Phản ánh {code} đã được {agency} tiếp nhận. Hạn trả lời: ngày {date}.",
    "transferred": (
        "Phản ánh {code} đã được chuyển tới {agency} để giải quyết theo thẩm quyền.{reason}\n"
        "Để xem tình trạng, nhắn: TRA CỨU {code}"
    ),
    "transferred.reason": " Lý do: {reason}",
    "extended": "Thời hạn trả lời phản ánh {code} được gia hạn đến ngày {date}. Lý do: {reason}",
    "info_requested": (
        "{agency} đề nghị anh/chị bổ sung thông tin cho phản ánh {code}:\n{question}\n"
        "Anh/chị vui lòng nhắn trả lời tại đây."
    ),
    # Officials' console (pakn.cases.case): a case not handled on one of Decree 20's grounds, a duplicate.
    "rejected": "Phản ánh {code} không được {agency} xem xét, giải quyết vì {ground}.{explanation}",
    "rejected.explanation": "\nGhi chú của cơ quan: {explanation}",
    "rejected.ground.not_pakn": (
        "nội dung không phải là phản ánh, kiến nghị về quy định hoặc thủ tục hành chính "
        "(khiếu nại, tố cáo, sự cố đô thị được tiếp nhận theo kênh riêng)"
    ),
    "rejected.ground.anonymous": "chưa có đủ họ tên, địa chỉ, số điện thoại thật của người gửi theo quy định",
    "rejected.ground.already_answered": "nội dung này đã được cơ quan có thẩm quyền xem xét, trả lời",
    "rejected.ground.outside_authority": "việc này không thuộc thẩm quyền giải quyết của Thành phố Hà Nội",
    "duplicate": (
        "Phản ánh {code} có cùng nội dung với một phản ánh đang được {agency} giải quyết, nên được gộp "
        "để xử lý chung. Kết quả giải quyết sẽ được công khai theo quy định."
    ),
    "duplicate_own": (
        "Phản ánh {code} trùng với phản ánh {other} anh/chị đã gửi, nên được gộp vào phản ánh {other}.\n"
        "Để xem tình trạng, nhắn: TRA CỨU {other}"
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
    "official.new_case": (
        "[PAKN] Phản ánh mới {code} gửi tới {agency}\n"
        "Có phản ánh mới {code} cần {agency} tiếp nhận hoặc chuyển đúng cơ quan trước ngày {due}. "
        "Xem và xử lý: {link}"
    ),
    "official.reopened": (
        "[PAKN] Phản ánh {code} được mở lại\n"
        "Công dân chưa đồng ý với trả lời phản ánh {code}. Phản ánh được mở lại tại {agency}, "
        "cần xử lý trước ngày {due}. Xem và xử lý: {link}"
    ),
    "official.stage.accept": "tiếp nhận",
    "official.stage.answer": "trả lời",
    # Attachments not kept (pakn.attachments): the citizen is told at once, and can send another.
    "attachment_too_big": (
        "Rất tiếc, {what} anh/chị vừa gửi lớn quá (tối đa {limit} MB) nên chưa được đính kèm vào phản ánh. "
        "Anh/chị vui lòng gửi {what} nhỏ hơn."
    ),
    "attachment_type_not_allowed": (
        "Rất tiếc, kênh chưa nhận loại tệp anh/chị vừa gửi nên tệp chưa được đính kèm vào phản ánh. "
        "Kênh nhận ảnh, tệp PDF, Word, Excel, đoạn ghi âm và video; anh/chị có thể chụp ảnh "
        "hoặc chuyển sang PDF rồi gửi lại."
    ),
    "attachment_unavailable": (
        "Rất tiếc, hệ thống chưa tải được {what} anh/chị vừa gửi. Anh/chị vui lòng gửi lại."
    ),
    "attachment_what.image": "ảnh",
    "attachment_what.file": "tệp",
    "attachment_what.audio": "đoạn ghi âm",
    "attachment_what.video": "đoạn video",
}


# The English column: the same keys as CATALOGUE, but for the officials' texts.
CATALOGUE_EN = {
    "welcome": (
        "Hello! This is Hanoi's channel for feedback and petitions about administrative procedures and "
        "how officials treat you. Send HELP to see how it works."
    ),
    "how_to_start": "Please write what you would like to report; you can add photos, files or a location.",
    "help": (
        "You can send:\n"
        "• Your feedback (with photos, files or a location if you have them)\n"
        "• DONE: review and send it\n"
        "• STATUS <code>: see where a case is\n"
        "• MY CASES: the cases you have sent\n"
        "• NEW: start a new one\n"
        "• CANCEL: drop the one you are writing\n"
        "This channel does not take urban problems (flooding, rubbish, damaged roads…): please use iHanoi "
        "or call 1022; complaints and denunciations have their own channels."
    ),
    "draft_started": (
        "Noted. You can add details, photos or a location. When you are done, send DONE to review it."
    ),
    "draft_added": "Added to the feedback you are writing. When you are done, send DONE.",
    "thanks_reply": "Thank you. Whenever you need to send feedback or a petition, write to this channel.",
    "nothing_to_answer": (
        "Nothing is waiting for your confirmation or answer now. Please write what you would like to "
        "report; you can add photos, files or a location."
    ),
    "turned_away_undo": "If you chose this by mistake, please send 1, 2 or 3 to choose again.",
    "nothing_filed": (
        "What you just sent was not passed to any office. Whenever you need to send feedback or a "
        "petition, write to this channel."
    ),
    "draft_in_progress": "You are writing a feedback: please go on, or send DONE to review and send it.",
    "draft_full": (
        "The feedback you are writing is already long, so your last message was not added. Please send "
        "DONE to review and send it, or NEW to start again."
    ),
    "slow_down": (
        "You sent many messages in a short time, so the last ones were not taken in. Please wait a minute "
        "and write again."
    ),
    "draft_empty": "You have not written your feedback yet. Please write it first.",
    "need_contact": (
        "By law, a feedback needs the sender's full name, phone number and address so the agency can "
        "answer. Please fill in the form below, or write: Full name, phone number, address."
    ),
    "contact_form_title": "Sender's details",
    "contact_form_subtitle": "Your name, phone number and address, so the agency can answer you.",
    "contact_incomplete": (
        "Some details are missing: we need your full name, phone number and address. Please write: "
        "Nguyen Van A, 0912345678, 1 Hang Bong, Hoan Kiem ward."
    ),
    "contact_phone_invalid": (
        "The phone number is not right: a Vietnamese mobile number has 10 digits and starts with 0 "
        "(for example 0912345678). Please write again: Full name, phone number, address."
    ),
    "contact_missing_phone": (
        "Your phone number is missing. Please write again: Full name, phone number, address."
    ),
    "contact_missing_name": (
        "Your full name is missing. Please write again: Full name, phone number, address."
    ),
    "contact_missing_address": (
        "Your address is missing. Please write again: Full name, phone number, address."
    ),
    "contact_saved": "Thank you for your details.",
    "lookup_needs_code": (
        "Please add the tracking code, for example: STATUS HN-4K7Q2M. It is in the message confirming your "
        "feedback; send MY CASES to see the ones you have sent."
    ),
    "contact_still_needed": (
        "Added to your feedback. To finish, please send your full name, phone number and address."
    ),
    "ask_place": "In which commune or ward did you do this procedure?",
    "choose_place": (
        "The place you named is now part of one of these communes or wards. Where did you do the "
        "procedure? Please send its number:\n{options}"
    ),
    "ask_kind": (
        "So that your feedback reaches the right office, what is it about? Please tap one below or send "
        "its number."
    ),
    "ask_kind.procedure": "An administrative procedure",
    "ask_kind.conduct": "An official's behaviour",
    "ask_kind.regulation": "A proposal to change a rule",
    "ask_kind.out_of_scope": "Something else",
    "ask_department": (
        "Your feedback may be for one of the offices below. Please tap one or send its number; if you are "
        "not sure, the City People's Committee Office will pass it to the right one."
    ),
    "ask_department.unknown": "Not sure / don't know",
    "ask_again": "Sorry, it is not clear which one you chose. Please tap one below or send its number.",
    "ask_again_added": (
        "Added to your feedback. Please also answer the question below, so that it reaches the right office."
    ),
    "summary": (
        "Please check your feedback:\n"
        "Content: {content}\n"
        "{attachments}"
        "Sender: {name}, {phone}\n"
        "Address: {address}\n\n"
        "Send 1 to SEND, 2 to EDIT, 3 to CANCEL."
    ),
    "summary_attachments": "Attached: {items}\n",
    "summary_files": "{count} photo(s)/file(s)",
    "summary_location": "location",
    "confirm_expected": "Please send 1 to SEND, 2 to EDIT or 3 to CANCEL.",
    "edit_prompt": (
        "Please write your feedback again; it replaces the old text (photos and files stay). Then send DONE."
    ),
    "cancelled": "The feedback you were writing is cancelled. Write again whenever you need.",
    "nothing_to_cancel": "You are not writing any feedback at the moment.",
    "new_draft": "Please write your new feedback.",
    "filed": (
        "Your feedback has been sent to {agency}.\n"
        "Tracking code: {code}\n"
        "Expected answer by: {due_date} ({days} working days).\n"
        "To see where it is, send: STATUS {code}"
    ),
    "filed_triage": (
        "Your feedback has been sent to {agency}, which forwards it to the competent agency.\n"
        "Tracking code: {code}\n"
        "Expected answer by: {due_date} ({days} working days).\n"
        "To see where it is, send: STATUS {code}"
    ),
    "filed_outside": (
        "This is for {body}, not for the city. Your feedback is recorded (code {code}) and will be passed on "
        "to the national feedback and petition system.\n"
        "To see where it is, send: STATUS {code}"
    ),
    "outside_body.police": "the Police",
    "outside_body.tax": "the Tax department",
    "outside_body.social_insurance": "Social Insurance",
    "outside_body.court": "the court or the judgment enforcement office",
    "outside_body.customs": "Customs",
    "outside_body.state_bank": "the State Bank",
    "outside_body.unknown": "the competent central agency",
    "praise_received": (
        "Thank you very much for your kind words. Whenever you need to give feedback on an administrative "
        "procedure or an official's conduct, just write to this channel."
    ),
    "out_of_scope": (
        "This channel takes feedback on administrative procedures and on officials' conduct only. Urban "
        "problems (flooding, rubbish, damaged roads, noise): please use the iHanoi app or call 1022. "
        "Disputes and crime reports: please contact your ward's People's Committee or the local police."
    ),
    "denunciation_channel": (
        "Your feedback says an official asked for or took money, so it goes to the inspectorate, not to "
        "that official's own office. A denunciation (tố cáo) has its own procedure under the Law on "
        "Denunciations: it can be filed with the Hanoi City Inspectorate."
    ),
    "late_addition": "Added to your feedback {code}.",
    "rating_prompt": (
        "Are you satisfied with the answer to your feedback {code}? Please tap a rating below. If you do "
        "not accept the answer, send DISAGREE with your reason by {date}."
    ),
    "rating.button.5": "Very satisfied",
    "rating.button.4": "Satisfied",
    "rating.button.3": "Neutral",
    "rating.button.2": "Not quite satisfied",
    "rating.button.1": "Not satisfied",
    "rating.payload": "RATE {code} {score}",
    "rating_received": (
        "Thank you for rating the answer to your feedback {code} ({score}/5). You can add a comment in "
        "your next message."
    ),
    "rating_received_with_comment": "Thank you for rating and commenting on the answer to feedback {code}.",
    "rating_objection_hint": (
        "If you do not accept the answer, send DISAGREE with your reason by {date} and the agency will "
        "look at it again."
    ),
    "rating_comment_received": "Your comment on the answer to feedback {code} is noted. Thank you.",
    "rating_not_answered": "Feedback {code} is being handled. You can rate it once it is answered.",
    "objection_received": (
        "Your disagreement is noted. Feedback {code} is reopened for {agency} to look at again and "
        "answer by {date}."
    ),
    "objection_to_office": (
        "Your disagreement is noted. Feedback {code} is passed to {agency} to look at and answer by {date}."
    ),
    "objection_reason_invite": "You can send your reasons; they will be added to the feedback.",
    "objection_too_late": (
        "Sorry, the time to ask for the answer to feedback {code} to be looked at again ended on {date}. "
        "If the problem is not solved, please send a new feedback: send NEW, then write it."
    ),
    "objection_pending": "Feedback {code} is being looked at again. The agency will answer you by {date}.",
    "objection_closed": (
        "Feedback {code} is closed. If the problem is not solved, please send a new feedback: send NEW, "
        "then write it."
    ),
    "late_addition_answered": "Added to your feedback {code}. To send a new feedback, send NEW.",
    "information_received": (
        "Thank you. Your information was added to feedback {code}; the agency will go on with it."
    ),
    "status": (
        "Feedback {code}: {status}.\nHandled by: {agency}\nSent on: {filed_date}. Answer due: {due_date}."
    ),
    "status_answer": "The answer from {agency} on {date}:\n{text}",
    "status_not_found": "No feedback of yours has the code {code}. Please check the code.",
    "status.open": "being handled",
    "status.answered": "answered",
    "status.closed": "closed",
    "my_cases": "Your recent feedback:\n{lines}\nFor details, send: STATUS <code>",
    "my_cases_line": "• {code}: {status}, sent on {filed_date}",
    "no_cases": "You have not sent any feedback through this channel yet.",
    "attachment_received": "Received. Please describe the problem in a message.",
    "answer": "Answer to feedback {code} from {agency}:\n{text}",
    "accepted": "Feedback {code} has been accepted by {agency}. Answer due by {date}.",
    "transferred": (
        "Feedback {code} has been passed to {agency}, which is competent to handle it.{reason}\n"
        "To see where it is, send: STATUS {code}"
    ),
    "transferred.reason": " Reason: {reason}",
    "extended": "The answer to feedback {code} is now due by {date}. Reason: {reason}",
    "info_requested": (
        "{agency} asks for more information on feedback {code}:\n{question}\nPlease answer here."
    ),
    "rejected": "Feedback {code} will not be handled by {agency} because {ground}.{explanation}",
    "rejected.explanation": "\nThe agency's note: {explanation}",
    "rejected.ground.not_pakn": (
        "it is not feedback on a rule or an administrative procedure (complaints, denunciations and urban "
        "problems have their own channels)"
    ),
    "rejected.ground.anonymous": (
        "the sender's real name, address and phone number are missing, as the law requires them"
    ),
    "rejected.ground.already_answered": "the competent agency has already considered and answered it",
    "rejected.ground.outside_authority": "it is not within the authority of the City of Hanoi",
    "duplicate": (
        "Feedback {code} has the same content as one {agency} is already handling, so they are handled "
        "together. The result will be published as the rules require."
    ),
    "duplicate_own": (
        "Feedback {code} repeats your feedback {other}, so it is joined to {other}.\n"
        "To see where it is, send: STATUS {other}"
    ),
    "late_notice": (
        "The answer to your feedback {code} is late. Handled by: {agency}. Expected by {date}. "
        "We apologise for the delay."
    ),
    "progress_update": (
        "Your feedback {code} is being handled by {agency}. Expected answer by {date}. To see where it is, "
        "send: STATUS {code}"
    ),
    "attachment_too_big": (
        "Sorry, the {what} you just sent is too large (at most {limit} MB), so it was not attached to your "
        "feedback. Please send a smaller {what}."
    ),
    "attachment_type_not_allowed": (
        "Sorry, this channel does not take the kind of file you just sent, so it was not attached. It takes "
        "photos, PDF, Word and Excel files, recordings and videos; you can take a photo of it or save it as "
        "a PDF and send it again."
    ),
    "attachment_unavailable": (
        "Sorry, the {what} you just sent could not be downloaded. Please send it again."
    ),
    "attachment_what.image": "photo",
    "attachment_what.file": "file",
    "attachment_what.audio": "recording",
    "attachment_what.video": "video",
}


def text(key: str, language: Language = "vi", **values: object) -> str:
    catalogue = CATALOGUE_EN if language == "en" and key in CATALOGUE_EN else CATALOGUE
    return catalogue[key].format(**values)

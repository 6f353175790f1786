"""The console's pages and actions on the emulators: the queue, search, the case page, every action with its
confirmation or its error next to the field, idempotent retries, CSRF, sessions, the desk and statistics."""
# The fixtures are imported from console_support (tests/emulator/conftest.py is not the console's).
# ruff: noqa: F811

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from console_support import (  # noqa: F401
    OFFICE,
    OTHER_WARD,
    WARD,
    console_app,
    hidden,
    official,
    stored_case,
    text_of,
    write_case,
)

pytestmark = pytest.mark.emulator

CITIZEN = "7712345678901234567"


def test_the_queue_filters_sorts_by_due_date_marks_overdue_and_pages_by_cursor(
    official, firestore_db, monkeypatch
):
    from pakn.officials.console.settings import load_console_settings

    monkeypatch.setenv("CONSOLE_PAGE_SIZE", "5")
    load_console_settings.cache_clear()
    now = datetime.now(UTC)
    old = write_case(
        firestore_db, number=1, filed_at=now - timedelta(days=30), content="Hồ sơ đất đai\nchi tiết"
    )
    recent = [
        write_case(firestore_db, number=10 + i, filed_at=now - timedelta(minutes=i + 1)) for i in range(6)
    ]
    conduct = write_case(firestore_db, number=30, kind="conduct", content="Cán bộ thái độ hách dịch")
    write_case(firestore_db, number=40, agency_id=OTHER_WARD, agency_name="Phường Hoàn Kiếm")
    person = official("official")

    first = text_of(person.get("/"))
    assert first.index(old.tracking_code) < first.index(recent[0].tracking_code)  # earliest deadline first
    assert "Quá hạn" in first and "Hồ sơ đất đai" in first and "chi tiết" not in first
    assert first.count('<li class="case-card') == 5
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = text_of(person.get(next_url))
    shown = {c.tracking_code for c in [old, *recent, conduct] if c.tracking_code in first + second}
    assert shown == {c.tracking_code for c in [old, *recent, conduct]}
    assert "Phường Hoàn Kiếm" not in first + second

    only_conduct = text_of(person.get("/?loai=conduct"))
    assert conduct.tracking_code in only_conduct and old.tracking_code not in only_conduct
    overdue = text_of(person.get("/?qua-han=1"))
    assert old.tracking_code in overdue and recent[0].tracking_code not in overdue
    assert "Không có phản ánh nào" in text_of(person.get("/?trang-thai=answered"))


def test_search_finds_a_case_by_code_or_by_words_without_accents_within_the_agency(official, firestore_db):
    mine = write_case(firestore_db, number=1, content="Cán bộ phường không nhận hồ sơ đăng ký kết hôn")
    theirs = write_case(
        firestore_db,
        number=2,
        agency_id=OTHER_WARD,
        agency_name="Phường Hoàn Kiếm",
        content="Đăng ký kết hôn bị trả hồ sơ",
    )
    person = official("official")
    by_code = person.post("/tim-kiem", {"q": mine.tracking_code.lower()})
    assert by_code.status_code == 303 and by_code.headers["Location"] == f"/phan-anh/{mine.case_id}"
    hidden_code = person.post("/tim-kiem", {"q": theirs.tracking_code})
    assert hidden_code.status_code == 200 and "Không tìm thấy phản ánh mã" in text_of(hidden_code)
    by_words = text_of(person.post("/tim-kiem", {"q": "ket hon"}))
    assert mine.tracking_code in by_words and theirs.tracking_code not in by_words
    assert "Đã tìm trong 1 phản ánh" in by_words
    empty = person.post("/tim-kiem", {"q": " "})
    assert empty.status_code == 400 and "Nhập mã tra cứu" in text_of(empty)
    desk = official("desk")
    assert desk.post("/tim-kiem", {"q": theirs.tracking_code}).status_code == 303


def test_the_case_page_shows_text_additions_attachments_map_routing_history_and_messages(
    official, firestore_db
):
    from pakn.cases.case import CitizenInformation
    from pakn.delivery.outbox import Delivery, OutboundMessage
    from pakn.domain.vocabulary import Location, Media
    from pakn.platform import firestore_paths

    now = datetime.now(UTC)
    case = write_case(
        firestore_db,
        number=1,
        media=[
            Media(type="image", url="https://photo.zdn.vn/a.jpg"),
            Media(type="file", url="https://f.zdn.vn/b", name="don.pdf"),
        ],
        location=Location(latitude=21.0409, longitude=105.8372),
        late_additions=["Tôi nộp từ tháng trước"],
        citizen_information=[CitizenInformation(text="Số hồ sơ 123", at=now)],
    )
    delivery = Delivery(
        key="k1",
        citizen_id=CITIZEN,
        message=OutboundMessage(text="Phản ánh đã được gửi"),
        case_id=case.case_id,
        created_at=now,
        state="sent",
        sent_at=now,
    )
    firestore_paths.delivery(firestore_db, "k1").set(delivery.model_dump())
    # What an official was told about the case (new work announced) is no message to the citizen.
    to_official = delivery.model_copy(
        update={
            "key": "k2",
            "citizen_id": "9100000000000000004",
            "messages": [OutboundMessage(text="[PAKN] Phản ánh mới")],
        }
    )
    firestore_paths.delivery(firestore_db, "k2").set(to_official.model_dump())
    page = text_of(official("official").get(f"/phan-anh/{case.case_id}"))
    assert "[PAKN] Phản ánh mới" not in page
    for shown in (
        "Tôi nộp từ tháng trước",
        "Số hồ sơ 123",
        'src="https://photo.zdn.vn/a.jpg"',
        "Tệp: don.pdf",
        "openstreetmap.org/?mlat=21.040900&amp;mlon=105.837200",
        "khai sinh",
        "90%",
        "Phản ánh đã được gửi",
        "Đã gửi",
        "Nguyễn Văn An",
        "0912345678",
    ):
        assert shown in page, shown
    desk_page = text_of(official("desk").get(f"/phan-anh/{case.case_id}"))
    assert "0912345678" not in desk_page and "chỉ hiện với cán bộ của cơ quan xử lý" in desk_page


@pytest.mark.parametrize(
    ("outcome", "reason", "words"),
    [
        ("agency", "classified", "reason.classified"),
        ("agency", "citizen_chose", "reason.citizen_chose"),
        ("triage", "low_confidence", "reason.low_confidence"),
        ("outside", "outside:police", "reason.outside"),
        ("agency", "a_later_rule", "case.routing.reason_unlabelled"),
    ],
)
def test_the_case_page_says_why_the_case_was_routed_in_words_never_as_the_routers_code(
    official, firestore_db, outcome, reason, words
):
    from pakn.officials.console.texts import t

    routing = {
        "outcome": outcome,
        "reason": reason,
        "confidence": 0.9,
        "evidence": ["khai sinh"],
        "classifier_version": "test",
        "outside_body": "police" if outcome == "outside" else None,
    }
    case = write_case(firestore_db, number=1, routing=routing)
    page = text_of(official("official").get(f"/phan-anh/{case.case_id}"))
    assert f"<dt>{t('case.routing.reason')}</dt><dd>{t(words)}</dd>" in page
    assert f"<dt>{t('case.routing.outcome')}</dt><dd>{t('outcome.' + outcome)}</dd>" in page
    assert reason not in page and "police" not in page
    if outcome == "outside":
        assert f"<dt>{t('case.routing.outside')}</dt><dd>{t('outside_body.police')}</dd>" in page


def test_the_case_page_shows_the_evidence_in_the_citizens_own_words(official, firestore_db):
    from pakn.officials.console.texts import t

    routing = {
        "outcome": "agency",
        "reason": "classified",
        "confidence": 0.9,
        "evidence": ["đăng ký khai sinh", "bo sung", "nhu cau", "sung", "khai sinh", "bổ sung"],
        "classifier_version": "test",
    }
    case = write_case(firestore_db, number=1, routing=routing)  # "Cán bộ bắt bổ sung giấy tờ ... khai sinh"
    page = text_of(official("official").get(f"/phan-anh/{case.case_id}"))
    # The data's label as the data writes it, the citizen's words as written, a phrase not in the text as is;
    # no phrase twice, none that a longer one holds ("sung", "khai sinh").
    shown = "đăng ký khai sinh, bổ sung, nhu cau"
    assert f"<dt>{t('case.routing.evidence')}</dt><dd>{shown}</dd>" in page


def test_each_action_confirms_records_history_and_a_retry_with_the_same_request_id_acts_once(
    official, firestore_db
):
    case = write_case(firestore_db, number=1)
    original = write_case(firestore_db, number=2)
    person = official("official")
    path = f"/phan-anh/{case.case_id}"

    form = text_of(person.get(f"{path}/tiep-nhan"))
    accept = {"request_id": hidden(form, "request_id")}
    done = person.post(f"{path}/tiep-nhan", accept)
    assert done.status_code == 303 and "xong=accept" in done.headers["Location"]
    assert "Đã tiếp nhận phản ánh" in text_of(person.get(done.headers["Location"]))
    assert person.post(f"{path}/tiep-nhan", accept).status_code == 303  # the retry finds its entry
    note = person.post(f"{path}/ghi-chu", {"request_id": "n-1", "text": "Đã gọi điện cho công dân"})
    assert note.status_code == 303
    assert (
        person.post(f"{path}/gia-han", {"request_id": "e-1", "reason": "Cần xác minh thực địa"}).status_code
        == 303
    )
    refused = person.post(f"{path}/gia-han", {"request_id": "e-2", "reason": "Lần hai"})
    assert refused.status_code == 409 and "Không gia hạn được" in text_of(refused)
    blank = person.post(f"{path}/hoi-them", {"request_id": "q-1", "question": "  "})
    assert blank.status_code == 400 and 'id="question-error"' in text_of(blank)
    assert "Nhập câu hỏi cho công dân" in text_of(blank)
    asked = person.post(f"{path}/hoi-them", {"request_id": "q-1", "question": "Anh/chị nộp hồ sơ ngày nào?"})
    assert asked.status_code == 303
    assert person.post(f"{path}/tiep-tuc", {"request_id": "r-1"}).status_code == 303

    after = stored_case(firestore_db, WARD, case.case_id)
    assert [e.action for e in after.history] == ["accept", "note", "extend", "request_info", "resume"]
    assert after.history[1].detail == "Đã gọi điện cho công dân"

    wrong = person.post(f"{path}/trung-lap", {"request_id": "d-1", "original_code": "HN-ZZZZZZ"})
    assert wrong.status_code == 400 and 'id="original_code-error"' in text_of(wrong)
    dup = person.post(f"{path}/trung-lap", {"request_id": "d-1", "original_code": original.tracking_code})
    assert dup.status_code == 303
    assert f"Đã đánh dấu trùng với phản ánh {original.tracking_code}" in text_of(
        person.get(dup.headers["Location"])
    )
    closed = stored_case(firestore_db, WARD, case.case_id)
    assert closed.status == "closed" and closed.duplicate_of == original.tracking_code


def test_reject_needs_a_ground_and_for_outside_authority_the_right_channel(official, firestore_db):
    case = write_case(firestore_db, number=1)
    person = official("lead")
    path = f"/phan-anh/{case.case_id}/tu-choi"
    none = person.post(path, {"request_id": "x-1", "explanation": ""})
    assert none.status_code == 400 and "Chọn căn cứ không xem xét" in text_of(none)
    channel = person.post(path, {"request_id": "x-1", "ground": "outside_authority", "explanation": ""})
    assert channel.status_code == 400 and 'id="explanation-error"' in text_of(channel)
    done = person.post(
        path,
        {
            "request_id": "x-1",
            "ground": "outside_authority",
            "explanation": "Đề nghị gửi Công an thành phố qua Cổng dịch vụ công.",
        },
    )
    assert done.status_code == 303
    after = stored_case(firestore_db, WARD, case.case_id)
    assert after.status == "closed" and after.rejection_ground == "outside_authority"
    [delivery] = [s.to_dict() for s in firestore_db.collection("deliveries").stream()]
    from pakn.delivery.outbox import Delivery

    told = Delivery.model_validate(delivery)
    assert "không thuộc thẩm quyền" in told.messages[0].text and told.case_id == case.case_id


def test_an_official_reclassifies_a_case_which_tells_nobody_and_keeps_a_training_example(
    official, firestore_db
):
    from pakn.platform import firestore_paths

    case = write_case(firestore_db, number=1)
    person = official("official")
    path = f"/phan-anh/{case.case_id}/phan-loai-lai"
    assert "/phan-loai-lai" in text_of(person.get(f"/phan-anh/{case.case_id}"))
    form = text_of(person.get(path))
    assert "Phản ánh này về việc gì?" in form and 'value="regulation"' in form and "out_of_scope" not in form
    assert re.search(r'value="procedure" checked', form)  # the form opens on the case's kind
    none = person.post(path, {"request_id": "k-1"})
    assert none.status_code == 400 and 'id="kind-error"' in text_of(none)
    assert "Chọn loại việc của phản ánh" in text_of(none)
    same = person.post(path, {"request_id": "k-1", "kind": case.kind})
    assert same.status_code == 400 and "Phản ánh đang thuộc loại này" in text_of(same)
    done = person.post(path, {"request_id": "k-1", "kind": "conduct"})
    assert done.status_code == 303
    page = text_of(person.get(done.headers["Location"]))
    assert "Đã phân loại lại phản ánh" in page
    assert "Phân loại lại: Thủ tục hành chính → Thái độ, hành vi cán bộ" in page
    after = stored_case(firestore_db, WARD, case.case_id)
    assert (after.kind, after.agency_id) == ("conduct", WARD)
    assert list(firestore_db.collection("deliveries").stream()) == []  # the citizen is not told
    [example] = [s.to_dict() for s in firestore_db.collection(firestore_paths.TRAINING_EXAMPLES).stream()]
    assert (example["kind"], example["level"]) == ("conduct", "commune")


def test_an_official_transfers_with_a_reason_and_finds_agencies_by_former_names(official, firestore_db):
    case = write_case(firestore_db, number=1)
    person = official("official")
    path = f"/phan-anh/{case.case_id}/chuyen"
    picker = text_of(person.get(f"{path}?tim=so lao dong"))
    assert "Sở Nội vụ" in picker  # the 2025 merger: the old department's name finds the new one
    former = text_of(person.get(f"{path}?tim=truc bach"))
    assert "Phường Ba Đình" not in former or "xa-00004" not in former  # not the case's own agency
    missing = person.post(path, {"request_id": "t-1", "to_agency_id": "so-noi-vu", "reason": ""})
    assert missing.status_code == 400 and 'id="reason-error"' in text_of(missing)
    moved = person.post(
        path, {"request_id": "t-1", "to_agency_id": "so-noi-vu", "reason": "Giấy phép lao động"}
    )
    assert moved.status_code == 303 and moved.headers["Location"].startswith("/?")
    assert case.tracking_code in text_of(person.get(moved.headers["Location"]))
    after = stored_case(firestore_db, "so-noi-vu", case.case_id)
    assert after.history[-1].detail == "Giấy phép lao động"
    assert person.get(f"/phan-anh/{case.case_id}").status_code == 404


def test_the_desk_sees_the_unrouted_queue_with_a_one_click_guess_bounced_and_overdue_cases(
    official, firestore_db
):
    from pakn.cases.case import HistoryEntry

    triage = write_case(
        firestore_db,
        number=1,
        agency_id=OFFICE,
        agency_name="Văn phòng UBND",
        routing={
            "outcome": "triage",
            "reason": "low_confidence",
            "confidence": 0.41,
            "evidence": ["bảo hiểm y tế"],
            "classifier_version": "t",
            "classified_agency_id": "so-y-te",
        },
    )
    now = datetime.now(UTC)
    moves = [
        HistoryEntry(action="transfer", request_id=f"m{i}", at=now, by="u", agency_id=WARD, to_agency_id=WARD)
        for i in range(3)
    ]
    bounced = write_case(firestore_db, number=2, history=moves)
    late = write_case(
        firestore_db,
        number=3,
        agency_id=OTHER_WARD,
        agency_name="Phường Hoàn Kiếm",
        filed_at=now - timedelta(days=40),
    )
    desk = official("desk")
    page = text_of(desk.get("/phan-loai"))
    assert triage.tracking_code in page and "Chuyển tới Sở Y tế" in page
    assert bounced.tracking_code in page and late.tracking_code in page
    form = page.split(f'action="/phan-anh/{triage.case_id}/chuyen"')[1]
    moved = desk.post(
        f"/phan-anh/{triage.case_id}/chuyen",
        {
            "request_id": hidden(form, "request_id"),
            "to_agency_id": "so-y-te",
            "reason": hidden(form, "reason"),
        },
    )
    assert moved.status_code == 303
    after = stored_case(firestore_db, "so-y-te", triage.case_id)
    assert after.history[-1].by == desk.uid and "độ tin cậy 41%" in after.history[-1].detail
    # The desk may transfer any agency's case too.
    elsewhere = desk.post(
        f"/phan-anh/{late.case_id}/chuyen",
        {"request_id": "desk-2", "to_agency_id": "so-tu-phap", "reason": "Thuộc lĩnh vực tư pháp"},
    )
    assert elsewhere.status_code == 303 and stored_case(firestore_db, "so-tu-phap", late.case_id)


def test_a_lead_sees_statistics_and_escalations(official, firestore_db):
    from pakn.deadlines.clock import AgencyClock

    now = datetime.now(UTC)
    write_case(firestore_db, number=1, filed_at=now - timedelta(days=20))
    escalated = write_case(firestore_db, number=2, filed_at=now - timedelta(days=10))
    from pakn.platform import firestore_paths

    ref = firestore_paths.agency_cases(firestore_db, WARD).document(escalated.case_id)
    clock = escalated.clock.model_copy(
        update={
            "agency": AgencyClock(**{**escalated.clock.agency.model_dump(), "last_step": "escalate_lead"})
        }
    )
    ref.update({"clock": clock.model_dump()})
    answered = write_case(firestore_db, number=3, filed_at=now - timedelta(days=3))
    person = official("official")
    path = f"/phan-anh/{answered.case_id}/tra-loi"
    assert person.post(path, {"request_id": "a-1", "text": "Đã giải quyết xong."}).status_code == 303
    lead = official("lead")
    stats = lead.get("/thong-ke")
    assert stats.status_code == 200
    page = text_of(stats)
    assert "<svg" in page and "Nhận" in page and "100%" in page and "<script" not in page.split("</head>")[1]
    assert escalated.tracking_code in text_of(lead.get("/bao-cao-lanh-dao"))
    assert official("desk").get(f"/thong-ke?co-quan={WARD}").status_code == 200


def test_forms_without_the_sessions_csrf_token_are_refused(official, firestore_db):
    case = write_case(firestore_db, number=1)
    person, other = official("official"), official("official")
    stolen = other.csrf()
    for token in ("", "0" * 64, stolen):
        refused = person.post(f"/phan-anh/{case.case_id}/tiep-nhan", {"request_id": "c-1"}, csrf=token)
        assert refused.status_code == 403 and "Biểu mẫu đã hết hạn" in text_of(refused)
    assert stored_case(firestore_db, WARD, case.case_id).history == []
    sign_in = person.client.post(
        "/dang-nhap", data={"nonce": "forged", "email": person.email, "password": "x"}
    )
    assert sign_in.status_code == 403


def test_sign_out_revokes_the_session_and_an_expired_cookie_sends_back_to_sign_in(official):
    person = official("official")
    cookie = person.client.get_cookie("pakn_session").value
    time.sleep(1.1)  # revocation is recorded to the second: a cookie of the same second would stay valid
    out = person.post("/dang-xuat")
    assert out.status_code == 303 and out.headers["Location"] == "/dang-nhap?thong-bao=signed_out"
    assert "Bạn đã đăng xuất" in text_of(person.get(out.headers["Location"]))
    person.client.set_cookie("pakn_session", cookie)  # the old cookie, replayed
    replay = person.get("/")
    assert replay.status_code == 303 and "thong-bao=revoked" in replay.headers["Location"]

    again = official("official")
    claims = json.loads(
        base64.urlsafe_b64decode(again.client.get_cookie("pakn_session").value.split(".")[1] + "==")
    )
    claims["exp"] = int(time.time()) - 60
    expired = ".".join(
        [
            base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).decode().rstrip("="),
            base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="),
            "",
        ]
    )
    again.client.set_cookie("pakn_session", expired)
    answer = again.get("/")
    assert answer.status_code == 303 and "thong-bao=expired" in answer.headers["Location"]
    assert "Phiên làm việc đã hết hạn" in text_of(again.get(answer.headers["Location"]))
    wrong = official("official", signed_in=False)
    refused = wrong.sign_in(password="sai-mat-khau")
    assert refused.status_code == 400 and "Email hoặc mật khẩu không đúng" in text_of(refused)


def test_pages_carry_a_strict_csp_no_framing_no_caching_and_secure_cookies_by_default(official, monkeypatch):
    person = official("official")
    page = person.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    assert "<script>" not in text_of(page) and " style=" not in text_of(page)
    from console_support import reset_console

    monkeypatch.delenv("CONSOLE_COOKIE_SECURE")
    reset_console()
    secure = official("official", signed_in=False).sign_in()
    cookie = secure.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def claims_of(uid: str) -> dict:
    from firebase_admin import auth

    from pakn import runtime

    return auth.get_user(uid, app=runtime.firebase_app()).custom_claims or {}


def console_sign_in(app, email: str, password: str):
    """A browser of its own signing in through the console's form; returns (client, the form's answer)."""
    client = app.test_client()
    nonce = hidden(text_of(client.get("/dang-nhap")), "nonce")
    return client, client.post("/dang-nhap", data={"nonce": nonce, "email": email, "password": password})


def test_an_admin_creates_an_official_with_the_agency_picker_and_they_sign_in_with_the_password_shown(
    official, console_app
):
    admin = official("admin")
    assert admin.get("/tai-khoan").status_code == 200
    form = admin.get("/tai-khoan/tao-moi")
    assert form.status_code == 200 and 'name="tim"' in text_of(form)
    email = f"moi-{uuid.uuid4().hex[:8]}@pakn.local"
    # Searching the picker keeps what was typed, finds the ward by its former name, and creates nothing.
    searched = admin.post(
        "/tai-khoan/tao-moi", {"email": email, "role": "official", "tim": "truc bach", "lam": "tim"}
    )
    page = text_of(searched)
    assert searched.status_code == 200 and f'value="{email}"' in page
    assert (
        f'id="agency-{WARD}" name="agency_id" value="{WARD}"' in page
        and "Phường Trúc Bạch, Quận Ba Đình" in page
    )
    assert 'id="role-official" name="role" value="official" checked' in page
    assert email not in text_of(admin.get("/tai-khoan"))

    created = admin.post(
        "/tai-khoan/tao-moi", {"email": email, "role": "official", "agency_id": WARD, "lam": "tao"}
    )
    page = text_of(created)
    assert created.status_code == 200 and f"Đã tạo tài khoản {email}." in page and "chỉ hiện một lần" in page
    password = re.search(r'<code class="password" id="password">([^<]+)</code>', page).group(1)
    # Sent twice (a double click, a retry): nothing is created again and no password is shown.
    again = admin.post(
        "/tai-khoan/tao-moi", {"email": email, "role": "official", "agency_id": WARD, "lam": "tao"}
    )
    assert (
        again.status_code == 200
        and "Tài khoản đã có" in text_of(again)
        and 'id="password"' not in text_of(again)
    )

    client, signed_in = console_sign_in(console_app, email, password)
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    listing = text_of(admin.get("/tai-khoan"))
    row = listing[listing.index(email) :].split("</tr>")[0]
    assert "Cán bộ" in row and "Phường Ba Đình" in row and "Đang dùng" in row


def test_the_create_form_says_each_error_next_to_its_field_and_needs_the_csrf_token(official):
    admin = official("admin")
    blank = admin.post("/tai-khoan/tao-moi", {"email": "khong-phai-email", "lam": "tao"})
    page = text_of(blank)
    assert blank.status_code == 400 and 'id="email-error"' in page and 'id="role-error"' in page
    assert "Nhập địa chỉ email đúng dạng" in page and 'href="#role"' in page
    email = f"moi-{uuid.uuid4().hex[:8]}@pakn.local"
    no_agency = admin.post("/tai-khoan/tao-moi", {"email": email, "role": "lead", "lam": "tao"})
    assert no_agency.status_code == 400 and 'id="agency_id-error"' in text_of(no_agency)
    assert "Chọn đơn vị của cán bộ" in text_of(no_agency)
    unknown = admin.post("/tai-khoan/tao-moi", {"email": email, "role": "lead", "agency_id": "xa-99999"})
    assert unknown.status_code == 400 and "Chọn đơn vị trong danh sách" in text_of(unknown)
    taken = official("official")
    clash = admin.post("/tai-khoan/tao-moi", {"email": taken.email, "role": "lead", "agency_id": WARD})
    assert clash.status_code == 400 and 'id="email-error"' in text_of(clash)
    assert "Đã có tài khoản với email này" in text_of(clash)
    forged = admin.post("/tai-khoan/tao-moi", {"email": email, "role": "admin"}, csrf="0" * 64)
    assert forged.status_code == 403
    assert email not in text_of(admin.get("/tai-khoan"))
    # The desk is the Office's whatever agency was left chosen in the picker.
    desk = admin.post("/tai-khoan/tao-moi", {"email": email, "role": "desk", "agency_id": WARD})
    assert desk.status_code == 200 and "Văn phòng Ủy ban nhân dân thành phố Hà Nội (vp-ubnd)" in text_of(desk)


def test_an_admin_moves_an_official_whose_session_ends_and_who_signs_in_to_the_new_rights(official):
    admin, target = official("admin"), official("official")
    path = f"/tai-khoan/{target.uid}/chuyen"
    form = text_of(admin.get(path))
    assert "Hiện tại: Cán bộ — Phường Ba Đình" in form and f'value="{WARD}" checked' in form
    bad = admin.post(path, {"role": "lead", "agency_id": "khong-co", "lam": "luu"})
    assert bad.status_code == 400 and 'id="agency_id-error"' in text_of(bad)
    searched = admin.post(path, {"role": "lead", "agency_id": WARD, "tim": "hoan kiem", "lam": "tim"})
    assert searched.status_code == 200 and 'value="xa-00070"' in text_of(searched)
    assert claims_of(target.uid)["role"] == "official"  # searching changed nothing
    time.sleep(1.1)  # revocation is recorded to the second: a session of the same second would stay valid
    done = admin.post(path, {"role": "lead", "agency_id": WARD, "lam": "luu"})
    assert done.status_code == 303 and done.headers["Location"] == f"/tai-khoan?xong=move&tk={target.uid}"
    assert f"Đã cập nhật vai trò, đơn vị của {target.email}" in text_of(admin.get(done.headers["Location"]))
    assert claims_of(target.uid) == {"role": "lead", "agency_id": WARD}
    assert target.get("/").status_code == 303  # the session with the old claims has ended
    assert target.sign_in().status_code == 303 and target.get("/bao-cao-lanh-dao").status_code == 200
    same = admin.post(path, {"role": "lead", "agency_id": WARD})
    assert "Không có gì thay đổi" in text_of(admin.get(same.headers["Location"]))
    assert target.get("/bao-cao-lanh-dao").status_code == 200  # nothing changed: the session goes on
    to_desk = admin.post(path, {"role": "desk", "agency_id": WARD})
    assert to_desk.status_code == 303 and claims_of(target.uid) == {"role": "desk", "agency_id": OFFICE}
    assert admin.get("/tai-khoan/khong-co-tai-khoan-nay/chuyen").status_code == 404
    assert admin.get("/tai-khoan/a.b/chuyen").status_code == 404
    mine = admin.post(f"/tai-khoan/{admin.uid}/chuyen", {"role": "official", "agency_id": WARD})
    assert mine.status_code == 409 and "Không thể tự đổi vai trò" in text_of(mine)
    assert claims_of(admin.uid) == {"role": "admin"}


def test_an_admin_disables_an_account_whose_session_ends_at_once_and_which_cannot_sign_in(official):
    admin, target = official("admin"), official("official")
    path = f"/tai-khoan/{target.uid}/khoa"
    confirm = text_of(admin.get(path))
    assert target.email in confirm and "không đăng nhập được nữa" in confirm
    assert target.get("/").status_code == 200
    done = admin.post(path)
    assert done.status_code == 303 and done.headers["Location"] == f"/tai-khoan?xong=disable&tk={target.uid}"
    listing = text_of(admin.get(done.headers["Location"]))
    assert f"Đã khóa tài khoản {target.email}." in listing
    assert "Đã khóa</span>" in listing[listing.index(f"<td>{target.email}") :].split("</tr>")[0]
    out = target.get("/")
    assert out.status_code == 303 and "thong-bao=revoked" in out.headers["Location"]
    refused = target.sign_in()
    assert refused.status_code == 400 and "Tài khoản này đã bị khóa" in text_of(refused)
    again = admin.post(path)
    assert "đã bị khóa từ trước" in text_of(admin.get(again.headers["Location"]))
    mine = admin.post(f"/tai-khoan/{admin.uid}/khoa")
    assert mine.status_code == 409 and admin.get("/tai-khoan").status_code == 200

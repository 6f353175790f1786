"""The officials' console in a real browser (Debian's Chromium through Playwright), served by a werkzeug
server in a thread over the real entry point, on the emulators, with the citizen on the Zalo stand-in.

Screenshots of the queue and the case page at 375 px and 1280 px go to build/screenshots/ (ignored by git).
"""
# The fixtures are imported from console_support (tests/emulator/conftest.py drives the pipeline).
# ruff: noqa: F811

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from console_support import OFFICE, WARD, console_app, new_account, write_case  # noqa: F401
from emulator.conftest import pipeline  # noqa: F401

from pakn_dev.processes import free_port

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

CHROMIUM = "/usr/bin/chromium"
# `make screenshots` points this at docs/screenshots, the README's pictures; a test run keeps them in build/.
SHOTS = Path(
    os.environ.get("PAKN_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "build" / "screenshots"
)
CITIZEN = "7712345678901234999"
PASSWORD = "mat-khau-thu-1"
# A small PDF, as an official attaches it to an answer (Zalo's upload reads the kind from its first bytes).
ANSWER_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 16 + b"\n%%EOF\n"


@pytest.fixture
def bucket(attachments_bucket):
    return attachments_bucket


@pytest.fixture
def console_url(console_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), console_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def sign_in(browser, url: str, email: str, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{url}/")
    assert "Vui lòng đăng nhập" in page.content()
    page.get_by_label("Địa chỉ email công vụ").fill(email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    return context, page


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_official_finds_accepts_asks_and_answers_with_a_file_and_the_citizen_receives_it(
    bucket, pipeline, console_url, auth_emulator, browser, firestore_db
):
    pipeline.file_case(
        CITIZEN, "Tôi đi làm khai sinh cho con ở phường Trúc Bạch, quận Ba Đình mà cán bộ bắt bổ sung"
    )
    pipeline.replies(CITIZEN)
    [case] = [s.to_dict() for s in firestore_db.collection_group("cases").stream()]
    assert case["agency_id"] == WARD
    for number in range(1, 4):
        write_case(firestore_db, number=number, content=f"Phản ánh thử số {number} về chứng thực bản sao")
    _, email = new_account(auth_emulator, {"role": "official", "agency_id": WARD})

    context, page = sign_in(browser, console_url, email)
    assert page.get_by_role("heading", name="Phản ánh của Phường Ba Đình").is_visible()
    shoot(page, "queue-1280")
    page.get_by_label("Mã tra cứu hoặc từ trong nội dung").fill(case["tracking_code"].lower())
    page.get_by_role("button", name="Tìm", exact=True).click()
    assert page.get_by_role("heading", name=f"Phản ánh {case['tracking_code']}").is_visible()
    assert "khai sinh" in page.content() and "0912345678" in page.content()
    shoot(page, "case-1280")

    page.get_by_role("button", name="Tiếp nhận").click()
    assert page.get_by_role("status").inner_text().startswith("Đã tiếp nhận phản ánh")

    page.get_by_role("link", name="Đề nghị công dân bổ sung").click()
    page.get_by_role("button", name="Đề nghị công dân bổ sung").click()  # empty: the error by the field
    assert page.locator("#question-error").inner_text().endswith("Nhập câu hỏi cho công dân")
    page.get_by_label("Câu hỏi cho công dân").fill("Anh/chị nộp hồ sơ khai sinh ngày nào, tại bộ phận nào?")
    page.get_by_role("button", name="Đề nghị công dân bổ sung").click()
    assert "Đã gửi câu hỏi tới công dân" in page.get_by_role("status").inner_text()
    pipeline.run()
    assert any("nộp hồ sơ khai sinh ngày nào" in text for text in pipeline.replies(CITIZEN))

    pipeline.say(CITIZEN, "Tôi nộp ngày 3/3 tại bộ phận một cửa phường")
    page.reload()
    assert "Tôi nộp ngày 3/3 tại bộ phận một cửa phường" in page.content()
    assert "Chờ công dân bổ sung" not in page.content()

    page.get_by_role("link", name="Trả lời công dân").click()
    page.get_by_label("Nội dung trả lời").fill(
        "Phường đã kiểm tra: hồ sơ đủ giấy tờ. Đề nghị anh/chị đến nhận giấy khai sinh ngày 10/3."
    )
    page.get_by_label("Tệp gửi kèm trả lời (không bắt buộc)").set_input_files(
        {"name": "Giấy hẹn trả kết quả.pdf", "mimeType": "application/pdf", "buffer": ANSWER_PDF}
    )
    page.get_by_role("button", name="Trả lời công dân").click()
    assert "Đã gửi trả lời tới công dân" in page.get_by_role("status").inner_text()
    size = len(ANSWER_PDF) // 1000
    assert page.get_by_role("link", name=f"Tệp gửi kèm: Giấy hẹn trả kết quả.pdf ({size} KB)").is_visible()
    pipeline.run()
    answers = pipeline.replies(CITIZEN)
    assert any("đến nhận giấy khai sinh ngày 10/3" in text for text in answers), answers
    # The file, after the answer's text, byte for byte the official's (the stand-in's record of the upload).
    assert "[file]" in answers and answers.index("[file]") > 0
    sent = pipeline.standin.control.messages(user_id=CITIZEN, channel="cs")
    [received] = [m["upload"] for m in sent if "upload" in m]
    assert received["name"] == "Giấy hẹn trả kết quả.pdf" and received["kind"] == "file"
    assert received["sha256"] == hashlib.sha256(ANSWER_PDF).hexdigest()
    pipeline.run()
    page.reload()
    assert "Đã gửi" in page.content()

    phone = browser.new_context(viewport={"width": 375, "height": 800}, storage_state=context.storage_state())
    small = phone.new_page()
    small.goto(f"{console_url}/?trang-thai=all")
    shoot(small, "queue-375")
    small.goto(f"{console_url}/phan-anh/{case['case_id']}")
    shoot(small, "case-375")
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    phone.close()
    context.close()


def test_the_desk_transfers_an_unrouted_case_and_a_lead_sees_statistics(
    pipeline, console_url, auth_emulator, browser, firestore_db
):
    unrouted = write_case(
        firestore_db,
        number=7,
        agency_id=OFFICE,
        agency_name="Văn phòng Ủy ban nhân dân thành phố Hà Nội",
        # Which department's practising certificate (doctors', pharmacists', builders')? The desk decides.
        content="Hồ sơ cấp chứng chỉ hành nghề của tôi nộp hơn 2 tháng chưa có kết quả",
        routing={
            "outcome": "triage",
            "reason": "low_confidence",
            "confidence": 0.42,
            "evidence": ["chứng chỉ hành nghề"],
            "classifier_version": "test",
            "classified_agency_id": "so-y-te",
        },
    )
    _, desk_email = new_account(auth_emulator, {"role": "desk", "agency_id": OFFICE})
    context, page = sign_in(browser, console_url, desk_email)
    assert page.get_by_role("heading", name="Bàn phân loại").is_visible()
    shoot(page, "triage-1280")
    triage = page.url
    # The desk reads it as a complaint about how the file is handled, then routes it.
    page.goto(f"{console_url}/phan-anh/{unrouted.case_id}")
    page.get_by_role("link", name="Phân loại lại").click()
    page.get_by_role("button", name="Phân loại lại").click()
    assert page.locator("#kind-error").is_visible()  # the kind it has already: the error by the field
    page.get_by_label("Thái độ, hành vi cán bộ").check()
    page.get_by_role("button", name="Phân loại lại").click()
    assert page.get_by_role("status").is_visible()
    page.goto(triage)
    page.get_by_role("button", name="Chuyển tới Sở Y tế").click()
    assert page.get_by_role("status").is_visible()
    moved = [s.to_dict() for s in firestore_db.collection_group("cases").stream()]
    assert [(c["agency_id"], c["kind"]) for c in moved if c["case_id"] == unrouted.case_id] == [
        ("so-y-te", "conduct")
    ]
    [example] = [s.to_dict() for s in firestore_db.collection("training_examples").stream()]
    assert (example["kind"], example["agency_id"]) == ("conduct", "so-y-te")
    context.close()

    _, lead_email = new_account(auth_emulator, {"role": "lead", "agency_id": WARD})
    context, page = sign_in(browser, console_url, lead_email)
    page.get_by_role("link", name="Thống kê").click()
    assert page.get_by_role("heading", name="Thống kê — Phường Ba Đình").is_visible()
    assert page.locator("svg.chart").is_visible()
    shoot(page, "statistics-1280")
    context.close()


def test_a_forged_form_is_refused_and_an_expired_session_goes_back_to_sign_in(
    pipeline, console_url, auth_emulator, browser, firestore_db
):
    case = write_case(firestore_db, number=9)
    _, email = new_account(auth_emulator, {"role": "official", "agency_id": WARD})
    context, page = sign_in(browser, console_url, email)
    page.goto(f"{console_url}/phan-anh/{case.case_id}/ghi-chu")
    page.locator("input[name=csrf_token]").last.evaluate("input => input.value = 'forged'")
    page.get_by_label("Ghi chú").fill("Ghi chú giả mạo")
    page.get_by_role("button", name="Ghi chú nội bộ").click()
    assert "Biểu mẫu đã hết hạn hoặc không hợp lệ" in page.content()

    [cookie] = [c for c in context.cookies() if c["name"] == "pakn_session"]
    claims = json.loads(base64.urlsafe_b64decode(cookie["value"].split(".")[1] + "=="))
    claims["exp"] = int(time.time()) - 60

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    context.add_cookies([{**cookie, "value": f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."}])
    page.goto(f"{console_url}/")
    assert "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại." in page.content()
    assert page.get_by_role("heading", name="Đăng nhập").is_visible()
    context.close()


def teardown_module(module):
    # Keep only the latest run's screenshots next to each other.
    if SHOTS.exists() and not any(SHOTS.iterdir()):
        shutil.rmtree(SHOTS)

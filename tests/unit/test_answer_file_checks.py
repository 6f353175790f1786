"""An answer with a file, without emulators: the answer form's check of the file against what Zalo's upload
takes, its natural key in the bucket, the Case's answer transition keeping it, the request digest telling
another file from a retry, the delivery's file message, and TRA CỨU sending the file again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest
from cases_for_tests import CITIZEN, filed_case, hanoi
from pydantic import ValidationError

from pakn.attachments import answers
from pakn.cases.case import Case
from pakn.cases.workflow import answer_params, request_digest
from pakn.delivery.outbox import Delivery, OutboundMessage, file_message
from pakn.domain.vocabulary import OfficialFile, StoredCopy
from pakn.officials.console.texts import TEXTS

FILED = hanoi(3, 2, 9)
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(500)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(500)
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
ZIP = b"PK\x03\x04" + bytes(500)


def an_official_file(data: bytes = PDF, name: str = "Công văn trả lời.pdf") -> OfficialFile:
    checked = answers.check(name, data)
    assert isinstance(checked, answers.CheckedFile)
    stored = StoredCopy(
        object_name=answers.object_name("case-1", "req-1", checked),
        content_type=checked.content_type,
        size=len(data),
        sha256=checked.sha256,
        stored_at=datetime(2026, 3, 5, 2, 0, tzinfo=UTC),
    )
    return OfficialFile(name=checked.name, stored=stored)


# --- the form's check -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("Công văn trả lời.pdf", PDF, "application/pdf"),
        ("bien-ban.doc", DOC, "application/msword"),
        ("bien-ban.docx", ZIP, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("anh-hien-truong.jpg", JPEG, "image/jpeg"),
        ("anh.PNG", PNG, "image/png"),
    ],
)
def test_the_kinds_zalos_upload_takes_are_accepted_with_the_type_read_from_their_bytes(
    name, data, content_type
):
    checked = answers.check(name, data)
    assert isinstance(checked, answers.CheckedFile)
    assert checked.content_type == content_type and checked.name == name
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.exe", b"MZ\x90\x00" + bytes(100)),
        # The name is the browser's word: a program called .pdf is still a program.
        ("cong-van.pdf", b"MZ\x90\x00" + bytes(100)),
        # A ZIP is a DOCX only when it says so by its name, as Zalo's upload reads it.
        ("ho-so.zip", ZIP),
        ("ghi-chu.txt", "Nội dung trả lời".encode()),
    ],
)
def test_other_kinds_are_refused_whatever_their_name_says(name, data):
    assert answers.check(name, data) == "type_not_allowed"


def test_documents_may_have_5_mb_and_images_1_mb_and_nothing_empty_is_taken():
    document_at_limit = PDF + bytes(answers.MAX_DOCUMENT_BYTES - len(PDF))
    assert isinstance(answers.check("a.pdf", document_at_limit), answers.CheckedFile)
    assert answers.check("a.pdf", document_at_limit + b"\x00") == "too_big"
    image_at_limit = JPEG + bytes(answers.MAX_IMAGE_BYTES - len(JPEG))
    assert isinstance(answers.check("a.jpg", image_at_limit), answers.CheckedFile)
    # A photo of 2 MB is too big although a document of that size would not be.
    assert answers.check("a.jpg", image_at_limit + b"\x00") == "too_big"
    assert answers.check("a.pdf", b"") == "empty"


def test_every_refusal_has_its_vietnamese_text_next_to_the_field():
    for refusal in get_args(answers.FileRefusal):
        assert TEXTS[f"error.file_{refusal}"]
    assert "5 MB" in TEXTS["error.file_too_big"] and "1 MB" in TEXTS["error.file_too_big"]


def test_the_name_the_citizen_sees_is_the_officials_own_with_the_kinds_extension():
    # Old browsers send the whole path.
    assert answers.check("C:\\fakepath\\Công văn số 12.pdf", PDF).name == "Công văn số 12.pdf"
    assert answers.check("anh.jpeg", JPEG).name == "anh.jpeg"
    assert answers.check("cong-van", PDF).name == "cong-van.pdf"
    assert answers.check("anh.pdf", PNG).name == "anh.pdf.png"
    assert len(answers.check("x" * 500 + ".pdf", PDF).name) == answers.MAX_NAME_CHARS


def test_the_copys_key_is_natural_to_the_case_the_request_and_the_file():
    checked = answers.check("Công văn trả lời.pdf", PDF)
    name = answers.object_name("case-1", "req-1", checked)
    assert name == f"answers/case-1/req-1/{checked.sha256[:16]}-Cong-van-tra-loi.pdf"
    assert answers.object_name("case-1", "req-1", checked) == name  # a retry finds its copy
    other = answers.check("Công văn trả lời.pdf", PDF + b"\n")
    # Another file under the same request id is kept beside it, never taken for it.
    assert answers.object_name("case-1", "req-1", other) != name


# --- the transition and the request digest ----------------------------------------------------------


def test_the_answer_keeps_the_file_and_the_citizen_receives_it_after_the_text():
    attachment = an_official_file()
    at = FILED + timedelta(days=3)
    transition = filed_case(FILED).answer("official-1", "r1", at, "Đã giải quyết.", attachment)
    assert transition.case.answer_attachment == attachment
    assert transition.citizen_file == attachment
    assert Case.model_validate(transition.case.model_dump()) == transition.case  # stored whole
    without = filed_case(FILED).answer("official-1", "r1", at, "Đã giải quyết.")
    assert without.case.answer_attachment is None and without.citizen_file is None
    assert without.citizen_message == transition.citizen_message


def test_a_retry_with_another_file_or_without_it_is_another_request():
    first = request_digest("answer", answer_params("Đã giải quyết.", an_official_file()))
    assert first == request_digest("answer", answer_params("Đã giải quyết.", an_official_file()))
    other = an_official_file(PDF + b"\n")
    assert first != request_digest("answer", answer_params("Đã giải quyết.", other))
    renamed = an_official_file(name="Công văn khác.pdf")
    assert first != request_digest("answer", answer_params("Đã giải quyết.", renamed))
    assert first != request_digest("answer", answer_params("Đã giải quyết.", None))
    # An answer without a file keeps the digest answers had before files existed.
    assert request_digest("answer", answer_params("Đã giải quyết.", None)) == request_digest(
        "answer", {"text": "Đã giải quyết."}
    )


# --- the delivery -----------------------------------------------------------------------------------


def test_the_file_message_names_the_copy_never_its_bytes_and_round_trips_in_the_delivery_record():
    attachment = an_official_file()
    message = file_message(attachment)
    assert (message.kind, message.object_name, message.content_type, message.file_name, message.size) == (
        "file",
        attachment.stored.object_name,
        "application/pdf",
        "Công văn trả lời.pdf",
        len(PDF),
    )
    delivery = Delivery(
        key="case:c:answer:r",
        citizen_id=CITIZEN,
        messages=[OutboundMessage(text="Trả lời"), message],
        created_at=FILED,
    )
    assert Delivery.model_validate(delivery.model_dump()).messages == [
        OutboundMessage(text="Trả lời"),
        message,
    ]
    with pytest.raises(ValidationError):
        OutboundMessage(kind="file", file_name="x.pdf")  # names no stored copy
    with pytest.raises(ValidationError):
        OutboundMessage(kind="file", object_name="o", content_type="application/pdf", file_name="x", data=b"")


def test_tra_cuu_shows_the_answer_and_sends_its_file_again():
    from cases_for_tests import tracking_code_for

    # The conversation's own test harness: turns taken as the service takes them.
    from test_turn import CasesAtHand, Citizen

    attachment = an_official_file()
    case = filed_case(FILED, number=1).answer(
        "o", "r", FILED + timedelta(days=2), "Đã giải quyết.", attachment
    )
    citizen = Citizen(cases=CasesAtHand(case.case))
    replies = citizen.says(f"tra cuu {tracking_code_for(1)}")
    assert replies[-1] == "[file]" and any("Đã giải quyết." in reply for reply in replies)
    assert citizen.last.replies[-1] == file_message(attachment)
    # A case answered without a file sends only the text.
    plain = filed_case(FILED, number=2).answer("o", "r", FILED + timedelta(days=2), "Đã giải quyết.")
    assert "[file]" not in Citizen(cases=CasesAtHand(plain.case)).says(f"tra cuu {tracking_code_for(2)}")


def test_pakn_chat_shows_a_file_message_by_the_name_zalo_shows():
    from pakn_dev.commands.chat import render_sent

    record = {
        "channel": "cs",
        "body": {"message": {"attachment": {"type": "file", "payload": {"token": "t"}}}},
        "upload": {"kind": "file", "name": "Công văn.pdf", "content_type": "application/pdf", "size": 12},
    }
    assert render_sent(record) == "OA:  [file Công văn.pdf, 12 bytes]"

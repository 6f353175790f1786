"""An official answers with a file, and the citizen receives it: the console's answer form (multipart, the
file checked against what Zalo's upload takes, errors next to the field), the copy in the attachments
bucket, the case keeping it, and the sender uploading it to Zalo and sending it once after the text. The
real functions on the emulators, fake-gcs-server, the Auth emulator and the Zalo stand-in."""
# The fixtures are imported from console_support (tests/emulator/conftest.py is not the console's).
# ruff: noqa: F811

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest
from console_support import WARD, console_app, hidden, official, stored_case, text_of  # noqa: F401

from pakn.delivery.outbox import OutboundRequest
from pakn.delivery.reach import default_policy
from pakn.domain import messages
from pakn.platform import firestore_paths

# Zalo's night ban off, as the pipeline's own sender runs here (ZALO_NIGHT_BAN=false): a sender built by a
# test with a clock near the real time must not hold its messages when the suite runs after 22:00 in Hanoi.
DAYTIME = default_policy().without_night()


pytestmark = pytest.mark.emulator

CITIZEN = "7712345678901234777"
ANSWER = "Phường đã kiểm tra hồ sơ. Công văn trả lời gửi kèm theo tin nhắn này."
NAME = "Công văn số 12-UBND.pdf"
# Enough of a PDF for Zalo's upload (which reads the kind from the first bytes) and a checksum.
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 400 + b"\n%%EOF\n"


@pytest.fixture
def bucket(attachments_bucket):
    return attachments_bucket


def a_filed_case(pipeline, firestore_db) -> dict:
    case = pipeline.filed_case(CITIZEN)
    assert case["agency_id"] == WARD
    return case


def answer_form(person, case_id: str) -> tuple[str, str]:
    """The answer form's page and its request id."""
    page = text_of(person.get(f"/phan-anh/{case_id}/tra-loi"))
    return page, hidden(page, "request_id")


def post_answer(person, case_id: str, request_id: str, content: bytes | None = PDF, name: str = NAME):
    data = {"request_id": request_id, "text": ANSWER}
    if content is not None:
        data["file"] = (io.BytesIO(content), name, "application/pdf")
    return person.post(f"/phan-anh/{case_id}/tra-loi", data)


def files_sent(pipeline) -> list[dict]:
    """Every file (or uploaded image) message the citizen received, as the stand-in recorded its upload."""
    return [
        m["upload"] for m in pipeline.standin.control.messages(user_id=CITIZEN, channel="cs") if "upload" in m
    ]


def delivery_of_answer(firestore_db, case_id: str, request_id: str) -> dict:
    key = f"case:{case_id}:answer:{request_id}"
    return firestore_paths.delivery(firestore_db, key).get().to_dict()


def test_the_official_answers_with_a_file_and_the_citizen_receives_it_once_after_the_text(
    bucket, pipeline, official, firestore_db
):
    case = a_filed_case(pipeline, firestore_db)
    person = official("official")
    page, request_id = answer_form(person, case["case_id"])
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and 'id="file-hint"' in page

    done = post_answer(person, case["case_id"], request_id)
    assert done.status_code == 303, text_of(done)

    # The copy: under its natural key, with its type, size and SHA-256; the case keeps it.
    [blob] = list(bucket.client.list_blobs(bucket.name))
    sha256 = hashlib.sha256(PDF).hexdigest()
    assert blob.name == f"answers/{case['case_id']}/{request_id}/{sha256[:16]}-Cong-van-so-12-UBND.pdf"
    assert (blob.content_type, blob.size, blob.metadata["sha256"]) == ("application/pdf", len(PDF), sha256)
    answered = stored_case(firestore_db, WARD, case["case_id"])
    assert answered.status == "answered" and answered.answer_attachment.name == NAME
    assert answered.answer_attachment.stored.object_name == blob.name

    # The case page links it; the link serves the file to the case's agency.
    shown = text_of(person.get(done.headers["Location"]))
    assert f'href="/phan-anh/{case["case_id"]}/tep-tra-loi"' in shown and f"Tệp gửi kèm: {NAME}" in shown
    served = person.get(f"/phan-anh/{case['case_id']}/tep-tra-loi")
    assert served.status_code == 200 and served.get_data() == PDF
    assert served.headers["Content-Disposition"].startswith("attachment;")

    # The citizen: the answer's text, then the file, which is byte for byte the official's (then whatever
    # else the answer's delivery asks of them, such as rating it).
    pipeline.run()
    assert pipeline.replies(CITIZEN)[:2] == [
        messages.text("answer", code=case["tracking_code"], agency="Phường Ba Đình", text=ANSWER),
        "[file]",
    ]
    [received] = files_sent(pipeline)
    assert received == {
        "kind": "file",
        "name": NAME,
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": sha256,
    }
    record = delivery_of_answer(firestore_db, case["case_id"], request_id)
    assert record["messages"][1]["kind"] == "file"
    assert (record["state"], record["sent_count"], record["rejected"]) == (
        "sent",
        len(record["messages"]),
        [],
    )

    # Pub/Sub redelivers, the outbox sweep republishes, the official sends the form again: nothing twice.
    from pakn import runtime

    uploads = pipeline.standin.control.stats()["uploads"]
    runtime.publish_outbound(OutboundRequest(delivery_key=record["key"]), CITIZEN)
    assert post_answer(person, case["case_id"], request_id).status_code == 303
    pipeline.run()
    assert pipeline.replies(CITIZEN) == [] and len(files_sent(pipeline)) == 1
    assert pipeline.standin.control.stats()["uploads"] == uploads
    assert len(list(bucket.client.list_blobs(bucket.name))) == 1

    # The same request id with another file, or without one, is another request: refused, nothing sent.
    other = post_answer(person, case["case_id"], request_id, PDF + b"%% khac\n")
    assert other.status_code == 409 and "đã được gửi với nội dung khác" in text_of(other)
    assert post_answer(person, case["case_id"], request_id, None).status_code == 409
    pipeline.run()
    assert pipeline.replies(CITIZEN) == []


def test_a_delivery_handed_on_after_the_upload_sends_only_the_rest_and_the_file_once(
    bucket, pipeline, official, firestore_db
):
    from pakn import runtime
    from pakn.delivery.sender import Sender

    case = a_filed_case(pipeline, firestore_db)
    person = official("official")
    _, request_id = answer_form(person, case["case_id"])
    assert post_answer(person, case["case_id"], request_id).status_code == 303
    key = f"case:{case['case_id']}:answer:{request_id}"
    standin = pipeline.standin.control
    start = datetime.now(UTC)

    def slow_upload_clock() -> datetime:
        # The upload takes 20 s: once Zalo has it, the lease no longer covers a whole send.
        return start + (timedelta(seconds=20) if standin.stats()["uploads"] else timedelta())

    sender = Sender(
        firestore_db,
        runtime.zalo_client(),
        lambda request, citizen_id: None,  # the republish is done below, as Pub/Sub would bring it
        clock=slow_upload_clock,
        attachments=runtime.attachment_store(),
        policy=DAYTIME,
    )
    sender.deliver(key)
    record = delivery_of_answer(firestore_db, case["case_id"], request_id)
    assert (record["state"], record["sent_count"], record["lease_until"]) == ("pending", 1, None)
    assert pipeline.replies(CITIZEN)[0].startswith(f"Trả lời phản ánh {case['tracking_code']}")
    assert files_sent(pipeline) == []  # uploaded, never sent

    runtime.publish_outbound(OutboundRequest(delivery_key=key), CITIZEN)
    pipeline.run()
    # The rest only: the file first, and the answer's text not again.
    rest = pipeline.replies(CITIZEN)
    assert rest[0] == "[file]" and not any(reply.startswith("Trả lời phản ánh") for reply in rest)
    [received] = files_sent(pipeline)
    assert received["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert standin.stats()["uploads"] == 2  # an upload reaches no citizen: the next attempt made its own
    assert delivery_of_answer(firestore_db, case["case_id"], request_id)["state"] == "sent"


def test_a_file_zalo_would_not_take_is_refused_next_to_the_field_and_nothing_is_stored(
    bucket, pipeline, official, firestore_db
):
    case = a_filed_case(pipeline, firestore_db)
    person = official("official")
    _, request_id = answer_form(person, case["case_id"])

    program = post_answer(person, case["case_id"], request_id, b"MZ\x90\x00" + bytes(64), "cong-van.pdf")
    page = text_of(program)
    assert program.status_code == 400 and 'id="file-error"' in page
    assert "Chỉ gửi kèm được tệp PDF, DOC, DOCX hoặc ảnh JPG, PNG" in page
    assert 'href="#file"' in page  # the summary links the field
    assert ANSWER in page  # the text the official wrote is kept

    too_big = post_answer(person, case["case_id"], request_id, b"%PDF-1.4\n" + bytes(5_000_000))
    assert too_big.status_code == 400 and "Tệp quá lớn" in text_of(too_big)
    photo = post_answer(
        person, case["case_id"], request_id, b"\xff\xd8\xff\xe0" + bytes(1_000_000), "anh.jpg"
    )
    assert photo.status_code == 400 and "ảnh JPG, PNG tối đa 1 MB" in text_of(photo)
    # A body larger than any answer's is never read: the form again, the error by the file field.
    huge = post_answer(person, case["case_id"], request_id, PDF + bytes(6_000_000))
    assert huge.status_code == 413 and 'id="file-error"' in text_of(huge)
    assert "Trả lời chưa được gửi: hãy nhập lại nội dung" in text_of(huge)
    # Any other form's limit is unchanged.
    note = person.post(f"/phan-anh/{case['case_id']}/ghi-chu", {"request_id": "n-1", "text": "x" * 70_000})
    assert note.status_code == 413

    # A blank text with a good file: the text's error, and the page asks for the file again.
    blank = person.post(
        f"/phan-anh/{case['case_id']}/tra-loi",
        {"request_id": request_id, "text": " ", "file": (io.BytesIO(PDF), NAME, "application/pdf")},
    )
    assert blank.status_code == 400 and 'id="text-error"' in text_of(blank)
    assert "Hãy chọn lại tệp" in text_of(blank)

    assert list(bucket.client.list_blobs(bucket.name)) == []
    assert stored_case(firestore_db, WARD, case["case_id"]).status == "open"


def test_a_copy_gone_from_the_bucket_is_refused_and_the_answers_text_still_reaches_the_citizen(
    bucket, pipeline, official, firestore_db
):
    case = a_filed_case(pipeline, firestore_db)
    person = official("official")
    _, request_id = answer_form(person, case["case_id"])
    assert post_answer(person, case["case_id"], request_id).status_code == 303
    [blob] = list(bucket.client.list_blobs(bucket.name))
    blob.delete()

    pipeline.run()
    replies = pipeline.replies(CITIZEN)
    assert replies[0] == messages.text(
        "answer", code=case["tracking_code"], agency="Phường Ba Đình", text=ANSWER
    )
    assert "[file]" not in replies
    assert files_sent(pipeline) == [] and pipeline.standin.control.stats()["uploads"] == 0
    record = delivery_of_answer(firestore_db, case["case_id"], request_id)
    # Every message of the delivery was tried: the file's was refused, the others went.
    assert len(replies) == len(record["messages"]) - 1
    assert (record["state"], record["sent_count"], record["rejected"]) == (
        "rejected",
        len(record["messages"]),
        [1],
    )


def test_outside_the_window_the_answer_goes_by_zns_and_tra_cuu_brings_the_text_and_the_file(
    bucket, pipeline, official, firestore_db
):
    case = a_filed_case(pipeline, firestore_db)
    pipeline.standin.control.set_user(CITIZEN, last_interaction_days_ago=28)
    person = official("official")
    _, request_id = answer_form(person, case["case_id"])
    assert post_answer(person, case["case_id"], request_id).status_code == 303
    pipeline.run()
    [zns] = pipeline.zns(user_id=CITIZEN)
    assert zns["template_id"] == "pakn_answer_ready"
    assert pipeline.replies(CITIZEN) == [] and files_sent(pipeline) == []  # a ZNS carries no file

    replies = pipeline.say(CITIZEN, f"tra cuu {case['tracking_code']}")
    assert replies[-1] == "[file]" and any(ANSWER in reply for reply in replies)
    [received] = files_sent(pipeline)
    assert received["sha256"] == hashlib.sha256(PDF).hexdigest() and received["name"] == NAME

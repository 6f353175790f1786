"""Citizens' attachments kept in Cloud Storage, on the emulators: fake-gcs-server, Firestore, Pub/Sub, the
Auth emulator and the Zalo stand-in, whose media URLs expire after 7 days of its clock. A photo is stored
with its type, size and checksums; a redelivered event stores nothing twice; too big or of the wrong type
is answered and not stored; and once Zalo's URL is gone, the console still shows the photo, to the case's
own agency only."""
# The fixtures are imported from console_support (tests/emulator/conftest.py is not the console's).
# ruff: noqa: F811

from __future__ import annotations

import base64
import hashlib
import http.server
import re
import threading

import pytest
import requests
from console_support import OTHER_WARD, WARD, console_app, official, text_of  # noqa: F401

from pakn.domain import messages

pytestmark = pytest.mark.emulator

CITIZEN = "5512345678901234567"
WARD_PROCEDURE = (
    "Tôi đi làm khai sinh cho con ở phường Trúc Bạch, quận Ba Đình mà cán bộ bắt bổ sung giấy tờ 3 lần"
)
# Enough of a JPEG for a content type and a checksum; nothing here decodes it.
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40 + b"\xff\xd9"
EIGHT_DAYS = 8 * 24 * 3600


@pytest.fixture
def bucket(attachments_bucket):
    return attachments_bucket


def stored_objects(bucket) -> list:
    return list(bucket.client.list_blobs(bucket.name))


def text(key: str, **values) -> str:
    return messages.text(key, **values)


def draft_media(db) -> list[dict]:
    from pakn.platform import firestore_paths

    state = firestore_paths.citizen(db, CITIZEN).get().to_dict()
    return [m for part in (state.get("draft") or {}).get("parts", []) for m in part.get("media", [])]


def the_case(db) -> dict:
    [case] = [s.to_dict() for s in db.collection_group("cases").stream()]
    return case


def test_a_photo_a_citizen_sends_is_stored_with_its_type_size_and_checksums(bucket, pipeline, firestore_db):
    url = pipeline.standin.control.add_media(PHOTO, "image/jpeg", "giay-hen.jpg")
    assert pipeline.post(pipeline.zalo.image(CITIZEN, url, caption=WARD_PROCEDURE)).status_code == 200
    pipeline.run()
    assert pipeline.replies(CITIZEN)[-1] == text("draft_started")

    [blob] = stored_objects(bucket)
    assert re.fullmatch(r"citizens-media/[A-Za-z0-9._-]+/0-giay-hen\.jpg", blob.name)
    assert blob.content_type == "image/jpeg" and blob.size == len(PHOTO)
    assert blob.md5_hash == base64.b64encode(hashlib.md5(PHOTO).digest()).decode()  # noqa: S324 (GCS's own)
    assert blob.download_as_bytes() == PHOTO

    [media] = draft_media(firestore_db)
    stored = media["stored"]
    assert media["url"] == url and media["refused"] is None
    assert stored["object_name"] == blob.name
    assert (stored["content_type"], stored["size"]) == ("image/jpeg", len(PHOTO))
    assert stored["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    assert stored["md5_hash"] == blob.md5_hash and stored["crc32c"] == blob.crc32c

    pipeline.say(CITIZEN, "xong")
    pipeline.give_contact(CITIZEN)
    assert "Mã tra cứu" in pipeline.say(CITIZEN, "1")[0]
    assert the_case(firestore_db)["media"][0]["stored"]["object_name"] == blob.name


def test_a_redelivered_event_is_not_stored_twice_even_after_zalos_url_expired(bucket, pipeline, firestore_db):
    url = pipeline.standin.control.add_media(PHOTO, "image/jpeg", "anh.jpg")
    assert pipeline.post(pipeline.zalo.image(CITIZEN, url)).status_code == 200
    [delivery] = pipeline.pull()
    assert pipeline.deliver(delivery, ack=False) == 200
    [first] = stored_objects(bucket)

    pipeline.standin.control.advance_clock(EIGHT_DAYS)
    assert requests.get(url, timeout=5).status_code == 404  # Zalo's URL is gone
    assert pipeline.deliver(delivery) == 200  # Pub/Sub delivers the same message again
    [again] = stored_objects(bucket)
    assert (again.name, again.generation) == (first.name, first.generation)
    [media] = draft_media(firestore_db)
    assert media["stored"]["object_name"] == first.name and media["refused"] is None


def test_a_photo_too_big_or_a_file_of_another_type_is_answered_in_vietnamese_and_not_stored(
    bucket, pipeline, firestore_db
):
    pipeline.say(CITIZEN, WARD_PROCEDURE)
    big = pipeline.standin.control.add_media(
        b"\xff\xd8\xff" + bytes(10 * 1024 * 1024), "image/jpeg", "to.jpg"
    )
    assert pipeline.post(pipeline.zalo.image(CITIZEN, big)).status_code == 200
    pipeline.run()
    too_big = text("attachment_too_big", what="ảnh", limit=10)
    assert pipeline.replies(CITIZEN) == [too_big]
    assert "lớn quá (tối đa 10 MB)" in too_big

    program = pipeline.standin.control.add_media(b"MZ\x90\x00", "application/x-msdownload", "setup.exe")
    assert pipeline.post(pipeline.zalo.file(CITIZEN, program, "setup.exe")).status_code == 200
    pipeline.run()
    assert pipeline.replies(CITIZEN) == [text("attachment_type_not_allowed")]

    assert stored_objects(bucket) == []
    assert draft_media(firestore_db) == []


class _Streaming(http.server.BaseHTTPRequestHandler):
    """Streams an endless 'photo' without a Content-Length, counting what it managed to send."""

    sent = 0

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        chunk = bytes(64 * 1024)
        try:
            for _ in range(1000):  # 64 MiB at most: bounded even if nobody stops reading
                self.wfile.write(chunk)
                type(self).sent += len(chunk)
        except OSError:
            pass  # the keeper hung up, as it should

    def log_message(self, *args):
        pass


def test_a_huge_download_is_cut_off_at_the_limit_and_a_dead_url_is_unavailable(bucket):
    from pakn.attachments.keeper import Keeper
    from pakn.attachments.limits import default_limits
    from pakn.attachments.storage import BucketStore
    from pakn.domain.vocabulary import Media
    from pakn.intake.events import CitizenEvent

    limits = default_limits()
    one_mib = limits.types["image"].model_copy(update={"max_bytes": 1024 * 1024})
    keeper = Keeper(
        BucketStore(bucket.name), limits.model_copy(update={"types": {**limits.types, "image": one_mib}})
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Streaming)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/huge.jpg"

    def event(event_id: str) -> CitizenEvent:
        return CitizenEvent(
            event_id=event_id,
            event_name="user_send_image",
            type="message",
            citizen_id=CITIZEN,
            occurred_at="2026-03-02T02:00:00Z",
            media=(Media(type="image", url=url),),
        )

    try:
        [huge] = keeper.keep(event("msg-huge")).media
    finally:
        server.shutdown()
        server.server_close()
    assert huge.refused == "too_big" and huge.stored is None
    # Cut off near the limit: socket buffers hold some more, never the 64 MiB on offer.
    assert _Streaming.sent < 16 * 1024 * 1024
    [dead] = keeper.keep(event("msg-dead")).media  # the server is gone, as an expired URL is
    assert dead.refused == "unavailable"
    assert stored_objects(bucket) == []


def test_after_zalos_url_expired_the_console_serves_the_photo_to_the_cases_agency_and_404s_to_another(
    bucket, pipeline, official, firestore_db
):
    photo = pipeline.standin.control.add_media(PHOTO, "image/jpeg", "giay-hen.jpg")
    paper = pipeline.standin.control.add_media(b"%PDF-1.4 don", "application/pdf", "Đơn đề nghị.pdf")
    pipeline.say(CITIZEN, WARD_PROCEDURE)
    assert pipeline.post(pipeline.zalo.image(CITIZEN, photo)).status_code == 200
    assert pipeline.post(pipeline.zalo.file(CITIZEN, paper, "Đơn đề nghị.pdf")).status_code == 200
    pipeline.run()
    pipeline.say(CITIZEN, "xong")
    pipeline.give_contact(CITIZEN)
    pipeline.say(CITIZEN, "1")
    case = the_case(firestore_db)
    assert case["agency_id"] == WARD

    pipeline.standin.control.advance_clock(EIGHT_DAYS)
    assert requests.get(photo, timeout=5).status_code == 404  # Zalo's URL has expired

    handler = official("official")
    page = text_of(handler.get(f"/phan-anh/{case['case_id']}"))
    assert f'src="/phan-anh/{case["case_id"]}/tep/1"' in page and photo not in page
    assert "chỉ có trên Zalo" not in page
    shown = handler.get(f"/phan-anh/{case['case_id']}/tep/1")
    assert shown.status_code == 200 and shown.get_data() == PHOTO
    assert shown.headers["Content-Type"] == "image/jpeg"
    assert shown.headers["Content-Disposition"].startswith("inline;")
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    downloaded = handler.get(f"/phan-anh/{case['case_id']}/tep/2")
    assert downloaded.status_code == 200 and downloaded.get_data() == b"%PDF-1.4 don"
    disposition = downloaded.headers["Content-Disposition"]
    assert (
        disposition.startswith("attachment;")
        and "filename*=UTF-8''%C4%90%C6%A1n%20%C4%91%E1%BB%81" in disposition
    )
    assert handler.get(f"/phan-anh/{case['case_id']}/tep/3").status_code == 404

    stranger = official(claims={"role": "official", "agency_id": OTHER_WARD})
    assert stranger.get(f"/phan-anh/{case['case_id']}/tep/1").status_code == 404
    assert stranger.get(f"/phan-anh/{case['case_id']}").status_code == 404


def test_without_a_stored_copy_the_case_page_links_zalos_url_and_says_it_may_expire(official, firestore_db):
    from console_support import write_case

    from pakn.domain.vocabulary import Media
    from pakn.platform.settings import load_settings

    assert load_settings().attachments_bucket is None
    url = "https://photo.zdn.vn/giay-hen.jpg"
    case = write_case(firestore_db, number=1, media=[Media(type="image", url=url)])
    handler = official("official")
    page = text_of(handler.get(f"/phan-anh/{case.case_id}"))
    assert f'href="{url}"' in page and "chỉ có trên Zalo" in page
    assert handler.get(f"/phan-anh/{case.case_id}/tep/1").status_code == 404

"""The stand-in's clock, 7-day window, night ban, ZNS, receipts, uploads and expiring media, over real HTTP.

Each test runs its own stand-in on a free port and sets the stand-in's clock first, so that what it checks
does not depend on the hour the suite runs at.
"""

import hashlib
import threading
import time
from datetime import datetime, timedelta

import pytest
import requests
from flask import Flask, request
from standin_app import APP_ID, FIRST_REFRESH, SECRET

from pakn.zalo.signature import verify
from pakn_dev.zalo_events import ZaloEventFactory
from pakn_dev.zalo_standin import VIETNAM, StandinServer, make_app

OA_ID, OA_SECRET = "oa-1", "oa-secret-1"
MORNING = "2025-03-03T10:00:00+07:00"  # a Monday, 10:00 in Hanoi
PHONE = "84987654321"
DATA = {"code": "HN-4K7Q2M", "agency": "Phường Ba Đình", "date": "03/03/2025"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"noi dung van ban\n" * 20
MB = 1024 * 1024


class Zalo:
    """A stand-in and what a caller of Zalo's API would do with it: an access token and raw calls."""

    def __init__(self, server: StandinServer):
        self.server = server
        self.url = server.url
        self.control = server.control
        self.refresh_token = FIRST_REFRESH
        self.token = self.new_token()

    def new_token(self) -> str:
        form = {"app_id": APP_ID, "grant_type": "refresh_token", "refresh_token": self.refresh_token}
        issued = requests.post(
            f"{self.url}/v4/oa/access_token", data=form, headers={"secret_key": SECRET}, timeout=5
        )
        body = issued.json()
        self.refresh_token = body["refresh_token"]
        return body["access_token"]

    def cs(self, user_id: str, message: dict, token: str | None = None) -> dict:
        body = {"recipient": {"user_id": user_id}, "message": message}
        headers = {"access_token": token or self.token}
        answer = requests.post(f"{self.url}/v3.0/oa/message/cs", json=body, headers=headers, timeout=5)
        assert answer.status_code == 200
        return answer.json()

    def text(self, user_id: str = "u1", text: str = "xin chào") -> int:
        return self.cs(user_id, {"text": text})["error"]

    def zns(self, token: str | None = None, **body) -> dict:
        body = {"template_id": "pakn_answer_ready", "template_data": DATA, "tracking_id": "t-1", **body}
        headers = {"access_token": token or self.token}
        answer = requests.post(f"{self.url}/message/template", json=body, headers=headers, timeout=5)
        assert answer.status_code == 200
        return answer.json()

    def upload(
        self, kind: str, content: bytes, name: str, content_type: str, token: str | None = None
    ) -> dict:
        files = {"file": (name, content, content_type)}
        headers = {"access_token": token or self.token}
        return requests.post(
            f"{self.url}/v2.0/oa/upload/{kind}", files=files, headers=headers, timeout=10
        ).json()


@pytest.fixture
def serve():
    servers = []

    def start(**options) -> Zalo:
        options = {"access_token_ttl_seconds": 10**9, "oa_id": OA_ID, "night_ban": True, **options}
        server = StandinServer(make_app(APP_ID, SECRET, FIRST_REFRESH, **options)).start()
        servers.append(server)
        server.control.set_clock(MORNING)
        return Zalo(server)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def zalo(serve) -> Zalo:
    return serve()


class Webhook:
    """A tiny webhook: records each POST's raw body and headers, and answers `status`."""

    def __init__(self):
        self.received: list[tuple[bytes, dict]] = []
        self.status = 200
        self.arrived = threading.Event()
        app = Flask("webhook")

        @app.post("/hook")
        def hook():
            self.received.append((request.get_data(), dict(request.headers)))
            self.arrived.set()
            return "ok", self.status

        self.server = StandinServer(app).start()
        self.url = f"{self.server.url}/hook"

    def events(self) -> list[dict]:
        import json

        return [json.loads(body) for body, _ in self.received]


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.server.stop()


def signed_by_zalo(body: bytes, headers: dict, event: dict) -> bool:
    return verify(headers.get("X-Zevent-Signature"), (APP_ID,), body, event["timestamp"], OA_SECRET)


# --- the clock ---


def test_the_clock_is_real_until_moved_and_back_when_asked(serve):
    zalo = serve()
    moved = zalo.control.clock()
    shown = datetime.fromisoformat(moved["iso"])
    assert shown.utcoffset() == timedelta(hours=7)
    assert shown.timestamp() == pytest.approx(datetime.fromisoformat(MORNING).timestamp(), abs=2)
    assert moved["now"] == pytest.approx(datetime.fromisoformat(MORNING).timestamp(), abs=2)
    later = zalo.control.advance_clock(3600)
    assert later["now"] == pytest.approx(moved["now"] + 3600, abs=2)
    assert datetime.fromisoformat(later["iso"]).utcoffset() == timedelta(hours=7)
    real = zalo.control.real_clock()
    assert real["now"] == pytest.approx(time.time(), abs=2)


@pytest.mark.parametrize(
    "setting",
    [{"now": "2025-03-03T10:00:00"}, {"now": MORNING, "advance_seconds": 5}, {}, {"real": False}],
)
def test_a_clock_setting_is_one_thing_with_its_offset(zalo, setting):
    assert requests.post(f"{zalo.url}/_standin/clock", json=setting, timeout=5).status_code == 400


def test_access_tokens_expire_on_the_moved_clock(serve):
    zalo = serve(access_token_ttl_seconds=3600)
    assert zalo.text() == 0
    zalo.control.advance_clock(3600)
    assert zalo.text() == -220


# --- the 7-day window, from each user's last interaction ---


def test_the_window_runs_from_the_last_interaction(zalo):
    events = ZaloEventFactory(APP_ID, OA_ID, OA_SECRET)
    assert zalo.control.user_event(events.text("u1", "xin chao"))["user_id"] == "u1"
    zalo.control.advance_clock(6 * 86400)
    assert zalo.text("u1") == 0  # day 6
    zalo.control.advance_clock(2 * 86400)
    assert zalo.text("u1") == -230  # day 8
    zalo.control.user_event(events.text("u1", "toi viet lai"))  # writing again reopens the window
    assert zalo.text("u1") == 0
    zalo.control.advance_clock(46 * 86400)
    zalo.token = zalo.new_token()
    assert zalo.text("u1") == -227


def test_what_the_oa_sends_is_no_interaction(zalo):
    zalo.control.user_event(ZaloEventFactory(APP_ID, OA_ID, OA_SECRET).text("u1", "xin chao"))
    zalo.control.advance_clock(5 * 86400)
    assert zalo.text("u1") == 0
    zalo.control.advance_clock(3 * 86400)
    assert zalo.text("u1") == -230


@pytest.mark.parametrize(
    ("days", "error"), [(6, 0), (6.99, 0), (7.01, -230), (8, -230), (44.99, -230), (45.01, -227)]
)
def test_last_interaction_days_ago_sets_the_last_interaction(zalo, days, error):
    user = zalo.control.set_user("u1", last_interaction_days_ago=days)
    assert user["last_interaction_days_ago"] == pytest.approx(days, abs=1e-3)
    assert zalo.text("u1") == error


def test_an_unfollow_then_a_follow(zalo):
    events = ZaloEventFactory(APP_ID, OA_ID, OA_SECRET)
    unfollow = {**events.follow("u1"), "event_name": "unfollow"}
    zalo.control.user_event(unfollow)
    assert zalo.text("u1") == -213
    zalo.control.user_event(events.follow("u1"))
    assert zalo.text("u1") == 0


def test_a_user_event_goes_to_the_webhook_signed_like_zalo(zalo, webhook):
    events = ZaloEventFactory(APP_ID, OA_ID, "not-the-stand-ins-key")
    event = events.text("u1", "Cán bộ không nhận hồ sơ")
    answer = zalo.control.user_event(event, webhook_url=webhook.url, oa_secret_key=OA_SECRET)
    assert answer == {"user_id": "u1", "webhook_status": 200}
    [(body, headers)] = webhook.received
    assert webhook.events() == [event]
    assert signed_by_zalo(body, headers, event)
    assert "X-Zevent-Server" not in headers


def test_a_user_event_answers_with_the_webhooks_status(zalo, webhook):
    webhook.status = 503
    zalo.control.set_webhook(webhook.url, OA_SECRET)
    answer = zalo.control.user_event(ZaloEventFactory(APP_ID, OA_ID, OA_SECRET).text("u1", "a"))
    assert answer["webhook_status"] == 503


def test_a_user_event_without_a_webhook_only_records_the_interaction(zalo):
    zalo.control.set_user("u1", last_interaction_days_ago=30)
    answer = zalo.control.user_event(ZaloEventFactory(APP_ID, OA_ID, OA_SECRET).text("u1", "a"))
    assert answer == {"user_id": "u1", "webhook_status": None}
    assert zalo.text("u1") == 0


def test_make_apps_webhook_is_used_and_an_event_gets_a_timestamp_at_the_stand_ins_now(serve, webhook):
    zalo = serve(webhook_url=webhook.url, oa_secret_key=OA_SECRET)
    event = {"event_name": "user_send_text", "sender": {"id": "u1"}, "message": {"msg_id": "m1", "text": "a"}}
    assert zalo.control.user_event(event)["webhook_status"] == 200
    [sent] = webhook.events()
    assert sent["app_id"] == APP_ID
    assert int(sent["timestamp"]) == pytest.approx(
        datetime.fromisoformat(MORNING).timestamp() * 1000, abs=5000
    )
    assert signed_by_zalo(*webhook.received[0], sent)


# --- the night ---


@pytest.mark.parametrize(
    ("local_time", "night"),
    [
        ("21:59:59", False),
        ("22:00:00", True),
        ("23:00:00", True),
        ("03:00:00", True),
        ("05:59:59", True),
        ("06:00:00", False),
        ("12:00:00", False),
    ],
)
def test_nothing_goes_out_between_22_and_6_in_hanoi(zalo, local_time, night):
    zalo.control.set_clock(f"2025-03-04T{local_time}+07:00")
    assert zalo.text() == (-234 if night else 0)
    assert zalo.zns(user_id="u1")["error"] == (-133 if night else 0)


def test_a_night_ban_lifts_at_6(zalo):
    zalo.control.set_clock("2025-03-03T23:00:00+07:00")
    assert (zalo.text(), zalo.zns(phone=PHONE)["error"]) == (-234, -133)
    zalo.control.set_clock(datetime(2025, 3, 4, 6, 0, tzinfo=VIETNAM))
    assert (zalo.text(), zalo.zns(phone=PHONE)["error"]) == (0, 0)
    assert [m["channel"] for m in zalo.control.messages()] == ["cs", "zns"]


def test_the_night_ban_is_a_setting(serve):
    zalo = serve(night_ban=False)
    zalo.control.set_clock("2025-03-03T23:00:00+07:00")
    assert zalo.text() == 0
    zalo.control.night_ban(True)
    assert zalo.text() == -234
    zalo.control.reset()  # back to make_app's setting, and to real time
    zalo.control.set_clock("2025-03-03T23:00:00+07:00")
    assert zalo.text() == 0


# --- ZNS ---


def test_a_zns_by_phone_succeeds_as_zalo_answers(zalo):
    answer = zalo.zns(phone=PHONE, tracking_id="HN-4K7Q2M-1")
    assert (answer["error"], answer["message"]) == (0, "Success")
    data = answer["data"]
    assert isinstance(data["sent_time"], str)
    assert int(data["sent_time"]) == pytest.approx(
        datetime.fromisoformat(MORNING).timestamp() * 1000, abs=5000
    )
    assert data["quota"] == {"dailyQuota": 1000, "remainingQuota": 999}
    [sent] = zalo.control.messages()
    assert sent["channel"] == "zns"
    assert (sent["message_id"], sent["phone"], sent["user_id"]) == (data["msg_id"], PHONE, None)
    assert (sent["template_id"], sent["template_data"], sent["tracking_id"]) == (
        "pakn_answer_ready",
        DATA,
        "HN-4K7Q2M-1",
    )


def test_messages_filter_by_user_id_phone_and_channel(zalo):
    zalo.text("u1")
    by_user = zalo.zns(user_id="u1")["data"]["msg_id"]
    by_phone = zalo.zns(phone=PHONE)["data"]["msg_id"]
    zalo.zns(user_id="u2")
    assert [m["channel"] for m in zalo.control.messages(user_id="u1")] == ["cs", "zns"]
    assert zalo.control.messages(user_id="u1")[1]["message_id"] == by_user
    assert [m["message_id"] for m in zalo.control.messages(phone=PHONE)] == [by_phone]
    assert len(zalo.control.messages(channel="zns")) == 3
    assert [m["user_id"] for m in zalo.control.messages(channel="cs")] == ["u1"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"phone": "0987654321"}, -108),
        ({"phone": "8498765432"}, -108),  # 84 and 8 digits
        ({"phone": "849876543210"}, -108),
        ({"phone": "+84987654321"}, -108),
        ({}, -108),
        ({"user_id": "u1", "template_id": "pakn_late_notice"}, -249),
        ({"phone": PHONE, "template_id": "pakn_late_notice"}, 0),
        ({"phone": PHONE, "template_id": "no_such_template"}, -131),
        ({"phone": PHONE, "template_data": {**DATA, "code": "x" * 21}}, -1121),
        ({"phone": PHONE, "template_data": {**DATA, "code": "x" * 20}}, 0),
        ({"phone": PHONE, "template_data": {"code": "HN-1", "date": "03/03/2025"}}, -1122),
        ({"phone": PHONE, "template_data": {**DATA, "agency": ""}}, -1122),
        ({"phone": PHONE, "user_id": "u1"}, -132),
        ({"phone": PHONE, "tracking_id": ""}, -132),
        ({"phone": PHONE, "template_data": "code=1"}, -132),
    ],
)
def test_zns_requests_are_checked_like_zalo(zalo, body, error):
    assert zalo.zns(**body)["error"] == error
    assert len(zalo.control.messages()) == (1 if error == 0 else 0)


def test_a_template_not_approved_and_a_template_added(zalo):
    templates = zalo.control.zns_templates(
        {
            "pakn_answer_ready": {"params": {"code": 20}, "approved": False},
            "pakn_public_notice": {"params": {"code": 8}, "allows_user_id": False},
        }
    )
    assert templates["pakn_public_notice"] == {
        "params": {"code": 8},
        "allows_user_id": False,
        "approved": True,
    }
    assert zalo.zns(phone=PHONE)["error"] == -131
    assert (
        zalo.zns(phone=PHONE, template_id="pakn_public_notice", template_data={"code": "HN-1"})["error"] == 0
    )
    assert (
        zalo.zns(user_id="u1", template_id="pakn_public_notice", template_data={"code": "HN-1"})["error"]
        == -249
    )
    zalo.control.reset()
    zalo.control.set_clock(MORNING)
    assert zalo.zns(phone=PHONE)["error"] == 0
    assert (
        zalo.zns(phone=PHONE, template_id="pakn_public_notice", template_data={"code": "HN-1"})["error"]
        == -131
    )


def test_make_apps_templates_replace_the_defaults(serve):
    zalo = serve(zns_templates={"t1": {"params": {"name": 5}}})
    assert zalo.zns(phone=PHONE)["error"] == -131
    assert zalo.zns(phone=PHONE, template_id="t1", template_data={"name": "Lan"})["error"] == 0
    assert zalo.zns(phone=PHONE, template_id="t1", template_data={"name": "Nguyễn"})["error"] == -1121


@pytest.mark.parametrize("error", [-114, -118, -119, -139, -141])
@pytest.mark.parametrize("recipient", [{"phone": PHONE}, {"user_id": "u1"}])
def test_a_recipient_may_refuse_every_zns(zalo, error, recipient):
    zalo.control.zns_refuse(next(iter(recipient.values())), error)
    assert zalo.zns(**recipient)["error"] == error
    assert zalo.zns(phone="84912345678")["error"] == 0  # only that recipient
    zalo.control.zns_refuse(next(iter(recipient.values())), None)
    assert zalo.zns(**recipient)["error"] == 0


def test_a_refusal_is_one_of_zalos(zalo):
    assert (
        requests.post(
            f"{zalo.url}/_standin/zns/recipients/{PHONE}", json={"error": -201}, timeout=5
        ).status_code
        == 400
    )


def test_zns_needs_a_valid_token_and_says_minus_124(zalo):
    assert zalo.zns(phone=PHONE, token="never-issued")["error"] == -124
    zalo.control.expire_tokens()
    assert zalo.zns(phone=PHONE)["error"] == -124
    assert zalo.zns(phone=PHONE, token=zalo.new_token())["error"] == 0
    assert zalo.control.stats()["errors"] == {"-124": 2}


def test_the_daily_quota_resets_at_midnight_in_hanoi(serve):
    zalo = serve(zns_daily_quota=2, night_ban=False)
    zalo.control.set_clock("2025-03-03T23:59:00+07:00")
    assert [zalo.zns(phone=PHONE)["data"]["quota"]["remainingQuota"] for _ in range(2)] == [1, 0]
    assert zalo.zns(phone=PHONE)["error"] == -115
    zalo.control.set_clock("2025-03-04T00:00:00+07:00")
    assert zalo.zns(phone=PHONE)["data"]["quota"] == {"dailyQuota": 2, "remainingQuota": 1}


def test_failures_do_not_spend_the_quota(serve):
    zalo = serve(zns_daily_quota=1)
    assert zalo.zns(phone="0987654321")["error"] == -108
    assert zalo.zns(phone=PHONE)["error"] == 0
    assert zalo.zns(phone=PHONE)["error"] == -115


def test_a_zns_fault(zalo):
    zalo.control.fault(1, error=-144, endpoint="zns")
    assert zalo.zns(phone=PHONE)["error"] == -144
    assert zalo.text() == 0  # the OA's API is not touched by a ZNS fault
    assert zalo.zns(phone=PHONE)["error"] == 0


# --- ZNS delivery receipts ---


def test_receipts_are_delivered_to_the_webhook_signed_with_the_zns_header(serve, webhook):
    zalo = serve(webhook_url=webhook.url, oa_secret_key=OA_SECRET)
    by_phone = zalo.zns(phone=PHONE, tracking_id="track-phone")["data"]["msg_id"]
    by_user = zalo.zns(user_id="u1", tracking_id="track-user")["data"]["msg_id"]
    assert webhook.received == []  # queued until asked
    assert zalo.control.stats()["receipts_queued"] == 2
    zalo.control.advance_clock(30)
    assert zalo.control.deliver_zns_receipts() == 2
    now_ms = zalo.control.clock()["now"] * 1000
    events = webhook.events()
    for (body, headers), event in zip(webhook.received, events, strict=True):
        assert headers["X-Zevent-Server"] == "ZNS"
        assert signed_by_zalo(body, headers, event)
        assert event["event_name"] == "user_received_message"
        assert event["sender"] == {"id": OA_ID}
        assert int(event["timestamp"]) == pytest.approx(now_ms, abs=5000)
        assert int(event["message"]["delivery_time"]) == pytest.approx(now_ms, abs=5000)
    assert [(e["recipient"]["id"], e["message"]["msg_id"], e["message"]["tracking_id"]) for e in events] == [
        (PHONE, by_phone, "track-phone"),
        ("u1", by_user, "track-user"),
    ]
    assert zalo.control.deliver_zns_receipts() == 0  # each once


def test_a_receipt_the_webhook_refuses_stays_queued(zalo, webhook):
    zalo.control.set_webhook(webhook.url, OA_SECRET)
    zalo.zns(phone=PHONE)
    webhook.status = 500
    answer = requests.post(f"{zalo.url}/_standin/zns/receipts", json={}, timeout=5).json()
    assert answer == {"delivered": 0, "failed": 1}
    webhook.status = 200
    assert zalo.control.deliver_zns_receipts() == 1
    assert len(webhook.received) == 2


def test_receipts_need_a_webhook(zalo):
    zalo.zns(phone=PHONE)
    assert requests.post(f"{zalo.url}/_standin/zns/receipts", timeout=5).status_code == 409


def test_receipts_can_be_delivered_by_themselves_after_a_delay(serve, webhook):
    zalo = serve(webhook_url=webhook.url, oa_secret_key=OA_SECRET, zns_receipt_delay_seconds=0.2)
    msg_id = zalo.zns(phone=PHONE)["data"]["msg_id"]
    assert webhook.arrived.wait(5)
    [event] = webhook.events()
    assert event["message"]["msg_id"] == msg_id
    assert signed_by_zalo(*webhook.received[0], event)
    assert zalo.control.deliver_zns_receipts() == 0


def test_no_receipt_for_a_zns_that_failed(zalo, webhook):
    zalo.control.set_webhook(webhook.url, OA_SECRET)
    zalo.zns(phone="0987654321")
    assert zalo.control.deliver_zns_receipts() == 0


# --- uploads and what the OA sends with them ---


def test_an_uploaded_file_is_sent_by_its_token(zalo):
    answer = zalo.upload("file", PDF, "phieu-tiep-nhan.pdf", "application/pdf")
    assert answer["error"] == 0
    token = answer["data"]["token"]
    sent = zalo.cs("u1", {"attachment": {"type": "file", "payload": {"token": token}}})
    assert sent["error"] == 0
    [message] = zalo.control.messages()
    assert message["message_id"] == sent["data"]["message_id"]
    assert message["upload"] == {
        "kind": "file",
        "name": "phieu-tiep-nhan.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
    }


@pytest.mark.parametrize(("content", "name"), [(PNG, "anh.png"), (JPEG, "anh.jpg")])
def test_an_uploaded_image_is_sent_by_its_attachment_id(zalo, content, name):
    attachment_id = zalo.upload("image", content, name, "image/png")["data"]["attachment_id"]
    element = {"media_type": "image", "attachment_id": attachment_id}
    message = {
        "text": "Ảnh",
        "attachment": {"type": "template", "payload": {"template_type": "media", "elements": [element]}},
    }
    assert zalo.cs("u1", message)["error"] == 0
    assert zalo.control.messages()[0]["upload"]["sha256"] == hashlib.sha256(content).hexdigest()


def test_unknown_or_mismatched_upload_references_are_minus_201(zalo):
    image = zalo.upload("image", PNG, "anh.png", "image/png")["data"]["attachment_id"]
    file_token = zalo.upload("file", PDF, "a.pdf", "application/pdf")["data"]["token"]
    file_message = {"attachment": {"type": "file", "payload": {"token": "never-issued"}}}
    assert zalo.cs("u1", file_message)["error"] == -201
    assert zalo.cs("u1", {"attachment": {"type": "file", "payload": {"token": image}}})["error"] == -201
    for reference in ("never-issued", file_token):
        element = {"media_type": "image", "attachment_id": reference}
        media = {"type": "template", "payload": {"template_type": "media", "elements": [element]}}
        assert zalo.cs("u1", {"attachment": media})["error"] == -201
    both = {"media_type": "image", "attachment_id": image, "url": "https://example.invalid/a.png"}
    media = {"type": "template", "payload": {"template_type": "media", "elements": [both]}}
    assert zalo.cs("u1", {"attachment": media})["error"] == -201
    with_text = {"text": "kèm", "attachment": {"type": "file", "payload": {"token": file_token}}}
    assert zalo.cs("u1", with_text)["error"] == -201
    assert zalo.control.messages() == []


@pytest.mark.parametrize(
    ("kind", "content", "name", "error"),
    [
        ("image", PNG + b"\x00" * (MB - len(PNG)), "a.png", 0),
        ("image", PNG + b"\x00" * (MB - len(PNG) + 1), "a.png", -210),
        ("image", PDF, "a.png", -201),
        ("image", b"", "a.png", -201),
        ("image", b"GIF89a" + b"\x00" * 10, "a.gif", -201),
        ("file", PDF, "a.pdf", 0),
        ("file", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 10, "don.doc", 0),
        ("file", b"PK\x03\x04" + b"\x00" * 10, "don.docx", 0),
        ("file", b"PK\x03\x04" + b"\x00" * 10, "archive.zip", -201),
        ("file", PNG, "a.png", -201),
        ("file", PDF + b"\x00" * (5 * MB - len(PDF) + 1), "a.pdf", -210),
    ],
)
def test_uploads_are_checked(zalo, kind, content, name, error):
    assert zalo.upload(kind, content, name, "application/octet-stream")["error"] == error


def test_an_upload_needs_the_file_field_and_a_token(zalo):
    headers = {"access_token": zalo.token}
    answer = requests.post(
        f"{zalo.url}/v2.0/oa/upload/file", files={"other": ("a.pdf", PDF)}, headers=headers, timeout=5
    )
    assert answer.json()["error"] == -201
    assert zalo.upload("file", PDF, "a.pdf", "application/pdf", token="never-issued")["error"] == -216


# --- media a citizen sends, behind URLs that expire ---


def test_media_urls_serve_the_bytes_for_7_days(zalo):
    url = zalo.control.add_media(JPEG, "image/jpeg", name="hien-truong.jpg")
    assert url.startswith(f"{zalo.url}/media/") and url.endswith("/hien-truong.jpg")
    served = requests.get(url, timeout=5)
    assert (served.status_code, served.content, served.headers["Content-Type"]) == (200, JPEG, "image/jpeg")
    zalo.control.advance_clock(7 * 86400 - 60)
    assert requests.get(url, timeout=5).status_code == 200
    zalo.control.advance_clock(120)
    assert requests.get(url, timeout=5).status_code == 404


def test_a_media_url_is_exact(zalo):
    url = zalo.control.add_media(PDF, "application/pdf", name="don.pdf")
    assert requests.get(url.replace("don.pdf", "other.pdf"), timeout=5).status_code == 404
    assert requests.get(f"{zalo.url}/media/nothing/don.pdf", timeout=5).status_code == 404
    plain = zalo.control.add_media(b"abc", "text/plain; charset=utf-8")
    assert requests.get(plain, timeout=5).text == "abc"


def test_reset_forgets_the_new_state_too(zalo):
    url = zalo.control.add_media(PNG, "image/png")
    zalo.control.zns_refuse(PHONE, -118)
    token = zalo.upload("file", PDF, "a.pdf", "application/pdf")["data"]["token"]
    zalo.zns(user_id="u1")
    zalo.control.reset()
    assert zalo.control.clock()["real"] is True
    zalo.control.set_clock(MORNING)
    assert requests.get(url, timeout=5).status_code == 404
    assert zalo.zns(phone=PHONE)["error"] == 0
    assert zalo.cs("u1", {"attachment": {"type": "file", "payload": {"token": token}}})["error"] == -201
    assert zalo.control.stats()["receipts_queued"] == 1  # only the send after the reset

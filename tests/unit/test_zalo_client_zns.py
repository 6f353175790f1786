"""The OA client's ZNS template messages, uploads and the failure kinds they add, against the stand-in.

As in test_zalo_client.py, a one-process token store is enough: what is under test is the client. Each test
sets the stand-in's clock first (to a Hanoi morning, or to the night) so the hour the suite runs at does not
matter.
"""

import hashlib
import inspect
import json

import pytest
from flask import Flask, jsonify, request
from standin_app import APP_ID, FIRST_REFRESH, SECRET, ProcessTokens

from pakn.zalo.client import (
    ZaloClient,
    ZaloInvalidPhone,
    ZaloNight,
    ZaloOutsideWindow,
    ZaloQuotaExhausted,
    ZaloRejected,
    ZaloTemplateNeedsPhone,
    ZaloTokenUnavailable,
    ZaloUnavailable,
    ZaloUnreachable,
    firestore_client,
)
from pakn_dev.zalo_standin import StandinServer, make_app

MORNING = "2025-03-03T10:00:00+07:00"
NIGHT = "2025-03-03T23:00:00+07:00"
PHONE = "84987654321"
DATA = {"code": "HN-4K7Q2M", "agency": "Phường Ba Đình", "date": "03/03/2025"}
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def zalo():
    app = make_app(APP_ID, SECRET, FIRST_REFRESH, access_token_ttl_seconds=10**9, night_ban=True)
    with StandinServer(app) as server:
        server.control.set_clock(MORNING)
        yield server


def make_client(url: str, sleeps: list, **options) -> ZaloClient:
    tokens = ProcessTokens(FIRST_REFRESH)
    client = ZaloClient(url, url, APP_ID, SECRET, tokens, sleep=sleeps.append, **options)
    tokens.refresh = client.refresh_tokens
    return client


@pytest.fixture
def client(zalo, sleeps):
    return make_client(zalo.url, sleeps)


def logged(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


# --- send_template ---


def test_send_template_by_user_id(client, zalo):
    msg_id = client.send_template("pakn_answer_ready", DATA, "HN-4K7Q2M-answer", user_id="u1")
    [sent] = zalo.control.messages(channel="zns")
    assert sent["message_id"] == msg_id
    assert sent["body"] == {
        "user_id": "u1",
        "template_id": "pakn_answer_ready",
        "template_data": DATA,
        "tracking_id": "HN-4K7Q2M-answer",
    }


@pytest.mark.parametrize("written", [PHONE, "0987654321", "+84 987 654 321", "0987.654.321"])
def test_send_template_by_phone_sends_zalos_form_of_it(client, zalo, written):
    msg_id = client.send_template("pakn_late_notice", DATA, "t-1", phone=written)
    [sent] = zalo.control.messages(phone=PHONE)
    assert (sent["message_id"], sent["body"]["phone"], sent["user_id"]) == (msg_id, PHONE, None)


@pytest.mark.parametrize("recipient", [{}, {"user_id": "u1", "phone": PHONE}])
def test_send_template_needs_exactly_one_recipient(client, zalo, recipient):
    with pytest.raises(ValueError):
        client.send_template("pakn_answer_ready", DATA, "t-1", **recipient)
    assert zalo.control.stats()["zns_calls"] == 0


def test_zns_goes_to_zns_base_with_the_oas_token(zalo, sleeps):
    seen = []
    business = Flask("business-openapi")

    @business.post("/message/template")
    def template():
        seen.append((request.headers.get("access_token"), request.get_json()))
        return jsonify(error=0, message="Success", data={"msg_id": "z-1", "sent_time": "1", "quota": {}})

    with StandinServer(business) as other:
        client = make_client(zalo.url, sleeps, zns_base=other.url + "/")
        assert client.send_template("pakn_answer_ready", DATA, "t-1", phone=PHONE) == "z-1"
        client.send_text("u1", "xin chào")
    [(token, body)] = seen
    assert token and body["phone"] == PHONE
    assert zalo.control.stats()["zns_calls"] == 0 and len(zalo.control.messages(channel="cs")) == 1


def test_firestore_client_takes_zns_base():
    assert inspect.signature(firestore_client).parameters["zns_base"].default is None


def test_an_expired_token_is_refreshed_for_zns_and_the_template_sent_once(client, zalo, sleeps):
    client.send_template("pakn_answer_ready", DATA, "t-1", user_id="u1")
    zalo.control.expire_tokens()
    client.send_template("pakn_answer_ready", DATA, "t-2", user_id="u1")
    assert [m["tracking_id"] for m in zalo.control.messages()] == ["t-1", "t-2"]
    stats = zalo.control.stats()
    assert (stats["refreshes"], stats["errors"]) == (2, {"-124": 1})
    assert sleeps == []


def test_a_zns_token_rejected_again_after_refresh_waits(client, zalo, sleeps):
    zalo.control.fault(2, error=-124, endpoint="zns")
    with pytest.raises(ZaloTokenUnavailable) as raised:
        client.send_template("pakn_answer_ready", DATA, "t-1", user_id="u1")
    assert raised.value.code == -124
    assert zalo.control.stats()["refreshes"] == 2
    assert zalo.control.messages() == []


def test_a_zns_outage_is_retried_then_sent_once(client, zalo, sleeps):
    zalo.control.fault(2, http_status=503, endpoint="zns")
    client.send_template("pakn_answer_ready", DATA, "t-1", phone=PHONE)
    assert len(zalo.control.messages()) == 1 and len(sleeps) == 2


# --- what each refusal raises ---


def arrange(zalo, how: str) -> None:
    control = zalo.control
    if how == "night":
        control.set_clock(NIGHT)
    elif how == "unapproved":
        control.zns_templates({"pakn_answer_ready": {"params": {"code": 20}, "approved": False}})
    elif how.startswith("refuse"):
        control.zns_refuse(PHONE, int(how.split()[1]))
    elif how.startswith("fault"):
        control.fault(1, error=int(how.split()[1]), endpoint="zns")


@pytest.mark.parametrize(
    ("how", "call", "kind", "code"),
    [
        ("night", {"phone": PHONE}, ZaloNight, -133),
        ("", {"phone": "12345"}, ZaloInvalidPhone, -108),
        ("refuse -114", {"phone": PHONE}, ZaloUnreachable, -114),
        ("refuse -118", {"phone": PHONE}, ZaloUnreachable, -118),
        ("refuse -119", {"phone": PHONE}, ZaloUnreachable, -119),
        ("refuse -139", {"phone": PHONE}, ZaloUnreachable, -139),
        ("refuse -141", {"phone": PHONE}, ZaloUnreachable, -141),
        ("", {"user_id": "u1", "template_id": "pakn_late_notice"}, ZaloTemplateNeedsPhone, -249),
        ("unapproved", {"phone": PHONE}, ZaloRejected, -131),
        ("", {"phone": PHONE, "template_id": "no_such_template"}, ZaloRejected, -131),
        ("", {"phone": PHONE, "data": {**DATA, "agency": "x" * 101}}, ZaloRejected, -1121),
        ("", {"phone": PHONE, "data": {"code": "HN-1"}}, ZaloRejected, -1122),
        ("fault -9999", {"phone": PHONE}, ZaloRejected, -9999),
    ],
)
def test_each_zns_refusal_raises_its_kind(client, zalo, sleeps, capsys, how, call, kind, code):
    arrange(zalo, how)
    template_id = call.pop("template_id", "pakn_answer_ready")
    data = call.pop("data", DATA)
    with pytest.raises(kind) as raised:
        client.send_template(template_id, data, "t-1", **call)
    assert type(raised.value) is kind
    assert raised.value.code == code
    assert zalo.control.stats()["zns_calls"] == 1 and sleeps == []  # none of these is retried at once
    assert zalo.control.messages() == []
    assert PHONE not in capsys.readouterr().out


def test_the_kinds_keep_their_callers(client):
    assert issubclass(ZaloInvalidPhone, ZaloUnreachable)
    assert issubclass(ZaloOutsideWindow, ZaloUnreachable)
    assert issubclass(ZaloTemplateNeedsPhone, ZaloRejected)
    assert issubclass(ZaloQuotaExhausted, ZaloUnavailable)
    assert not issubclass(ZaloNight, ZaloRejected | ZaloUnreachable | ZaloUnavailable)


@pytest.mark.parametrize("how", ["quota", "fault -144", "fault -147"])
def test_an_exhausted_quota_or_balance_alerts_ops_and_is_retried_later(zalo, sleeps, capsys, how):
    client = make_client(zalo.url, sleeps)
    if how == "quota":
        with StandinServer(make_app(APP_ID, SECRET, FIRST_REFRESH, zns_daily_quota=1)) as small:
            small.control.set_clock(MORNING)
            client = make_client(small.url, sleeps)
            client.send_template("pakn_answer_ready", DATA, "t-1", phone=PHONE)
            capsys.readouterr()
            with pytest.raises(ZaloQuotaExhausted) as raised:
                client.send_template("pakn_answer_ready", DATA, "t-2", phone=PHONE)
            assert raised.value.code == -115
            assert small.control.stats()["zns_calls"] == 2
    else:
        arrange(zalo, how)
        with pytest.raises(ZaloQuotaExhausted) as raised:
            client.send_template("pakn_answer_ready", DATA, "t-1", phone=PHONE)
        assert raised.value.code == int(how.split()[1])
        assert zalo.control.stats()["zns_calls"] == 1
    assert sleeps == []  # hours away, not seconds: not retried within the call
    [line] = [line for line in logged(capsys) if line["severity"] == "ERROR"]
    assert line["message"] == "ZNS quota or balance exhausted"
    assert PHONE not in json.dumps(line)


def test_a_low_quota_is_warned_with_the_count_left(capsys, sleeps):
    with StandinServer(make_app(APP_ID, SECRET, FIRST_REFRESH, zns_daily_quota=20)) as small:
        small.control.set_clock(MORNING)
        client = make_client(small.url, sleeps)
        for _ in range(18):  # 2 left: not yet below a tenth
            client.send_template("pakn_answer_ready", DATA, "t", phone=PHONE)
        assert [line for line in logged(capsys) if line["severity"] == "WARNING"] == []
        client.send_template("pakn_answer_ready", DATA, "t", phone=PHONE)
    [line] = [line for line in logged(capsys) if line["severity"] == "WARNING"]
    assert (line["message"], line["count"]) == ("ZNS daily quota running low", 1)


# --- the OA's own codes ---


@pytest.mark.parametrize(
    ("user", "kind", "code"),
    [
        ({"last_interaction_days_ago": 8}, ZaloOutsideWindow, -230),
        ({"last_interaction_days_ago": 46}, ZaloUnreachable, -227),
        ({"follower": False}, ZaloUnreachable, -213),
    ],
)
def test_each_cs_refusal_raises_its_kind(client, zalo, user, kind, code):
    zalo.control.set_user("u1", **user)
    with pytest.raises(kind) as raised:
        client.send_text("u1", "xin chào")
    assert (type(raised.value), raised.value.code) == (kind, code)


def test_minus_232_is_outside_the_window_too(client, zalo):
    client.send_text("u1", "warm up")
    zalo.control.fault(1, error=-232)
    with pytest.raises(ZaloOutsideWindow) as raised:
        client.send_text("u1", "xin chào")
    assert raised.value.code == -232


def test_the_window_then_a_zns_still_reaches_them(client, zalo):
    zalo.control.set_user("u1", last_interaction_days_ago=3)
    client.send_text("u1", "một")
    zalo.control.advance_clock(5 * 86400)
    with pytest.raises(ZaloOutsideWindow):
        client.send_text("u1", "hai")
    assert client.send_template("pakn_answer_ready", DATA, "t-1", user_id="u1")


@pytest.mark.parametrize("night", [NIGHT, "2025-03-04T05:59:00+07:00", "2025-03-03T22:00:00+07:00"])
def test_at_night_a_cs_message_waits_for_6(client, zalo, sleeps, night):
    zalo.control.set_clock(night)
    with pytest.raises(ZaloNight) as raised:
        client.send_text("u1", "xin chào")
    assert raised.value.code == -234
    assert sleeps == [] and zalo.control.messages() == []
    zalo.control.set_clock("2025-03-04T06:00:00+07:00")
    assert client.send_text("u1", "xin chào")


# --- uploads ---


def test_upload_file_then_send_file(client, zalo):
    token = client.upload_file(PDF, "application/pdf", "phieu-tiep-nhan.pdf")
    message_id = client.send_file("u1", token)
    [sent] = zalo.control.messages()
    assert sent["message_id"] == message_id
    assert sent["body"]["message"] == {"attachment": {"type": "file", "payload": {"token": token}}}
    assert sent["upload"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (sent["upload"]["name"], sent["upload"]["size"]) == ("phieu-tiep-nhan.pdf", len(PDF))
    assert sent["upload"]["content_type"] == "application/pdf"


@pytest.mark.parametrize(
    ("caption", "text_part"), [(None, {}), ("Ảnh hiện trường", {"text": "Ảnh hiện trường"})]
)
def test_upload_image_then_send_it_by_attachment_id(client, zalo, caption, text_part):
    attachment_id = client.upload_image(PNG, "image/png", "anh.png")
    client.send_image_attachment("u1", attachment_id, text=caption)
    [sent] = zalo.control.messages()
    element = {"media_type": "image", "attachment_id": attachment_id}
    assert sent["body"]["message"] == {
        **text_part,
        "attachment": {"type": "template", "payload": {"template_type": "media", "elements": [element]}},
    }
    assert sent["upload"]["sha256"] == hashlib.sha256(PNG).hexdigest()


def test_an_upload_survives_an_expired_token_and_an_outage(client, zalo, sleeps):
    client.send_text("u1", "warm up")
    zalo.control.expire_tokens()
    zalo.control.fault(1, http_status=502)
    token = client.upload_file(PDF, "application/pdf", "a.pdf")
    client.send_file("u1", token)
    assert zalo.control.messages()[-1]["upload"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (lambda c: c.upload_image(PNG + b"\x00" * (1024 * 1024), "image/png", "big.png"), -210),
        (lambda c: c.upload_image(PDF, "image/png", "a.png"), -201),
        (lambda c: c.upload_file(PNG, "application/pdf", "a.pdf"), -201),
    ],
)
def test_an_upload_zalo_refuses_is_rejected(client, zalo, upload, code):
    with pytest.raises(ZaloRejected) as raised:
        upload(client)
    assert raised.value.code == code


def test_an_upload_answer_without_its_id_is_unavailable(client, zalo):
    client.send_text("u1", "warm up")
    zalo.control.fault(1, omit=["token"])
    with pytest.raises(ZaloUnavailable):
        client.upload_file(PDF, "application/pdf", "a.pdf")


def test_sending_an_unknown_file_token_is_rejected(client, zalo):
    with pytest.raises(ZaloRejected) as raised:
        client.send_file("u1", "never-issued")
    assert raised.value.code == -201

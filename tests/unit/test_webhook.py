"""The webhook's answers to what reaches it: real events, forgeries, replays, garbage and the unknown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from settings_factory import APP_ID, OA_ID, OA_SECRET, make_settings

from pakn.intake.events import CitizenEvent, normalise
from pakn.intake.webhook import WebhookReceiver
from pakn.zalo.events import parse_event
from pakn.zalo.signature import signature_header

EVENTS = Path(__file__).resolve().parents[1] / "events"
NOW = 1764400000.0  # the sample events' timestamp, in seconds
# More examples than the shared profile's (tests/conftest.py), which gives the deadline and health checks.
settings_for_fuzz = hypothesis_settings(max_examples=200)


class Published(list):
    """What the receiver handed to Pub/Sub: the publisher itself is tested on the emulator."""

    def __call__(self, event: CitizenEvent) -> str:
        self.append(event)
        return str(len(self))


@pytest.fixture
def published() -> Published:
    return Published()


@pytest.fixture
def receiver(published) -> WebhookReceiver:
    return WebhookReceiver(make_settings(), published, clock=lambda: NOW + 30)


def sample(name: str) -> bytes:
    return (EVENTS / f"{name}.json").read_bytes()


def sign(body: bytes, first_term: str = APP_ID, secret: str = OA_SECRET) -> str:
    return signature_header(first_term, body, str(json.loads(body)["timestamp"]), secret)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("user_send_text", "message"),
        ("user_send_image", "message"),
        ("user_send_location", "message"),
        ("follow", "follow"),
        ("user_submit_info", "contact"),
        ("user_submit_info_full_address", "contact"),
    ],
)
def test_real_events_are_published_once_normalised(receiver, published, name, kind):
    body = sample(name)
    outcome = receiver.receive(body, sign(body))
    assert outcome.status == 200 and outcome.body["status"] == "accepted"
    [event] = published
    assert event.type == kind
    assert event.citizen_id == "4368496045530136852"
    assert outcome.body["event_id"] == event.event_id


def test_a_text_keeps_zalo_msg_id_as_its_natural_key(receiver, published):
    body = sample("user_send_text")
    receiver.receive(body, sign(body))
    assert published[0].event_id == "96d3cdf3af150460909"
    assert published[0].text.startswith("Cán bộ phường")


def test_media_and_location_are_carried(receiver, published):
    for name in ("user_send_image", "user_send_location"):
        body = sample(name)
        receiver.receive(body, sign(body))
    image, location = published
    assert image.media[0].url == "https://photo.zdn.vn/1.jpg" and image.text is None
    assert (location.location.latitude, location.location.longitude) == (21.0285, 105.8542)


def test_both_submit_info_shapes_give_name_phone_and_address(receiver, published):
    for name in ("user_submit_info", "user_submit_info_full_address"):
        body = sample(name)
        receiver.receive(body, sign(body))
    older, newer = (event.contact for event in published)
    assert (older.name, older.phone, older.address) == (
        "Nguyễn Văn An",
        "0912345678",
        "12 Hàng Bông, Phường Hoàn Kiếm, Hà Nội",
    )
    assert newer.address == "5 Ngõ Huế, Phường Hai Bà Trưng, Hà Nội"


def test_the_oa_id_variant_of_the_signature_is_accepted(receiver, published):
    body = sample("user_send_text")
    assert receiver.receive(body, sign(body, first_term=OA_ID)).status == 200
    assert len(published) == 1


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "missing_signature"),
        ("", "missing_signature"),
        ("mac=" + "0" * 64, "bad_signature"),
        ("garbage", "bad_signature"),
    ],
)
def test_forged_or_unsigned_events_are_401_and_not_published(receiver, published, header, code):
    outcome = receiver.receive(sample("user_send_text"), header)
    assert outcome.status == 401
    assert outcome.body["error"]["code"] == code
    assert published == []


def test_a_signature_with_the_wrong_secret_is_401(receiver, published):
    body = sample("user_send_text")
    assert receiver.receive(body, sign(body, secret="someone-else")).status == 401
    assert published == []


def test_a_body_changed_after_signing_is_401(receiver, published):
    body = sample("user_send_text")
    header = sign(body)
    tampered = body.replace(b"khai sinh", "kết hôn".encode())
    assert receiver.receive(tampered, header).status == 401


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "not_json"),
        (b"[1, 2]", "not_an_object"),
        (b"\xff\xfe", "not_json"),
        (b'{"event_name": "user_send_text"}', "missing_timestamp"),
    ],
)
def test_malformed_bodies_are_400(receiver, published, body, code):
    outcome = receiver.receive(body, "mac=" + "0" * 64)
    assert outcome.status == 400 and outcome.body["error"]["code"] == code
    assert published == []


def test_a_signed_event_of_the_wrong_shape_is_400(receiver, published):
    event = json.loads(sample("user_send_text"))
    del event["message"]["msg_id"]
    body = json.dumps(event).encode()
    outcome = receiver.receive(body, sign(body))
    assert outcome.status == 400 and outcome.body["error"]["code"] == "invalid_event"


def test_too_big_is_413_before_anything_else(published):
    receiver = WebhookReceiver(make_settings(webhook_max_bytes=100), published, clock=lambda: NOW)
    body = sample("user_send_text")
    outcome = receiver.receive(body, sign(body))
    assert outcome.status == 413 and outcome.body["error"]["code"] == "too_large"


def test_unknown_events_are_accepted_and_ignored(receiver, published):
    event = json.loads(sample("user_send_text"))
    event["event_name"] = "user_send_hologram_v9"
    body = json.dumps(event).encode()
    outcome = receiver.receive(body, sign(body))
    assert outcome.status == 200 and outcome.body["status"] == "ignored"
    assert published == []


@pytest.mark.parametrize("name", ["oa_send_text", "user_seen_message"])
def test_echoes_and_receipts_are_understood_but_not_published(receiver, published, name):
    body = sample(name)
    outcome = receiver.receive(body, sign(body))
    assert outcome == outcome.__class__(200, {"status": "ignored"})
    assert published == []


def test_an_old_event_is_refused_as_a_replay(published):
    receiver = WebhookReceiver(
        make_settings(webhook_replay_window_seconds=3600), published, clock=lambda: NOW + 3601
    )
    body = sample("user_send_text")
    outcome = receiver.receive(body, sign(body))
    assert outcome.status == 401 and outcome.body["error"]["code"] == "replayed"
    assert published == []


def test_a_zalo_retry_within_the_window_is_accepted(published):
    receiver = WebhookReceiver(make_settings(), published, clock=lambda: NOW + 3600)  # Zalo's last retry: 1 h
    body = sample("user_send_text")
    assert receiver.receive(body, sign(body)).status == 200


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
event_names = st.sampled_from(
    ["user_send_text", "user_send_image", "follow", "user_submit_info", "oa_send_text"]
)


@settings_for_fuzz
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_get_a_clear_4xx(body):
    outcome = WebhookReceiver(make_settings(webhook_max_bytes=2000), Published(), clock=lambda: NOW).receive(
        body, "mac=" + "0" * 64
    )
    assert outcome.status in {400, 401, 413}
    assert set(outcome.body["error"]) == {"code", "message"}


@settings_for_fuzz
@given(
    event_names,
    st.dictionaries(st.text(max_size=12), json_values, max_size=6),
    json_values,
    st.sampled_from([str(int(NOW * 1000)), int(NOW * 1000)]),
)
def test_signed_events_of_any_shape_get_200_or_400_never_an_exception(event_name, extra, message, timestamp):
    event = {**extra, "event_name": event_name, "timestamp": timestamp, "message": message}
    body = json.dumps(event).encode()
    outcome = WebhookReceiver(make_settings(), Published(), clock=lambda: NOW).receive(body, sign(body))
    assert outcome.status in {200, 400}


def test_a_numeric_timestamp_is_signed_and_accepted_as_sent(receiver, published):
    event = json.loads(sample("user_send_text"))
    event["timestamp"] = int(event["timestamp"])
    body = json.dumps(event).encode()
    outcome = receiver.receive(body, sign(body))
    assert outcome.status == 200 and outcome.body["status"] == "accepted"
    assert published[0].occurred_at.timestamp() == NOW


def test_deeply_nested_json_is_400_not_a_crash(receiver):
    body = b"[" * 60_000 + b"]" * 60_000
    outcome = WebhookReceiver(
        make_settings(webhook_max_bytes=200_000), Published(), clock=lambda: NOW
    ).receive(body, "mac=" + "0" * 64)
    assert outcome.status == 400 and outcome.body["error"]["code"] == "not_json"


def test_an_unfamiliar_echo_is_ignored_not_refused(receiver, published):
    event = json.loads(sample("oa_send_text"))
    event["event_name"] = "oa_send_Template2"
    body = json.dumps(event).encode()
    assert receiver.receive(body, sign(body)).body == {"status": "ignored"}


def signed_with_timestamp(timestamp: str) -> tuple[bytes, str]:
    event = json.loads(sample("user_send_text"))
    event["timestamp"] = timestamp
    body = json.dumps(event, ensure_ascii=False).encode()
    return body, signature_header(APP_ID, body, timestamp, OA_SECRET)


@pytest.mark.parametrize(
    "digits",
    [
        "١٧٦٤٤٠٠٠٠٠٠٠٠",  # Arabic-Indic
        "۱۷۶۴۴۰۰۰۰۰۰۰۰",  # Extended Arabic-Indic
        "１７６４４０００００００００",  # fullwidth
        "१७६४४००००००००",  # Devanagari
        "1764400000000 ",
        "+1764400000000",
        "",
    ],
)
def test_a_timestamp_in_anything_but_ascii_digits_is_400_even_when_signed(receiver, published, digits):
    assert int("١٧٦٤٤٠٠٠٠٠٠٠٠") == int(NOW * 1000)  # what Python alone would accept
    body, header = signed_with_timestamp(digits)
    outcome = receiver.receive(body, header)
    assert outcome.status == 400 and outcome.body["error"]["code"] == "bad_timestamp"
    assert published == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_a_body_in_utf_16_or_32_is_400_even_when_signed(receiver, published, encoding):
    text = sample("user_send_text").decode()
    body = text.encode(encoding)
    assert json.loads(body) == json.loads(text)  # what json.loads alone would accept
    outcome = receiver.receive(body, sign(text.encode()))
    assert outcome.status == 400 and outcome.body["error"]["code"] == "not_json"
    # Signed over the UTF-16 bytes themselves, it is refused all the same.
    timestamp = str(json.loads(text)["timestamp"])
    outcome = receiver.receive(body, signature_header(APP_ID, body, timestamp, OA_SECRET))
    assert outcome.status == 400 and outcome.body["error"]["code"] == "not_json"
    assert published == []


def test_a_utf_8_body_with_a_byte_order_mark_is_still_accepted(receiver, published):
    body = b"\xef\xbb\xbf" + sample("user_send_text")
    outcome = receiver.receive(body, sign_raw(body))
    assert outcome.status == 200 and len(published) == 1


def sign_raw(body: bytes) -> str:
    timestamp = str(json.loads(body.decode("utf-8-sig"))["timestamp"])
    return signature_header(APP_ID, body, timestamp, OA_SECRET)


# Run in a fresh process, where no event model is built yet: several threads at once meet each one first.
FIRST_EVENTS_AT_ONCE = """
import json, sys, threading
from pakn.intake.events import normalise
from pakn.zalo.events import parse_event

bodies = [json.loads(open(path, encoding="utf-8").read()) for path in sys.argv[1:]] * 4
start = threading.Barrier(len(bodies))
results = [None] * len(bodies)

def first(index):
    start.wait()
    event = normalise(parse_event(bodies[index]))
    results[index] = event.model_dump_json() if event else None

threads = [threading.Thread(target=first, args=(index,)) for index in range(len(bodies))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(results))
"""


def test_a_new_instances_first_events_parse_alike_when_they_come_at_once():
    # The event models are built on first use: concurrent requests to a new instance race to build them.
    names = ["user_send_text", "user_send_image", "follow", "user_submit_info", "oa_send_text"]
    paths = [str(EVENTS / f"{name}.json") for name in names]
    result = subprocess.run(
        [sys.executable, "-c", FIRST_EVENTS_AT_ONCE, *paths], capture_output=True, text=True, check=True
    )
    expected = []
    for name in names:
        event = normalise(parse_event(json.loads(sample(name))))
        expected.append(event.model_dump_json() if event else None)
    assert json.loads(result.stdout) == expected * 4

"""The OA client against the Zalo stand-in over real HTTP: what goes on the wire, and what each failure does.

The Firestore token store has its own tests on the emulator; here a one-process store is enough, because
what is under test is how the client reacts to Zalo's answers.
"""

import pytest
from standin_app import APP_ID, FIRST_REFRESH, SECRET

from pakn.zalo.client import ZaloClient, ZaloRejected, ZaloUnavailable, ZaloUnreachable
from pakn_dev.zalo_standin import StandinServer, make_app

IMAGE = "https://example.invalid/anh.png"


class ProcessTokens:
    """A TokenStore kept in this process; `refresh` is the client's own OAuth call."""

    def __init__(self, refresh_token: str):
        self.refresh_token = refresh_token
        self.access_token: str | None = None
        self.refresh = None

    def current(self) -> str:
        if self.access_token is None:
            pair = self.refresh(self.refresh_token)
            self.access_token, self.refresh_token = pair.access_token, pair.refresh_token
        return self.access_token

    def invalidate(self, token: str) -> None:
        if token == self.access_token:
            self.access_token = None


@pytest.fixture
def sleeps():
    return []


def make_client(url: str, sleeps: list, secret: str = SECRET) -> ZaloClient:
    tokens = ProcessTokens(FIRST_REFRESH)
    client = ZaloClient(url, url, APP_ID, secret, tokens, sleep=sleeps.append)
    tokens.refresh = client.refresh_tokens
    return client


@pytest.fixture
def client(standin, sleeps):
    return make_client(standin.url, sleeps)


def test_send_text_puts_zalos_body_on_the_wire(client, standin):
    message_id = client.send_text("u1", "Hồ sơ của bạn đã được tiếp nhận.")
    [sent] = standin.control.messages()
    assert sent["message_id"] == message_id
    assert sent["body"] == {
        "recipient": {"user_id": "u1"},
        "message": {"text": "Hồ sơ của bạn đã được tiếp nhận."},
    }


@pytest.mark.parametrize(
    ("caption", "text_part"), [(None, {}), ("Ảnh hiện trường", {"text": "Ảnh hiện trường"})]
)
def test_send_image(client, standin, caption, text_part):
    message_id = client.send_image("u1", IMAGE, text=caption)
    [sent] = standin.control.messages()
    assert sent["message_id"] == message_id
    assert sent["body"]["message"] == {
        **text_part,
        "attachment": {
            "type": "template",
            "payload": {"template_type": "media", "elements": [{"media_type": "image", "url": IMAGE}]},
        },
    }


def test_send_request_user_info(client, standin):
    client.send_request_user_info("u1", "Thông tin liên hệ", "Để cán bộ liên hệ với bạn", IMAGE)
    [sent] = standin.control.messages()
    assert sent["body"]["message"] == {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "request_user_info",
                "elements": [
                    {
                        "title": "Thông tin liên hệ",
                        "subtitle": "Để cán bộ liên hệ với bạn",
                        "image_url": IMAGE,
                    }
                ],
            },
        }
    }


def test_user_profile(client, standin):
    standin.control.set_user("u1", display_name="Nguyễn Thị Lan", follower=True)
    profile = client.user_profile("u1")
    assert (profile.user_id, profile.display_name, profile.user_is_follower) == ("u1", "Nguyễn Thị Lan", True)


def test_an_expired_token_is_refreshed_and_the_message_sent_once(client, standin, sleeps):
    client.send_text("u1", "một")
    standin.control.expire_tokens()
    client.send_text("u1", "hai")
    assert [m["body"]["message"]["text"] for m in standin.control.messages()] == ["một", "hai"]
    stats = standin.control.stats()
    assert (stats["refreshes"], stats["errors"]) == (2, {"-220": 1})
    assert sleeps == []  # a token refresh is not a backoff


def test_a_token_rejected_again_after_refresh_is_not_retried_forever(client, standin):
    client.send_text("u1", "warm up")
    standin.control.fault(2, error=-216)
    with pytest.raises(ZaloRejected) as raised:
        client.send_text("u1", "hai")
    assert raised.value.code == -216
    assert standin.control.stats()["refreshes"] == 2


def test_rate_limited_calls_back_off_then_succeed(client, standin, sleeps):
    standin.control.fault(2, error=-32)
    client.send_text("u1", "xin chào")
    assert len(standin.control.messages()) == 1
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0  # exponential, with jitter


def test_the_real_rate_limit_exhausts_the_attempts(sleeps):
    frozen = 1_700_000_000.0  # every attempt in the same minute
    app = make_app(APP_ID, SECRET, FIRST_REFRESH, rate_limit_per_minute=1, clock=lambda: frozen)
    with StandinServer(app) as standin:
        client = make_client(standin.url, sleeps)
        client.send_text("u1", "một")
        with pytest.raises(ZaloUnavailable) as raised:
            client.send_text("u1", "hai")
        assert raised.value.code == -32
        assert standin.control.stats()["api_calls"] == 1 + 4
        assert len(sleeps) == 3


def test_an_outage_that_heals_sends_once(client, standin, sleeps):
    standin.control.fault(2, http_status=503)
    client.send_text("u1", "xin chào")
    assert len(standin.control.messages()) == 1
    assert len(sleeps) == 2


def test_an_outage_longer_than_the_attempts_is_unavailable(client, standin, sleeps):
    client.send_text("u1", "warm up")
    standin.control.fault(4, http_status=503)
    with pytest.raises(ZaloUnavailable):
        client.send_text("u1", "xin chào")
    assert standin.control.stats()["api_calls"] == 1 + 4
    assert len(standin.control.messages()) == 1


def test_no_answer_at_all_is_unavailable(sleeps):
    with StandinServer(make_app(APP_ID, SECRET, FIRST_REFRESH)) as gone:
        url = gone.url
    with pytest.raises(ZaloUnavailable) as raised:
        make_client(url, sleeps).send_text("u1", "xin chào")
    assert raised.value.code is None
    assert len(sleeps) == 3


@pytest.mark.parametrize(
    ("user_state", "code"),
    [
        ({"follower": False}, -213),
        ({"last_interaction_days_ago": 8}, -230),
        ({"last_interaction_days_ago": 50}, -227),
    ],
)
def test_an_unreachable_citizen_is_reported_with_the_code_and_not_retried(
    client, standin, sleeps, user_state, code
):
    standin.control.set_user("u1", **user_state)
    with pytest.raises(ZaloUnreachable) as raised:
        client.send_text("u1", "xin chào")
    assert raised.value.code == code
    assert standin.control.stats()["api_calls"] == 1
    assert sleeps == []


@pytest.mark.parametrize(("arrange", "code"), [("too long", -201), ("tier", -224)])
def test_a_rejected_request_is_reported_with_the_code_and_not_retried(client, standin, sleeps, arrange, code):
    text = "a" * 2001 if arrange == "too long" else "xin chào"
    if arrange == "tier":
        standin.control.fault(1, error=-224)
    with pytest.raises(ZaloRejected) as raised:
        client.send_text("u1", text)
    assert raised.value.code == code
    assert standin.control.stats()["api_calls"] == 1
    assert sleeps == []


def test_a_refresh_that_fails_transiently_is_retried(client, standin, sleeps):
    standin.control.fault(1, http_status=502, endpoint="oauth")
    client.send_text("u1", "xin chào")
    assert standin.control.stats()["refreshes"] == 1
    assert len(sleeps) == 1


def test_a_refused_refresh_is_rejected_without_retry(standin, sleeps):
    with pytest.raises(ZaloRejected):
        make_client(standin.url, sleeps, secret="wrong").send_text("u1", "xin chào")
    assert standin.control.stats()["refresh_failures"] == 1
    assert sleeps == []

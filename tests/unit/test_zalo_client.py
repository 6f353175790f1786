"""The OA client against the Zalo stand-in over real HTTP: what goes on the wire, and what each failure does.

The Firestore token store has its own tests on the emulator; here a one-process store is enough, because
what is under test is how the client reacts to Zalo's answers.
"""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import requests
from standin_app import APP_ID, FIRST_REFRESH, SECRET, ProcessTokens

from pakn.delivery import sender
from pakn.zalo import client as zalo_client
from pakn.zalo.client import (
    ZaloClient,
    ZaloRejected,
    ZaloTokenUnavailable,
    ZaloUnavailable,
    ZaloUnreachable,
)
from pakn.zalo.tokens import TokenUnavailable
from pakn_dev.zalo_standin import StandinServer, make_app

IMAGE = "https://example.invalid/anh.png"


@pytest.fixture
def sleeps():
    return []


def make_client(url: str, sleeps: list, secret: str = SECRET, tokens=None, **options) -> ZaloClient:
    tokens = tokens or ProcessTokens(FIRST_REFRESH)
    client = ZaloClient(url, url, APP_ID, secret, tokens, sleep=sleeps.append, **options)
    tokens.refresh = client.refresh_tokens
    return client


def logged(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


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


def test_an_expired_token_is_refreshed_and_the_message_sent_once(client, standin, sleeps):
    client.send_text("u1", "một")
    standin.control.expire_tokens()
    client.send_text("u1", "hai")
    assert [m["body"]["message"]["text"] for m in standin.control.messages()] == ["một", "hai"]
    stats = standin.control.stats()
    assert (stats["refreshes"], stats["errors"]) == (2, {"-220": 1})
    assert sleeps == []  # a token refresh is not a backoff


def test_a_token_rejected_again_after_refresh_waits_for_a_redelivery(client, standin, sleeps):
    client.send_text("u1", "warm up")
    standin.control.fault(2, error=-216)
    # Transient, so the message is kept: the OA's authorisation is at fault, not the message.
    with pytest.raises(ZaloTokenUnavailable) as raised:
        client.send_text("u1", "hai")
    assert raised.value.code == -216
    assert standin.control.stats()["refreshes"] == 2
    assert sleeps == []  # retrying at once would meet the same refusal


class ReadingTokens:
    """The conversation worker's: it reads the pair and may not refresh it (send_outbound does)."""

    def __init__(self, token: str):
        self.token, self.rejected = token, None

    def current(self, wait: float | None = None) -> str:
        if self.token == self.rejected:
            raise TokenUnavailable("this instance may not refresh the Zalo access token")
        return self.token

    def invalidate(self, token: str) -> None:
        self.rejected = token


def test_a_token_rejected_where_the_store_only_reads_is_not_logged_as_a_refresh(standin, sleeps, capsys):
    tokens = ProcessTokens(FIRST_REFRESH)
    make_client(standin.url, sleeps, tokens=tokens).send_text("u1", "warm up")
    reader = ZaloClient(
        standin.url, standin.url, APP_ID, SECRET, ReadingTokens(tokens.current()), sleep=sleeps.append
    )
    standin.control.fault(1, error=-216)
    capsys.readouterr()
    with pytest.raises(ZaloTokenUnavailable):
        reader.send_text("u1", "hai")
    messages = [line["message"] for line in logged(capsys)]
    assert any("rejected the access token" in message for message in messages)
    assert not any("refresh" in message for message in messages)
    assert standin.control.stats()["refreshes"] == 1  # the writer's first pair only


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
        assert standin.control.stats()["api_calls"] == 1 + 3
        assert len(sleeps) == 2


def test_an_outage_that_heals_sends_once(client, standin, sleeps):
    standin.control.fault(2, http_status=503)
    client.send_text("u1", "xin chào")
    assert len(standin.control.messages()) == 1
    assert len(sleeps) == 2


def test_an_outage_longer_than_the_attempts_is_unavailable(client, standin, sleeps):
    client.send_text("u1", "warm up")
    standin.control.fault(3, http_status=503)
    with pytest.raises(ZaloUnavailable):
        client.send_text("u1", "xin chào")
    assert standin.control.stats()["api_calls"] == 1 + 3
    assert len(standin.control.messages()) == 1


def test_no_answer_at_all_is_unavailable(sleeps):
    with StandinServer(make_app(APP_ID, SECRET, FIRST_REFRESH)) as gone:
        url = gone.url
    with pytest.raises(ZaloUnavailable) as raised:
        make_client(url, sleeps).send_text("u1", "xin chào")
    assert raised.value.code is None
    assert len(sleeps) == 2


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


def test_a_refused_refresh_waits_for_an_admin_without_retrying_now(standin, sleeps, capsys):
    with pytest.raises(ZaloTokenUnavailable) as raised:
        make_client(standin.url, sleeps, secret="wrong").send_text("u1", "xin chào")
    assert isinstance(raised.value, ZaloUnavailable)  # a TransientFailure: the message is kept
    assert standin.control.stats()["refresh_failures"] == 1
    assert sleeps == []
    [line] = [line for line in logged(capsys) if line["severity"] == "ERROR"]
    assert "re-authorise" in line["message"]
    assert line["code"] < 0
    assert FIRST_REFRESH not in json.dumps(line) and "wrong" not in json.dumps(line)


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_an_http_error_from_the_way_to_zalo_is_transient(client, standin, sleeps, status):
    client.send_text("u1", "warm up")
    standin.control.fault(1, http_status=status)
    client.send_text("u1", "xin chào")
    assert len(standin.control.messages()) == 2
    assert len(sleeps) == 1
    standin.control.fault(3, http_status=status)
    with pytest.raises(ZaloUnavailable):
        client.send_text("u1", "lần nữa")


@pytest.mark.parametrize(
    ("omit", "message_id_returned"), [(["user_id"], True), (["message_id", "user_id"], False)]
)
def test_a_success_is_a_success_whatever_its_answer_lacks(client, standin, sleeps, omit, message_id_returned):
    client.send_text("u1", "warm up")
    standin.control.fault(1, omit=omit)
    message_id = client.send_text("u1", "xin chào")
    sent = standin.control.messages()[-1]
    assert message_id == (sent["message_id"] if message_id_returned else None)
    assert standin.control.stats()["api_calls"] == 2
    assert sleeps == []


class Canned(requests.Session):
    """Answers every request with HTTP 200 and `body`, as Zalo might shape a success."""

    def __init__(self, body: dict):
        super().__init__()
        self.body = body
        self.calls = 0

    def request(self, method, url, **kwargs):
        self.calls += 1
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(self.body).encode()
        return response


@pytest.mark.parametrize(
    ("body", "message_id"),
    [
        ({"error": 0}, None),
        ({"error": 0, "message": None, "data": None}, None),
        ({"error": 0, "data": ["unexpected"]}, None),
        ({"error": "0", "message": "Success", "data": {"message_id": 42}}, "42"),
    ],
)
def test_any_answer_with_error_0_is_a_success(sleeps, body, message_id):
    tokens = ProcessTokens(FIRST_REFRESH)
    tokens.access_token = "valid"
    session = Canned(body)
    client = make_client("http://zalo.invalid", sleeps, tokens=tokens, session=session)
    assert client.send_text("u1", "xin chào") == message_id
    assert (session.calls, sleeps) == (1, [])


class Clock:
    """Monotonic seconds that pass only when the client sleeps or the network is slow."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class SlowNetwork(requests.Session):
    """Every request takes `seconds` on the clock; records the timeouts the client gave it."""

    def __init__(self, clock: Clock):
        super().__init__()
        self.clock = clock
        self.seconds = 0.0
        self.timeouts: list[tuple[float, float]] = []

    def request(self, method, url, **kwargs):
        self.timeouts.append(kwargs["timeout"])
        try:
            return super().request(method, url, **kwargs)
        finally:
            self.clock.now += self.seconds


@pytest.fixture
def slow(standin):
    clock = Clock()
    network = SlowNetwork(clock)
    tokens = ProcessTokens(FIRST_REFRESH)
    sleeps: list[float] = []

    def sleep(seconds):
        sleeps.append(seconds)
        clock.sleep(seconds)

    client = ZaloClient(standin.url, standin.url, APP_ID, SECRET, tokens, network, sleep=sleep, clock=clock)
    tokens.refresh = client.refresh_tokens
    client.send_text("u1", "warm up")  # the token, fetched at once
    return client, network, tokens, sleeps


def test_no_attempt_starts_after_the_deadline(slow, standin):
    client, network, tokens, sleeps = slow
    network.seconds = 20  # each answer takes 20 s: the second ends past the 35 s deadline
    standin.control.fault(3, http_status=503)
    with pytest.raises(ZaloUnavailable):
        client.send_text("u1", "xin chào")
    assert standin.control.stats()["api_calls"] == 1 + 2
    assert len(sleeps) == 1  # no backoff that would end past the deadline
    # The token store may wait for another instance's refresh only as long as the call has left.
    assert tokens.waits[-2:] == [zalo_client.DEADLINE, pytest.approx(zalo_client.DEADLINE - 20 - sleeps[0])]


def test_the_last_attempt_is_cut_to_the_time_left(slow, standin):
    client, network, tokens, sleeps = slow
    network.seconds = 30
    standin.control.fault(2, http_status=503)
    with pytest.raises(ZaloUnavailable):
        client.send_text("u1", "xin chào")
    left = zalo_client.DEADLINE - 30 - sleeps[0]
    assert network.timeouts[-2:] == [(3.05, 8.0), (3.05, pytest.approx(left))]


def test_a_token_refresh_that_outlasts_the_deadline_sends_nothing(standin, sleeps):
    clock = Clock()
    network = SlowNetwork(clock)
    network.seconds = zalo_client.DEADLINE + 1
    client = make_client(standin.url, sleeps, session=network, clock=clock)
    with pytest.raises(ZaloUnavailable):
        client.send_text("u1", "xin chào")
    stats = standin.control.stats()
    assert (stats["refreshes"], stats["api_calls"]) == (1, 0)


def test_a_call_ends_well_within_the_senders_lease():
    assert sender.LEASE.total_seconds() >= zalo_client.WORST_CASE + 10


def test_importing_the_client_does_not_load_firestore():
    code = "import sys, pakn.zalo.client; print('google.cloud.firestore' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- as lenient as Zalo's own SDKs where strictness would cost a citizen or the OA's authorisation -------


def test_a_refresh_answer_without_expires_in_keeps_the_new_pair(client, standin, sleeps, capsys):
    standin.control.fault(1, drop=["expires_in"], endpoint="oauth")
    before = datetime.now(UTC)
    pair = client.refresh_tokens(FIRST_REFRESH)
    # The old refresh token is spent: the pair just issued is the only way on, so it is kept.
    lifetime = pair.expires_at - before
    assert zalo_client.ASSUMED_TOKEN_LIFETIME - timedelta(seconds=5) <= lifetime
    assert lifetime <= zalo_client.ASSUMED_TOKEN_LIFETIME + timedelta(seconds=5)
    assert client.refresh_tokens(pair.refresh_token).access_token  # and the new refresh token works
    [line] = [line for line in logged(capsys) if line["severity"] == "WARNING"]
    assert line["reason"] == "fields: access_token, refresh_token"
    assert pair.access_token not in json.dumps(line) and pair.refresh_token not in json.dumps(line)


def test_a_send_after_a_refresh_without_expires_in_goes_out(client, standin, sleeps):
    standin.control.fault(1, drop=["expires_in"], endpoint="oauth")
    client.send_text("u1", "xin chào")
    assert len(standin.control.messages()) == 1
    assert standin.control.stats()["refreshes"] == 1


@pytest.mark.parametrize("expires_in", [None, "", "soon", "0", "-60", 0, True, "1e9", "99999999999999999999"])
def test_any_unusable_expires_in_keeps_the_pair_with_the_assumed_lifetime(sleeps, expires_in):
    session = Canned({"access_token": "a1", "refresh_token": "r1", "expires_in": expires_in})
    client = make_client("http://zalo.invalid", sleeps, session=session)
    pair = client.refresh_tokens("r0")
    assert (pair.access_token, pair.refresh_token) == ("a1", "r1")
    lifetime = pair.expires_at - datetime.now(UTC)
    assert timedelta(minutes=59) < lifetime <= zalo_client.ASSUMED_TOKEN_LIFETIME


@pytest.mark.parametrize(("expires_in", "seconds"), [("90000", 90000), (3600, 3600)])
def test_a_stated_expires_in_is_used(sleeps, expires_in, seconds):
    session = Canned({"access_token": "a1", "refresh_token": "r1", "expires_in": expires_in})
    pair = make_client("http://zalo.invalid", sleeps, session=session).refresh_tokens("r0")
    assert abs((pair.expires_at - datetime.now(UTC)).total_seconds() - seconds) < 5


def test_a_send_answer_without_an_error_field_is_a_success_and_not_sent_again(
    client, standin, sleeps, capsys
):
    client.send_text("u1", "warm up")
    capsys.readouterr()
    standin.control.fault(1, drop=["error"])
    message_id = client.send_text("u1", "xin chào")
    sent = standin.control.messages()
    assert [m["body"]["message"]["text"] for m in sent] == ["warm up", "xin chào"]
    assert message_id == sent[-1]["message_id"]
    assert standin.control.stats()["api_calls"] == 2 and sleeps == []
    [line] = [line for line in logged(capsys) if line["severity"] == "WARNING"]
    assert line["reason"] == "fields: data, message"
    assert message_id not in json.dumps(line) and "u1" not in json.dumps(line)


@pytest.mark.parametrize("body", [{}, {"data": {"message_id": "m1"}}, {"error": None, "message": "Success"}])
def test_any_answer_without_an_error_is_a_success(sleeps, body):
    tokens = ProcessTokens(FIRST_REFRESH)
    tokens.access_token = "valid"
    session = Canned(body)
    client = make_client("http://zalo.invalid", sleeps, tokens=tokens, session=session)
    client.send_text("u1", "xin chào")
    assert (session.calls, sleeps) == (1, [])


def test_an_answer_with_an_error_that_is_not_a_number_is_still_retried(sleeps):
    tokens = ProcessTokens(FIRST_REFRESH)
    tokens.access_token = "valid"
    session = Canned({"error": "oops"})
    with pytest.raises(ZaloUnavailable):
        make_client("http://zalo.invalid", sleeps, tokens=tokens, session=session).send_text("u1", "xin chào")
    assert session.calls == zalo_client.MAX_ATTEMPTS

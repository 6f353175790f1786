"""The Zalo stand-in behaves as zalo-oa.md says Zalo does: checked directly, with a clock we move."""

import pytest

from pakn_dev.zalo_standin import make_app

APP_ID, SECRET, FIRST_REFRESH = "app-1", "secret-1", "refresh-0"


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def zalo(clock):
    app = make_app(
        APP_ID, SECRET, FIRST_REFRESH, access_token_ttl_seconds=3600, rate_limit_per_minute=3, clock=clock
    )
    return app.test_client()


def refresh(zalo, refresh_token, secret=SECRET, app_id=APP_ID):
    form = {"app_id": app_id, "grant_type": "refresh_token", "refresh_token": refresh_token}
    return zalo.post("/v4/oa/access_token", data=form, headers={"secret_key": secret}).get_json()


def send_text(zalo, token, user_id="u1", text="xin chào"):
    body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
    response = zalo.post("/v3.0/oa/message/cs", json=body, headers={"access_token": token})
    assert response.status_code == 200  # Zalo fails with HTTP 200 and a negative error
    return response.get_json()


def test_refresh_rotates_the_pair_and_a_refresh_token_works_once(zalo):
    first = refresh(zalo, FIRST_REFRESH)
    assert first["expires_in"] == "3600"  # a string, as Zalo sends it
    assert refresh(zalo, FIRST_REFRESH)["error"] < 0
    assert "access_token" not in refresh(zalo, FIRST_REFRESH)
    second = refresh(zalo, first["refresh_token"])
    assert second["access_token"] != first["access_token"]
    assert zalo.get("/_standin/stats").get_json()["refreshes"] == 2


def test_refresh_checks_the_secret_key_and_the_app(zalo):
    assert refresh(zalo, FIRST_REFRESH, secret="wrong")["error"] < 0
    assert refresh(zalo, FIRST_REFRESH, app_id="other")["error"] < 0
    # A refused request does not spend the refresh token.
    assert "access_token" in refresh(zalo, FIRST_REFRESH)


def test_access_tokens_expire_after_their_ttl(zalo, clock):
    token = refresh(zalo, FIRST_REFRESH)["access_token"]
    assert send_text(zalo, token)["error"] == 0
    clock.now += 3600
    assert send_text(zalo, token)["error"] == -220
    assert send_text(zalo, "never-issued")["error"] == -216


def test_expire_tokens_expires_every_issued_token_now(zalo):
    token = refresh(zalo, FIRST_REFRESH)["access_token"]
    zalo.post("/_standin/expire_tokens")
    assert send_text(zalo, token)["error"] == -220


def test_rate_limit_per_minute(zalo, clock):
    token = refresh(zalo, FIRST_REFRESH)["access_token"]
    clock.now = 60 * (clock.now // 60)  # the start of a minute
    assert [send_text(zalo, token)["error"] for _ in range(4)] == [0, 0, 0, -32]
    clock.now += 60
    assert send_text(zalo, token)["error"] == 0


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ({"text": "a" * 2000}, 0),
        ({"text": "a" * 2001}, -201),
        ({"text": ""}, -201),
        ({}, -201),
        ({"text": "hi", "extra": 1}, -201),
        ({"attachment": {"type": "template", "payload": {"template_type": "media", "elements": []}}}, -201),
        (
            {
                "text": "caption",
                "attachment": {
                    "type": "template",
                    "payload": {"template_type": "media", "elements": [{"media_type": "image", "url": "u"}]},
                },
            },
            0,
        ),
        (
            {
                "attachment": {
                    "type": "template",
                    "payload": {
                        "template_type": "request_user_info",
                        "elements": [{"title": "t", "subtitle": "s"}],
                    },
                }
            },
            -201,
        ),
    ],
)
def test_message_body_is_checked_like_zalo(zalo, message, error):
    token = refresh(zalo, FIRST_REFRESH)["access_token"]
    body = {"recipient": {"user_id": "u1"}, "message": message}
    reply = zalo.post("/v3.0/oa/message/cs", json=body, headers={"access_token": token}).get_json()
    assert reply["error"] == error


@pytest.mark.parametrize(
    ("state", "error"),
    [
        ({"follower": False}, -213),
        ({"last_interaction_days_ago": 8}, -230),
        ({"last_interaction_days_ago": 46}, -227),
        ({"last_interaction_days_ago": 7}, 0),
    ],
)
def test_user_reachability(zalo, state, error):
    token = refresh(zalo, FIRST_REFRESH)["access_token"]
    zalo.post("/_standin/users/u1", json=state)
    assert send_text(zalo, token, user_id="u1")["error"] == error
    assert len(zalo.get("/_standin/messages").get_json()["messages"]) == (1 if error == 0 else 0)


def test_sent_messages_are_recorded_in_order_with_the_body_as_sent(zalo):
    token = refresh(zalo, FIRST_REFRESH)["access_token"]
    first = send_text(zalo, token, user_id="u1", text="một")["data"]["message_id"]
    send_text(zalo, token, user_id="u2", text="hai")
    send_text(zalo, token, user_id="u1", text="ba")
    messages = zalo.get("/_standin/messages?user_id=u1").get_json()["messages"]
    assert [m["body"]["message"]["text"] for m in messages] == ["một", "ba"]
    assert messages[0]["message_id"] == first
    later = zalo.get(f"/_standin/messages?since={messages[0]['seq']}").get_json()["messages"]
    assert [m["body"]["message"]["text"] for m in later] == ["hai", "ba"]


def test_faults_fail_the_next_calls_then_heal(zalo):
    token = refresh(zalo, FIRST_REFRESH)["access_token"]
    zalo.post("/_standin/faults", json={"http_status": 503, "count": 2})
    zalo.post("/_standin/faults", json={"error": -224, "count": 1})
    body = {"recipient": {"user_id": "u1"}, "message": {"text": "hi"}}
    statuses = [
        zalo.post("/v3.0/oa/message/cs", json=body, headers={"access_token": token}).status_code
        for _ in range(2)
    ]
    assert statuses == [503, 503]
    assert send_text(zalo, token)["error"] == -224
    assert send_text(zalo, token)["error"] == 0
    stats = zalo.get("/_standin/stats").get_json()
    assert (stats["sends"], stats["failures"], stats["errors"]) == (1, 3, {"-224": 1})


def test_an_omit_fault_trims_a_successful_answer_but_the_message_still_goes_out(zalo):
    token = refresh(zalo, FIRST_REFRESH)["access_token"]
    assert zalo.post("/_standin/faults", json={"omit": ["user_id"], "count": 1}).status_code == 200
    trimmed = send_text(zalo, token)
    assert trimmed["error"] == 0
    assert set(trimmed["data"]) == {"message_id"}
    assert set(send_text(zalo, token)["data"]) == {"message_id", "user_id"}
    assert len(zalo.get("/_standin/messages").get_json()["messages"]) == 2


def test_a_drop_fault_answers_a_success_without_its_error_field_but_the_message_goes_out(zalo):
    token = refresh(zalo, FIRST_REFRESH)["access_token"]
    assert zalo.post("/_standin/faults", json={"drop": ["error"], "count": 1}).status_code == 200
    trimmed = send_text(zalo, token)
    assert "error" not in trimmed and set(trimmed["data"]) == {"message_id", "user_id"}
    assert send_text(zalo, token)["error"] == 0
    assert len(zalo.get("/_standin/messages").get_json()["messages"]) == 2


def test_a_drop_fault_on_oauth_issues_a_pair_without_expires_in_that_still_works(zalo):
    zalo.post("/_standin/faults", json={"drop": ["expires_in"], "endpoint": "oauth", "count": 1})
    issued = refresh(zalo, FIRST_REFRESH)
    assert set(issued) == {"access_token", "refresh_token"}
    assert send_text(zalo, issued["access_token"])["error"] == 0
    assert "expires_in" in refresh(zalo, issued["refresh_token"])


def test_a_drop_fault_leaves_failures_as_they_are(zalo):
    zalo.post("/_standin/faults", json={"drop": ["error"], "count": 1})
    assert send_text(zalo, "never-issued")["error"] == -216


@pytest.mark.parametrize(
    "fault",
    [
        {"omit": ["user_id"], "error": -32},
        {"omit": ["user_id"], "endpoint": "oauth"},
        {"omit": []},
        {"drop": []},
        {"drop": ["error"], "omit": ["user_id"]},
        {},
    ],
)
def test_a_fault_is_one_kind_of_failure(zalo, fault):
    assert zalo.post("/_standin/faults", json=fault).status_code == 400


def test_user_detail(zalo):
    token = refresh(zalo, FIRST_REFRESH)["access_token"]
    zalo.post("/_standin/users/u1", json={"follower": False, "display_name": "Lan"})
    reply = zalo.get('/v3.0/oa/user/detail?data={"user_id":"u1"}', headers={"access_token": token}).get_json()
    assert reply["error"] == 0
    assert (reply["data"]["display_name"], reply["data"]["user_is_follower"]) == ("Lan", False)


def test_reset_forgets_messages_but_keeps_tokens(zalo):
    token = refresh(zalo, FIRST_REFRESH)["access_token"]
    send_text(zalo, token)
    zalo.post("/_standin/reset")
    assert zalo.get("/_standin/messages").get_json()["messages"] == []
    assert zalo.get("/_standin/stats").get_json()["sends"] == 0
    assert send_text(zalo, token)["error"] == 0

"""The sender's verdicts on Zalo's answers, through the real functions, the emulators and the Zalo stand-in:
a success is recorded as sent once, and an outage of the OA's credentials or of the way to Zalo keeps the
reply until it can go out."""

from __future__ import annotations

import pytest

from pakn.domain import messages
from pakn.platform import firestore_paths

pytestmark = pytest.mark.emulator

CITIZEN = "7712345678901234567"
OAUTH_INVALID_REFRESH_TOKEN = -14014


def deliveries(firestore_db) -> list[dict]:
    return [d.to_dict() for d in firestore_db.collection(firestore_paths.DELIVERIES).stream()]


@pytest.mark.parametrize("omit", [["user_id"], ["message_id", "user_id"]])
def test_a_success_answer_missing_its_ids_is_recorded_as_sent_once(pipeline, firestore_db, omit):
    pipeline.say(CITIZEN, "xin chào")
    sends = pipeline.standin.control.stats()["sends"]
    pipeline.standin.control.fault(1, omit=omit)
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn")).status_code == 200
    assert set(pipeline.run()) == {200}
    assert pipeline.replies(CITIZEN) == [messages.text("help")]
    assert pipeline.standin.control.stats()["sends"] == sends + 1
    states = [d["state"] for d in deliveries(firestore_db) if None in d["zalo_message_ids"]]
    assert states == (["sent"] if "message_id" in omit else [])


def refused_refresh(standin) -> None:
    # Every access token expires and the next refreshes are refused, as when an OA admin must re-authorise.
    standin.control.expire_tokens()
    standin.control.fault(2, error=OAUTH_INVALID_REFRESH_TOKEN, endpoint="oauth")


def token_rejected_after_refresh(standin) -> None:
    standin.control.fault(2, error=-216)


def proxy_forbids(standin) -> None:
    # More 403s than one delivery's attempts: the reply waits for a redelivery.
    standin.control.fault(4, http_status=403)


@pytest.mark.parametrize("outage", [refused_refresh, token_rejected_after_refresh, proxy_forbids])
def test_a_credentials_or_proxy_outage_delays_the_reply_and_never_discards_it(
    pipeline, firestore_db, capsys, outage
):
    pipeline.say(CITIZEN, "xin chào")
    outage(pipeline.standin)
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn")).status_code == 200
    statuses = pipeline.run()
    assert 500 not in statuses
    assert pipeline.replies(CITIZEN) == [messages.text("help")]
    assert {d["state"] for d in deliveries(firestore_db)} == {"sent"}
    # Tried again (by the sender function, after the worker's own attempt), not dead-lettered.
    assert max(d["attempts"] for d in deliveries(firestore_db)) >= 2
    assert list(firestore_db.collection(firestore_paths.DEAD_LETTERS).stream()) == []
    if outage is refused_refresh:
        assert "an OA admin may have to re-authorise" in capsys.readouterr().out

"""Nothing stalls: the functions run as processes of their own, the Pub/Sub emulator pushes to them as it
does for `pakn dev` (redelivering about once a second), the Zalo stand-in answers 503 for a while, and a
sender is killed while it holds a lease (the sender function, or the conversation worker sending its turn's
replies itself). Every reply still reaches every citizen exactly once, in order.

What used to happen here: the held lease answered 503 to every redelivery, the reply reached the
subscription's 15 attempts in seconds, the emulator crashed forwarding it to the dead-letter topic, and no
citizen heard anything again.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter
from live_functions import LiveStack, live_stack

from pakn.domain import messages
from pakn.platform import firestore_paths

pytestmark = pytest.mark.emulator

CITIZENS = ["7900000000000000001", "7900000000000000002", "7900000000000000003"]
WARM_UP = "7900000000000000009"
# What each citizen types, one after the other, and what the OA must answer, in this order.
TYPED = ["hướng dẫn", "hủy", "hướng dẫn"]
EXPECTED = [
    messages.text("welcome"),
    messages.text("help"),
    messages.text("nothing_to_cancel"),
    messages.text("help"),
]


@pytest.fixture
def live(project_id, tmp_path):
    with live_stack(project_id, tmp_path / "logs") as stack:
        yield stack


def wait_for(predicate, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def held_lease(db) -> str | None:
    """The key of a delivery a sender is sending now (its lease running), if any."""
    now = datetime.now(UTC)
    query = db.collection(firestore_paths.DELIVERIES).where(filter=FieldFilter("state", "==", "sending"))
    for snapshot in query.stream():
        until = snapshot.get("lease_until")
        if until and until > now:
            return snapshot.get("key")
    return None


# Whoever may hold a delivery's lease: the sender function, and the conversation worker with its turn's.
SENDERS = ("send_outbound", "handle_zalo_event")


def kill_a_sender_holding_a_lease(live: LiveStack, db, within: float = 60) -> str:
    """Waits for a sender to be in the middle of a send, kills it there, and returns the delivery it held."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        key = held_lease(db)
        if key is None:
            time.sleep(0.02)
            continue
        for function in SENDERS:
            live.kill(function)
        snapshot = firestore_paths.delivery(db, key).get()
        for function in SENDERS:
            live.restart(function)
        if snapshot.get("state") == "sending":
            return key  # it died holding the lease
        # It finished that attempt just before the kill: try again with the next one.
    raise AssertionError("no sender was ever caught holding a lease")


def test_an_outage_and_a_killed_sender_delay_replies_but_each_arrives_once_and_in_order(live, firestore_db):
    # The OA's token pair is granted once a day: before all this (a sender killed in the middle of that
    # grant loses the single-use refresh token, which no outbox can bring back).
    live.type(WARM_UP, "hướng dẫn")
    wait_for(lambda: len(live.received(WARM_UP)) == 2, "the first replies")
    live.standin.control.fault(60, http_status=503)  # Zalo is down for a while: 20 attempts' worth

    for citizen_id in CITIZENS:
        live.type(citizen_id, TYPED[0])
    killed = kill_a_sender_holding_a_lease(live, firestore_db)
    for text in TYPED[1:]:
        time.sleep(1)  # each message after the previous one, as a citizen types
        for citizen_id in CITIZENS:
            live.type(citizen_id, text)

    # Cloud Scheduler's part, more often than every two minutes so the test need not wait that long.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if all(len(live.received(c)) >= len(EXPECTED) for c in CITIZENS):
            break
        live.sweep_outbox()
        time.sleep(3)
    time.sleep(3)  # anything sent twice would have arrived by now

    for citizen_id in CITIZENS:
        assert live.received(citizen_id) == EXPECTED, citizen_id
    stored = [s.to_dict() for s in firestore_db.collection(firestore_paths.DELIVERIES).stream()]
    stored = [d for d in stored if d["citizen_id"] != WARM_UP]
    assert len(stored) == len(CITIZENS) * len(TYPED)
    assert {d["state"] for d in stored} == {"sent"}
    assert all(d["next_attempt_at"] is None for d in stored)
    # The outage was real and long, and the killed sender's delivery needed the outbox sweep to go out.
    stats = live.standin.control.stats()
    assert stats["failures"] == 60
    assert stats["sends"] == len(CITIZENS) * len(EXPECTED) + 2
    [held] = [d for d in stored if d["key"] == killed]
    assert held["attempts"] >= 2

"""The delivery record's shape and the sender's retry schedule, without Firestore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pakn.delivery.outbox import Delivery, OutboundMessage
from pakn.delivery.sender import LEASE, RETRY_FIRST, RETRY_LONGEST, retry_delay
from pakn.platform.topology import load_topology

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_delivery_holds_its_messages_in_order():
    first, second = OutboundMessage(text="một"), OutboundMessage(kind="request_user_info", title="Form")
    delivery = Delivery(key="k", citizen_id="c", messages=[first, second], created_at=NOW)
    assert delivery.messages == [first, second]
    assert delivery.model_dump()["messages"][1]["kind"] == "request_user_info"
    assert "message" not in delivery.model_dump()


def test_a_record_from_before_replies_shared_a_delivery_still_reads_as_one_message():
    old = {
        "key": "msg-1#0",
        "citizen_id": "c",
        "message": {"kind": "text", "text": "Xin chào"},
        "state": "retrying",
        "attempts": 2,
        "zalo_message_id": None,
        "created_at": NOW,
    }
    delivery = Delivery.model_validate(old)
    assert delivery.messages == [OutboundMessage(text="Xin chào")]
    assert (delivery.state, delivery.sent_count, delivery.final) == ("retrying", 0, False)
    # And a caller that queues one message may still name it so.
    assert Delivery(key="k", citizen_id="c", message=OutboundMessage(text="x"), created_at=NOW).messages == [
        OutboundMessage(text="x")
    ]


def test_a_failed_delivery_waits_longer_each_time_up_to_a_limit():
    delays = [retry_delay(attempts) for attempts in range(1, 8)]
    assert delays[0] == RETRY_FIRST
    assert delays == sorted(delays) and delays[1] == 2 * RETRY_FIRST
    assert max(delays) == RETRY_LONGEST
    # However long an outage lasts (a delivery retried once a second for a day), the delay stays a delay.
    assert retry_delay(100_000) == RETRY_LONGEST
    assert retry_delay(0) == RETRY_FIRST
    assert timedelta(minutes=15) >= RETRY_LONGEST


def test_no_lease_outlasts_the_invocation_that_holds_it():
    # Each holder's lease starts when its invocation does (the sender's claim, the conversation worker's
    # turn): no send may start that the invocation's timeout would cut short before it is recorded.
    topology = load_topology()
    for holder in ("send_outbound", "handle_zalo_event"):
        assert LEASE.total_seconds() <= topology.function(holder).timeout_seconds, holder

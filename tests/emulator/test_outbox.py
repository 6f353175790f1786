"""The outbox heals itself: a lost publish, a lease left by a dead sender or by a conversation worker that
died before sending its turn's replies, a reply waiting for the one before it, and dead letters listed and
replayed by `pakn deliveries`, on the emulators and the Zalo stand-in. The outbox sweep runs as Cloud
Scheduler runs it, at a chosen time where the test must not wait."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta

import pytest

from pakn.delivery.outbox import OutboundRequest
from pakn.delivery.reach import default_policy
from pakn.domain import messages
from pakn.platform import firestore_paths
from pakn.platform.topology import load_topology
from pakn_dev import cli

# Zalo's night ban off, as the pipeline's own sender runs here (ZALO_NIGHT_BAN=false): a sender built by a
# test with a clock near the real time must not hold its messages when the suite runs after 22:00 in Hanoi.
DAYTIME = default_policy().without_night()


pytestmark = pytest.mark.emulator

CITIZEN = "7812345678901234567"
OTHER_CITIZEN = "7812345678901234500"


def outbox_sweep(at: datetime | None = None):
    from pakn import runtime

    return runtime.outbox_sweep().run(at or datetime.now(UTC))


def publish_outbound(request, citizen_id: str) -> None:
    from pakn import runtime

    runtime.publish_outbound(request, citizen_id)


def deliveries(db) -> list[dict]:
    return [s.to_dict() for s in db.collection(firestore_paths.DELIVERIES).stream()]


def of_citizen(found: list[dict]) -> list[dict]:
    return [d for d in found if d["citizen_id"] == CITIZEN]


@pytest.fixture
def replies_published(monkeypatch) -> None:
    """The conversation worker publishes its turns' replies for the sender function, as it does those that
    wait their turn, instead of sending them itself: the sender's part and the outbox sweep's, alone."""
    from pakn import runtime
    from pakn.intake.inbox import Inbox

    monkeypatch.setattr(runtime, "inbox", lambda: Inbox(runtime.firestore_db(), runtime.publish_outbound))


def process_events_only(pipeline) -> None:
    """Runs the conversation for what was posted, and loses every outbound publish it made."""
    for _ in range(5):
        found = pipeline.pull()
        if not found:
            return
        for delivery in found:
            if delivery.function == "handle_zalo_event":
                assert pipeline.deliver(delivery) == 200
            else:
                pipeline.subscriber.acknowledge(subscription=delivery.subscription, ack_ids=[delivery.ack_id])
    raise AssertionError("the topics did not go quiet")


def leave_a_dead_senders_lease(db, key: str, seconds_left: float) -> None:
    """What a sender killed after its claim leaves behind: the delivery sending, its lease running."""
    until = datetime.now(UTC) + timedelta(seconds=seconds_left)
    firestore_paths.delivery(db, key).update(
        {"state": "sending", "lease_until": until, "next_attempt_at": until, "attempts": 1}
    )


def test_a_reply_whose_publish_was_lost_goes_out_with_the_next_outbox_sweep(
    pipeline, replies_published, firestore_db
):
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn")).status_code == 200
    process_events_only(pipeline)
    assert pipeline.run() == []  # nothing left in Pub/Sub: only the outbox knows about the reply
    [pending] = deliveries(firestore_db)
    assert pending["state"] == "pending"

    assert outbox_sweep().republished == 0  # too early: its push may still be on the way
    report = outbox_sweep(pending["next_attempt_at"] + timedelta(seconds=1))
    assert report.republished == 1
    assert set(pipeline.run()) == {200}
    assert pipeline.replies(CITIZEN) == [messages.text("welcome"), messages.text("help")]
    [sent] = deliveries(firestore_db)
    assert sent["state"] == "sent" and sent["next_attempt_at"] is None
    assert outbox_sweep(datetime.now(UTC) + timedelta(hours=1)).republished == 0


def test_a_lease_held_by_a_dead_sender_is_acknowledged_and_swept_back_when_it_ends(
    pipeline, replies_published, firestore_db
):
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn")).status_code == 200
    process_events_only(pipeline)
    [pending] = deliveries(firestore_db)
    leave_a_dead_senders_lease(firestore_db, pending["key"], seconds_left=3)

    # Pub/Sub redelivers the dead sender's push, again and again: each is acknowledged while the lease runs,
    # so none spends an attempt of the subscription, and nothing is sent.
    for _ in range(3):
        publish_outbound(OutboundRequest(delivery_key=pending["key"]), CITIZEN)
        assert pipeline.run() == [200]
        assert outbox_sweep().republished == 0  # not due before the lease ends
    assert pipeline.standin.control.stats()["sends"] == 0

    time.sleep(3.5)  # the dead sender's lease ends
    assert outbox_sweep().republished == 1
    assert set(pipeline.run()) == {200}
    assert pipeline.replies(CITIZEN) == [messages.text("welcome"), messages.text("help")]
    assert pipeline.standin.control.stats()["sends"] == 2


class InstanceDied(BaseException):
    """The function's instance is gone: nothing after this point runs, and its push is never answered."""


def test_a_worker_that_dies_between_its_commit_and_its_send_leaves_the_replies_to_the_outbox_sweep(
    pipeline, firestore_db, monkeypatch
):
    from pakn.delivery.sender import Sender
    from pakn.intake import inbox

    monkeypatch.setattr(inbox, "LEASE", timedelta(seconds=4))  # so the test need not wait a minute

    def dies(sender, delivery):
        raise InstanceDied

    monkeypatch.setattr(Sender, "deliver_claimed", dies)
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn")).status_code == 200
    [event] = pipeline.pull()
    with pytest.raises(InstanceDied):
        pipeline.deliver(event)
    [claimed] = deliveries(firestore_db)
    assert (claimed["state"], claimed["attempts"]) == ("sending", 1)
    assert claimed["next_attempt_at"] == claimed["lease_until"]  # where the outbox sweep finds it
    monkeypatch.undo()  # the instances after it send as usual

    # Pub/Sub redelivers the unanswered event: processed already, its replies still leased, so the key is
    # republished and the sender leaves it to the lease's holder; nothing is sent twice, nothing lost.
    pipeline.subscriber.modify_ack_deadline(
        subscription=event.subscription, ack_ids=[event.ack_id], ack_deadline_seconds=0
    )
    assert pipeline.run() == [200, 200]
    assert outbox_sweep().republished == 0  # not due before the lease ends
    assert pipeline.standin.control.stats()["sends"] == 0

    time.sleep(max(0.0, (claimed["lease_until"] - datetime.now(UTC)).total_seconds()) + 0.5)
    assert outbox_sweep().republished == 1
    assert set(pipeline.run()) == {200}
    assert pipeline.replies(CITIZEN) == [messages.text("welcome"), messages.text("help")]
    assert pipeline.standin.control.stats()["sends"] == 2
    [sent] = deliveries(firestore_db)
    assert (sent["state"], sent["attempts"]) == ("sent", 2)


def test_replies_zalo_cannot_take_now_go_to_the_sender_and_their_event_is_acknowledged(
    pipeline, firestore_db
):
    pipeline.say(OTHER_CITIZEN, "hướng dẫn")  # the OA's token pair, which only the sender function grants
    sends = pipeline.standin.control.stats()["sends"]
    pipeline.standin.control.fault(3, http_status=503)  # the worker's whole attempt fails
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn")).status_code == 200
    [event] = pipeline.pull()
    assert pipeline.deliver(event) == 200  # the event was processed: not to be redelivered
    [retrying] = of_citizen(deliveries(firestore_db))
    assert (retrying["state"], retrying["attempts"], retrying["lease_until"]) == ("retrying", 1, None)
    [outbound] = pipeline.pull()  # published for the sender function
    assert pipeline.deliver(outbound) == 200
    assert pipeline.replies(CITIZEN) == [messages.text("welcome"), messages.text("help")]
    assert pipeline.standin.control.stats()["sends"] == sends + 2
    [sent] = of_citizen(deliveries(firestore_db))
    assert (sent["state"], sent["attempts"]) == ("sent", 2)


def test_replies_whose_turn_used_up_most_of_the_lease_are_handed_to_the_sender(pipeline, firestore_db):
    from pakn import runtime
    from pakn.delivery.sender import LEASE, ONE_SEND
    from pakn.intake.events import CitizenEvent

    pipeline.say(OTHER_CITIZEN, "hướng dẫn")  # the OA's token pair, which only the sender function grants
    sends = pipeline.standin.control.stats()["sends"]
    now = datetime.now(UTC)
    event = CitizenEvent(
        event_id="zalo-msg-slow",
        event_name="user_send_text",
        type="message",
        citizen_id=CITIZEN,
        occurred_at=now,
        text="hướng dẫn",
    )
    # Its attachments took so long to keep that the lease left cannot cover a send.
    began = now - LEASE + ONE_SEND / 2
    runtime.inbox().process(event, runtime.conversation().apply, began_at=began)
    [handed_on] = of_citizen(deliveries(firestore_db))
    assert (handed_on["state"], handed_on["sent_count"], handed_on["lease_until"]) == ("pending", 0, None)
    assert pipeline.standin.control.stats()["sends"] == sends  # nothing sent past the worker's lease
    assert set(pipeline.run()) == {200}  # its republished key, taken by the sender function
    assert pipeline.replies(CITIZEN) == [messages.text("welcome"), messages.text("help")]
    [sent] = of_citizen(deliveries(firestore_db))
    assert (sent["state"], sent["attempts"]) == ("sent", 2)


def test_a_citizens_replies_wait_for_the_earlier_ones_and_go_out_in_order(
    pipeline, replies_published, firestore_db
):
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn")).status_code == 200
    process_events_only(pipeline)
    [first] = deliveries(firestore_db)
    leave_a_dead_senders_lease(firestore_db, first["key"], seconds_left=3)

    # The citizen writes again while the first replies are held: the new ones wait, acknowledged.
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hủy")).status_code == 200
    assert set(pipeline.run()) == {200}
    assert pipeline.replies(CITIZEN) == []
    second = next(d for d in deliveries(firestore_db) if d["key"] != first["key"])
    assert second["after"] == first["key"] and second["state"] == "pending"

    time.sleep(3.5)
    outbox_sweep()  # brings back the first; its end releases the second
    assert set(pipeline.run()) == {200}
    assert pipeline.replies(CITIZEN) == [
        messages.text("welcome"),
        messages.text("help"),
        messages.text("nothing_to_cancel"),
    ]
    assert {d["state"] for d in deliveries(firestore_db)} == {"sent"}


def dead_letter_as_pubsub_does(pipeline, outbound) -> None:
    """What Pub/Sub's dead-letter policy does when a message reached its attempts: forwards it to the
    dead-letter topic, with where it came from, and acknowledges it on its own subscription."""
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(pipeline.project, pipeline.topology.topic("dead_letters").name)
    message = outbound.envelope["message"]
    publisher.publish(
        topic,
        base64.b64decode(message["data"]),
        **message["attributes"],
        CloudPubSubDeadLetterSourceSubscription=outbound.subscription,
        CloudPubSubDeadLetterSourceDeliveryCount="15",
    ).result()
    pipeline.subscriber.acknowledge(subscription=outbound.subscription, ack_ids=[outbound.ack_id])


def test_a_dead_lettered_delivery_is_listed_and_replayed_by_pakn_deliveries(
    pipeline, replies_published, firestore_db, capsys
):
    pipeline.standin.control.fault(3, http_status=503)  # one whole attempt fails
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn")).status_code == 200
    [event] = pipeline.pull()
    assert pipeline.deliver(event) == 200
    [outbound] = pipeline.pull()
    assert pipeline.deliver(outbound, ack=False) == 503
    dead_letter_as_pubsub_does(pipeline, outbound)
    pipeline.run()  # the dead letter is recorded
    [letter] = list(firestore_db.collection(firestore_paths.DEAD_LETTERS).stream())
    key = deliveries(firestore_db)[0]["key"]
    capsys.readouterr()  # the functions' logs so far

    assert cli.main(["deliveries", "list", "--stuck", "--stuck-after", "0"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert any(line.startswith(f"delivery {key}  retrying  0/2 sent") for line in listed)
    assert any(
        line.startswith(f"dead-letter {letter.id}  from outbound-messages-to-sender") for line in listed
    )
    assert all(messages.text("help")[:20] not in line for line in listed)

    assert cli.main(["deliveries", "replay", letter.id]) == 0
    assert f"replayed to {load_topology().topic('outbound').name}" in capsys.readouterr().out
    assert set(pipeline.run()) == {200}
    assert pipeline.replies(CITIZEN) == [messages.text("welcome"), messages.text("help")]
    capsys.readouterr()

    assert cli.main(["deliveries", "list", "--stuck", "--stuck-after", "0"]) == 0
    assert capsys.readouterr().out.strip() == "nothing stuck"
    assert cli.main(["deliveries", "replay", "--all"]) == 0  # nothing left: replaying again is harmless
    assert capsys.readouterr().out.strip() == "nothing to replay"
    assert cli.main(["deliveries", "replay", letter.id]) == 0
    pipeline.run()
    assert pipeline.standin.control.stats()["sends"] == 2
    assert cli.main(["deliveries", "replay", "no-such-thing"]) == 1


def test_the_local_topology_hands_the_emulator_no_dead_letter_policy(project_id):
    from google.cloud import pubsub_v1

    from pakn_dev.local_topology import apply_topology

    topology = load_topology()
    apply_topology(project_id, topology, {}, pull_only=True)
    subscriber = pubsub_v1.SubscriberClient()
    try:
        for sub in topology.subscriptions:
            found = subscriber.get_subscription(
                subscription=subscriber.subscription_path(project_id, sub.name)
            )
            assert not found.dead_letter_policy.dead_letter_topic, sub.name
            assert found.enable_message_ordering == sub.ordering
    finally:
        subscriber.close()
    # In the cloud they stay: the plan still sets them.
    assert any(sub.max_delivery_attempts for sub in topology.subscriptions)


def test_a_delivery_locked_by_a_dead_transaction_is_retried_not_failed(
    pipeline, replies_published, firestore_db, capsys
):
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn")).status_code == 200
    process_events_only(pipeline)
    [pending] = deliveries(firestore_db)
    # A transaction that read the delivery and never ended: its instance died in the middle of a claim.
    ref = firestore_paths.delivery(firestore_db, pending["key"])
    dead = firestore_db.transaction()
    dead._begin()
    ref.get(transaction=dead)
    try:
        publish_outbound(OutboundRequest(delivery_key=pending["key"]), CITIZEN)
        [delivery] = pipeline.pull()
        assert pipeline.deliver(delivery) == 503  # handed back to be redelivered, not a handler failure
        assert "message will be redelivered" in capsys.readouterr().out
    finally:
        dead._rollback()  # Firestore lets go of the lock
    assert set(pipeline.run()) == {200}
    assert pipeline.replies(CITIZEN) == [messages.text("welcome"), messages.text("help")]


def test_a_message_zalo_refuses_does_not_hold_back_the_rest_of_its_turn(pipeline, firestore_db):
    pipeline.say(CITIZEN, "xin chào")
    pipeline.standin.control.fault(1, error=-201)  # Zalo refuses the next message itself
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hủy")).status_code == 200
    pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn"))
    pipeline.run()
    # The refused reply is dead-lettered with its reason; the next turn's still goes out.
    assert pipeline.replies(CITIZEN) == [messages.text("help")]
    [refused] = [d for d in deliveries(firestore_db) if d["state"] == "rejected"]
    assert (refused["rejected"], refused["sent_count"], refused["last_error_code"]) == ([0], 1, -201)
    [letter] = [s.to_dict() for s in firestore_db.collection(firestore_paths.DEAD_LETTERS).stream()]
    assert letter["reason"] == "Zalo rejected a message (-201)"
    # With the event whose replies the worker sent itself: replaying it changes nothing.
    assert letter["source_subscription"].endswith("/zalo-events-to-conversation")


def test_a_delivery_whose_lease_runs_short_is_handed_on_and_goes_on_where_it_stopped(
    pipeline, replies_published, firestore_db
):
    from pakn import runtime
    from pakn.delivery.sender import Sender

    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn")).status_code == 200
    process_events_only(pipeline)
    [pending] = deliveries(firestore_db)
    start = datetime.now(UTC)
    calls = []

    def slow_clock():  # each look at the time finds 20 s more gone: a Zalo that takes long to answer
        calls.append(None)
        return start + timedelta(seconds=20 * len(calls))

    slow = Sender(
        firestore_db, runtime.zalo_client(), runtime.publish_outbound, clock=slow_clock, policy=DAYTIME
    )
    handed_on = slow.deliver(pending["key"])
    assert (handed_on.state, handed_on.sent_count) == ("pending", 1)
    assert pipeline.replies(CITIZEN) == [messages.text("welcome")]

    assert set(pipeline.run()) == {200}  # its republished key, taken by an ordinary sender
    assert pipeline.replies(CITIZEN) == [messages.text("help")]
    [sent] = deliveries(firestore_db)
    assert (sent["state"], sent["sent_count"], sent["attempts"]) == ("sent", 2, 2)
    assert len(sent["zalo_message_ids"]) == 2


def test_a_reply_left_unfinished_before_the_outbox_sweep_existed_holds_back_nothing(pipeline, firestore_db):
    # As records were before: one message, no next attempt; this one's pushes were given up on long ago.
    old_key = "zalo-msg-0#0"
    firestore_paths.delivery(firestore_db, old_key).set(
        {
            "key": old_key,
            "citizen_id": CITIZEN,
            "message": {"kind": "text", "text": "Xin chào"},
            "state": "retrying",
            "attempts": 15,
            "created_at": datetime.now(UTC) - timedelta(days=3),
        }
    )
    assert pipeline.say(CITIZEN, "hướng dẫn") == [messages.text("welcome"), messages.text("help")]
    new = next(d for d in deliveries(firestore_db) if d["key"] != old_key)
    assert new["after"] is None and new["state"] == "sent"
    # And the old one can still be sent by hand (`pakn deliveries replay KEY`): it reads as one message.
    assert cli.main(["deliveries", "replay", old_key]) == 0
    pipeline.run()
    assert pipeline.replies(CITIZEN) == ["Xin chào"]

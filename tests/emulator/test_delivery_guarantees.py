"""Nothing lost, nothing doubled: Zalo retries, Pub/Sub redeliveries, reordering, expiring tokens, outages,
unreachable citizens and poison messages, on the real emulators and the Zalo stand-in."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from pakn.domain import messages
from pakn.platform import firestore_paths

pytestmark = pytest.mark.emulator

CITIZEN = "7712345678901234567"
OTHER_CITIZEN = "7712345678901234500"


def test_a_zalo_retry_of_the_same_msg_id_is_answered_once(pipeline, firestore_db):
    event = pipeline.zalo.text(CITIZEN, "Sở Tư pháp cấp phiếu lý lịch tư pháp chậm", msg_id="zalo-msg-1")
    assert pipeline.post(event).status_code == 200
    assert pipeline.post(event).status_code == 200  # Zalo did not see our first 200 and retried
    pipeline.run()
    replies = pipeline.replies(CITIZEN)
    assert replies == [messages.text("welcome"), messages.text("draft_started")]
    state = firestore_paths.citizen(firestore_db, CITIZEN).get().to_dict()
    assert len(state["draft"]["parts"]) == 1


def test_a_pubsub_redelivery_after_the_worker_sent_the_replies_changes_nothing_and_sends_nothing(
    pipeline, firestore_db
):
    # The OA's token pair, granted once a day by the sender function (the worker only reads it).
    pipeline.say(OTHER_CITIZEN, "hướng dẫn")
    assert (
        pipeline.post(pipeline.zalo.text(CITIZEN, "Sở Tư pháp cấp phiếu lý lịch tư pháp chậm")).status_code
        == 200
    )
    [event_delivery] = pipeline.pull()
    assert pipeline.deliver(event_delivery) == 200
    # The worker sent the turn's replies itself (one delivery holding both): nothing for the sender.
    assert pipeline.replies(CITIZEN) == [messages.text("welcome"), messages.text("draft_started")]
    assert pipeline.pull() == []
    assert pipeline.deliver(event_delivery, ack=False) == 200  # redelivered after the ack was lost
    assert pipeline.pull() == []  # its replies are sent: not even republished
    assert pipeline.replies(CITIZEN) == []
    assert pipeline.standin.control.stats()["sends"] == 2 + 2
    state = firestore_paths.citizen(firestore_db, CITIZEN).get().to_dict()
    assert len(state["draft"]["parts"]) == 1
    # The turn's delivery is the event's marker: no other record says it was processed.
    assert list(firestore_db.collection(firestore_paths.INBOUND_EVENTS).stream()) == []


def test_an_event_that_causes_no_reply_is_still_processed_once(pipeline, firestore_db):
    from pakn.intake.events import CitizenEvent
    from pakn.intake.inbox import Inbox, Replies

    event = CitizenEvent.model_validate(
        {
            "event_id": "zalo-msg-silent",
            "event_name": "user_send_text",
            "type": "message",
            "citizen_id": CITIZEN,
            "occurred_at": datetime.now(UTC),
            "text": "👍",
        }
    )
    applied = []

    def apply(uow, event):
        applied.append(event.event_id)
        return Replies([])

    inbox = Inbox(firestore_db, lambda request, citizen_id: None)
    assert inbox.process(event, apply) == inbox.process(event, apply) == []
    assert applied == ["zalo-msg-silent"]
    marker = firestore_paths.inbound_event(firestore_db, event.event_id).get().to_dict()
    assert marker["event"]["citizen_id"] == CITIZEN and marker["expire_at"] > marker["processed_at"]


def test_messages_delivered_out_of_order_keep_the_citizens_order(pipeline, firestore_db):
    first = pipeline.zalo.text(CITIZEN, "Phần một: làm giấy phép xây dựng ở phường Cửa Nam")
    second = pipeline.zalo.text(CITIZEN, "Phần hai: đã nộp hồ sơ từ tháng 3")
    second["timestamp"] = str(int(first["timestamp"]) + 5000)
    for event in (second, first):  # Zalo's retry of the first arrives after the second
        assert pipeline.post(event).status_code == 200
    deliveries = pipeline.pull()
    for delivery in reversed(deliveries):
        pipeline.deliver(delivery)
    pipeline.run()
    state = firestore_paths.citizen(firestore_db, CITIZEN).get().to_dict()
    assert [part["text"] for part in state["draft"]["parts"]] == [
        first["message"]["text"],
        second["message"]["text"],
    ]


def test_a_token_that_expires_mid_conversation_is_refreshed_and_nothing_is_sent_twice(pipeline):
    pipeline.say(CITIZEN, "xin chào")
    pipeline.standin.control.expire_tokens()
    assert pipeline.say(CITIZEN, "hướng dẫn") == [messages.text("help")]
    stats = pipeline.standin.control.stats()
    assert stats["refreshes"] == 2  # the first grant, and the refresh after expiry
    assert stats["sends"] == 3  # greeting, draft ack, help: none repeated


def test_a_zalo_outage_that_heals_delays_replies_without_losing_or_doubling_them(pipeline, firestore_db):
    pipeline.standin.control.fault(6, http_status=503)
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn")).status_code == 200
    statuses = pipeline.run()
    assert 503 in statuses  # the sender gave the message back to Pub/Sub during the outage
    assert pipeline.replies(CITIZEN) == [
        messages.text("welcome"),
        messages.text("help"),
    ]
    deliveries = [d.to_dict() for d in firestore_db.collection(firestore_paths.DELIVERIES).stream()]
    assert {d["state"] for d in deliveries} == {"sent"}
    assert max(d["attempts"] for d in deliveries) >= 2


def test_an_unreachable_citizen_is_recorded_not_retried(pipeline, firestore_db):
    pipeline.standin.control.set_user(CITIZEN, follower=False)
    assert pipeline.post(pipeline.zalo.text(CITIZEN, "hướng dẫn")).status_code == 200
    statuses = pipeline.run()
    assert 503 not in statuses and 500 not in statuses
    deliveries = [d.to_dict() for d in firestore_db.collection(firestore_paths.DELIVERIES).stream()]
    assert {(d["state"], d["last_error_code"]) for d in deliveries} == {("unreachable", -213)}
    citizen = firestore_paths.citizen(firestore_db, CITIZEN).get().to_dict()
    assert citizen["zalo_unreachable"]["code"] == -213

    pipeline.standin.control.set_user(CITIZEN, follower=True)
    pipeline.say(CITIZEN, "hướng dẫn")
    assert "zalo_unreachable" not in firestore_paths.citizen(firestore_db, CITIZEN).get().to_dict()


def test_a_message_that_can_never_be_processed_is_dead_lettered_with_its_reason(pipeline, firestore_db):
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(pipeline.project, pipeline.topology.topic("events").name)
    message_id = publisher.publish(topic, b'{"not": "an event"}').result()
    statuses = pipeline.run()
    assert statuses[0] == 200  # acknowledged: retrying could never help
    [dead] = [d.to_dict() for d in firestore_db.collection(firestore_paths.DEAD_LETTERS).stream()]
    assert dead["reason"] == "data is not a valid CitizenEvent"
    assert dead["source_message_id"] == message_id
    assert json.loads(base64.b64decode(dead["data_base64"])) == {"not": "an event"}


def test_logs_never_carry_names_phones_addresses_or_message_text(pipeline, capsys):
    secret_text = "Cán bộ Lê Thị Hoa phường Cửa Nam đòi tiền khi làm khai sinh"
    pipeline.say(CITIZEN, secret_text)
    pipeline.say(CITIZEN, "xong")
    pipeline.post(pipeline.zalo.submit_info(CITIZEN, "Phạm Minh Châu", "0987000111", "99 Phố Huế"))
    pipeline.run()
    pipeline.say(CITIZEN, "1")
    logs = capsys.readouterr().out
    assert "event processed" in logs  # the logs were captured
    for personal in ("Lê Thị Hoa", "đòi tiền", "Phạm Minh Châu", "0987000111", "99 Phố Huế"):
        assert personal not in logs
    for line in logs.splitlines():
        assert json.loads(line)["severity"] in {"INFO", "WARNING", "ERROR"}

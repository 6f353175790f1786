"""The soak's bookkeeping, without a stack: which faults it injects and how, which worker it kills, and how
a message sent to Zalo is matched with the delivery record that holds it (duplicates, replies never sent)."""

import random

from pakn_dev.bench_firestore_counter import collection_of, difference
from pakn_dev.soak import (
    FAULTS,
    choose_fault,
    compare,
    delivery_messages,
    parse_arguments,
    recorded_signature,
    sent_signature,
    standin_fault,
)


def test_no_fault_at_rate_zero_and_every_call_at_rate_one():
    rng = random.Random(1)
    assert {choose_fault(rng, 0.0, FAULTS) for _ in range(200)} == {None}
    assert None not in {choose_fault(rng, 1.0, FAULTS) for _ in range(200)}


def test_the_rate_is_the_share_of_calls_failed_and_every_kind_comes_up():
    rng = random.Random(7)
    chosen = [choose_fault(rng, 0.3, FAULTS) for _ in range(20_000)]
    failed = [kind for kind in chosen if kind]
    assert 0.28 < len(failed) / len(chosen) < 0.32
    assert set(failed) == set(FAULTS)


def test_faults_the_stand_in_answers_itself_and_the_ones_the_injector_plays():
    assert standin_fault("http_503") == {"http_status": 503, "count": 1}
    assert standin_fault("error_-220") == {"error": -220, "count": 1}
    assert standin_fault("error_-32") == {"error": -32, "count": 1}
    assert standin_fault("timeout") is None
    assert standin_fault("lost_answer") is None


def test_the_soak_kills_the_conversation_worker_unless_told_another():
    from pakn.platform.topology import load_topology

    # The worker of the events topic: it sends each turn's replies itself, so a kill lands mid-send.
    topology = load_topology()
    events = topology.topic("events").name
    assert [parse_arguments([]).kill] == [s.push_to for s in topology.subscriptions if s.topic == events]
    assert parse_arguments(["--kill", "send_outbound"]).kill == "send_outbound"


def test_a_sent_message_matches_the_record_that_holds_it():
    text = {"recipient": {"user_id": "u"}, "message": {"text": "Mã tra cứu: HN-4K7Q2M"}}
    assert sent_signature(text) == recorded_signature({"kind": "text", "text": "Mã tra cứu: HN-4K7Q2M"})
    form = {
        "recipient": {"user_id": "u"},
        "message": {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "request_user_info",
                    "elements": [{"title": "Thông tin", "subtitle": "s", "image_url": "i"}],
                },
            }
        },
    }
    recorded = {"kind": "request_user_info", "title": "Thông tin", "subtitle": "s", "image_url": "i"}
    assert sent_signature(form) == recorded_signature(recorded)
    image = {
        "message": {
            "text": "ảnh",
            "attachment": {
                "type": "template",
                "payload": {"template_type": "media", "elements": [{"media_type": "image", "url": "x"}]},
            },
        }
    }
    assert sent_signature(image) == recorded_signature({"kind": "image", "text": "ảnh", "image_url": "x"})


def test_a_record_with_one_message_is_read_as_well():
    assert delivery_messages({"message": {"kind": "text", "text": "a"}}) == [{"kind": "text", "text": "a"}]
    assert delivery_messages({"messages": [{"text": "a"}, {"text": "b"}]}) == [{"text": "a"}, {"text": "b"}]
    assert delivery_messages({}) == []


def _record(citizen, state, *texts):
    return {"citizen_id": citizen, "state": state, "messages": [{"kind": "text", "text": t} for t in texts]}


def test_a_message_sent_more_often_than_recorded_is_a_duplicate_and_a_recorded_one_never_seen_is_missing():
    records = [
        _record("a", "sent", "Xin chào", "Đã ghi nhận"),
        _record("a", "sent", "Đã ghi nhận"),  # the same text in two turns: sent twice, no duplicate
        _record("b", "sent", "Mã tra cứu: HN-1"),
        _record("c", "retrying", "chưa gửi"),  # not sent yet: not missing either
    ]
    sent = [
        ("a", ("Xin chào", None)),
        ("a", ("Đã ghi nhận", None)),
        ("a", ("Đã ghi nhận", None)),
        ("a", ("Xin chào", None)),  # once more than recorded
    ]
    outcome = compare(sent, records)
    assert outcome.duplicates == {("a", ("Xin chào", None)): 1}
    assert outcome.missing == {("b", ("Mã tra cứu: HN-1", None)): 1}
    assert (outcome.sent, outcome.expected) == (4, 5)


def test_firestore_counts_by_collection_and_their_difference():
    assert collection_of("projects/p/databases/(default)/documents/agencies/a/cases/c1") == "cases"
    assert collection_of("projects/p/databases/(default)/documents/deliveries/k") == "deliveries"
    before = {
        "f": {"documents_read": 2, "writes": 1, "reads_by_collection": {"x": 2}, "writes_by_collection": {}}
    }
    after = {
        "f": {
            "documents_read": 5,
            "writes": 4,
            "reads_by_collection": {"x": 3, "y": 2},
            "writes_by_collection": {"z": 3},
        }
    }
    change = difference(
        {"f": {**dict.fromkeys(_numbers(), 0), **after["f"]}},
        {"f": {**dict.fromkeys(_numbers(), 0), **before["f"]}},
    )
    assert change["f"]["documents_read"] == 3
    assert change["f"]["writes"] == 3
    assert change["f"]["reads_by_collection"] == {"x": 1, "y": 2}
    assert change["f"]["writes_by_collection"] == {"z": 3}


def _numbers():
    from pakn_dev.bench_firestore_counter import NUMBERS

    return NUMBERS

"""Every answer reaches the citizen: inside Zalo's 7-day window as a customer-service message, after it by
a ZNS template (to their Zalo id, or their phone), and otherwise held until they write again; nothing at
night; long texts whole and in order. The real functions, the emulators and the Zalo stand-in, whose
window, night ban and ZNS endpoint are Zalo's (pakn_dev.zalo_standin)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pakn.cases.workflow import Actor
from pakn.deadlines.workdays import VIETNAM_TZ, day_written
from pakn.delivery.outbox import OutboundRequest, OutboxSweep, split_text
from pakn.delivery.reach import default_policy
from pakn.delivery.sender import Sender
from pakn.domain import messages
from pakn.platform import firestore_paths

# Zalo's night ban off, as the pipeline's own sender runs here (ZALO_NIGHT_BAN=false): a sender built by a
# test with a clock near the real time must not hold its messages when the suite runs after 22:00 in Hanoi.
DAYTIME = default_policy().without_night()


pytestmark = pytest.mark.emulator

CITIZEN = "7712345678901234599"
PHONE = "84912345678"  # the 0912345678 the pipeline's contact form gives
WARD = "xa-00004"  # Phường Ba Đình
OFFICIAL = Actor(uid="official-ba-dinh", agency_id=WARD)
ANSWER = "Phường đã kiểm tra hồ sơ và hướng dẫn lại cán bộ tiếp nhận. Anh/chị vui lòng đến nộp bổ sung."


def file_case(pipeline, firestore_db) -> dict:
    case = pipeline.filed_case(CITIZEN)
    assert case["agency_id"] == WARD
    return case


def answer(case: dict, text: str = ANSWER) -> str:
    """The ward answers (the workflow the API and the console share); returns the delivery key."""
    from pakn import runtime

    request_id = uuid.uuid4().hex
    runtime.workflow().answer(OFFICIAL, case["case_id"], request_id, text)
    return f"case:{case['case_id']}:answer:{request_id}"


def delivery(firestore_db, key: str) -> dict:
    return firestore_paths.delivery(firestore_db, key).get().to_dict()


def citizen_goes_silent(pipeline, days: int = 28) -> None:
    """The citizen has not written for `days` (an answer on working day 20 comes about 28 days on)."""
    pipeline.standin.control.set_user(CITIZEN, last_interaction_days_ago=days)


def test_an_answer_after_the_window_reaches_a_silent_citizen_once_by_zns(pipeline, firestore_db):
    case = file_case(pipeline, firestore_db)
    citizen_goes_silent(pipeline)
    key = answer(case)
    pipeline.run()

    [zns] = pipeline.zns(user_id=CITIZEN)
    assert zns["template_id"] == "pakn_answer_ready" and zns["tracking_id"] == key
    assert zns["template_data"] == {
        "code": case["tracking_code"],
        "agency": "Phường Ba Đình",
        "date": day_written(datetime.now(UTC)),
    }
    assert pipeline.replies(CITIZEN) == []  # no customer-service message got through
    record = delivery(firestore_db, key)
    assert (record["state"], record["channel"], record["zns_message_id"]) == (
        "sent",
        "zns",
        zns["message_id"],
    )

    # Pub/Sub redelivers, the outbox sweep republishes: still one ZNS.
    from pakn import runtime

    runtime.publish_outbound(OutboundRequest(delivery_key=key), CITIZEN)
    pipeline.run()
    assert len(pipeline.zns(user_id=CITIZEN)) == 1

    # Zalo's delivery receipt, as it posts it to the webhook, is kept on the delivery, once.
    receipt = {
        "app_id": pipeline.zalo.app_id,
        "event_name": "user_received_message",
        "sender": {"id": pipeline.zalo.oa_id},
        "recipient": {"id": PHONE},
        "timestamp": str(int(datetime.now(UTC).timestamp() * 1000)),
        "message": {"msg_id": zns["message_id"], "delivery_time": "1767225600000", "tracking_id": key},
    }
    for _ in range(2):
        assert pipeline.post(receipt).status_code == 200
        pipeline.run()
    assert delivery(firestore_db, key)["received_at"] == datetime(2026, 1, 1, tzinfo=UTC)


def test_by_our_own_record_a_silent_citizen_is_not_tried_by_customer_service_first(pipeline, firestore_db):
    from pakn import runtime

    case = file_case(pipeline, firestore_db)
    later = datetime.now(UTC) + timedelta(days=10)
    pipeline.standin.control.set_clock(later.isoformat())
    key = answer(case)
    sender = Sender(
        firestore_db, runtime.zalo_client(), runtime.publish_outbound, clock=lambda: later, policy=DAYTIME
    )
    sender.deliver(key)
    assert len(pipeline.zns(user_id=CITIZEN)) == 1
    assert pipeline.standin.control.stats()["errors"].get("-230", 0) == 0
    assert delivery(firestore_db, key)["channel"] == "zns"
    pipeline.standin.control.real_clock()


def test_a_template_that_cannot_go_to_the_zalo_id_goes_to_the_phone_the_citizen_gave(pipeline, firestore_db):
    case = file_case(pipeline, firestore_db)
    citizen_goes_silent(pipeline)
    params = {"code": 20, "agency": 100, "date": 20}
    pipeline.standin.control.zns_templates(
        {"pakn_answer_ready": {"params": params, "allows_user_id": False, "approved": True}}
    )
    answer(case)
    pipeline.run()
    assert pipeline.zns(user_id=CITIZEN) == []
    [zns] = pipeline.zns(phone=PHONE)
    assert zns["template_data"]["code"] == case["tracking_code"]


def test_an_answer_nothing_can_bring_waits_and_reaches_the_citizen_when_they_write_again(
    pipeline, firestore_db
):
    from pakn.delivery.history import deliveries_of_case

    case = file_case(pipeline, firestore_db)
    citizen_goes_silent(pipeline)
    for recipient in (CITIZEN, PHONE):
        pipeline.standin.control.zns_refuse(recipient, -118)
    key = answer(case)
    pipeline.run()
    assert (
        pipeline.zns(user_id=CITIZEN) == pipeline.zns(phone=PHONE) == [] and pipeline.replies(CITIZEN) == []
    )
    # Held, and the officials see it on the case.
    assert delivery(firestore_db, key)["state"] == "held"
    shown = deliveries_of_case(firestore_db, case["case_id"], CITIZEN)
    assert [d.state for d in shown if d.key == key] == ["held"]

    # The citizen writes again (asking where their case is, without the HN- of the code).
    code = case["tracking_code"]
    pipeline.post(pipeline.zalo.text(CITIZEN, f"tra cuu {code.removeprefix('HN-')}"))
    pipeline.run()
    replies = pipeline.replies(CITIZEN)
    held = messages.text("answer", code=code, agency="Phường Ba Đình", text=ANSWER)
    assert replies.count(held) == 1  # the held answer, once
    # TRA CỨU shows the latest answer in full, with who answered and when, after the held answer.
    full = messages.text(
        "status_answer", agency="Phường Ba Đình", date=day_written(datetime.now(UTC)), text=ANSWER
    )
    assert replies.index(held) < replies.index(full)
    assert delivery(firestore_db, key)["state"] == "sent"
    state = firestore_paths.citizen(firestore_db, CITIZEN).get().to_dict()
    assert state["held_deliveries"] == []


def test_an_answer_made_at_23_00_leaves_at_06_00(pipeline, firestore_db):
    from pakn import runtime

    case = file_case(pipeline, firestore_db)
    night = datetime.now(VIETNAM_TZ).replace(hour=23, minute=0, second=0, microsecond=0)
    morning = (night + timedelta(days=1)).replace(hour=6)
    standin = pipeline.standin.control
    standin.night_ban(True)
    standin.set_clock(night.isoformat())
    policy = default_policy()  # with Zalo's night, whatever the pipeline's own setting
    key = answer(case)

    def sender_at(instant):
        return Sender(
            firestore_db,
            runtime.zalo_client(),
            runtime.publish_outbound,
            clock=lambda: instant,
            policy=policy,
        )

    sender_at(night).deliver(key)
    record = delivery(firestore_db, key)
    assert record["state"] == "pending" and record["next_attempt_at"] == morning
    assert pipeline.replies(CITIZEN) == []
    # Our own clock kept it back: Zalo was not even asked (its -234 is only the second line).
    assert standin.stats()["errors"].get("-234", 0) == 0
    # The outbox sweep brings it back at 06:00, not a minute before.
    published = []
    sweep = OutboxSweep(firestore_db, lambda request, citizen_id: published.append(request.delivery_key))
    sweep.run(morning - timedelta(minutes=1))
    assert key not in published
    sweep.run(morning)
    assert key in published
    standin.set_clock(morning.isoformat())
    sender_at(morning).deliver(key)
    answer_text, rating_question = pipeline.replies(CITIZEN)
    assert answer_text == messages.text(
        "answer", code=case["tracking_code"], agency="Phường Ba Đình", text=ANSWER
    )
    assert rating_question.startswith("Anh/chị có hài lòng")  # the same delivery asks for a rating
    assert delivery(firestore_db, key)["state"] == "sent"
    standin.real_clock()
    standin.night_ban(False)


def test_a_long_answer_arrives_whole_in_order_cut_after_sentences(pipeline, firestore_db):
    case = file_case(pipeline, firestore_db)
    long_answer = " ".join(f"Mục {n}: phường đã rà soát hồ sơ và trả lời nội dung số {n}." for n in range(90))
    answer(case, long_answer)
    pipeline.run()
    *replies, rating_question = pipeline.replies(CITIZEN)
    whole = messages.text("answer", code=case["tracking_code"], agency="Phường Ba Đình", text=long_answer)
    assert len(replies) > 2 and replies == split_text(whole)
    assert rating_question.startswith("Anh/chị có hài lòng")  # after the whole answer, in its delivery
    assert all(len(reply) <= 2000 and reply.endswith(".") for reply in replies)


def test_the_citizen_is_told_when_the_agency_accepts_extends_and_transfers(pipeline, firestore_db):
    from pakn import runtime

    case = file_case(pipeline, firestore_db)
    workflow = runtime.workflow()
    workflow.accept(OFFICIAL, case["case_id"], "accept-1")
    workflow.extend(OFFICIAL, case["case_id"], "extend-1", "Cần xác minh với Sở Tư pháp")
    workflow.transfer(OFFICIAL, case["case_id"], "transfer-1", "so-tu-phap", reason="Thuộc thẩm quyền của Sở")
    pipeline.run()
    accepted, extended, transferred = pipeline.replies(CITIZEN)
    code = case["tracking_code"]
    assert accepted.startswith(f"Phản ánh {code} đã được Phường Ba Đình tiếp nhận. Hạn trả lời: ngày ")
    assert extended.startswith(f"Thời hạn trả lời phản ánh {code} được gia hạn đến ngày ")
    assert extended.endswith("Lý do: Cần xác minh với Sở Tư pháp")
    assert "Sở Tư pháp" in transferred and "Lý do: Thuộc thẩm quyền của Sở" in transferred


def test_the_filing_confirmation_is_among_what_the_case_shows_its_citizen_was_sent(pipeline, firestore_db):
    from pakn.delivery.history import deliveries_of_case

    case = file_case(pipeline, firestore_db)
    shown = deliveries_of_case(firestore_db, case["case_id"], CITIZEN)
    sent = [message.text for delivery in shown for message in delivery.messages if delivery.state == "sent"]
    assert any(f"Mã tra cứu: {case['tracking_code']}" in text for text in sent)

"""Any sequence of what citizens send -- complaints, commands, stray answers, buttons' words, details,
photos, emoji -- in any order: a turn never raises, its state survives the store's round trip, a draft's
stage always has what it waits on, and every reply fits one Zalo message. Hostile or confused input stays
in the suite as generated sequences, not as a list of the ones someone thought of."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_turn import CITIZEN, CONTACT, Citizen

from pakn.citizens.state import CitizenState
from pakn.delivery.outbox import TEXT_LIMIT
from pakn.domain.vocabulary import Location, Media

TEXTS = [
    "Tôi đi làm khai sinh cho con ở phường Trúc Bạch mà cán bộ bắt bổ sung giấy tờ 3 lần",
    "Sở Tư pháp cấp phiếu lý lịch tư pháp chậm",
    "lam so do o xa Soc Son 3 thang chua co",
    "Cán bộ phường Ba Đình thái độ hách dịch",
    "đề xuất thành phố bỏ yêu cầu bản sao công chứng",
    "Cảm ơn cán bộ phường Giáp Bát đã hướng dẫn tận tình",
    "đường trước nhà tôi ngập nước, rác bốc mùi",
    "P Long Biên cũ, đăng ký hộ kinh doanh ở đâu",
    "Hồ sơ công ty em bị trả lại lần 3",
    "xong",
    "XONG",
    "1",
    "2",
    "3",
    "4",
    "7",
    "đồng ý",
    "sửa",
    "hủy",
    "mới",
    "hướng dẫn",
    "hồ sơ",
    "tra cứu",
    "tra cứu HN-4K7Q2M",
    "cảm ơn",
    "alo",
    "Việc khác",
    "thái độ",
    "không rõ",
    "Sở Y tế",
    "Nguyễn Văn An, 0912345678, 12 Hàng Bông",
    "0912345678",
    "5 sao",
    "không đồng ý",
    "😀",
    "?",
    "a" * 2100,
    "",
]
PHOTO = Media(type="image", url="https://z.test/p.jpg")


@st.composite
def events(draw):
    shape = draw(st.sampled_from(["text", "text", "text", "text", "photo", "location", "contact"]))
    if shape == "contact":
        return ("contact", None)
    if shape == "photo":
        return ("message", {"media": (PHOTO,), "text": draw(st.sampled_from([None, *TEXTS[:3]]))})
    if shape == "location":
        return ("message", {"location": Location(latitude=21.03, longitude=105.85)})
    return ("message", {"text": draw(st.sampled_from(TEXTS)) or None})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.booleans(), st.lists(events(), min_size=1, max_size=14))
def test_any_sequence_of_messages_is_answered_and_leaves_a_state_that_makes_sense(known, sequence):
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT if known else None))
    for kind, fields in sequence:
        if kind == "contact":
            citizen.gives_contact()
        elif fields.get("text") is None and not fields.get("media") and not fields.get("location"):
            continue
        else:
            citizen.send(citizen.event(**fields))
        state = citizen.state
        assert CitizenState.model_validate(state.model_dump(mode="json")) == state
        draft = state.draft
        if draft is not None:
            if draft.stage in ("awaiting_answer", "turned_away"):
                assert draft.questions, draft.stage
            if draft.stage == "confirming":
                assert draft.content
        for reply in citizen.last.replies:
            assert reply.text is None or 0 < len(reply.text) <= TEXT_LIMIT
        for case in citizen.last.filed:
            assert case.content and case.agency_id

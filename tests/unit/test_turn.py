"""The conversation's state machine, decided without Firestore: each test gives a turn the citizen's state,
an event and the case look-ups it may need, and reads its decision (new state, replies, cases filed or
changed). The same paths run end to end on the emulators in tests/emulator/test_conversation.py."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from itertools import count

import pytest
from cases_for_tests import POLICY, filed_case, hanoi

from pakn.cases.case import Case
from pakn.citizens.state import AwaitingInfo, CitizenState, LastCase, Unreachable
from pakn.conversation.limits import ConversationLimits, default_limits
from pakn.conversation.turn import Dependencies, TurnResult, take_turn
from pakn.domain import messages
from pakn.domain.vocabulary import ContactDetails, Media
from pakn.intake.events import CitizenEvent
from pakn.routing.classify import classify
from pakn.routing.registry import load_registry

CITIZEN = "5512345678901234567"
START = hanoi(3, 2, 9)
CONTACT = ContactDetails(name="Nguyễn Văn An", phone="0912345678", address="12 Hàng Bông")
WARD_PROCEDURE = (
    "Tôi đi làm khai sinh cho con ở phường Trúc Bạch, quận Ba Đình mà cán bộ bắt bổ sung giấy tờ 3 lần"
)
COMMUNE_PROCEDURE_NO_PLACE = "Tôi đi đăng ký khai tử cho bố mà cán bộ hẹn đi hẹn lại"
DEPARTMENT_PROCEDURE = "Sở Tư pháp cấp phiếu lý lịch tư pháp chậm"


class CasesAtHand:
    """The look-ups a turn may make, answered from the cases a test puts here (what the store would find)."""

    def __init__(self, *cases: Case):
        self.cases = {case.case_id: case for case in cases}
        self.codes = (f"HN-{n:06d}" for n in count(1))

    def by_tracking_code(self, code: str) -> Case | None:
        return next((c for c in self.cases.values() if c.tracking_code == code), None)

    def recent_of_citizen(self, citizen_id: str) -> list[Case]:
        mine = [c for c in self.cases.values() if c.citizen_id == citizen_id]
        return sorted(mine, key=lambda c: c.filed_at, reverse=True)[:5]

    def locate(self, agency_id: str, case_id: str) -> Case | None:
        return self.cases.get(case_id)

    def new_tracking_code(self) -> str:
        return next(self.codes)


DEPENDENCIES = Dependencies(
    classify=classify,
    registry=load_registry(),
    contact_form_image_url="https://img.test/form.png",
    policy=POLICY,
)


class Citizen:
    """One citizen's conversation, turn after turn, as the service would run it (state carried over)."""

    def __init__(
        self,
        state: CitizenState | None = None,
        cases: CasesAtHand | None = None,
        dependencies: Dependencies = DEPENDENCIES,
    ):
        self.dependencies = dependencies
        self.state = state or CitizenState(citizen_id=CITIZEN, greeted=True)
        self.cases = cases or CasesAtHand()
        self.clock = (START + timedelta(minutes=n) for n in count())
        self.ids = (f"msg-{n}" for n in count())
        self.last: TurnResult | None = None

    def event(self, type="message", **fields) -> CitizenEvent:
        return CitizenEvent(
            event_id=next(self.ids),
            event_name="user_send_text",
            type=type,
            citizen_id=CITIZEN,
            occurred_at=fields.pop("at", None) or next(self.clock),
            **fields,
        )

    def send(self, event: CitizenEvent) -> list[str]:
        self.last = take_turn(self.state, event, self.cases, self.dependencies)
        self.state = self.last.state
        for case in self.last.filed:
            self.cases.cases[case.case_id] = case
        for _, after in self.last.changed:
            self.cases.cases[after.case_id] = after
        return [reply.text if reply.kind == "text" else f"[{reply.kind}]" for reply in self.last.replies]

    def says(self, text: str, **fields) -> list[str]:
        return self.send(self.event(text=text, **fields))

    def gives_contact(self, contact: ContactDetails = CONTACT) -> list[str]:
        return self.send(self.event(type="contact", contact=contact))


def text(key: str, **values) -> str:
    return messages.text(key, **values)


def test_a_turn_does_not_change_the_state_it_was_given():
    state = CitizenState(citizen_id=CITIZEN)
    take_turn(state, Citizen(state).event(text=WARD_PROCEDURE), CasesAtHand(), DEPENDENCIES)
    assert state == CitizenState(citizen_id=CITIZEN)


def test_the_first_message_greets_and_starts_a_draft_and_the_next_adds_to_it():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN))
    assert citizen.says(WARD_PROCEDURE) == [text("welcome"), text("draft_started")]
    assert citizen.says("Lần thứ ba rồi") == [text("draft_added")]
    assert citizen.state.draft.content == f"{WARD_PROCEDURE}\nLần thứ ba rồi"


def test_follow_greets_once_and_unfollow_leaves_the_citizen_unreachable_as_they_were():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN))
    assert citizen.send(citizen.event(type="follow")) == [text("welcome"), text("how_to_start")]
    assert citizen.send(citizen.event(type="follow")) == []
    citizen.state = citizen.state.model_copy(update={"zalo_unreachable": Unreachable(code=-213, since=START)})
    assert citizen.send(citizen.event(type="unfollow")) == []
    assert citizen.state.following is False and citizen.last.reachable_again is False
    assert citizen.state.zalo_unreachable is not None


def test_writing_again_makes_an_unreachable_citizen_reachable():
    unreachable = CitizenState(citizen_id=CITIZEN, greeted=True, zalo_unreachable=Unreachable(since=START))
    citizen = Citizen(unreachable)
    citizen.says("xin chào")
    assert citizen.state.zalo_unreachable is None and citizen.last.reachable_again


def test_a_sticker_alone_is_neither_filed_nor_answered_but_a_photo_starts_a_draft():
    citizen = Citizen()
    assert citizen.send(citizen.event(media=(Media(type="sticker", url="https://s.test/1"),))) == []
    assert citizen.state.draft is None
    photo = Media(type="image", url="https://z.test/photo.jpg")
    assert citizen.send(citizen.event(media=(photo,))) == [text("attachment_received")]
    assert citizen.state.draft.media == [photo]


def test_done_with_an_empty_draft_asks_for_content():
    assert Citizen().says("xong") == [text("draft_empty")]


def test_the_whole_filing_asks_for_details_shows_a_summary_and_files_at_the_competent_ward():
    citizen = Citizen()
    citizen.says(WARD_PROCEDURE)
    asked = citizen.says("xong")
    assert asked == [text("need_contact"), "[request_user_info]"]
    assert citizen.last.replies[1].image_url == DEPENDENCIES.contact_form_image_url
    assert citizen.state.draft.stage == "awaiting_contact"
    [summary] = citizen.gives_contact()
    assert "Nhắn 1 để GỬI" in summary and "Nguyễn Văn An" in summary
    assert citizen.state.draft.stage == "confirming"

    [filed_reply] = citizen.says("1")
    [case] = citizen.last.filed
    assert case.agency_id == "xa-00004" and case.routing.outcome == "agency"
    assert case.contact == CONTACT and case.content == WARD_PROCEDURE
    assert case.tracking_code in filed_reply and case.agency_name in filed_reply
    assert citizen.state.draft is None
    assert citizen.state.last_case == LastCase(
        case_id=case.case_id,
        agency_id=case.agency_id,
        tracking_code=case.tracking_code,
        filed_at=case.filed_at,
    )


def test_a_commune_procedure_without_a_place_is_asked_once_and_the_answer_routes_it():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    citizen.says(COMMUNE_PROCEDURE_NO_PLACE)
    assert citizen.says("xong") == [text("ask_place")]
    assert citizen.state.draft.place_asked and citizen.state.draft.stage == "awaiting_place"
    assert "Nhắn 1 để GỬI" in citizen.says("phường Cửa Nam")[0]
    citizen.says("1")
    [case] = citizen.last.filed
    assert case.agency_name == "Phường Cửa Nam"


def test_a_place_nobody_knows_files_at_the_office_triage_desk():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    citizen.says(COMMUNE_PROCEDURE_NO_PLACE)
    citizen.says("xong")
    citizen.says("chỗ gần nhà tôi")
    citizen.says("1")
    [case] = citizen.last.filed
    assert case.routing.outcome == "triage"


def test_while_details_are_awaited_more_text_is_kept_and_a_lone_phone_is_not_enough():
    citizen = Citizen()
    citizen.says(DEPARTMENT_PROCEDURE)
    citizen.says("xong")
    assert citizen.says("Đã nộp từ 2 tháng trước") == [text("contact_still_needed")]
    assert "Đã nộp từ 2 tháng trước" in citizen.state.draft.content
    assert citizen.says("Tôi đã gọi 0912345678 nhiều lần") == [text("contact_incomplete")]
    [summary] = citizen.says("Lê Văn Tài, 0987654321, 3 Phố Huế")
    assert "Lê Văn Tài" in summary and citizen.state.contact.phone == "0987654321"


def test_from_the_summary_short_chatter_asks_for_1_2_3_and_a_longer_text_joins_the_draft():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    citizen.says(DEPARTMENT_PROCEDURE)
    citizen.says("xong")
    assert citizen.says("ủa sao") == [text("confirm_expected")]
    [summary] = citizen.says("Tôi nộp hồ sơ tại bộ phận một cửa từ tháng trước")
    assert "Tôi nộp hồ sơ tại bộ phận một cửa" in summary
    [corrected] = citizen.says("Nguyễn Văn Ân, 0912345679, 14 Hàng Bông")
    assert "Nguyễn Văn Ân" in corrected and citizen.state.contact.phone == "0912345679"


def test_details_from_the_form_while_confirming_show_the_summary_again():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    citizen.says(DEPARTMENT_PROCEDURE)
    citizen.says("xong")
    [summary] = citizen.gives_contact(ContactDetails(name="Trần Thị Bích"))
    assert "Trần Thị Bích" in summary and "0912345678" in summary


def test_details_outside_a_draft_are_kept_and_thanked_for():
    citizen = Citizen()
    assert citizen.gives_contact() == [text("contact_saved")]
    assert citizen.state.contact == CONTACT


def test_edit_drops_the_text_keeps_attachments_and_collects_again_and_cancel_files_nothing():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    photo = Media(type="image", url="https://z.test/p.jpg")
    citizen.send(citizen.event(text=DEPARTMENT_PROCEDURE, media=(photo,)))
    citizen.says("xong")
    assert citizen.says("2") == [text("edit_prompt")]
    assert citizen.state.draft.content == "" and citizen.state.draft.media == [photo]
    assert citizen.state.draft.stage == "collecting"
    citizen.says("Sở Y tế cấp giấy phép hoạt động phòng khám chậm 3 tháng")
    citizen.says("xong")
    assert citizen.says("3") == [text("cancelled")]
    assert citizen.state.draft is None and citizen.last.filed == []
    assert citizen.says("hủy") == [text("nothing_to_cancel")]


def test_new_starts_over_and_help_is_there_at_any_time():
    citizen = Citizen()
    citizen.says(DEPARTMENT_PROCEDURE)
    assert citizen.says("mới") == [text("new_draft")]
    assert citizen.state.draft is None
    assert citizen.says("huong dan") == [text("help")]


def test_a_lookup_shows_the_citizens_own_case_and_nobody_elses():
    mine = filed_case(START, number=1, citizen_id=CITIZEN)
    theirs = filed_case(START, number=2, citizen_id="someone-else")
    citizen = Citizen(cases=CasesAtHand(mine, theirs))
    [status] = citizen.says(f"tra cuu {mine.tracking_code.lower()}")
    assert status.startswith(f"Phản ánh {mine.tracking_code}: đang xử lý.")
    assert citizen.says(f"TRA CỨU {theirs.tracking_code}") == [
        text("status_not_found", code=theirs.tracking_code)
    ]
    assert citizen.says("tra cứu HN-ZZZZZZ") == [text("status_not_found", code="HN-ZZZZZZ")]


def test_the_list_shows_the_citizens_cases_newest_first_or_says_there_are_none():
    assert Citizen().says("hồ sơ") == [text("no_cases")]
    older = filed_case(START, number=1, citizen_id=CITIZEN)
    newer = filed_case(START + timedelta(days=1), number=2, citizen_id=CITIZEN)
    [listing] = Citizen(cases=CasesAtHand(older, newer)).says("Hồ sơ")
    assert listing.index(newer.tracking_code) < listing.index(older.tracking_code)


def test_text_written_before_confirming_but_delivered_after_joins_the_filed_case():
    case = filed_case(START + timedelta(minutes=10), number=1, citizen_id=CITIZEN)
    last = LastCase(
        case_id=case.case_id,
        agency_id=case.agency_id,
        tracking_code=case.tracking_code,
        filed_at=case.filed_at,
    )
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, last_case=last), CasesAtHand(case))
    assert citizen.says("quên chưa nói: lần thứ ba", at=START) == [
        text("late_addition", code=case.tracking_code)
    ]
    [(before, after)] = citizen.last.changed
    assert before == case and after.late_additions == ["quên chưa nói: lần thứ ba"]
    assert citizen.state.draft is None
    # Written after filing, the same words start a new draft instead.
    assert citizen.says("một việc khác", at=START + timedelta(hours=1)) == [text("draft_started")]


def test_the_answer_to_an_officials_question_joins_the_case_and_restarts_its_clock():
    asked = (
        filed_case(START, number=1, citizen_id=CITIZEN)
        .request_info("official-1", "r1", START + timedelta(hours=1), "Anh/chị nộp ngày nào?", POLICY)
        .case
    )
    waiting = AwaitingInfo(
        case_id=asked.case_id, agency_id=asked.agency_id, tracking_code=asked.tracking_code
    )
    citizen = Citizen(
        CitizenState(citizen_id=CITIZEN, greeted=True, awaiting_info=waiting), CasesAtHand(asked)
    )
    assert citizen.says("Tôi nộp ngày 1/3") == [text("information_received", code=asked.tracking_code)]
    [(_, after)] = citizen.last.changed
    assert after.citizen_information[0].text == "Tôi nộp ngày 1/3" and after.clock.frozen_since is None
    assert citizen.state.awaiting_info is None and citizen.state.draft is None


@pytest.mark.parametrize("gone", ["answered", "resumed", "missing"])
def test_an_answer_to_a_question_that_no_longer_stands_starts_a_draft(gone):
    asked = (
        filed_case(START, number=1, citizen_id=CITIZEN)
        .request_info("official-1", "r1", START + timedelta(hours=1), "Ngày nào?", POLICY)
        .case
    )
    at_hand = {
        "answered": CasesAtHand(asked.answer("official-1", "r2", START, "Đã xong").case),
        "resumed": CasesAtHand(asked.resume("official-1", "r2", START, POLICY).case),
        "missing": CasesAtHand(),
    }[gone]
    waiting = AwaitingInfo(
        case_id=asked.case_id, agency_id=asked.agency_id, tracking_code=asked.tracking_code
    )
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, awaiting_info=waiting), at_hand)
    assert citizen.says("Tôi nộp ngày 1/3") == [text("draft_started")]
    assert citizen.last.changed == [] and citizen.state.awaiting_info is None


def tight(**limits) -> Dependencies:
    """The shipped dependencies with the conversation's limits made small enough to reach in a test."""
    values = {
        "draft": {"max_parts": 3, "max_chars": 200, "max_media": 2},
        "flood": {"window_seconds": 60, "max_messages": 5},
    }
    values.update(limits)
    return dataclasses.replace(DEPENDENCIES, limits=ConversationLimits.model_validate(values))


def test_a_full_draft_takes_nothing_more_and_says_how_to_go_on():
    citizen = Citizen(dependencies=tight())
    citizen.says(DEPARTMENT_PROCEDURE)
    citizen.says("Lần hai")
    citizen.says("Lần ba")
    assert citizen.says("Lần bốn") == [text("draft_full")]
    assert "Lần bốn" not in citizen.state.draft.content and len(citizen.state.draft.parts) == 3
    assert citizen.says("xong") == [text("need_contact"), "[request_user_info]"]  # still sendable


def test_a_draft_is_bounded_in_characters_and_attachments_too():
    citizen = Citizen(dependencies=tight(draft={"max_parts": 40, "max_chars": 60, "max_media": 1}))
    citizen.says(DEPARTMENT_PROCEDURE)
    assert citizen.says("x" * 40) == [text("draft_full")]
    photos = tuple(Media(type="image", url=f"https://z.test/{n}.jpg") for n in range(2))
    assert citizen.send(citizen.event(media=photos)) == [text("draft_full")]
    assert citizen.state.draft.media == []


def test_a_citizen_flooding_the_oa_is_told_once_to_slow_down_and_heard_again_after_the_window():
    citizen = Citizen(dependencies=tight(draft={"max_parts": 40, "max_chars": 8000, "max_media": 20}))
    first = [citizen.says(f"tin số {n}", at=START + timedelta(seconds=n)) for n in range(5)]
    assert first[0] == [text("draft_started")]
    assert citizen.says("tin số 6", at=START + timedelta(seconds=6)) == [text("slow_down")]
    assert citizen.says("tin số 7", at=START + timedelta(seconds=7)) == []
    assert citizen.says("xong", at=START + timedelta(seconds=8)) == []
    assert "tin số 6" not in citizen.state.draft.content and len(citizen.state.draft.parts) == 5
    assert citizen.says("tin số 8", at=START + timedelta(seconds=61)) == [text("draft_added")]


def test_the_shipped_limits_load_and_keep_a_full_draft_far_below_firestores_document_limit():
    limits = default_limits()
    worst = limits.draft.max_chars * 4 + limits.draft.max_parts * 400 + limits.draft.max_media * 2 * 2100
    assert worst < 1024 * 1024 // 4


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("Tran Van Binh, 123456, so 5 Doi Can", "contact_phone_invalid"),
        ("Phạm Thu Hương 0912 345 67, 12 Hàng Bông", "contact_phone_invalid"),
        ("Trần Văn Bình, số 5 ngõ 12 Đội Cấn", "contact_missing_phone"),
        ("Họ tên: Lê Văn Tài", "contact_missing_phone"),
        ("Tran Van Binh 0987654321", "contact_missing_address"),
        ("0987654321, so 5 ngo 12 Doi Can", "contact_missing_name"),
    ],
)
def test_a_failed_attempt_at_typing_details_says_what_is_wrong_and_stays_out_of_the_complaint(typed, answer):
    citizen = Citizen()
    citizen.says(DEPARTMENT_PROCEDURE)
    citizen.says("xong")
    assert citizen.says(typed) == [text(answer)]
    assert citizen.state.draft.content == DEPARTMENT_PROCEDURE
    assert citizen.state.draft.stage == "awaiting_contact"


def test_a_failed_correction_of_details_from_the_summary_says_what_is_wrong_and_changes_nothing():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    citizen.says(DEPARTMENT_PROCEDURE)
    citizen.says("xong")
    assert citizen.says("Trần Văn Bình, số 5 ngõ 12 Đội Cấn") == [text("contact_missing_phone")]
    assert citizen.state.draft.content == DEPARTMENT_PROCEDURE and citizen.state.contact == CONTACT


def test_a_look_up_without_a_code_asks_for_the_code_instead_of_starting_a_draft():
    citizen = Citizen()
    assert citizen.says("tra cuu") == [text("lookup_needs_code")]
    assert citizen.says("tra cứu HN-12") == [text("lookup_needs_code")]
    assert citizen.state.draft is None


def test_a_code_typed_without_hn_is_looked_up():
    mine = filed_case(START, number=1, citizen_id=CITIZEN)
    [status] = Citizen(cases=CasesAtHand(mine)).says(f"tra cuu {mine.tracking_code[3:].lower()}")
    assert status.startswith(f"Phản ánh {mine.tracking_code}")


@pytest.mark.parametrize("small_talk", ["xin chào", "alo", "Chào ad", "😀👍", "???"])
def test_greetings_and_emoji_alone_say_how_to_begin_and_start_no_draft(small_talk):
    citizen = Citizen()
    assert citizen.says(small_talk) == [text("how_to_start")]
    assert citizen.state.draft is None


def test_thanks_are_answered_kindly_and_start_no_draft():
    citizen = Citizen()
    assert citizen.says("cảm ơn ạ") == [text("thanks_reply")]
    assert citizen.state.draft is None


def test_small_talk_during_a_draft_keeps_the_draft_as_it_is():
    citizen = Citizen()
    citizen.says(DEPARTMENT_PROCEDURE)
    assert citizen.says("alo") == [text("draft_in_progress")]
    assert citizen.says("😀") == []
    assert citizen.state.draft.content == DEPARTMENT_PROCEDURE


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        ("duong truoc nha toi bi ngap nuoc may hom nay, rac thai bot mui", "out_of_scope"),
        ("Hóa đơn tiền điện tháng này tăng gấp đôi, đề nghị kiểm tra", "out_of_scope"),
        ("phố Trần Duy Hưng bị mất nắp cống rất nguy hiểm", "out_of_scope"),
        # A thank-you letter is thanked back.
        (
            "Xin gửi lời cảm ơn cán bộ phường Ba Đình rất nhiệt tình, giấy khai sinh của cháu đã có đúng hẹn",
            "praise_received",
        ),
        ("Em cảm ơn chị cán bộ một cửa xã Sóc Sơn đã hướng dẫn tận tình ạ", "praise_received"),
        (
            "cam on phuong Hoang Liet nhe, lam xac nhan tinh trang hon nhan nhanh gon, can bo vui ve",
            "praise_received",
        ),
    ],
)
def test_what_no_agency_of_this_channel_takes_is_answered_at_once_and_closed_at_done_without_repeating(
    message, reply
):
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    assert citizen.says(message) == [text(reply)]
    assert citizen.says("xong") == [text("nothing_filed")]
    assert citizen.last.filed == [] and citizen.state.draft is None
    # A late "1", as if to confirm, starts nothing.
    assert citizen.says("1") == [text("nothing_to_answer")]
    assert citizen.state.draft is None


def test_an_item_seen_out_of_scope_only_at_done_gets_the_whole_answer_then():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    photo = Media(type="image", url="https://z.test/p.jpg")
    assert citizen.send(citizen.event(media=(photo,))) == [text("attachment_received")]
    # The text joins a draft already started, so nothing is said about it until XONG.
    assert citizen.says("phố Trần Duy Hưng bị mất nắp cống rất nguy hiểm") == [text("draft_started")]
    assert citizen.says("xong") == [text("out_of_scope")]
    assert citizen.state.draft is None


@pytest.mark.parametrize("late", ["1", "2", "3", "Đồng ý", "dong y", "xác nhận", "sửa", "7"])
def test_an_answer_with_nothing_awaiting_it_starts_no_draft_and_joins_none(late):
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    citizen.says(DEPARTMENT_PROCEDURE)
    citizen.says("xong")
    citizen.says("1")
    assert len(citizen.last.filed) == 1
    # A second tap on "1", or a reply typed after the case was filed.
    assert citizen.says(late) == [text("nothing_to_answer")]
    assert citizen.state.draft is None and citizen.last.filed == []
    citizen.says(WARD_PROCEDURE)
    assert citizen.says(late) == [text("draft_in_progress")]
    assert citizen.state.draft.content == WARD_PROCEDURE


@pytest.mark.parametrize("content", ["1 lần nữa bị trả hồ sơ", "đồng ý cho nộp nhưng không nhận", "2024"])
def test_a_number_or_an_answer_word_within_a_sentence_is_content(content):
    citizen = Citizen()
    assert citizen.says(content) == [text("draft_started")]
    assert citizen.state.draft.content == content


def test_thanks_closing_a_problem_for_another_channel_still_point_to_it():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    assert citizen.says("đường trước nhà tôi ngập nước mấy hôm nay, rác bốc mùi, em cảm ơn") == [
        text("out_of_scope")
    ]


@pytest.mark.parametrize(
    "allegation",
    [
        "Cán bộ phường Cửa Nam đòi tiền cà phê mới giải quyết hồ sơ đăng ký khai sinh cho con tôi",
        "can bo xa Dong Anh goi y dua tien moi ky xac nhan cho toi",
    ],
)
def test_money_asked_by_a_communes_own_staff_goes_to_the_inspectorate_and_the_citizen_hears_of_the_channel(
    allegation,
):
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    citizen.says(allegation)
    citizen.says("xong")
    if citizen.state.draft.stage == "awaiting_answer":  # a model torn between a delay and conduct asks
        citizen.says("thái độ cán bộ")
    replies = citizen.says("1")
    [case] = citizen.last.filed
    assert case.kind == "conduct" and case.agency_id == "thanh-tra-tp"
    assert case.routing.reason == "allegation"
    assert replies[-1] == text("denunciation_channel")


def test_rudeness_without_money_stays_with_the_commune():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    citizen.says("Cán bộ phường Ba Đình thái độ rất hách dịch khi tôi nộp hồ sơ")
    citizen.says("xong")
    citizen.says("1")
    [case] = citizen.last.filed
    assert case.agency_id == "xa-00004" and case.routing.reason == "classified"


ENGLISH = (
    "I applied for a work permit at the Department of Home Affairs two months ago and still have no answer"
)


def test_a_citizen_writing_in_english_is_answered_in_english_and_officials_keep_the_original():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN))
    assert citizen.says(ENGLISH) == [messages.text("welcome", "en"), messages.text("draft_started", "en")]
    assert citizen.says("done") == [messages.text("need_contact", "en"), "[request_user_info]"]
    assert citizen.last.replies[1].title == messages.text("contact_form_title", "en")
    [summary] = citizen.gives_contact()
    assert summary.startswith("Please check your feedback:") and ENGLISH in summary
    [filed] = citizen.says("1")
    [case] = citizen.last.filed
    assert filed.startswith(f"Your feedback has been sent to {case.agency_name}.")
    assert case.language == "en" and case.content == ENGLISH
    answered = case.answer("official-1", "r1", START, "Giấy phép đã được cấp.")
    assert answered.citizen_message.startswith(
        f"Answer to feedback {case.tracking_code} from {case.agency_name}"
    )


def test_a_short_word_does_not_change_the_language_a_citizen_writes_in():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, language="en"))
    citizen.says("ok")
    assert citizen.state.language == "en"
    citizen.says("Tôi muốn hỏi về hồ sơ đăng ký kinh doanh")
    assert citizen.state.language == "vi"


SPLIT_WARD = "Tôi làm khai sinh cho con ở phường Việt Hưng cũ mà cán bộ bắt bổ sung giấy tờ ba lần"


def test_a_split_former_ward_is_asked_about_showing_its_successors_and_the_number_chosen_routes_it():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    citizen.says(SPLIT_WARD)
    [question] = citizen.says("xong")
    choices = citizen.state.draft.place_choices
    names = [DEPENDENCIES.registry.get(agency_id).name for agency_id in choices]
    assert len(names) == 2 and question == text(
        "choose_place", options="\n".join(f"{n}. {name}" for n, name in enumerate(names, 1))
    )
    assert "Nhắn 1 để GỬI" in citizen.says("2")[0]
    citizen.says("1")
    [case] = citizen.last.filed
    assert case.agency_id == choices[1] and case.routing.outcome == "agency"


def test_a_split_former_ward_is_settled_by_the_citizens_address_when_it_names_a_successor():
    successor = DEPENDENCIES.registry.get(Citizen().dependencies.classify(SPLIT_WARD).place_candidates[0])
    contact = CONTACT.model_copy(update={"address": f"số 3 ngõ 5, {successor.name}"})
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=contact))
    citizen.says(SPLIT_WARD)
    assert "Nhắn 1 để GỬI" in citizen.says("xong")[0]
    citizen.says("1")
    [case] = citizen.last.filed
    assert case.agency_id == successor.id


def test_a_split_ward_still_unclear_after_the_question_goes_to_the_office_desk():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    citizen.says(SPLIT_WARD)
    citizen.says("xong")
    citizen.says("không nhớ")
    citizen.says("1")
    [case] = citizen.last.filed
    assert case.routing.outcome == "triage" and case.routing.reason == "ambiguous_place"


def test_a_former_ward_named_with_cu_is_not_read_as_todays_unit_of_the_same_name():
    today = DEPENDENCIES.classify("Tôi làm khai sinh ở phường Việt Hưng mà cán bộ bắt bổ sung")
    former = DEPENDENCIES.classify(SPLIT_WARD)
    assert today.agency_id is not None and not today.place_ambiguous
    assert former.agency_id is None and former.place_ambiguous and today.agency_id in former.place_candidates


def test_more_about_the_problem_while_confirming_joins_it_even_when_it_names_a_department():
    citizen = Citizen(CitizenState(citizen_id=CITIZEN, greeted=True, contact=CONTACT))
    citizen.says(DEPARTMENT_PROCEDURE)
    citizen.says("xong")
    more = "hỏi Sở Y tế thì bảo không phải của họ, vậy nộp ở đâu"
    [summary] = citizen.says(more)
    assert "Nhắn 1 để GỬI" in summary and more in citizen.state.draft.content

"""Who is told of new work, in which words, and by which channel: decided without Firestore."""

from __future__ import annotations

from cases_for_tests import filed_case, hanoi

from pakn.escalation.announce import Announcer
from pakn.escalation.officials import Official

HANDLER = Official(email="handler@xa-00004.pakn.local", zalo_user_id="9100000000000000004")


def officials_of(recipient, agency_id):
    return [(recipient.role, HANDLER)] if agency_id == "xa-00004" else []


def announcer(console_url: str | None, channels=("zalo", "email")) -> Announcer:
    return Announcer(db=None, channels=dict.fromkeys(channels), console_url=console_url)


def test_the_handlers_of_the_receiving_agency_are_told_by_each_channel_with_a_link_to_the_case():
    case = filed_case(hanoi(3, 2, 9))
    told = announcer("https://console.pakn.test/").notifications(case, case.filed_at, officials_of)
    assert [(n.role, n.channel, n.address, n.step) for n in told] == [
        ("handlers", "zalo", HANDLER.zalo_user_id, "announce"),
        ("handlers", "email", HANDLER.email, "announce"),
    ]
    subject, _, body = told[0].text.partition("\n")
    assert subject == f"[PAKN] Phản ánh mới {case.tracking_code} gửi tới Phường Ba Đình"
    assert body.endswith(f"https://console.pakn.test/phan-anh/{case.case_id}")
    assert "03/03/2026" in body  # the agency's own deadline to accept or forward it
    assert "Nguyễn Văn An" not in told[0].text and case.content not in told[0].text  # no personal data


def test_each_arrival_has_its_own_keys_and_a_retry_of_the_same_arrival_the_same_ones():
    case = filed_case(hanoi(3, 2, 9))
    first = [n.key for n in announcer(None).notifications(case, case.filed_at, officials_of)]
    again = [n.key for n in announcer(None).notifications(case, case.filed_at, officials_of)]
    later = [n.key for n in announcer(None).notifications(case, hanoi(3, 5, 9), officials_of)]
    assert first == again and not set(first) & set(later)


def test_an_agency_nobody_can_be_told_at_is_announced_to_nobody():
    case = filed_case(hanoi(3, 2, 9))
    assert announcer(None).notifications(case, case.filed_at, lambda recipient, agency_id: []) == []

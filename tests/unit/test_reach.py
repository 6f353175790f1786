"""How a message can reach the citizen: the 7-day window, the night ban and the ZNS templates (config)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from cases_for_tests import hanoi
from hypothesis import given
from hypothesis import strategies as st

from pakn.deadlines.workdays import VIETNAM_TZ
from pakn.delivery.outbox import TEXT_LIMIT, split_text
from pakn.delivery.reach import DeliveryPolicy, Night, Template, default_policy
from pakn.zalo.phone import zns_phone

POLICY = default_policy()


def test_the_window_closes_seven_days_after_the_last_interaction_less_the_margin():
    last = hanoi(3, 2, 9)
    window = POLICY.window
    assert window.open(last, last + timedelta(days=6, hours=23))
    assert not window.open(last, last + timedelta(days=7) - timedelta(minutes=window.margin_minutes))
    assert not window.open(last, last + timedelta(days=20))
    # Never seen (a record from before we kept it): try, and let Zalo say.
    assert window.open(None, last)


@pytest.mark.parametrize(
    ("hour", "minute", "night"),
    [
        (21, 59, False),
        (22, 0, True),
        (23, 30, True),
        (0, 0, True),
        (5, 59, True),
        (6, 0, False),
        (12, 0, False),
    ],
)
def test_nothing_goes_from_22_00_to_06_00_hanoi_time(hour, minute, night):
    assert POLICY.night.covers(hanoi(3, 2, hour, minute)) is night


def test_what_falls_due_at_night_leaves_at_six_the_next_morning():
    assert POLICY.night.ends_after(hanoi(3, 2, 23)) == hanoi(3, 3, 6)
    assert POLICY.night.ends_after(hanoi(3, 3, 1, 30)) == hanoi(3, 3, 6)
    assert POLICY.night.ends_after(hanoi(3, 3, 1, 30)).tzinfo is VIETNAM_TZ


def test_a_night_that_starts_when_it_ends_covers_nothing():
    night = Night(start=time(6), end=time(6))
    assert not any(night.covers(hanoi(3, 2, hour)) for hour in range(24))


def test_template_parameters_are_cut_to_the_limits_zalo_checks():
    template = Template(template_id="t", by_user_id=True, params={"code": 20, "agency": 10})
    data = template.data({"code": "HN-123456", "agency": "Ủy ban nhân dân phường Hoàn Kiếm", "other": "x"})
    assert data == {"code": "HN-123456", "agency": "Ủy ban nh…"}
    assert len(data["agency"]) == 10


def test_every_purpose_a_case_names_has_a_template_in_the_shipped_policy():
    assert {"answer_ready", "transferred", "extended", "info_requested", "late_notice"} <= set(
        POLICY.templates
    )
    assert isinstance(DeliveryPolicy.load(), DeliveryPolicy)


@pytest.mark.parametrize(
    ("typed", "zns"),
    [
        ("0912345678", "84912345678"),
        ("84912345678", "84912345678"),
        ("+84 912 345 678", "84912345678"),
        ("0912.345.678", "84912345678"),
        ("02438253536", None),  # a landline cannot receive ZNS
        ("12345", None),
        (None, None),
    ],
)
def test_a_phone_is_written_as_zns_wants_it_or_not_at_all(typed, zns):
    assert zns_phone(typed) == zns


SENTENCE = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=80
)


@given(st.lists(SENTENCE, min_size=1, max_size=80))
def test_a_long_text_is_cut_into_messages_zalo_takes_losing_nothing(words):
    text = ". ".join(words) + "."
    pieces = split_text(text, limit=300)
    assert all(0 < len(piece) <= 300 for piece in pieces)
    # Only whitespace is lost at the cuts: the words come back in order.
    assert "".join(pieces).replace(" ", "") == text.strip().replace(" ", "")


def test_a_text_is_cut_after_a_sentence_where_one_ends_in_reach():
    first = "Câu thứ nhất kết thúc ở đây. " * 10
    text = first + "x" * 50
    pieces = split_text(text, limit=len(first) + 10)
    assert pieces == [first.strip(), "x" * 50]
    assert split_text("ngắn") == ["ngắn"] and len(split_text("a. " * 2000)) > 1
    assert all(len(piece) <= TEXT_LIMIT for piece in split_text("a. " * 2000))

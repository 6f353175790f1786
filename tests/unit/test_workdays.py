"""Working days on Vietnam's 2026 calendar, as the deadlines count them."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pakn.deadlines.workdays import VIETNAM_TZ, WorkCalendar, close_of_day, default_calendar, local_date
from pakn.domain.errors import ConfigurationError

calendar = default_calendar()


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 2, 16), "Tết: 29 Tết, the eve"),
        (date(2026, 2, 17), "Tết: first day"),
        (date(2026, 2, 20), "Tết: fourth day"),
        (date(2026, 4, 27), "Hùng Kings' day falls on Sunday 26/4, taken on Monday"),
        (date(2026, 4, 30), "Reunification Day"),
        (date(2026, 5, 1), "Labour Day"),
        (date(2026, 8, 31), "the Monday swapped for Saturday 22/8"),
        (date(2026, 9, 1), "National Day's extra day"),
        (date(2026, 9, 2), "National Day"),
        (date(2026, 11, 24), "Vietnam Cultural Day, from 2026"),
        (date(2026, 8, 29), "an ordinary Saturday"),
        (date(2026, 8, 23), "the Sunday after the make-up Saturday"),
    ],
)
def test_days_off(day, why):
    assert not calendar.is_working_day(day), why


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 2, 13), "the Friday before Tết"),
        (date(2026, 2, 23), "the Monday after Tết"),
        (date(2026, 4, 28), "the day after Hùng Kings' observed day"),
        (date(2026, 8, 22), "the make-up Saturday for Monday 31/8"),
        (date(2026, 11, 23), "an ordinary Monday"),
    ],
)
def test_working_days(day, why):
    assert calendar.is_working_day(day), why


def test_tet_2026_is_skipped():
    assert calendar.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert calendar.add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)
    assert calendar.working_days_between(date(2026, 2, 13), date(2026, 2, 25)) == 3


def test_hung_kings_and_reunification_week_of_2026():
    # Fri 24/4 -> Tue 28/4, Wed 29/4, then 30/4, 1/5 and the weekend off -> Mon 4/5.
    assert calendar.add_working_days(date(2026, 4, 24), 1) == date(2026, 4, 28)
    assert calendar.add_working_days(date(2026, 4, 24), 3) == date(2026, 5, 4)


def test_the_make_up_saturday_counts_and_national_day_does_not():
    assert calendar.add_working_days(date(2026, 8, 21), 1) == date(2026, 8, 22)
    # Sat 22/8 and Mon-Fri 24-28/8 worked; Mon 31/8, Tue 1/9 and Wed 2/9 off; Thu 3/9 worked.
    assert calendar.working_days_between(date(2026, 8, 21), date(2026, 9, 3)) == 7


def test_counting_convention():
    friday, monday = date(2026, 11, 20), date(2026, 11, 23)
    assert calendar.add_working_days(friday, 0) == friday
    assert calendar.add_working_days(date(2026, 11, 21), 0) == date(2026, 11, 21)
    assert calendar.working_days_between(friday, friday) == 0
    assert calendar.working_days_between(friday, monday) == 1
    assert calendar.working_days_between(monday, friday) == -1
    # Backwards over 24/11: Wed 25/11 -> Mon 23/11.
    assert calendar.add_working_days(date(2026, 11, 25), -1) == monday


def test_dates_and_deadline_instants_are_hanoi_time():
    assert local_date(datetime(2026, 2, 12, 17, 30, tzinfo=UTC)) == date(2026, 2, 13)
    assert close_of_day(date(2026, 2, 13)) == datetime(2026, 2, 13, 10, 0, tzinfo=UTC)
    assert close_of_day(date(2026, 2, 13)).tzinfo == VIETNAM_TZ
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime(2026, 2, 13, 9, 0))


def write_overrides(tmp_path, content):
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps(content))
    return path


def test_override_file_adds_a_swap_the_package_does_not_know(tmp_path):
    path = write_overrides(
        tmp_path,
        {
            "note": "a swap announced after the package's release",
            "days_off": [{"date": "2027-04-30", "reason": "test: day off"}],
            "working_days": [{"date": "2027-04-24", "reason": "test: make-up Saturday"}],
        },
    )
    swapped = WorkCalendar.load(path)
    assert swapped.is_working_day(date(2027, 4, 24))
    assert not swapped.is_working_day(date(2027, 4, 30))
    assert swapped.add_working_days(date(2027, 4, 23), 1) == date(2027, 4, 24)
    assert swapped.working_days[date(2027, 4, 24)] == "test: make-up Saturday"
    assert not calendar.is_working_day(date(2027, 4, 24))


def test_shipped_overrides_pin_the_2026_national_day_swap():
    assert date(2026, 8, 22) in calendar.working_days
    assert date(2026, 8, 31) in calendar.days_off


@pytest.mark.parametrize(
    "content",
    [
        {
            "days_off": [{"date": "2027-04-30", "reason": "x"}],
            "working_days": [{"date": "2027-04-30", "reason": "y"}],
        },
        {"working_day": [{"date": "2027-04-24", "reason": "misspelt list"}]},
        {"days_off": [{"date": "30/04/2027", "reason": "not ISO"}]},
    ],
)
def test_bad_override_files_are_refused(tmp_path, content):
    with pytest.raises(ConfigurationError):
        WorkCalendar.load(write_overrides(tmp_path, content))


def test_a_missing_override_file_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError):
        WorkCalendar.load(tmp_path / "absent.json")


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@given(day=days, n=st.integers(min_value=1, max_value=60))
def test_adding_lands_on_a_working_day(day, n):
    assert calendar.is_working_day(calendar.add_working_days(day, n))
    assert calendar.is_working_day(calendar.add_working_days(day, -n))


@given(day=days, n=st.integers(min_value=0, max_value=60))
def test_between_undoes_add(day, n):
    assert calendar.working_days_between(day, calendar.add_working_days(day, n)) == n


@given(a=days, span=st.integers(min_value=0, max_value=90))
def test_between_is_antisymmetric_and_bounded_by_calendar_days(a, span):
    b = a + timedelta(days=span)
    assert calendar.working_days_between(b, a) == -calendar.working_days_between(a, b)
    assert 0 <= calendar.working_days_between(a, b) <= span


def test_citizens_are_not_messaged_at_night():
    from pakn.deadlines.workdays import VIETNAM_TZ, waking_hours

    def hanoi(day: int, hour: int) -> datetime:
        return datetime(2026, 3, day, hour, 30, tzinfo=VIETNAM_TZ)

    assert waking_hours(hanoi(10, 14)) == hanoi(10, 14)
    assert waking_hours(hanoi(10, 2)) == datetime(2026, 3, 10, 8, 0, tzinfo=VIETNAM_TZ)
    assert waking_hours(hanoi(10, 22)) == datetime(2026, 3, 11, 8, 0, tzinfo=VIETNAM_TZ)

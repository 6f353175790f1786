"""Working days (ngày làm việc) on Vietnam's calendar, the unit every PAKN time limit is counted in.

A day is a working day unless it is a weekend or a public holiday, with the government's day swaps
applied: a weekday given off in exchange for a Saturday, and that Saturday becoming a make-up working day.
The `holidays` package knows the lunar holidays (Tết, Hùng Kings) and the swaps announced up to its
release; swaps announced later go in `config/calendar_overrides.json`, which wins over the package.

Counting convention (the same one `pakn workdays` prints and the deadlines use):

- `add_working_days(day, n)` with n > 0 is the n-th working day strictly after `day`, so the day a case is
  received is not counted (Civil Code 2015, art. 147: a period in days starts the next day). n = 0 returns
  `day` itself; n < 0 is the |n|-th working day strictly before `day`.
- `working_days_between(a, b)` counts the working days d with a < d <= b, and is negative
  (-between(b, a)) when b < a. Hence between(d, add(d, n)) == n for every n >= 0.

Instants are converted to dates in Asia/Ho_Chi_Minh. A deadline on a date means the close of that working
day, 17:00 local (OFFICE_CLOSE): the end of the state offices' day, not midnight, because that is when an
official can last act on the case.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
from pydantic import BaseModel

from pakn.domain.errors import ConfigurationError
from pakn.platform.configuration import CONFIG_DIR, load_config

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICE_CLOSE = time(17, 0)
# Citizens are not messaged at night: between EVENING and MORNING, Hanoi time.
MORNING, EVENING = time(8, 0), time(20, 0)
DEFAULT_OVERRIDES = CONFIG_DIR / "calendar_overrides.json"


class CalendarOverride(BaseModel, extra="forbid"):
    date: date
    reason: str


class CalendarOverrides(BaseModel, extra="forbid"):
    """The override file: extra days off and make-up working days, each by date with a reason.

    Unknown keys are refused so that a misspelt list cannot silently drop a swap.
    """

    note: str = ""
    days_off: list[CalendarOverride] = []
    working_days: list[CalendarOverride] = []


class WorkCalendar:
    """Vietnam's working-day calendar: `holidays`' VN calendar corrected by the override file."""

    def __init__(
        self, days_off: Mapping[date, str] | None = None, working_days: Mapping[date, str] | None = None
    ):
        self.days_off = dict(days_off or {})
        self.working_days = dict(working_days or {})
        both = self.days_off.keys() & self.working_days.keys()
        if both:
            raise ConfigurationError(f"calendar overrides list {sorted(both)} both as off and as working")
        self._vietnam = holidays.country_holidays("VN")

    @classmethod
    def load(cls, overrides_path: Path = DEFAULT_OVERRIDES) -> WorkCalendar:
        overrides = load_config(CalendarOverrides, overrides_path, "calendar overrides")
        return cls(
            days_off={entry.date: entry.reason for entry in overrides.days_off},
            working_days={entry.date: entry.reason for entry in overrides.working_days},
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        # The package applies its own swaps here: 2026-08-22, a Saturday, is a working day.
        return self._vietnam.is_working_day(day)

    def add_working_days(self, day: date, n: int) -> date:
        step = timedelta(days=1 if n > 0 else -1)
        for _ in range(abs(n)):
            day += step
            while not self.is_working_day(day):
                day += step
        return day

    def working_days_between(self, a: date, b: date) -> int:
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_working_day(a + timedelta(days=offset)) for offset in range(1, (b - a).days + 1))


@functools.cache
def default_calendar() -> WorkCalendar:
    """The calendar built from the shipped override file, once per process."""
    return WorkCalendar.load()


def local_date(instant: datetime) -> date:
    """The date in Hanoi at `instant`, which must carry its time zone."""
    if instant.tzinfo is None:
        raise ValueError("a naive datetime has no date in Hanoi; pass an aware one")
    return instant.astimezone(VIETNAM_TZ).date()


def day_written(instant: datetime) -> str:
    """The Hanoi date at `instant` as Vietnamese write it (dd/mm/yyyy), for the citizen's messages."""
    return local_date(instant).strftime("%d/%m/%Y")


def waking_hours(instant: datetime) -> datetime:
    """`instant`, or the next 08:00 Hanoi time if it falls at night: messages to citizens wait for morning."""
    local = instant.astimezone(VIETNAM_TZ)
    if MORNING <= local.time() < EVENING:
        return instant
    day = local.date() if local.time() < MORNING else local.date() + timedelta(days=1)
    return datetime.combine(day, MORNING, tzinfo=VIETNAM_TZ)


def close_of_day(day: date) -> datetime:
    """The instant a deadline falling on `day` expires: the offices' close, Hanoi time."""
    return datetime.combine(day, OFFICE_CLOSE, tzinfo=VIETNAM_TZ)

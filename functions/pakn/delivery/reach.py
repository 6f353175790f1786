"""How a message can reach the citizen now (`config/delivery.json`): Zalo's 7-day window, its night ban and
the ZNS templates that speak for a message once the window has closed.

Zalo takes a customer-service message only from a citizen who interacted with the OA in the last 7 days, and
an agency's answer usually comes later (up to 20 working days). Outside the window a pre-approved ZNS
template (Zalo Notification Service: fixed wording, named parameters) can still tell the citizen that there
is news and how to read it (TRA CỨU <mã>, which reopens the window); a message with no template waits,
held, until the citizen writes again. Between 22:00 and 06:00 Vietnam time Zalo refuses both: what falls
due then leaves at 06:00. Everything here is pure: the sender (pakn.delivery.sender) decides with it.
"""

from __future__ import annotations

import functools
from datetime import datetime, time, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from pakn.deadlines.workdays import VIETNAM_TZ
from pakn.platform.configuration import CONFIG_DIR, load_config

DEFAULT_POLICY = CONFIG_DIR / "delivery.json"


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Window(_Config):
    days: PositiveInt
    margin_minutes: int = Field(ge=0)

    def open(self, last_interaction: datetime | None, now: datetime) -> bool:
        """Whether a customer-service message may go: True when we do not know (Zalo then says)."""
        if last_interaction is None:
            return True
        return now < last_interaction + timedelta(days=self.days) - timedelta(minutes=self.margin_minutes)


class Night(_Config):
    start: time
    end: time

    def covers(self, instant: datetime) -> bool:
        local = instant.astimezone(VIETNAM_TZ).time()
        if self.start <= self.end:  # within one day (start == end: no night at all)
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, instant: datetime) -> datetime:
        """The first morning instant (`end`, Vietnam time) when what is held at `instant` may leave."""
        local = instant.astimezone(VIETNAM_TZ)
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=VIETNAM_TZ)


class Template(_Config):
    template_id: str = Field(min_length=1)
    by_user_id: bool
    # The template's parameters and their length limits; each takes our value of the same name.
    params: dict[str, PositiveInt]

    def data(self, values: dict[str, str]) -> dict[str, str]:
        """The template's parameters from `values`, each cut to its limit (Zalo refuses longer: -1121)."""
        return {name: _cut(values.get(name, ""), limit) for name, limit in self.params.items()}


class DeliveryPolicy(_Config):
    note: str = ""
    window: Window
    night: Night
    # By purpose (pakn.delivery.outbox.Notice.purpose).
    templates: dict[str, Template]

    def without_night(self) -> DeliveryPolicy:
        """The same policy for a Zalo that sends at any hour (the local stand-in)."""
        return self.model_copy(update={"night": Night(start=self.night.end, end=self.night.end)})

    @classmethod
    def load(cls, path: Path = DEFAULT_POLICY) -> DeliveryPolicy:
        return load_config(cls, path, "delivery policy")


@functools.cache
def default_policy() -> DeliveryPolicy:
    return DeliveryPolicy.load()


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"

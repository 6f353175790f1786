"""How much one citizen's conversation may hold and how fast it may go (`config/conversation.json`).

A chatty or abusive citizen must not grow their document towards Firestore's 1 MiB limit (past it, every
turn of theirs would become a dead letter) nor make the worker spend on a flood what others wait for.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, PositiveInt

from pakn.citizens.state import Draft, DraftPart, FloodWindow
from pakn.platform.configuration import CONFIG_DIR, load_config

DEFAULT_LIMITS = CONFIG_DIR / "conversation.json"


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DraftLimits(_Config):
    max_parts: PositiveInt
    max_chars: PositiveInt
    max_media: PositiveInt

    def fits(self, draft: Draft, part: DraftPart) -> bool:
        """`part` can join `draft` without taking it past any bound."""
        return (
            len(draft.parts) < self.max_parts
            and len(draft.content) + len(part.text or "") <= self.max_chars
            and len(draft.media) + len(part.media) <= self.max_media
        )


class FloodLimits(_Config):
    window_seconds: PositiveInt
    max_messages: PositiveInt

    def counted(self, window: FloodWindow | None, at: datetime) -> FloodWindow:
        """The window after one more message at `at`: a new one once the last has passed."""
        if window is None or at >= window.started_at + timedelta(seconds=self.window_seconds):
            return FloodWindow(started_at=at, messages=1)
        return window.model_copy(update={"messages": window.messages + 1})

    def exceeded(self, window: FloodWindow) -> bool:
        return window.messages > self.max_messages


class ConversationLimits(_Config):
    note: str = ""
    draft: DraftLimits
    flood: FloodLimits

    @classmethod
    def load(cls, path: Path = DEFAULT_LIMITS) -> ConversationLimits:
        return load_config(cls, path, "conversation limits")


@functools.cache
def default_limits() -> ConversationLimits:
    return ConversationLimits.load()

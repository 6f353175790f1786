"""What is copied, up to what size, and how patiently (`config/attachments.json`)."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt

from pakn.domain.vocabulary import MediaType
from pakn.platform.configuration import CONFIG_DIR, load_config

DEFAULT_LIMITS = CONFIG_DIR / "attachments.json"
MEBIBYTE = 1024 * 1024


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TypeLimits(_Config):
    max_bytes: PositiveInt
    content_types: frozenset[str] = Field(min_length=1)

    @property
    def max_megabytes(self) -> int:
        """The limit as the citizen is told it (10 MB), rounded down to whole mebibytes."""
        return max(1, self.max_bytes // MEBIBYTE)


class DownloadLimits(_Config):
    connect_seconds: PositiveFloat
    # Between two chunks; a CDN that stalls longer is given up on.
    read_seconds: PositiveFloat
    # The whole download, so a trickle cannot hold the worker past its Pub/Sub ack deadline.
    total_seconds: PositiveFloat
    attempts: PositiveInt


class AttachmentLimits(_Config):
    note: str = ""
    # Only these media types are copied; stickers, GIFs and links are not evidence worth keeping.
    types: dict[MediaType, TypeLimits]
    download: DownloadLimits

    @classmethod
    def load(cls, path: Path = DEFAULT_LIMITS) -> AttachmentLimits:
        return load_config(cls, path, "attachment limits")


@functools.cache
def default_limits() -> AttachmentLimits:
    return AttachmentLimits.load()

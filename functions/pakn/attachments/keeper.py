"""Keeping a citizen event's attachments: each photo, file, recording or video is downloaded from Zalo's
URL, checked against its type's limits, and stored in the bucket before the conversation sees the event.

Runs outside any Firestore transaction (a transaction may be retried, and holding one open for a download
would contend with the citizen's next message). It is idempotent on the event: an attachment's object name
is a natural key (`citizens-media/{event_id}/{index}-{name}`), so a redelivered event finds its copies and
downloads nothing, and keeps them even after Zalo's URL has expired.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlparse

import requests

from pakn.attachments.limits import AttachmentLimits, TypeLimits, default_limits
from pakn.attachments.storage import BucketStore
from pakn.domain.vocabulary import AttachmentRefusal, Media
from pakn.intake.events import CitizenEvent
from pakn.platform.log import get_logger

log = get_logger("pakn.attachments")

PREFIX = "citizens-media"
NAME_CHARS = 80
CHUNK_BYTES = 64 * 1024
# Labels that say nothing about the content: the file's name is asked instead.
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/force-download"}
# Spellings seen in the wild for the types config/attachments.json names.
TYPE_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/x-aac": "audio/aac",
    "audio/mp3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
}
# Zalo's CDN answers these for a URL that has expired or never was: trying again cannot help.
GONE = {401, 403, 404, 410}


@dataclass(frozen=True)
class _Downloaded:
    data: bytes
    content_type: str
    sha256: str


class _TryAgain(Exception):
    """This attempt failed in a way another may not (a timeout, a 5xx)."""


class Keeper:
    def __init__(
        self,
        store: BucketStore,
        limits: AttachmentLimits | None = None,
        session: requests.Session | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._store = store
        self._limits = limits or default_limits()
        self._session = session or requests.Session()
        self._monotonic = monotonic

    def keep(self, event: CitizenEvent) -> CitizenEvent:
        """`event` with each attachment it can keep `stored`, or `refused` with the reason; anything else
        (stickers, links, an event without attachments) unchanged."""
        if not event.media:
            return event
        media = tuple(self._keep_one(event.event_id, index, item) for index, item in enumerate(event.media))
        return event if media == event.media else event.model_copy(update={"media": media})

    def _keep_one(self, event_id: str, index: int, media: Media) -> Media:
        limits = self._limits.types.get(media.type)
        if limits is None or media.stored is not None or media.refused is not None:
            return media
        name = object_name(event_id, index, media)
        existing = self._store.find(name)
        if existing is not None:
            log.info("attachment already kept", event_id=event_id, kind=media.type)
            return media.model_copy(update={"stored": existing})
        outcome = self._download(media, limits)
        if isinstance(outcome, str):
            log.info("attachment refused", event_id=event_id, kind=media.type, reason=outcome)
            return media.model_copy(update={"refused": outcome})
        stored = self._store.put(name, outcome.data, outcome.content_type, outcome.sha256)
        log.info("attachment kept", event_id=event_id, kind=media.type, count=stored.size)
        return media.model_copy(update={"stored": stored})

    def _download(self, media: Media, limits: TypeLimits) -> _Downloaded | AttachmentRefusal:
        download = self._limits.download
        deadline = self._monotonic() + download.total_seconds
        for _ in range(download.attempts):
            if self._monotonic() >= deadline:
                break
            try:
                return self._attempt(media, limits, deadline)
            except _TryAgain:
                continue
        return "unavailable"

    def _attempt(self, media: Media, limits: TypeLimits, deadline: float) -> _Downloaded | AttachmentRefusal:
        download = self._limits.download
        try:
            with self._session.get(
                media.url, stream=True, timeout=(download.connect_seconds, download.read_seconds)
            ) as response:
                if response.status_code in GONE:
                    return "unavailable"
                if response.status_code == 429 or response.status_code >= 500:
                    raise _TryAgain
                if response.status_code != 200:
                    return "unavailable"
                content_type = content_type_of(response.headers.get("Content-Type"), media)
                if content_type not in limits.content_types:
                    return "type_not_allowed"
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > limits.max_bytes:
                    return "too_big"
                digest, chunks, size = hashlib.sha256(), [], 0
                for chunk in response.iter_content(CHUNK_BYTES):
                    size += len(chunk)
                    if size > limits.max_bytes:
                        # Leaving the `with` closes the connection: the rest is never read.
                        return "too_big"
                    if self._monotonic() >= deadline:
                        raise _TryAgain
                    digest.update(chunk)
                    chunks.append(chunk)
        except requests.RequestException as exc:
            raise _TryAgain from exc
        return _Downloaded(b"".join(chunks), content_type, digest.hexdigest())


def content_type_of(header: str | None, media: Media) -> str:
    """The attachment's type: as the CDN labels it, or as its name (or its URL's) says when the label is
    generic or missing."""
    declared = (header or "").split(";", 1)[0].strip().lower()
    declared = TYPE_ALIASES.get(declared, declared)
    if declared not in GENERIC_TYPES:
        return declared
    guessed, _ = mimetypes.guess_type(media.name or urlparse(media.url).path, strict=False)
    guessed = (guessed or "").lower()
    return TYPE_ALIASES.get(guessed, guessed) or declared or "application/octet-stream"


def object_name(event_id: str, index: int, media: Media) -> str:
    """The natural key of one attachment of one event: the same on every delivery of that event."""
    return f"{PREFIX}/{_safe(event_id)[:100] or 'event'}/{index}-{safe_name(media)}"


def safe_name(media: Media) -> str:
    """The file's name in letters, digits, dots and dashes (Vietnamese folded), at most NAME_CHARS
    characters with its extension kept; the media type when nothing is left."""
    return safe_file_name(media.name or PurePosixPath(urlparse(media.url).path).name, media.type)


def safe_file_name(raw: str, fallback: str) -> str:
    """`raw` in letters, digits, dots and dashes (Vietnamese folded), at most NAME_CHARS characters with its
    extension kept; `fallback` when nothing is left. (Object names: officials' files use it too.)"""
    name = _safe(raw)
    if len(name) > NAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        extension = extension[:10] if dot and stem else ""
        name = name[: NAME_CHARS - len(extension) - 1].rstrip("-.") + (f".{extension}" if extension else "")
    return name or fallback


def _safe(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_only = "".join(ch for ch in folded if not unicodedata.combining(ch))
    dashed = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_only)
    return re.sub(r"-*\.-*", ".", dashed).strip("-._")

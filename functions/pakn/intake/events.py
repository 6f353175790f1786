"""The normalised citizen event: what the webhook publishes on the events topic and the conversation reads.

One shape for every Zalo event family the conversation acts on, keyed by a natural id (the Zalo `msg_id`
where there is one), so a Zalo retry and a Pub/Sub redelivery are recognised as the same event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pakn.domain.vocabulary import ContactDetails, Location, Media, MediaType
from pakn.zalo.events import (
    FollowEvent,
    OaEchoEvent,
    SubmitInfoEvent,
    UserActivityEvent,
    UserMessageEvent,
    ZaloEvent,
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CitizenEvent(_Model):
    """A receipt (`type` "receipt") is Zalo's word that a ZNS reached the citizen's phone: `tracking_id`
    names our delivery, and `citizen_id` is that key too, so the phone it reached goes nowhere."""

    event_id: str = Field(min_length=1)
    event_name: str
    type: Literal["message", "follow", "unfollow", "contact", "receipt"]
    citizen_id: str = Field(min_length=1)
    occurred_at: datetime
    text: str | None = None
    media: tuple[Media, ...] = ()
    location: Location | None = None
    contact: ContactDetails | None = None
    tracking_id: str | None = None


def _occurred_at(timestamp_ms: str) -> datetime:
    return datetime.fromtimestamp(int(timestamp_ms) / 1000, tz=UTC)


def _from_message(event: UserMessageEvent) -> CitizenEvent:
    media: list[Media] = []
    location = None
    if event.message.location is not None:
        location = Location(
            latitude=event.message.location.latitude, longitude=event.message.location.longitude
        )
    for attachment in event.message.attachments:
        payload = attachment.payload
        if attachment.type == "location" and payload.coordinates:
            location = Location(
                latitude=payload.coordinates.latitude, longitude=payload.coordinates.longitude
            )
        elif attachment.type in MediaType.__args__ and payload.url:
            media.append(
                Media(type=attachment.type, url=payload.url, thumbnail=payload.thumbnail, name=payload.name)
            )
    return CitizenEvent(
        event_id=event.message.msg_id,
        event_name=event.event_name,
        type="message",
        citizen_id=event.sender.id,
        occurred_at=_occurred_at(event.timestamp),
        text=(event.message.text or "").strip() or None,
        media=tuple(media),
        location=location,
    )


def _from_follow(event: FollowEvent) -> CitizenEvent:
    return CitizenEvent(
        event_id=f"{event.event_name}:{event.follower.id}:{event.timestamp}",
        event_name=event.event_name,
        type=event.event_name,
        citizen_id=event.follower.id,
        occurred_at=_occurred_at(event.timestamp),
    )


def joined_address(*parts: str | None) -> str | None:
    """The address parts in one line, each said once: a city or ward already written in the address (the
    citizen typed "… Hà Nội" and the form adds "Hà Nội") is not repeated."""
    # Imported here: only a contact form's answer needs it, and its fold table costs the webhook's cold start.
    from pakn.routing.text import fold

    kept: list[str] = []
    for part in (p.strip() for p in parts if p and p.strip()):
        if fold(part) not in fold(", ".join(kept)):
            kept.append(part)
    return ", ".join(kept) or None


def _from_submit_info(event: SubmitInfoEvent) -> CitizenEvent:
    info = event.info
    parts = info.full_address or info
    address = joined_address(parts.address, parts.ward, parts.district, parts.city)
    return CitizenEvent(
        event_id=f"user_submit_info:{event.sender.id}:{event.timestamp}",
        event_name=event.event_name,
        type="contact",
        citizen_id=event.sender.id,
        occurred_at=_occurred_at(event.timestamp),
        contact=ContactDetails(
            name=(info.name or "").strip() or None,
            phone=(info.phone or "").strip() or None,
            address=address,
        ),
    )


def _from_receipt(event: UserActivityEvent) -> CitizenEvent | None:
    """A ZNS delivery receipt; the OA's other receipts (received, seen, reacted) change nothing here."""
    message = event.message
    if event.event_name != "user_received_message" or message is None or not message.tracking_id:
        return None
    return CitizenEvent(
        event_id=f"zns_receipt:{message.tracking_id}",
        event_name=event.event_name,
        type="receipt",
        citizen_id=message.tracking_id,
        occurred_at=_occurred_at(message.delivery_time or event.timestamp),
        tracking_id=message.tracking_id,
    )


def normalise(event: ZaloEvent) -> CitizenEvent | None:
    """The citizen event, or None for events the conversation has no use for (receipts, our own echoes)."""
    if isinstance(event, UserMessageEvent):
        return _from_message(event)
    if isinstance(event, FollowEvent):
        return _from_follow(event)
    if isinstance(event, SubmitInfoEvent):
        return _from_submit_info(event)
    if isinstance(event, UserActivityEvent):
        return _from_receipt(event)
    if isinstance(event, OaEchoEvent):
        return None
    raise TypeError(type(event).__name__)

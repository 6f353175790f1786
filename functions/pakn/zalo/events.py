"""Zalo webhook events as they arrive on the wire (field names exactly as Zalo sends them).

Zalo's documentation is not reachable and sources disagree in places (../shared/docs/zalo-oa.md): models
accept the documented variants and ignore fields they do not need, so a new optional field never turns a
real event into a 400.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

# Events the citizen's conversation acts on; `user_send_<type>` for each message type.
USER_MESSAGE_TYPES = (
    "text",
    "image",
    "link",
    "audio",
    "video",
    "sticker",
    "gif",
    "location",
    "file",
    "business_card",
)


class _Wire(BaseModel):
    # Each model is built when an event first needs it (the pinned pydantic builds under a lock, so threads
    # may race to it): building them all cost the webhook's first request a model per family it never saw.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class Party(_Wire):
    id: str = Field(min_length=1, max_length=64)


class Coordinates(_Wire):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class AttachmentPayload(_Wire):
    url: str | None = None
    thumbnail: str | None = None
    name: str | None = None
    size: int | str | None = None
    type: str | None = None
    title: str | None = None
    description: str | None = None
    coordinates: Coordinates | None = None


class Attachment(_Wire):
    type: str
    payload: AttachmentPayload = AttachmentPayload()


class Message(_Wire):
    msg_id: str = Field(min_length=1, max_length=128)
    text: str | None = Field(default=None, max_length=20_000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    # Some integrations report a shared location here rather than as an attachment (zalo-oa.md).
    location: Coordinates | None = None


def _as_sent(value: object) -> object:
    # Zalo sends the timestamp as a string, sometimes as a number; the signature hashes it as text.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _Timed(_Wire):
    app_id: str | None = None
    # Epoch milliseconds, in ASCII digits (a regex `\d` and Python's int() also take other scripts' digits).
    timestamp: Annotated[str, BeforeValidator(_as_sent), Field(pattern=r"^[0-9]{13}$")]


class UserMessageEvent(_Timed):
    """`user_send_*`: the citizen wrote, sent media, a location, a link or a business card."""

    event_name: Literal[tuple(f"user_send_{kind}" for kind in USER_MESSAGE_TYPES)]  # type: ignore[valid-type]
    sender: Party
    recipient: Party
    message: Message
    user_id_by_app: str | None = None


class FollowEvent(_Timed):
    """`follow` / `unfollow`: carry `follower` instead of `sender`."""

    event_name: Literal["follow", "unfollow"]
    follower: Party
    oa_id: str | None = None
    source: str | None = None


class SubmittedAddress(_Wire):
    """The address parts; the documented example of `full_address` prefixes them with `user_`."""

    address: str | None = Field(default=None, validation_alias=AliasChoices("address", "user_address"))
    city: str | None = Field(default=None, validation_alias=AliasChoices("city", "user_city"))
    district: str | None = Field(default=None, validation_alias=AliasChoices("district", "user_district"))
    ward: str | None = Field(default=None, validation_alias=AliasChoices("ward", "user_ward"))


class SubmittedInfo(SubmittedAddress):
    """The answer to a request-user-info message. Older payloads put the address parts here, newer ones
    nest them in `full_address` (zalo-oa.md, UNSURE): both are read."""

    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    full_address: SubmittedAddress | None = None


class SubmitInfoEvent(_Timed):
    event_name: Literal["user_submit_info"]
    sender: Party
    recipient: Party
    info: SubmittedInfo
    user_id_by_app: str | None = None


class OaEchoEvent(_Timed):
    """`oa_send_*`: Zalo echoes what the OA sent (ours, or staff's in the OA console); sender is the OA."""

    event_name: Annotated[str, Field(pattern=r"^oa_send_")]
    sender: Party
    recipient: Party
    message: Message | None = None


class ReceivedMessage(_Wire):
    """What a receipt says of the message it is about; a ZNS receipt carries the sender's `tracking_id`
    and `delivery_time` (epoch milliseconds), zalo-oa.md."""

    msg_id: str | None = Field(default=None, max_length=128)
    tracking_id: str | None = Field(default=None, max_length=500)
    delivery_time: Annotated[str, BeforeValidator(_as_sent), Field(pattern=r"^[0-9]{10,13}$")] | None = None


class UserActivityEvent(_Timed):
    """`user_received_message`, `user_seen_message`, `user_reacted_message`: receipts, not content. A ZNS
    delivery receipt is a `user_received_message` whose recipient is a phone (header X-ZEvent-Server: ZNS)."""

    event_name: Literal["user_received_message", "user_seen_message", "user_reacted_message"]
    sender: Party
    recipient: Party
    message: ReceivedMessage | None = None


ZaloEvent = UserMessageEvent | FollowEvent | SubmitInfoEvent | OaEchoEvent | UserActivityEvent

# The names each model admits, read from its own `event_name` Literal; OaEchoEvent's is a pattern, oa_send_*.
_FAMILIES: dict[str, type[ZaloEvent]] = {
    name: model
    for model in (UserMessageEvent, FollowEvent, SubmitInfoEvent, UserActivityEvent)
    for name in get_args(model.model_fields["event_name"].annotation)
}


def _family(event_name: object) -> type[ZaloEvent] | None:
    """The one model whose `event_name` admits this name (no two admit the same one)."""
    if not isinstance(event_name, str):
        return None
    return _FAMILIES.get(event_name) or (OaEchoEvent if event_name.startswith("oa_send_") else None)


def is_known_event(event_name: str) -> bool:
    return _family(event_name) is not None


def parse_event(body: dict) -> ZaloEvent:
    """The typed event for a known `event_name`; raises pydantic.ValidationError when it is malformed or its
    `event_name` is not known. Validated by that family's model alone, which admits exactly what the union
    of them all would, without building the others."""
    family = _family(body.get("event_name"))
    if family is None:
        error = PydanticCustomError("unknown_event", "not an event_name of Zalo's that pakn knows")
        raise ValidationError.from_exception_data(
            "ZaloEvent", [{"type": error, "loc": ("event_name",), "input": body.get("event_name")}]
        )
    return family.model_validate(body)

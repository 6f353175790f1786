"""Replies to the citizen: what to send (`OutboundMessage`) and the delivery record that tracks sending it.

Delivery is not state (FixMyStreet's `send_state`): a delivery record says whether a reply reached Zalo;
it never says where a case is, and the sender never edits a case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pakn.platform import firestore_paths
from pakn.platform.retention import Expiring
from pakn.platform.unit_of_work import UnitOfWork

# Zalo's limit for one text message.
TEXT_LIMIT = 2000


class OutboundMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["text", "image", "request_user_info"] = "text"
    text: str | None = Field(default=None, max_length=TEXT_LIMIT)
    image_url: str | None = None
    title: str | None = Field(default=None, max_length=100)
    subtitle: str | None = Field(default=None, max_length=500)


DeliveryState = Literal["pending", "sending", "sent", "retrying", "unreachable", "rejected"]


class Delivery(Expiring):
    """`deliveries/{key}`: one reply, created in the same transaction as the state change that caused it."""

    model_config = ConfigDict(extra="ignore")

    key: str
    citizen_id: str
    message: OutboundMessage
    # The reply that must reach the citizen first (the previous one of the same turn), if any.
    after: str | None = None
    case_id: str | None = None
    state: DeliveryState = "pending"
    attempts: int = 0
    lease_until: datetime | None = None
    last_error_code: int | None = None
    zalo_message_id: str | None = None
    sent_at: datetime | None = None


class OutboundRequest(BaseModel):
    """The outbound topic's payload: only the key. The text stays in Firestore, out of Pub/Sub."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    delivery_key: str = Field(min_length=1)


def queue(uow: UnitOfWork, delivery: Delivery) -> None:
    """Records `delivery` in the unit of work of the change that causes it; its key is published after the
    commit (the outbox), and publishing it again is harmless."""
    uow.create(firestore_paths.delivery(uow.db, delivery.key), delivery.model_dump())

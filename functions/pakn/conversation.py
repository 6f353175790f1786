"""The citizen's conversation (hội thoại): what each event changes and what the OA answers."""

from __future__ import annotations

from pakn import messages
from pakn.events import CitizenEvent
from pakn.outbound import OutboundMessage


def apply(transaction, event: CitizenEvent) -> list[OutboundMessage]:
    if event.type != "message":
        return []
    return [OutboundMessage(text=messages.text("received"))]

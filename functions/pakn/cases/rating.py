"""Asking the citizen to rate an answer: the message with Zalo quick-reply buttons that ends the answer's
delivery (pakn.cases.workflow), one button per score, best first.

A button sends its payload as the citizen's own message, so each payload is what the citizen could also
type, and what pakn.conversation.commands reads: the rating word, the case's code and the score
("ĐÁNH GIÁ HN-4K7Q2M 5"). The code makes a tap count for the right case whatever else the citizen is doing
(writing a new draft, or rating an older answer).
"""

from __future__ import annotations

from pakn.cases.case import RATING_SCORES, Case
from pakn.deadlines.clock import DeadlinePolicy
from pakn.deadlines.workdays import day_written
from pakn.delivery.outbox import Button, OutboundMessage
from pakn.domain import messages


def payload(case: Case, score: int) -> str:
    return messages.text("rating.payload", case.language, code=case.tracking_code, score=score)


def prompt(case: Case, policy: DeadlinePolicy) -> OutboundMessage:
    """The question after `case`'s answer: how satisfied the citizen is, and until when they may object."""
    until = day_written(policy.objection_until(case.answered_at))
    buttons = [
        Button(title=messages.text(f"rating.button.{score}", case.language), payload=payload(case, score))
        for score in reversed(RATING_SCORES)
    ]
    text = messages.text("rating_prompt", case.language, code=case.tracking_code, date=until)
    return OutboundMessage(kind="buttons", text=text, buttons=buttons)

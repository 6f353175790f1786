"""A citizen's conversation state (`citizens/{id}`, written only by pakn.citizens.store): greeted or not,
contact details, the draft being written, whether Zalo can reach them.

A draft (bản nháp) gathers several messages in a row into one item; its parts are kept in the order the
citizen wrote them (by Zalo's timestamp), so a retried or reordered event lands in its place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pakn.domain.vocabulary import ContactDetails, Language, Location, Media

# turned_away: the citizen answered the kind question "Việc khác"; the draft is kept for one more message,
# in case the tap was a mistake (a kind's number then takes it back), and dropped by any other.
DraftStage = Literal[
    "collecting", "awaiting_place", "awaiting_answer", "awaiting_contact", "confirming", "turned_away"
]
# The quick questions asked before filing when the classifier is unsure (config/routing.json `ask`).
QuestionKey = Literal["kind", "department"]


class DraftPart(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: str
    occurred_at: datetime
    text: str | None = None
    media: list[Media] = Field(default_factory=list)
    location: Location | None = None


class Question(BaseModel):
    """A quick question (câu hỏi nhanh) asked at XONG because the classifier was unsure, and the citizen's
    answer, which replaces the classifier's decision when the case is filed."""

    model_config = ConfigDict(extra="ignore")

    key: QuestionKey
    # What was offered, in the order shown: kinds, or department agency ids.
    choices: list[str]
    # One of `choices`; None while unanswered, or when the citizen did not know or answered none of them.
    answer: str | None = None
    # An answer matched none of the choices and the question was asked again; the next miss goes on without.
    reasked: bool = False


class Draft(BaseModel):
    model_config = ConfigDict(extra="ignore")

    started_at: datetime
    stage: DraftStage = "collecting"
    parts: list[DraftPart] = Field(default_factory=list)
    place: str | None = None
    place_asked: bool = False
    # The units the citizen was asked to choose from (agency ids), when the place named was ambiguous.
    place_choices: list[str] = Field(default_factory=list)
    # The quick questions asked, in order; while the stage is awaiting_answer the last one awaits its answer.
    questions: list[Question] = Field(default_factory=list)
    # The citizen was told, when the item arrived, that this channel does not take it.
    told_out_of_scope: bool = False

    def add(self, part: DraftPart) -> None:
        if all(existing.event_id != part.event_id for existing in self.parts):
            self.parts.append(part)
            self.parts.sort(key=lambda p: p.occurred_at)

    @property
    def content(self) -> str:
        return "\n".join(part.text for part in self.parts if part.text)

    @property
    def media(self) -> list[Media]:
        return [media for part in self.parts for media in part.media]

    @property
    def location(self) -> Location | None:
        return next((part.location for part in reversed(self.parts) if part.location), None)

    @property
    def asked(self) -> frozenset[str]:
        """The keys of the questions asked: none is asked twice in one draft."""
        return frozenset(question.key for question in self.questions)

    @property
    def answered(self) -> frozenset[str]:
        """The keys of the questions the citizen answered (not "I don't know")."""
        return frozenset(question.key for question in self.questions if question.answer is not None)

    @property
    def chose_out_of_scope(self) -> bool:
        """The citizen answered the kind question "Việc khác" (none of the kinds this channel takes)."""
        return any(
            question.key == "kind" and question.answer == "out_of_scope" for question in self.questions
        )

    def text_for_classification(self) -> str:
        return "\n".join(filter(None, (self.content, self.place)))

    def drop_text(self) -> None:
        """For an edit: the citizen's new text replaces the old; photos, files and location stay."""
        self.parts = [
            part.model_copy(update={"text": None}) for part in self.parts if part.media or part.location
        ]


class LastCase(BaseModel):
    """The citizen's latest filed case, where a message written before filing but delivered after goes."""

    case_id: str
    agency_id: str
    tracking_code: str
    filed_at: datetime


class AwaitingInfo(BaseModel):
    """An official asked this citizen for more about a case (the case's clock is frozen meanwhile): the
    citizen's next message outside a draft is the answer."""

    case_id: str
    agency_id: str
    tracking_code: str


class AfterAnswer(BaseModel):
    """The citizen's case answered most recently (set by the answer, pakn.cases.workflow). Within the
    objection window (config/deadlines.json `objection_working_days` from `answered_at`) their replies
    outside a draft are about it: a score is its rating, KHÔNG ĐỒNG Ý reopens it, other text joins it."""

    case_id: str
    agency_id: str
    tracking_code: str
    answered_at: datetime
    # The score they gave, and whether their next text is the rating's comment (asked for after a score).
    score: int | None = None
    comment_invited: bool = False
    # They objected and the case reopened: what they write next still joins it, and it is no longer rated.
    objected: bool = False


class FloodWindow(BaseModel):
    """How many messages the citizen sent since `started_at` (pakn.conversation.limits), and whether they
    were already asked to slow down in this window."""

    started_at: datetime
    messages: int
    warned: bool = False


class Unreachable(BaseModel):
    """Zalo refused to reach the citizen (blocked the OA, or outside the window): a delivery fact, set by
    the sender and cleared when the citizen writes again."""

    code: int | None = None
    since: datetime


class CitizenState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    citizen_id: str
    greeted: bool = False
    following: bool = True
    contact: ContactDetails | None = None
    draft: Draft | None = None
    last_case: LastCase | None = None
    awaiting_info: AwaitingInfo | None = None
    after_answer: AfterAnswer | None = None
    zalo_unreachable: Unreachable | None = None
    flood: FloodWindow | None = None
    # The language of the citizen's last message that said clearly which (pakn.conversation.language).
    language: Language = "vi"
    # The citizen's latest event (anything but leaving the OA): Zalo's 7-day window runs from it.
    last_interaction_at: datetime | None = None
    # Deliveries nothing could bring to the citizen (pakn.delivery.outbox "held"), set by the sender: they
    # go out when the citizen next writes.
    held_deliveries: list[str] = Field(default_factory=list)

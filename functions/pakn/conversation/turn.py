"""The citizen's conversation (hội thoại): what each event changes and what the OA answers, decided
without Firestore.

One event is one turn. The turn takes the citizen's state, the event and the case look-ups it may need
(`CaseLookups`: by tracking code, the citizen's recent cases, one case wherever it now is, a fresh tracking
code) and returns its decision (`TurnResult`): the citizen's new state, the replies, and the cases it files
or changes. `pakn.conversation.service` loads the inputs and commits the result in one transaction. The
Vietnamese the citizen sees comes from `pakn.domain.messages`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pakn.attachments.limits import default_limits as attachment_limits
from pakn.cases.case import AgencyRef, AskedQuestion, Case, CaseRouting, CitizenInformation, IllegalTransition
from pakn.citizens.state import AfterAnswer, CitizenState, Draft, DraftPart, LastCase, Question
from pakn.conversation import questions
from pakn.conversation.commands import Command, only_an_answer, parse_command
from pakn.conversation.contact import contact_problem, has_phone, is_complete, parse_typed_contact
from pakn.conversation.language import language_of
from pakn.conversation.limits import ConversationLimits, default_limits
from pakn.deadlines import clock as deadlines
from pakn.deadlines.workdays import day_written as _date
from pakn.delivery.outbox import TEXT_LIMIT, OutboundMessage, file_message, texts
from pakn.domain import messages
from pakn.domain.vocabulary import ContactDetails, Language
from pakn.intake.events import CitizenEvent
from pakn.platform.firestore_paths import document_id
from pakn.routing.classify import Classification
from pakn.routing.registry import Registry
from pakn.routing.route import route, routing_rules
from pakn.routing.text import tokens

SUMMARY_CONTENT_CHARS = 700
NAME_CHARS, ADDRESS_CHARS, PLACE_CHARS = 100, 200, 200
NOT_MATERIAL = {"sticker", "gif"}
# Shorter than this while a summary awaits 1/2/3, a message is an attempt at answering, not more content.
CONFIRMING_CHATTER_WORDS = 4
# What the citizen is told for each way typed details can fail (pakn.conversation.contact).
CONTACT_PROBLEMS = {
    "phone_invalid": "contact_phone_invalid",
    "missing_phone": "contact_missing_phone",
    "missing_name": "contact_missing_name",
    "missing_address": "contact_missing_address",
    "incomplete": "contact_incomplete",
}


def clipped(contact: ContactDetails) -> ContactDetails:
    """Details short enough for a summary on a phone (and for Zalo's 2,000 characters)."""

    def clip(value: str | None, limit: int) -> str | None:
        return value.strip()[:limit] if value else value

    return ContactDetails(
        name=clip(contact.name, NAME_CHARS), phone=contact.phone, address=clip(contact.address, ADDRESS_CHARS)
    )


def summary(draft: Draft, contact: ContactDetails, language: Language = "vi") -> str:
    """The summary the citizen confirms, its content cut to fit one Zalo message."""
    items = []
    if draft.media:
        items.append(messages.text("summary_files", language, count=len(draft.media)))
    if draft.location:
        items.append(messages.text("summary_location", language))
    values = {
        "attachments": messages.text("summary_attachments", language, items=", ".join(items))
        if items
        else "",
        "name": contact.name,
        "phone": contact.phone,
        "address": contact.address,
    }
    room = TEXT_LIMIT - len(messages.text("summary", language, content="", **values))
    content = draft.content
    limit = min(SUMMARY_CONTENT_CHARS, room)
    if len(content) > limit:
        content = content[: limit - 1].rstrip() + "…"
    return messages.text("summary", language, content=content, **values)


class CaseLookups(Protocol):
    """What a turn may need to know about cases; each is read only when the turn asks."""

    def by_tracking_code(self, code: str) -> Case | None: ...

    def recent_of_citizen(self, citizen_id: str) -> list[Case]: ...

    def locate(self, agency_id: str, case_id: str) -> Case | None: ...

    def new_tracking_code(self) -> str: ...


@dataclass(frozen=True)
class Dependencies:
    """What every turn decides with: the classifier, the registry, the deadline policy, the form's picture."""

    classify: Callable[[str], Classification]
    registry: Registry
    contact_form_image_url: str
    policy: deadlines.DeadlinePolicy | None = None
    limits: ConversationLimits = field(default_factory=default_limits)


@dataclass
class TurnResult:
    """A turn's decision, for the service to commit: nothing here has been written yet."""

    state: CitizenState
    replies: list[OutboundMessage] = field(default_factory=list)
    filed: list[Case] = field(default_factory=list)
    # Cases the turn changed, as (read, changed).
    changed: list[tuple[Case, Case]] = field(default_factory=list)
    # The citizen wrote again (anything but leaving the OA): Zalo can reach them.
    reachable_again: bool = True
    # Cases among `changed` that the citizen reopened by not accepting their answer: their agency is told.
    reopened: list[str] = field(default_factory=list)


def take_turn(
    state: CitizenState, event: CitizenEvent, cases: CaseLookups, dependencies: Dependencies
) -> TurnResult:
    """The decision of one event on one citizen's conversation."""
    turn = Turn(state.model_copy(deep=True), event, cases, dependencies)
    {
        "follow": turn.follow,
        "unfollow": turn.unfollow,
        "contact": lambda: turn.contact(event.contact),
        "message": turn.message,
    }[event.type]()
    turn.result.reachable_again = event.type != "unfollow"
    if turn.result.reachable_again:
        state = turn.result.state
        state.zalo_unreachable = None
        if state.last_interaction_at is None or event.occurred_at > state.last_interaction_at:
            state.last_interaction_at = event.occurred_at
    return turn.result


class Turn:
    """One event's effect on one citizen's conversation."""

    def __init__(
        self, state: CitizenState, event: CitizenEvent, cases: CaseLookups, dependencies: Dependencies
    ):
        self.state = state
        self.event = event
        self.cases = cases
        self.dependencies = dependencies
        self.result = TurnResult(state=state)
        self.replies = self.result.replies

    def part(self) -> DraftPart:
        """The event as a part of the draft."""
        event = self.event
        return DraftPart(
            event_id=event.event_id,
            occurred_at=event.occurred_at,
            text=event.text,
            # An attachment not kept (too big, of another type, unreadable) joins no draft: the citizen
            # is told why (`say_refused`) and may send another.
            media=[media for media in event.media if media.refused is None],
            location=event.location,
        )

    def say(self, key: str, **values: object) -> None:
        self.replies.append(OutboundMessage(text=self.text(key, **values)))

    def text(self, key: str, **values: object) -> str:
        """The catalogue's text in the language the citizen writes in."""
        return messages.text(key, self.state.language, **values)

    def greet_once(self) -> None:
        if not self.state.greeted:
            self.state.greeted = True
            self.say("welcome")

    # --- events -----------------------------------------------------------------------------------

    def follow(self) -> None:
        self.state.following = True
        if not self.state.greeted:
            self.greet_once()
            self.say("how_to_start")

    def unfollow(self) -> None:
        self.state.following = False

    def contact(self, details: ContactDetails) -> None:
        known = self.state.contact or ContactDetails()
        self.state.contact = clipped(
            ContactDetails(
                name=details.name or known.name,
                phone=details.phone or known.phone,
                address=details.address or known.address,
            )
        )
        draft = self.state.draft
        # Waiting for these details, or showing a summary that must now show the new ones.
        if draft and draft.stage in ("awaiting_contact", "confirming"):
            self.review()
        else:
            self.say("contact_saved")

    def message(self) -> None:
        if self.flooding():
            return
        written_in = language_of(self.event.text) if self.event.text else None
        if written_in is not None:
            self.state.language = written_in
        self.greet_once()
        self.say_refused()
        if self.event.text is None and self.event.location is None and not self.material_media():
            return  # a sticker, a GIF or a business card: nothing to file, nothing to answer
        if self.only_emoji():
            if self.state.draft is None:
                self.say("how_to_start")
            return
        draft = self.state.draft
        if draft and draft.stage == "turned_away":
            if self.chose_again():
                return
            # Anything else is a new message, not about the item turned away.
            draft = self.state.draft = None
        command = parse_command(
            self.event.text,
            confirming=bool(draft and draft.stage == "confirming"),
            after_answer=draft is None and self.state.after_answer is not None,
        )
        if command:
            self.command(command)
        elif draft and draft.stage == "awaiting_contact" and self.event.text and not self.event.media:
            self.typed_contact()
        elif draft and draft.stage == "awaiting_place":
            self.place_answer()
        elif draft and draft.stage == "awaiting_answer":
            self.question_answer()
        elif draft and draft.stage == "confirming":
            self.while_confirming()
        elif draft is None and self.state.awaiting_info:
            self.information_for_official()
        else:
            self.content()

    def flooding(self) -> bool:
        """Past the flood limit: told once per window, and the message is not acted on."""
        flood = self.dependencies.limits.flood
        window = self.state.flood = flood.counted(self.state.flood, self.event.occurred_at)
        if not flood.exceeded(window):
            return False
        if not window.warned:
            self.state.flood = window.model_copy(update={"warned": True})
            self.say("slow_down")
        return True

    def add_to_draft(self, part: DraftPart) -> bool:
        """`part` joins the draft unless the draft is full, which the citizen is told."""
        if not self.dependencies.limits.draft.fits(self.state.draft, part):
            self.say("draft_full")
            return False
        self.state.draft.add(part)
        return True

    def only_emoji(self) -> bool:
        """Text without a letter or a digit (emoji, punctuation) and nothing attached: nothing to act on."""
        text = self.event.text
        return (
            bool(text)
            and not any(ch.isalnum() for ch in text)
            and not self.event.media
            and not self.event.location
        )

    def material_media(self) -> list:
        """Photos, videos, files and links: what can support a complaint (stickers and GIFs cannot)."""
        return [
            media for media in self.event.media if media.type not in NOT_MATERIAL and media.refused is None
        ]

    def say_refused(self) -> None:
        """Each attachment pakn.attachments did not keep, and why, in the citizen's words."""
        for media in self.event.media:
            if media.refused is not None:
                # Only the types config/attachments.json names are kept, so only those can be refused.
                limit = attachment_limits().types[media.type].max_megabytes
                what = self.text(f"attachment_what.{media.type}")
                self.say(f"attachment_{media.refused}", what=what, limit=limit)

    # --- content ----------------------------------------------------------------------------------

    def content(self) -> None:
        if self.about_the_answer():
            return
        if only_an_answer(self.event.text) and not self.event.media and not self.event.location:
            # Nothing here awaits it: a draft is not started, nor is "1" added to one.
            self.say("draft_in_progress" if self.state.draft else "nothing_to_answer")
            return
        last = self.state.last_case
        if self.state.draft is None and last and self.event.occurred_at < last.filed_at and self.event.text:
            # Written before the citizen confirmed, delivered after: it belongs to that case, wherever it
            # has been transferred since.
            filed = self.cases.locate(last.agency_id, last.case_id)
            if filed is not None:
                self.result.changed.append((filed, filed.add_late_text(self.event.text)))
                self.say("late_addition", code=last.tracking_code)
                return
        draft = self.state.draft
        if draft is None:
            draft = self.state.draft = Draft(started_at=self.event.occurred_at)
        if not self.add_to_draft(self.part()):
            return
        if not draft.content:
            self.say("attachment_received")
        elif len(draft.parts) == 1 and (elsewhere := self.clearly_out_of_scope(draft)):
            # Said now, not only at XONG: the citizen should not write more for a channel that cannot help.
            # The text stays in the draft, so a misreading loses nothing if they go on.
            self.say_out_of_scope(elsewhere)
            draft.told_out_of_scope = True
        elif self.event.text and draft.content == self.event.text:
            self.say("draft_started")
        else:
            self.say("draft_added")

    def information_for_official(self) -> None:
        """The citizen answers an official's question: it joins the case, and the case's clocks run again."""
        asked = self.state.awaiting_info
        self.state.awaiting_info = None
        case = self.cases.locate(asked.agency_id, asked.case_id)
        information = CitizenInformation(
            text=self.event.text, media=self.part().media, at=self.event.occurred_at
        )
        try:
            if case is None:
                raise IllegalTransition("case_not_found", "the case is gone")
            transition = case.receive_information(
                information, self.event.event_id, policy=self.dependencies.policy
            )
        except IllegalTransition:
            self.content()  # the question no longer stands (answered, closed, or resumed by the official)
            return
        self.result.changed.append((case, transition.case))
        self.say("information_received", code=case.tracking_code)

    def while_confirming(self) -> None:
        text = self.event.text
        details = parse_typed_contact(text) if text and not self.event.media else None
        if details:
            # The citizen corrects their details from the summary.
            self.state.contact = clipped(details)
            self.review()
            return
        if text and not self.event.media and self.contact_attempt_refused():
            return
        if text and len(text.split()) < CONFIRMING_CHATTER_WORDS and not self.event.media:
            self.say("confirm_expected")
            return
        if self.add_to_draft(self.part()):
            self.review()

    def typed_contact(self) -> None:
        details = parse_typed_contact(self.event.text)
        if details:
            self.state.contact = clipped(details)
            self.review()
        elif self.contact_attempt_refused():
            return
        elif has_phone(self.event.text):
            self.say("contact_incomplete")
        else:
            # More about the problem, not details: kept, and the details still asked for.
            if self.add_to_draft(self.part()):
                self.say("contact_still_needed")

    def contact_attempt_refused(self) -> bool:
        """The text tried to give the sender's details and failed: say what is wrong, and keep it out of
        the complaint's content."""
        problem = contact_problem(self.event.text)
        if problem is None:
            return False
        self.say(CONTACT_PROBLEMS[problem])
        return True

    def place_answer(self) -> None:
        draft = self.state.draft
        if self.event.media or self.event.location:
            self.add_to_draft(self.part().model_copy(update={"text": None}))
        if self.event.text:
            draft.place = self.chosen_place(self.event.text.strip()) or self.event.text[:PLACE_CHARS]
            self.review()
        else:
            self.say("ask_place")

    def question_answer(self) -> None:
        """The reply to the quick question: a button's words, a number or the words typed. A reply that
        answers nothing is asked again once (a long one joins the draft: it is more about the problem);
        after that the draft goes on without the answer, as the classifier decided (the desk, if unsure
        of the department). Photos and places sent meanwhile join the draft; the question stands."""
        draft = self.state.draft
        question = draft.questions[-1]
        text = self.event.text
        registry = self.dependencies.registry
        answer = questions.understood(question, text, registry) if text else None
        more = answer is None and bool(text) and questions.more_content(text)
        if more or self.event.media or self.event.location:
            part = self.part()
            self.add_to_draft(part if more else part.model_copy(update={"text": None}))
        if answer is not None:
            question.answer = answer.choice
            self.review()
        elif not text:
            self.replies.append(questions.message(question, registry, self.state.language))
        elif question.reasked:
            self.review()
        else:
            question.reasked = True
            self.say("ask_again_added" if more else "ask_again")
            self.replies.append(questions.message(question, registry, self.state.language))

    def chose_again(self) -> bool:
        """After "Việc khác": a kind's number or words take the tap back, and the draft goes on."""
        draft = self.state.draft
        text = self.event.text
        if not text or self.event.media:
            return False
        answer = questions.understood(draft.questions[-1], text, self.dependencies.registry)
        if answer is None or answer.choice in (None, "out_of_scope"):
            return False
        draft.questions[-1].answer = answer.choice
        draft.stage = "collecting"
        self.review()
        return True

    def chosen_place(self, answer: str) -> str | None:
        """The unit the citizen picked by its number from the choices shown, if that is the answer."""
        choices = self.state.draft.place_choices
        if answer.isdigit() and 1 <= int(answer) <= len(choices):
            return self.dependencies.registry.get(choices[int(answer) - 1]).name
        return None

    # --- commands ---------------------------------------------------------------------------------

    def command(self, command: Command) -> None:
        getattr(self, f"command_{command.intent}")(command)

    def command_help(self, command: Command) -> None:
        self.say("help")

    def command_greeting(self, command: Command) -> None:
        if self.state.draft is None:
            self.say("how_to_start")
        else:
            self.say("draft_in_progress")

    def command_thanks(self, command: Command) -> None:
        self.say("thanks_reply" if self.state.draft is None else "draft_in_progress")

    def command_cancel(self, command: Command) -> None:
        if self.state.draft is None:
            self.say("nothing_to_cancel")
        else:
            self.state.draft = None
            self.say("cancelled")

    def command_new(self, command: Command) -> None:
        self.state.draft = None
        # What they write next is the new item, not more for the case answered last.
        self.state.after_answer = None
        self.say("new_draft")

    def command_done(self, command: Command) -> None:
        self.review()

    def command_edit(self, command: Command) -> None:
        self.state.draft.drop_text()
        self.state.draft.stage = "collecting"
        self.say("edit_prompt")

    def command_confirm(self, command: Command) -> None:
        self.file()

    def command_lookup(self, command: Command) -> None:
        if command.code is None:
            self.say("lookup_needs_code")
            return
        case = self.cases.by_tracking_code(command.code)
        # Another citizen's case is "not found": a code alone must not reveal someone else's case.
        if case is None or case.citizen_id != self.state.citizen_id:
            self.say("status_not_found", code=command.code)
            return
        self.say(
            "status",
            code=case.tracking_code,
            status=self.text(f"status.{case.status}"),
            agency=case.agency_name,
            filed_date=_date(case.filed_at),
            due_date=_date(case.clock.overall_due_at),
        )
        if case.status == "answered" and case.answer_text is not None and case.answered_at is not None:
            # The answer itself, whole: told by ZNS or held, the citizen may never have read it.
            answer = self.text(
                "status_answer",
                agency=case.agency_name,
                date=_date(case.answered_at),
                text=case.answer_text,
            )
            self.replies.extend(texts(answer))
            if case.answer_attachment is not None:
                # And its attached file: a ZNS carries none, so this is where such a citizen gets it.
                self.replies.append(file_message(case.answer_attachment))

    # --- after an answer: the rating, an objection, more for the case ----------------------------------

    def policy(self) -> deadlines.DeadlinePolicy:
        return self.dependencies.policy or deadlines.default_policy()

    def within_objection_window(self, after: AfterAnswer) -> bool:
        return self.event.occurred_at <= self.policy().objection_until(after.answered_at)

    def answered_case(self, code: str | None) -> tuple[Case | None, str | None]:
        """The case a rating or an objection is about, and its code: the one named (if the citizen's own),
        else the one answered last."""
        after = self.state.after_answer
        if code is not None:
            case = self.cases.by_tracking_code(code)
            return (case if case is not None and case.citizen_id == self.state.citizen_id else None), code
        if after is None:
            return None, None
        return self.cases.locate(after.agency_id, after.case_id), after.tracking_code

    def about_the_answer(self) -> bool:
        """Text outside a draft within the objection window after an answer: the comment the rating asked
        for, or more for the case (whether answered or reopened), instead of a new draft."""
        after = self.state.after_answer
        text = self.event.text
        if (
            self.state.draft is not None
            or after is None
            or not text
            or not self.within_objection_window(after)
        ):
            return False
        case = self.cases.locate(after.agency_id, after.case_id)
        if case is None:
            return False
        if after.comment_invited and after.score is not None and case.status == "answered":
            try:
                transition = case.rate(after.score, text, self.event.occurred_at, self.event.event_id)
            except IllegalTransition:
                return False
            self.result.changed.append((case, transition.case))
            after.comment_invited = False
            self.say("rating_comment_received", code=case.tracking_code)
            return True
        self.result.changed.append((case, case.add_late_text(text)))
        self.say("late_addition_answered", code=case.tracking_code)
        return True

    def not_found(self, code: str | None) -> None:
        if code is not None:
            self.say("status_not_found", code=code)
        else:
            self.content()  # the case answered last is gone: the text is what it would be without it

    def command_rate(self, command: Command) -> None:
        case, code = self.answered_case(command.code)
        if case is None:
            self.not_found(code)
            return
        try:
            transition = case.rate(command.score, command.text, self.event.occurred_at, self.event.event_id)
        except IllegalTransition:
            self.say("rating_not_answered", code=case.tracking_code)
            return
        self.result.changed.append((case, transition.case))
        after = self.state.after_answer
        if after is not None and after.case_id == case.case_id:
            after.score, after.comment_invited = command.score, command.text is None
        if command.text:
            self.say("rating_received_with_comment", code=case.tracking_code)
        else:
            self.say("rating_received", code=case.tracking_code, score=command.score)
        until = self.policy().objection_until(case.answered_at)
        if command.score <= 2 and self.event.occurred_at <= until:
            self.say("rating_objection_hint", date=_date(until))

    def command_object(self, command: Command) -> None:
        case, code = self.answered_case(command.code)
        if case is None:
            self.not_found(code)
            return
        registry = self.dependencies.registry
        office = registry.get(routing_rules().triage_agency_id)
        try:
            transition = case.object_to_answer(
                command.text,
                self.event.occurred_at,
                self.event.event_id,
                AgencyRef(id=office.id, name=office.name, level=office.level),
                policy=self.dependencies.policy,
            )
        except IllegalTransition as refused:
            if refused.code == "objection_too_late":
                until = self.policy().objection_until(case.answered_at)
                self.say("objection_too_late", code=case.tracking_code, date=_date(until))
            elif case.status == "open":
                self.say("objection_pending", code=case.tracking_code, date=case.due_date)
            else:
                self.say("objection_closed", code=case.tracking_code)
            return
        reopened = transition.case
        self.result.changed.append((case, reopened))
        self.result.reopened.append(reopened.case_id)
        after = self.state.after_answer
        if after is not None and after.case_id == case.case_id:
            # What they write next still joins the case, now where it went.
            after.agency_id, after.objected, after.comment_invited = reopened.agency_id, True, False
        moved = reopened.agency_id != case.agency_id
        self.say(
            "objection_to_office" if moved else "objection_received",
            code=reopened.tracking_code,
            agency=reopened.agency_name,
            date=reopened.due_date,
        )
        if command.text is None:
            self.say("objection_reason_invite")

    def command_list(self, command: Command) -> None:
        found = self.cases.recent_of_citizen(self.state.citizen_id)
        if not found:
            self.say("no_cases")
            return
        lines = "\n".join(
            self.text(
                "my_cases_line",
                code=case.tracking_code,
                status=self.text(f"status.{case.status}"),
                filed_date=_date(case.filed_at),
            )
            for case in found
        )
        self.say("my_cases", lines=lines)

    # --- review and filing ------------------------------------------------------------------------

    def clearly_out_of_scope(self, draft: Draft) -> Classification | None:
        """The draft's classification when it is surely not for this channel, else None."""
        classification = self.dependencies.classify(draft.text_for_classification())
        sure = classification.confidence >= routing_rules().min_confidence
        # Only what XONG would turn away too: an item it would ask about is not dismissed now.
        if sure and route(classification, place_asked=False).outcome == "out_of_scope":
            return classification
        return None

    def say_out_of_scope(self, classification: Classification, chosen: bool = False) -> None:
        """Why nothing is filed; `chosen`: because the citizen, asked, said it is none of the kinds."""
        thanked = classification.thanks or (chosen and classification.opens_with_thanks)
        self.say("praise_received" if thanked else "out_of_scope")

    def classification(self) -> Classification:
        """The draft's classification, with the citizen's answers to the quick questions in it."""
        draft = self.state.draft
        classified = self.dependencies.classify(draft.text_for_classification())
        return questions.answered(classified, draft.questions, self.dependencies.registry)

    def ask(self, question: Question) -> None:
        """One quick question instead of a guess; the draft waits for its answer."""
        draft = self.state.draft
        draft.questions.append(question)
        draft.stage = "awaiting_answer"
        self.replies.append(questions.message(question, self.dependencies.registry, self.state.language))

    def choose_place(self, choices: tuple[str, ...]) -> None:
        """A former ward split between new ones: the citizen's address may say which; else ask."""
        draft = self.state.draft
        draft.place_asked, draft.place_choices = True, list(choices)
        registry = self.dependencies.registry
        address = self.state.contact.address if self.state.contact else None
        settled = registry.resolve_place(tokens(address)).agency_id if address else None
        if settled in choices:
            draft.place = registry.get(settled).name
            self.review()
            return
        draft.stage = "awaiting_place"
        options = "\n".join(
            f"{number}. {registry.get(agency_id).name}" for number, agency_id in enumerate(choices, 1)
        )
        self.say("choose_place", options=options)

    def review(self) -> None:
        """After "XONG": what is still missing, in order (place, contact), or the summary to confirm."""
        draft = self.state.draft
        if draft is None or not draft.content:
            self.say("draft_empty")
            return
        classification = self.classification()
        decision = route(
            classification,
            place_asked=draft.place_asked,
            text=draft.text_for_classification(),
            asked=draft.asked,
            answered=draft.answered,
        )
        if decision.outcome == "out_of_scope":
            if draft.chose_out_of_scope:
                # Kept for one more message: a mistaken tap on a phone is taken back by a kind's number.
                draft.stage = "turned_away"
                self.say_out_of_scope(classification, chosen=True)
                self.say("turned_away_undo")
                return
            self.state.draft = None
            if draft.told_out_of_scope:
                self.say("nothing_filed")  # the answer itself was given when the item arrived
            else:
                self.say_out_of_scope(classification)
            return
        if decision.outcome == "ask_place":
            draft.stage, draft.place_asked = "awaiting_place", True
            self.say("ask_place")
            return
        if decision.outcome == "choose_place":
            self.choose_place(decision.choices)
            return
        if decision.outcome in questions.QUESTION_OF:
            self.ask(questions.asking(decision.outcome, decision.choices))
            return
        if not is_complete(self.state.contact):
            draft.stage = "awaiting_contact"
            self.say("need_contact")
            self.replies.append(
                OutboundMessage(
                    kind="request_user_info",
                    title=self.text("contact_form_title"),
                    subtitle=self.text("contact_form_subtitle"),
                    image_url=self.dependencies.contact_form_image_url,
                )
            )
            return
        draft.stage = "confirming"
        self.replies.append(OutboundMessage(text=summary(draft, self.state.contact, self.state.language)))

    def file(self) -> None:
        draft = self.state.draft
        classified = self.dependencies.classify(draft.text_for_classification())
        classification = questions.answered(classified, draft.questions, self.dependencies.registry)
        decision = route(
            classification,
            place_asked=True,
            text=draft.text_for_classification(),
            asked=draft.asked,
            answered=draft.answered,
        )
        if decision.agency_id is None:
            # The text changed its nature since the summary (an edit): review it again instead.
            self.review()
            return
        now = self.event.occurred_at
        level = classification.level or "city"
        kind = classification.kind
        agency = self.dependencies.registry.get(decision.agency_id)
        case = Case.file(
            case_id=document_id(f"case:{self.event.event_id}"),
            tracking_code=self.cases.new_tracking_code(),
            citizen_id=self.state.citizen_id,
            agency=AgencyRef(id=agency.id, name=agency.name),
            kind=kind,
            level=level,
            content=draft.content,
            media=draft.media,
            location=draft.location,
            contact=self.state.contact,
            routing=CaseRouting(
                outcome=decision.outcome,
                reason=decision.reason,
                confidence=classification.confidence,
                evidence=list(classification.evidence),
                classifier_version=classification.version,
                # The classifier's own guess (the desk's hint), in scope if the citizen said it is; a
                # department the citizen chose is the agency.
                classified_agency_id=(classified.in_scope or classified).agency_id,
                outside_body=classification.outside_body,
                candidates=list(decision.candidates),
                asked=[
                    AskedQuestion(question=question.key, choices=question.choices, answer=question.answer)
                    for question in draft.questions
                ],
            ),
            at=now,
            policy=self.dependencies.policy,
            language=self.state.language,
        )
        self.result.filed.append(case)
        self.state.draft = None
        self.state.last_case = LastCase(
            case_id=case.case_id, agency_id=case.agency_id, tracking_code=case.tracking_code, filed_at=now
        )
        limits = (self.dependencies.policy or deadlines.default_policy()).limits(kind, level)
        values = {
            "agency": case.agency_name,
            "code": case.tracking_code,
            "due_date": _date(case.clock.overall_due_at),
            "days": limits.accept + limits.answer,
        }
        if decision.outcome == "outside":
            self.say(
                "filed_outside",
                body=self.text(f"outside_body.{classification.outside_body or 'unknown'}"),
                **values,
            )
        else:
            self.say("filed_triage" if decision.outcome == "triage" else "filed", **values)
        if decision.reason == "allegation":
            self.say("denunciation_channel")

"""The citizen's conversation (hội thoại): what each event changes and what the OA answers.

One event is one turn, applied inside the inbox's transaction: every read (the citizen's state, a case
look-up, a tracking code) happens before any write, as Firestore requires, and the writes are queued and
made at the end of the turn. The Vietnamese the citizen sees comes from `pakn.messages`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pakn import cases, citizens, deadlines, messages
from pakn.citizens import CitizenState, Draft, DraftPart, LastCase
from pakn.classify import Classification, classify
from pakn.collections import document_id
from pakn.commands import Command, parse_command
from pakn.contact import has_phone, is_complete, parse_typed_contact
from pakn.events import CitizenEvent, ContactDetails
from pakn.outbound import TEXT_LIMIT, OutboundMessage
from pakn.registry import load_registry
from pakn.routing import route
from pakn.workdays import local_date

SUMMARY_CONTENT_CHARS = 700
NAME_CHARS, ADDRESS_CHARS, PLACE_CHARS = 100, 200, 200
NOT_MATERIAL = {"sticker", "gif"}
# Shorter than this while a summary awaits 1/2/3, a message is an attempt at answering, not more content.
CONFIRMING_CHATTER_WORDS = 4


def _date(instant: datetime) -> str:
    return local_date(instant).strftime("%d/%m/%Y")


def _say(key: str, **values: object) -> OutboundMessage:
    return OutboundMessage(text=messages.text(key, **values))


def clipped(contact: ContactDetails) -> ContactDetails:
    """Details short enough for a summary on a phone (and for Zalo's 2,000 characters)."""

    def clip(value: str | None, limit: int) -> str | None:
        return value.strip()[:limit] if value else value

    return ContactDetails(
        name=clip(contact.name, NAME_CHARS), phone=contact.phone, address=clip(contact.address, ADDRESS_CHARS)
    )


def summary(draft: Draft, contact: ContactDetails) -> str:
    """The summary the citizen confirms, its content cut to fit one Zalo message."""
    items = []
    if draft.media:
        items.append(messages.text("summary_files", count=len(draft.media)))
    if draft.location:
        items.append(messages.text("summary_location"))
    values = {
        "attachments": messages.text("summary_attachments", items=", ".join(items)) if items else "",
        "name": contact.name,
        "phone": contact.phone,
        "address": contact.address,
    }
    room = TEXT_LIMIT - len(messages.text("summary", content="", **values))
    content = draft.content
    limit = min(SUMMARY_CONTENT_CHARS, room)
    if len(content) > limit:
        content = content[: limit - 1].rstrip() + "…"
    return messages.text("summary", content=content, **values)


class Turn:
    """One event's effect on one citizen's conversation."""

    def __init__(self, conversation: Conversation, transaction, state: CitizenState, event: CitizenEvent):
        self.conversation = conversation
        self.db = conversation.db
        self.transaction = transaction
        self.state = state
        self.event = event
        self.replies: list[OutboundMessage] = []
        self.writes: list[Callable[[], None]] = []

    def say(self, key: str, **values: object) -> None:
        self.replies.append(_say(key, **values))

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
        self.greet_once()
        if self.event.text is None and self.event.location is None and not self.material_media():
            return  # a sticker, a GIF or a business card: nothing to file, nothing to answer
        draft = self.state.draft
        command = parse_command(self.event.text, confirming=bool(draft and draft.stage == "confirming"))
        if command:
            self.command(command)
        elif draft and draft.stage == "awaiting_contact" and self.event.text and not self.event.media:
            self.typed_contact()
        elif draft and draft.stage == "awaiting_place":
            self.place_answer()
        elif draft and draft.stage == "confirming":
            self.while_confirming()
        elif draft is None and self.state.awaiting_info:
            self.information_for_official()
        else:
            self.content()

    def material_media(self) -> list:
        """Photos, videos, files and links: what can support a complaint (stickers and GIFs cannot)."""
        return [media for media in self.event.media if media.type not in NOT_MATERIAL]

    # --- content ----------------------------------------------------------------------------------

    def content(self) -> None:
        last = self.state.last_case
        if self.state.draft is None and last and self.event.occurred_at < last.filed_at and self.event.text:
            # Written before the citizen confirmed, delivered after: it belongs to that case, wherever it
            # has been transferred since.
            filed = cases.locate(self.transaction, self.db, last.agency_id, last.case_id)
            if filed is not None:
                self.writes.append(
                    lambda: cases.add_late_text(self.transaction, filed.reference, self.event.text)
                )
                self.say("late_addition", code=last.tracking_code)
                return
        draft = self.state.draft
        if draft is None:
            draft = self.state.draft = Draft(started_at=self.event.occurred_at)
        draft.add(DraftPart.of(self.event))
        if not draft.content:
            self.say("attachment_received")
        elif self.event.text and draft.content == self.event.text:
            self.say("draft_started")
        else:
            self.say("draft_added")

    def information_for_official(self) -> None:
        """The citizen answers an official's question: it joins the case, and the case's clocks run again."""
        asked = self.state.awaiting_info
        self.state.awaiting_info = None
        snapshot = cases.locate(self.transaction, self.db, asked.agency_id, asked.case_id)
        case = cases.Case.model_validate(snapshot.to_dict()) if snapshot is not None else None
        if case is None or case.status != "open" or case.clock.frozen_since is None:
            self.content()  # the question no longer stands (answered, closed, or resumed by the official)
            return
        at = self.event.occurred_at
        information = cases.CitizenInformation(text=self.event.text, media=list(self.event.media), at=at)
        resumed = cases.HistoryEntry(
            action="resume",
            request_id=f"citizen:{self.event.event_id}",
            at=at,
            by="citizen",
            agency_id=case.agency_id,
        )
        clock = deadlines.unfreeze(case.clock, at)
        self.writes.append(
            lambda: cases.add_citizen_information(
                self.transaction, snapshot.reference, information, clock, resumed
            )
        )
        self.say("information_received", code=case.tracking_code)

    def while_confirming(self) -> None:
        text = self.event.text
        details = parse_typed_contact(text) if text and not self.event.media else None
        if details:
            # The citizen corrects their details from the summary.
            self.state.contact = clipped(details)
            self.review()
            return
        if text and len(text.split()) < CONFIRMING_CHATTER_WORDS and not self.event.media:
            self.say("confirm_expected")
            return
        self.state.draft.add(DraftPart.of(self.event))
        self.review()

    def typed_contact(self) -> None:
        details = parse_typed_contact(self.event.text)
        if details:
            self.state.contact = clipped(details)
            self.review()
        elif has_phone(self.event.text):
            self.say("contact_incomplete")
        else:
            # More about the problem, not details: kept, and the details still asked for.
            self.state.draft.add(DraftPart.of(self.event))
            self.say("contact_still_needed")

    def place_answer(self) -> None:
        draft = self.state.draft
        if self.event.media or self.event.location:
            draft.add(DraftPart.of(self.event).model_copy(update={"text": None}))
        if self.event.text:
            draft.place = self.event.text[:PLACE_CHARS]
            self.review()
        else:
            self.say("ask_place")

    # --- commands ---------------------------------------------------------------------------------

    def command(self, command: Command) -> None:
        getattr(self, f"command_{command.intent}")(command)

    def command_help(self, command: Command) -> None:
        self.say("help")

    def command_cancel(self, command: Command) -> None:
        if self.state.draft is None:
            self.say("nothing_to_cancel")
        else:
            self.state.draft = None
            self.say("cancelled")

    def command_new(self, command: Command) -> None:
        self.state.draft = None
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
        case = cases.find_by_tracking_code(self.transaction, self.db, command.code)
        # Another citizen's case is "not found": a code alone must not reveal someone else's case.
        if case is None or case.citizen_id != self.state.citizen_id:
            self.say("status_not_found", code=command.code)
            return
        self.say(
            "status",
            code=case.tracking_code,
            status=messages.text(f"status.{case.status}"),
            agency=case.agency_name,
            filed_date=_date(case.filed_at),
            due_date=_date(case.clock.overall_due_at),
        )

    def command_list(self, command: Command) -> None:
        found = cases.recent_cases_of(self.transaction, self.db, self.state.citizen_id)
        if not found:
            self.say("no_cases")
            return
        lines = "\n".join(
            messages.text(
                "my_cases_line",
                code=case.tracking_code,
                status=messages.text(f"status.{case.status}"),
                filed_date=_date(case.filed_at),
            )
            for case in found
        )
        self.say("my_cases", lines=lines)

    # --- review and filing ------------------------------------------------------------------------

    def classification(self) -> Classification:
        return self.conversation.classify(self.state.draft.text_for_classification())

    def review(self) -> None:
        """After "XONG": what is still missing, in order (place, contact), or the summary to confirm."""
        draft = self.state.draft
        if draft is None or not draft.content:
            self.say("draft_empty")
            return
        decision = route(self.classification(), place_asked=draft.place_asked)
        if decision.outcome == "out_of_scope":
            self.state.draft = None
            self.say("out_of_scope")
            return
        if decision.outcome == "ask_place":
            draft.stage, draft.place_asked = "awaiting_place", True
            self.say("ask_place")
            return
        if not is_complete(self.state.contact):
            draft.stage = "awaiting_contact"
            self.say("need_contact")
            self.replies.append(
                OutboundMessage(
                    kind="request_user_info",
                    title=messages.text("contact_form_title"),
                    subtitle=messages.text("contact_form_subtitle"),
                    image_url=self.conversation.contact_form_image_url,
                )
            )
            return
        draft.stage = "confirming"
        self.replies.append(OutboundMessage(text=summary(draft, self.state.contact)))

    def file(self) -> None:
        draft = self.state.draft
        classification = self.classification()
        decision = route(classification, place_asked=True)
        if decision.agency_id is None:
            # The text changed its nature since the summary (an edit): review it again instead.
            self.review()
            return
        now = self.event.occurred_at
        level = classification.level or "city"
        kind = classification.kind
        clock = deadlines.start(kind, level, now, decision.agency_id)
        case = cases.Case(
            case_id=document_id(f"case:{self.event.event_id}"),
            tracking_code=cases.reserve_tracking_code(self.transaction, self.db, self.conversation.new_code),
            citizen_id=self.state.citizen_id,
            agency_id=decision.agency_id,
            agency_name=load_registry().get(decision.agency_id).name,
            kind=kind,
            level=level,
            content=draft.content,
            media=draft.media,
            location=draft.location,
            contact=self.state.contact,
            routing=cases.CaseRouting(
                outcome=decision.outcome,
                reason=decision.reason,
                confidence=classification.confidence,
                evidence=list(classification.evidence),
                classifier_version=classification.version,
                classified_agency_id=classification.agency_id,
                outside_body=classification.outside_body,
            ),
            filed_at=now,
            clock=clock,
        )
        self.writes.append(lambda: cases.file_case(self.transaction, self.db, case))
        self.state.draft = None
        self.state.last_case = LastCase(
            case_id=case.case_id, agency_id=case.agency_id, tracking_code=case.tracking_code, filed_at=now
        )
        limits = deadlines.default_policy().limits(kind, level)
        values = {
            "agency": case.agency_name,
            "code": case.tracking_code,
            "due_date": _date(clock.overall_due_at),
            "days": limits.accept + limits.answer,
        }
        if decision.outcome == "outside":
            self.say(
                "filed_outside",
                body=messages.text(f"outside_body.{classification.outside_body or 'unknown'}"),
                **values,
            )
        else:
            self.say("filed_triage" if decision.outcome == "triage" else "filed", **values)


class Conversation:
    def __init__(self, db, contact_form_image_url: str, classify=classify, new_code=cases.new_tracking_code):
        self.db = db
        self.contact_form_image_url = contact_form_image_url
        self.classify = classify
        self.new_code = new_code

    def apply(self, transaction, event: CitizenEvent) -> list[OutboundMessage]:
        state = citizens.load(transaction, self.db, event.citizen_id)
        turn = Turn(self, transaction, state, event)
        {
            "follow": turn.follow,
            "unfollow": turn.unfollow,
            "contact": lambda: turn.contact(event.contact),
            "message": turn.message,
        }[event.type]()
        for write in turn.writes:
            write()
        citizens.save(transaction, self.db, turn.state, reachable_again=event.type != "unfollow")
        return turn.replies

"""Routing (chuyển đến cơ quan có thẩm quyền): from a classification to the agency that receives the case.

The rules are data (`config/routing.json`); this module is the one function that applies them, with the
city Office's triage desk as the fallback, because a wrong route costs the citizen days and unknown beats
wrong. Where the classifier is unsure of what the citizen can tell (the place, the kind, the department),
the route is a question for them first (`ASKING`), asked once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pakn.domain.vocabulary import KINDS
from pakn.platform.configuration import CONFIG_DIR, load_config
from pakn.routing.classify import Classification
from pakn.routing.text import holds_as_written, normalise

Outcome = Literal[
    "agency", "triage", "ask_place", "choose_place", "ask_kind", "ask_department", "out_of_scope", "outside"
]
# The outcomes that ask the citizen before anything is filed.
ASKING: frozenset[Outcome] = frozenset({"ask_place", "choose_place", "ask_kind", "ask_department"})
# What the kind question offers, in this order: the kinds this channel takes, and "something else" for an
# item read as one of them that is none (a thank-you, an exam result): the citizen says so, and it is not
# filed with an agency that would have to answer it.
KIND_CHOICES: tuple[str, ...] = (*KINDS, "out_of_scope")


class AllegationRules(BaseModel):
    """Where allegations against an agency's own staff go instead of to that agency (routing.json)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    note: str = ""
    phrases: tuple[str, ...]
    # Phrases that hold an allegation's words in another sense ("được nhận tiền" trợ cấp, "chung chi hanh
    # nghe" unaccented): a phrase found only inside one of them is not an allegation.
    not_within: tuple[str, ...] = ()
    handled_by: dict[str, str]

    def made_in(self, text: str) -> bool:
        words = f" {normalise(text)} "
        for other in _normalised(self.not_within):
            words = words.replace(f" {other} ", " | ")
        return any(
            f" {folded} " in words and holds_as_written(text, phrase)
            for phrase, folded in zip(self.phrases, _normalised(self.phrases), strict=True)
        )


@cache
def _normalised(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalise(phrase) for phrase in phrases)


class AskRules(BaseModel):
    """When the conversation asks the citizen instead of guessing (routing.json `ask`): a kind less
    probable than `kind_below`, a department the model could not settle. The defaults never ask."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    note: str = ""
    kind_below: float = Field(default=0.0, ge=0, le=1)
    department: bool = False


class RoutingRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    triage_agency_id: str
    min_confidence: float = Field(ge=0, le=1)
    ask_place_levels: tuple[str, ...] = ()
    ask: AskRules = AskRules()
    allegations: AllegationRules | None = None


@cache
def routing_rules() -> RoutingRules:
    return load_config(RoutingRules, CONFIG_DIR / "routing.json", "routing rules")


@dataclass(frozen=True)
class Route:
    outcome: Outcome
    agency_id: str | None  # where a filed case lands; None when nothing is filed yet
    reason: str  # stable code, stored on the case for the official
    # What the citizen is asked to choose from: units (choose_place), departments (ask_department), both
    # agency ids, or kinds (ask_kind).
    choices: tuple[str, ...] = ()
    # For triage: the agencies the case may belong to (agency ids, most likely first), for the desk.
    candidates: tuple[str, ...] = ()


def route(
    classification: Classification,
    place_asked: bool,
    rules: RoutingRules | None = None,
    text: str | None = None,
    asked: Collection[str] = (),
    answered: Collection[str] = (),
) -> Route:
    """Where the case goes. `text` is the citizen's, for the rules that read it (allegations). `asked`: the
    quick questions ("kind", "department") already asked about this draft, each asked only once;
    `answered`: those the citizen answered, whose answers are in `classification`."""
    rules = rules or routing_rules()
    kind_p = classification.kind_confidence
    unsure = "kind" not in asked and kind_p is not None and kind_p < rules.ask.kind_below
    if classification.kind == "out_of_scope":
        if unsure and classification.in_scope is not None:
            # Not turned away on a guess: the citizen says whether it is one of the kinds this channel takes.
            return Route("ask_kind", None, "unsure_scope", KIND_CHOICES)
        return Route("out_of_scope", None, "out_of_scope")
    if classification.level == "outside":
        return Route("outside", rules.triage_agency_id, f"outside:{classification.outside_body or 'unknown'}")
    allegations = rules.allegations
    if (
        allegations
        and text
        and classification.kind == "conduct"
        and classification.level in allegations.handled_by
        and allegations.made_in(text)
    ):
        return Route("agency", allegations.handled_by[classification.level], "allegation")
    if unsure:
        return Route("ask_kind", None, "unsure_kind", KIND_CHOICES)
    if classification.place_ambiguous:
        if classification.place_candidates and not place_asked:
            return Route("choose_place", None, "ambiguous_place", classification.place_candidates)
        return Route(
            "triage", rules.triage_agency_id, "ambiguous_place", candidates=classification.place_candidates
        )
    if classification.agency_id is None:
        if classification.level in rules.ask_place_levels and not place_asked:
            return Route("ask_place", None, "no_place")
        departments = classification.agency_candidates if classification.level == "department" else ()
        if departments and rules.ask.department and "department" not in asked:
            return Route("ask_department", None, "unsure_department", departments)
        return Route("triage", rules.triage_agency_id, "no_agency", candidates=departments)
    if classification.confidence < rules.min_confidence:
        return Route(
            "triage", rules.triage_agency_id, "low_confidence", candidates=classification.agency_candidates
        )
    if "department" in answered:
        return Route("agency", classification.agency_id, "citizen_chose")
    return Route("agency", classification.agency_id, "classified")

"""Routing (chuyển đến cơ quan có thẩm quyền): from a classification to the agency that receives the case.

The rules are data (`config/routing.json`); this module is the one function that applies them, with the
city Office's triage desk as the fallback, because a wrong route costs the citizen days and unknown beats
wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pakn.platform.configuration import CONFIG_DIR, load_config
from pakn.routing.classify import Classification
from pakn.routing.text import normalise

Outcome = Literal["agency", "triage", "ask_place", "choose_place", "out_of_scope", "outside"]


class AllegationRules(BaseModel):
    """Where allegations against an agency's own staff go instead of to that agency (routing.json)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    note: str = ""
    phrases: tuple[str, ...]
    handled_by: dict[str, str]

    def made_in(self, text: str) -> bool:
        words = f" {normalise(text)} "
        return any(f" {phrase} " in words for phrase in _normalised(self.phrases))


@cache
def _normalised(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalise(phrase) for phrase in phrases)


class RoutingRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    triage_agency_id: str
    min_confidence: float = Field(ge=0, le=1)
    ask_place_levels: tuple[str, ...] = ()
    allegations: AllegationRules | None = None


@cache
def routing_rules() -> RoutingRules:
    return load_config(RoutingRules, CONFIG_DIR / "routing.json", "routing rules")


@dataclass(frozen=True)
class Route:
    outcome: Outcome
    agency_id: str | None  # where a filed case lands; None when nothing is filed yet
    reason: str  # stable code, stored on the case for the official
    # For choose_place: the units the citizen is asked to choose from (agency ids).
    choices: tuple[str, ...] = ()


def route(
    classification: Classification,
    place_asked: bool,
    rules: RoutingRules | None = None,
    text: str | None = None,
) -> Route:
    """Where the case goes. `text` is the citizen's, for the rules that read it (allegations)."""
    rules = rules or routing_rules()
    if classification.kind == "out_of_scope":
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
    if classification.place_ambiguous:
        if classification.place_candidates and not place_asked:
            return Route("choose_place", None, "ambiguous_place", classification.place_candidates)
        return Route("triage", rules.triage_agency_id, "ambiguous_place")
    if classification.agency_id is None:
        if classification.level in rules.ask_place_levels and not place_asked:
            return Route("ask_place", None, "no_place")
        return Route("triage", rules.triage_agency_id, "no_agency")
    if classification.confidence < rules.min_confidence:
        return Route("triage", rules.triage_agency_id, "low_confidence")
    return Route("agency", classification.agency_id, "classified")

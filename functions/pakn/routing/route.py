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

Outcome = Literal["agency", "triage", "ask_place", "out_of_scope", "outside"]


class RoutingRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    triage_agency_id: str
    min_confidence: float = Field(ge=0, le=1)
    ask_place_levels: tuple[str, ...] = ()


@cache
def routing_rules() -> RoutingRules:
    return load_config(RoutingRules, CONFIG_DIR / "routing.json", "routing rules")


@dataclass(frozen=True)
class Route:
    outcome: Outcome
    agency_id: str | None  # where a filed case lands; None when nothing is filed yet
    reason: str  # stable code, stored on the case for the official


def route(classification: Classification, place_asked: bool, rules: RoutingRules | None = None) -> Route:
    rules = rules or routing_rules()
    if classification.kind == "out_of_scope":
        return Route("out_of_scope", None, "out_of_scope")
    if classification.level == "outside":
        return Route("outside", rules.triage_agency_id, f"outside:{classification.outside_body or 'unknown'}")
    if classification.place_ambiguous:
        return Route("triage", rules.triage_agency_id, "ambiguous_place")
    if classification.agency_id is None:
        if classification.level in rules.ask_place_levels and not place_asked:
            return Route("ask_place", None, "no_place")
        return Route("triage", rules.triage_agency_id, "no_agency")
    if classification.confidence < rules.min_confidence:
        return Route("triage", rules.triage_agency_id, "low_confidence")
    return Route("agency", classification.agency_id, "classified")

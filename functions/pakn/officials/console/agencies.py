"""The transfer form's agency picker: agencies found by their name, former names and the names citizens
use (the routing registry's aliases), accents and case ignored."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pakn.routing.registry import Agency, load_registry
from pakn.routing.text import normalise

MAX_MATCHES = 12


@dataclass(frozen=True)
class Match:
    agency: Agency
    # The alias or former name that matched, when it was not the agency's own name.
    via: str | None


@cache
def _index() -> list[tuple[Agency, str, list[tuple[str, str]]]]:
    entries = []
    for agency in load_registry().agencies.values():
        others = [(normalise(label), label) for label in (*agency.aliases, *agency.former_units)]
        entries.append((agency, normalise(agency.name), others))
    return entries


def find_agencies(words: str, limit: int = MAX_MATCHES) -> list[Match]:
    wanted = normalise(words)
    if len(wanted) < 2:
        return []
    ranked: list[tuple[int, str, Match]] = []
    for agency, name, others in _index():
        if name == wanted:
            ranked.append((0, name, Match(agency, None)))
        elif f" {wanted}" in f" {name}":
            ranked.append((1, name, Match(agency, None)))
        else:
            via = next((label for folded, label in others if f" {wanted}" in f" {folded}"), None)
            if via is not None:
                ranked.append((2, name, Match(agency, via)))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [match for _, _, match in ranked[:limit]]

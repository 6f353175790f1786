"""The classifier (phân loại PAKN): what kind of item a citizen's message is, and which agency should take it.

Kinds follow Decree 20/2008: a difficulty with an administrative procedure (`procedure`), an official's
behaviour (`conduct`), a rule that should change (`regulation`), or nothing this channel handles
(`out_of_scope`: flooding, rubbish, neighbours, crime, small talk). Levels: `commune`, `department`, `city`,
or `outside` (police, tax, social insurance: central bodies the city cannot direct).

It is a weighted phrase matcher over normalised text. The phrases, their weights and who handles each
procedure are data (`pakn/data/signals.json`, `procedures.json`, `agencies.json`), so routing changes
without a code change. Unknown beats wrong: when the text does not determine an agency, `agency_id` is
None and the confidence is low, and the People's Committee Office triages the item by hand. An in-scope
item whose level cannot be told is given level `city` for the same reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import Literal, NotRequired

from pydantic import with_config
from typing_extensions import TypedDict  # pydantic needs this one, not typing's, before Python 3.12

from pakn.domain.vocabulary import ClassifiedKind, Level
from pakn.platform.configuration import DATA_DIR, DATA_SCHEMA, load_data
from pakn.routing.registry import Registry, load_registry
from pakn.routing.text import tokens, transpositions

# Bump when the code's decisions change, so stored classifications can be told apart.
CLASSIFIER_VERSION = "2026.1"

OutsideBody = Literal["police", "tax", "social_insurance"]

OUTSIDE_BODIES: tuple[str, ...] = ("police", "tax", "social_insurance")
_STRONG, _WEAK, _NAMED, _PLACE = 2.0, 1.0, 3.0, 1.0
# Weight of "a procedure is being talked about" that naming an agency adds to the procedure kind.
_NAMING_IS_PROCEDURE = 1.0
# With no evidence at all the message is most likely small talk; say so without conviction.
_NOTHING_FOUND_CONFIDENCE = 0.3
# Scales the kind's confidence by how the agency was found.
_AGENCY_NAMED, _AGENCY_BY_PROCEDURE, _LEVEL_ONLY, _UNDETERMINED = 1.0, 0.9, 0.6, 0.4
_LEVEL_PRIORITY: tuple[Level, ...] = ("outside", "department", "commune", "city")
# The kinds that could have won instead. Procedure words are no rival to conduct or regulation: a complaint
# about an official or a rule names the procedure it concerns.
_RIVALS: dict[str, tuple[str, ...]] = {
    "conduct": ("regulation", "out_of_scope"),
    "regulation": ("conduct", "out_of_scope"),
    "procedure": ("conduct", "regulation", "out_of_scope"),
    "out_of_scope": ("procedure", "conduct", "regulation"),
}


@dataclass(frozen=True, slots=True)
class Classification:
    kind: ClassifiedKind
    level: Level | None  # None only for out_of_scope
    agency_id: str | None
    agency_name: str | None  # the registry's canonical name, e.g. "Phường Ba Đình", "Sở Y tế"
    confidence: float  # 0..1
    evidence: tuple[str, ...]  # the phrases (as written in the data) and places that decided it
    place_ambiguous: bool = False  # a place was named but does not determine one commune/ward
    place_candidates: tuple[str, ...] = ()  # then, today's units it may mean (agency ids), if few
    outside_body: OutsideBody | None = None  # for level outside
    version: str = CLASSIFIER_VERSION

    def as_dict(self) -> dict[str, object]:
        result = asdict(self)
        result["evidence"] = list(self.evidence)
        result["place_candidates"] = list(self.place_candidates)
        return result


@dataclass(frozen=True, slots=True)
class _Signal:
    """What one phrase says: evidence for a kind, or for a handler (a route), or both."""

    label: str
    kind: str | None = None
    kind_weight: float = 0.0
    route: str | None = None  # "commune", an agency id, or an outside body
    route_weight: float = 0.0


@dataclass(frozen=True, slots=True)
class _Pair:
    """A kind's evidence spread over a few words: "đề nghị thành phố bỏ yêu cầu", "đòi 10 triệu"."""

    kind: str
    label: str
    weight: float
    window: int
    first: dict[str, tuple[tuple[str, ...], ...]]  # phrases by their first word
    second: dict[str, tuple[tuple[str, ...], ...]]

    def found_in(self, words: Sequence[str]) -> bool:
        return any(
            any(_phrase_ends(words, self.second, end, min(end + self.window, len(words))))
            for end in _phrase_ends(words, self.first, 0, len(words))
        )


def _phrase_ends(
    words: Sequence[str], phrases: dict[str, tuple[tuple[str, ...], ...]], begin: int, stop: int
) -> Iterator[int]:
    """Where each of `phrases` that starts in words[begin:stop] ends."""
    for start in range(begin, stop):
        for phrase in phrases.get(words[start], ()):
            end = start + len(phrase)
            if tuple(words[start:end]) == phrase:
                yield end


def _by_first_word(phrases: Sequence[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    grouped: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for phrase in phrases:
        words = tokens(phrase)
        grouped[words[0]].append(words)
    return {first: tuple(found) for first, found in grouped.items()}


class Classifier:
    """Built once per process from the data files; `classify()` is then pure and fast."""

    def __init__(self, registry: Registry, signals: dict, procedures: dict):
        self._registry = registry
        self._thresholds: dict[str, float] = signals["thresholds"]
        phrases: dict[tuple[str, ...], list[_Signal]] = defaultdict(list)

        for kind in ("conduct", "regulation", "out_of_scope", "procedure"):
            for phrase, weight in signals[kind].items():
                phrases[tokens(phrase)].append(_Signal(phrase, kind=kind, kind_weight=weight))
        for procedure in procedures["procedures"]:
            handler = procedure["handled_by"]
            for strength, key in ((_STRONG, "keywords"), (_WEAK, "weak_keywords")):
                for phrase in procedure.get(key, ()):
                    signal = _Signal(phrase, "procedure", strength, handler, strength)
                    phrases[tokens(phrase)].append(signal)
        for body, entry in procedures["outside_bodies"].items():
            for alias in entry["aliases"]:
                signal = _Signal(alias, "procedure", _NAMING_IS_PROCEDURE, body, _STRONG)
                phrases[tokens(alias)].append(signal)
        for agency in registry.agencies.values():
            for alias in agency.aliases:
                signal = _Signal(alias, "procedure", _NAMING_IS_PROCEDURE, agency.id, _NAMED)
                phrases[tokens(alias)].append(signal)

        self._pairs = tuple(
            _Pair(
                pair["kind"],
                pair["label"],
                pair["weight"],
                pair["window"],
                _by_first_word(pair["first"]),
                _by_first_word(pair["second"]),
            )
            for pair in signals["pairs"]
        )
        self._phrases = {words: tuple(found) for words, found in phrases.items() if words}
        self._longest_from: dict[str, int] = {}
        for words in self._phrases:
            self._longest_from[words[0]] = max(self._longest_from.get(words[0], 0), len(words))
        self._route_level = {
            "commune": "commune",
            **{body: "outside" for body in OUTSIDE_BODIES},
            **{agency.id: agency.level for agency in registry.agencies.values()},
        }
        unknown = {signal.route for found in self._phrases.values() for signal in found} - {None}
        if unknown - set(self._route_level):
            raise ValueError(
                f"procedures.json names unknown handlers: {sorted(unknown - set(self._route_level))}"
            )
        self._typos = _typo_corrections(
            {word for words in self._phrases for word in words} | registry.place_words()
        )

    def classify(self, text: str) -> Classification:
        words = tuple(self._typos.get(word, word) for word in tokens(text))
        kind_scores: dict[str, float] = defaultdict(float)
        route_scores: dict[str, float] = defaultdict(float)
        kind_evidence: dict[str, list[str]] = defaultdict(list)
        route_evidence: dict[str, list[str]] = defaultdict(list)
        for signal in self._matches(words):
            if signal.kind:
                kind_scores[signal.kind] += signal.kind_weight
                kind_evidence[signal.kind].append(signal.label)
            if signal.route:
                route_scores[signal.route] += signal.route_weight
                route_evidence[signal.route].append(signal.label)
        for pair in self._pairs:
            if pair.found_in(words):
                kind_scores[pair.kind] += pair.weight
                kind_evidence[pair.kind].append(pair.label)

        kind, kind_confidence = self._decide_kind(kind_scores)
        if kind == "out_of_scope":
            return Classification(
                kind, None, None, None, round(kind_confidence, 2), _unique(kind_evidence[kind])
            )

        place = self._registry.resolve_place(words)
        if place.agency_id or place.ambiguous:
            route_scores["commune"] += _PLACE
            route_evidence["commune"].extend(place.evidence)
        level, route, agency_factor = self._decide_route(route_scores, place.agency_id)
        agency_id = (
            place.agency_id if level == "commune" else route if level in ("department", "city") else None
        )
        evidence = _unique([*kind_evidence[kind], *(route_evidence[route] if route else ())])
        return Classification(
            kind=kind,
            level=level,
            agency_id=agency_id,
            agency_name=self._registry.get(agency_id).name if agency_id else None,
            confidence=round(kind_confidence * agency_factor, 2),
            evidence=evidence,
            place_ambiguous=place.ambiguous,
            place_candidates=place.candidates,
            outside_body=route if level == "outside" else None,  # type: ignore[arg-type]
        )

    def _matches(self, words: Sequence[str]) -> Iterator[_Signal]:
        """Longest phrase first at each position, no overlaps: "giấy phép xây dựng nhà ở" is one signal."""
        position, end = 0, len(words)
        while position < end:
            longest = self._longest_from.get(words[position], 0)
            for length in range(min(longest, end - position), 0, -1):
                found = self._phrases.get(tuple(words[position : position + length]))
                if found:
                    yield from found
                    position += length
                    break
            else:
                position += 1

    def _decide_kind(self, scores: dict[str, float]) -> tuple[ClassifiedKind, float]:
        conduct, regulation = scores["conduct"], scores["regulation"]
        out_of_scope, procedure = scores["out_of_scope"], scores["procedure"]
        # Complaints about an official or a rule nearly always name a procedure too, so they win over it.
        if conduct >= self._thresholds["conduct"] and conduct >= max(regulation, out_of_scope):
            kind: ClassifiedKind = "conduct"
        elif regulation >= self._thresholds["regulation"] and regulation >= out_of_scope:
            kind = "regulation"
        elif out_of_scope >= self._thresholds["out_of_scope"] and out_of_scope > procedure:
            kind = "out_of_scope"
        elif procedure > 0:
            kind = "procedure"
        else:
            return "out_of_scope", _NOTHING_FOUND_CONFIDENCE
        top = scores[kind]
        runner_up = max(scores[other] for other in _RIVALS[kind])
        return kind, top / (top + runner_up + 0.5)

    def _decide_route(
        self, scores: dict[str, float], place_agency: str | None
    ) -> tuple[Level, str | None, float]:
        """The level, the route that decided it (an agency id or outside body), and how sure it is."""
        # A level is as strong as its best agency: weak hints towards several departments do not add up.
        level_scores: dict[Level, float] = defaultdict(float)
        for route, score in scores.items():
            level = self._route_level[route]
            level_scores[level] = max(level_scores[level], score)
        if not level_scores:
            return "city", None, _UNDETERMINED
        ranked = sorted(level_scores.items(), key=lambda item: (-item[1], _LEVEL_PRIORITY.index(item[0])))
        level = ranked[0][0]
        if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
            return level, None, _UNDETERMINED
        if level == "commune":
            return level, "commune", _AGENCY_NAMED if place_agency else _LEVEL_ONLY
        candidates = sorted(
            ((score, route) for route, score in scores.items() if self._route_level[route] == level),
            reverse=True,
        )
        if len(candidates) > 1 and candidates[1][0] == candidates[0][0]:
            return level, None, _UNDETERMINED
        score, route = candidates[0]
        return level, route, _AGENCY_NAMED if score >= _NAMED else _AGENCY_BY_PROCEDURE


def _typo_corrections(vocabulary: set[str]) -> dict[str, str]:
    """Misspelling -> word, for swapped letters in the words the classifier knows ("sihn" -> "sinh")."""
    corrections: dict[str, str] = {}
    clashes: set[str] = set()
    for word in vocabulary:
        if len(word) < 4:
            continue
        for variant in transpositions(word) - vocabulary:
            if variant in corrections and corrections[variant] != word:
                clashes.add(variant)
            corrections[variant] = word
    for variant in clashes:
        del corrections[variant]
    return corrections


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# What signals.json and procedures.json must hold: checked on load, so a malformed file is one
# ConfigurationError naming it. They are read as the plain dicts Classifier takes.


@with_config(DATA_SCHEMA)
class _Thresholds(TypedDict):
    conduct: float
    regulation: float
    out_of_scope: float


@with_config(DATA_SCHEMA)
class _PairEntry(TypedDict):
    kind: ClassifiedKind
    label: str
    weight: float
    window: int
    first: list[str]
    second: list[str]


@with_config(DATA_SCHEMA)
class _SignalsFile(TypedDict):
    _comment: NotRequired[str]
    thresholds: _Thresholds
    conduct: dict[str, float]
    regulation: dict[str, float]
    out_of_scope: dict[str, float]
    procedure: dict[str, float]
    pairs: list[_PairEntry]


@with_config(DATA_SCHEMA)
class _OutsideBodyEntry(TypedDict):
    name: str
    aliases: list[str]


@with_config(DATA_SCHEMA)
class _ProcedureEntry(TypedDict):
    name: str
    handled_by: str  # "commune", an outside body or an agency id: checked against the registry
    keywords: NotRequired[list[str]]
    weak_keywords: NotRequired[list[str]]


@with_config(DATA_SCHEMA)
class _ProceduresFile(TypedDict):
    _comment: NotRequired[str]
    outside_bodies: dict[OutsideBody, _OutsideBodyEntry]
    procedures: list[_ProcedureEntry]


@cache
def load_classifier() -> Classifier:
    """The classifier, built from `pakn/data/` once per process."""
    signals = load_data(_SignalsFile, DATA_DIR / "signals.json", "classifier signals")
    procedures = load_data(_ProceduresFile, DATA_DIR / "procedures.json", "procedures")
    return Classifier(load_registry(), signals, procedures)


def classify(text: str) -> Classification:
    """Classify one citizen message. Never raises on odd text; empty text is out of scope."""
    return load_classifier().classify(text)

"""The classifier (phân loại PAKN): what kind of item a citizen's message is, and which agency should take it.

Kinds follow Decree 20/2008: a difficulty with an administrative procedure (`procedure`), an official's
behaviour (`conduct`), a rule that should change (`regulation`), or nothing this channel handles
(`out_of_scope`: flooding, rubbish, neighbours, crime, small talk). Levels: `commune`, `department`, `city`,
or `outside` (police, tax, social insurance, courts, customs: central bodies the city cannot direct).

Kind, level and department come from linear models trained on labelled messages (`pakn.routing.model`,
weights in `pakn/data/model.json`, trained with `pakn training fit`); their features are the message's
n-grams plus the registry's exact matches -- places (`registry.resolve_place`), agencies' names and
aliases (`agencies.json`), procedures and who handles them (`procedures.json`), the phrase hints of
`signals.json` -- which stay data. Which commune: the place the text names, resolved by the registry.
Unknown beats wrong: when the text does not determine an agency, or the department model is not sure
enough (a threshold fitted on the dev split), `agency_id` is None and the People's Committee Office
triages the item by hand. Every decision has a calibrated probability; `confidence` is their product, a
procedure's and its official's conduct counted together (they go to the same agency).
"""

from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Literal, NotRequired

from pydantic import with_config
from typing_extensions import TypedDict  # pydantic needs this one, not typing's, before Python 3.12

from pakn.domain.vocabulary import KINDS, ClassifiedKind, Level
from pakn.platform.configuration import DATA_DIR, DATA_SCHEMA, load_data
from pakn.routing.model import Found, Model, features, load_model
from pakn.routing.registry import PlaceResolution, Registry, load_registry
from pakn.routing.text import tokens, transpositions

# The files whose content decides; the version changes whenever one of them does (model or data).
DECISION_FILES = (
    "model.json",
    "signals.json",
    "procedures.json",
    "agencies.json",
    "abbreviations.json",
    "units_2025.csv",
    "units_pre2025_to_2025.csv",
)
# Bump the first part when the code's decisions change; the second follows the model and its data.
CODE_VERSION = "2026.6"


def _data_digest() -> str:
    digest = hashlib.sha256()
    for name in DECISION_FILES:
        path = DATA_DIR / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:8]


# Stored on every case (CaseRouting.classifier_version), so classifications can be told apart.
CLASSIFIER_VERSION = f"{CODE_VERSION}+{_data_digest()}"

OutsideBody = Literal["police", "tax", "social_insurance", "court", "customs", "state_bank"]

OUTSIDE_BODIES: tuple[str, ...] = ("police", "tax", "social_insurance", "court", "customs", "state_bank")
# With no evidence at all the message is most likely small talk; say so without conviction.
_NOTHING_FOUND_CONFIDENCE = 0.3
# ... and so is a message of a few words none of which the data knows ("một việc khác", "tin số 3"): the
# conversation then starts a draft instead of saying at once that the item belongs elsewhere.
_FEW_WORDS = 4
# How sure the agency is when the level is known but the text names no agency, or not one unit.
_LEVEL_ONLY, _UNDETERMINED = 0.6, 0.4
# How often the data's exact matches give the right department, where the level is department (measured on
# the train and dev splits when the model was introduced: 157 of 157 named, 175 of 181 by procedure).
_NAMED_DEPARTMENT, _DEPARTMENT_BY_PROCEDURE = 0.99, 0.96
# A procedure decides the department only with a strong keyword's weight (procedures.json `keywords`: 2); weak
# ones are hints, together worth at most one -- "công ty", "doanh nghiệp", "hợp tác xã" are named by a tax
# return, a crop-area code or a company's letterhead as often as by an enterprise registration -- left to
# the model when no strong keyword leads.
_DECISIVE = 2.0
_HINTS_AT_MOST = 1.0
# Thanks that open a message are its point ("Xin gửi lời cảm ơn chị cán bộ tư pháp xã..."); at its end they
# are politeness ("... mong được giải quyết, em cảm ơn"). The opening: its first third, or first few words.
_OPENING_WORDS = 6
# Out of scope whatever the model reads (LABELLING.md): a message that opens with thanks and asks, complains
# of or proposes nothing (in train and dev, 63 of 65 such messages were; the other two ask "hỏi chút" and
# propose "tuy nhiên em đề xuất": now a grievance word and a proposal); and one that names only what this
# channel does not take, with a strong keyword's weight, and no procedure, agency, official or rule ("cống
# thoát nước bị tắc", "thang máy hỏng 2 tuần": 112 of 114; the other two greet in English). Where the model
# read it otherwise, it is out of scope this surely: below `ask.kind_below`, so the citizen is asked what it
# is about, not turned away on a rule's word alone.
_OVERRULED = 0.55
# Thanks and a grievance in one message ("Cảm ơn phường..., nhưng hồ sơ vẫn chưa..."): thanks that retell a
# past delay, or a complaint that opens politely. Read as out of scope, it is no surer than this, so the
# citizen is asked what it is about rather than turned away (5-fold cross-validation over train and dev: of
# the 26 such messages routing turned away, 9 were complaints; 17 thanks, now asked once).
_MIXED_TONE = 0.3
# Where a phrase ends in the classifier's trie of phrases: no word is empty, so no word is this key.
_PHRASE_END = ""
# Alternatives worth showing the citizen or the desk: at least this probable.
_CANDIDATE_PROBABILITY = 0.15


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
    # Each decision's calibrated probability (None where it was not the model's), and the likely
    # alternatives, most probable first, for asking the citizen when unsure.
    kind_confidence: float | None = None
    level_confidence: float | None = None
    agency_confidence: float | None = None
    kind_candidates: tuple[str, ...] = ()
    agency_candidates: tuple[str, ...] = ()  # departments, when the level is department
    # Out of scope because its point is thanks (lời cảm ơn): it opens with them and complains of nothing,
    # so the citizen is thanked back rather than pointed to other channels.
    thanks: bool = False
    # It opens with thanks, whatever follows: if the citizen, asked, says it is none of the kinds this channel
    # takes, its point was the thanks, and they are thanked back.
    opens_with_thanks: bool = False
    # Out of scope, but not surely: the reading as the likeliest kind this channel takes, for when the
    # citizen, asked, says it is one (nothing they meant to file is turned away on a guess).
    in_scope: Classification | None = None

    def as_dict(self) -> dict[str, object]:
        result = asdict(self)
        result["evidence"] = list(self.evidence)
        result["place_candidates"] = list(self.place_candidates)
        result["kind_candidates"] = list(self.kind_candidates)
        result["agency_candidates"] = list(self.agency_candidates)
        return result


@dataclass(frozen=True, slots=True)
class _Context:
    """What the whole message says beyond its signals, for the level and agency."""

    place: PlaceResolution
    several_departments: bool
    # Agencies the text says turned the matter down as not theirs.
    turned_down: frozenset[str] = frozenset()


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

    def found_in(self, words: Sequence[str], present: frozenset[str]) -> bool:
        """Whether `words` (`present`: as a set) hold a first phrase, then a second within the window."""
        if present.isdisjoint(self.first) or present.isdisjoint(self.second):
            return False  # most messages: one set operation in C instead of a scan of every word
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
    """Built once per process from the data files and the model; `classify()` is then pure and fast."""

    def __init__(self, registry: Registry, signals: dict, procedures: dict, model: Model | None):
        """`model` None builds only the features (training does, before any model exists)."""
        self._registry = registry
        self._model = model
        phrases: dict[tuple[str, ...], list[_Signal]] = defaultdict(list)

        for kind in ("conduct", "regulation", "out_of_scope", "procedure"):
            for phrase, weight in signals[kind].items():
                phrases[tokens(phrase)].append(_Signal(phrase, kind=kind, kind_weight=weight))
        for procedure in procedures["procedures"]:
            handler = procedure["handled_by"]
            for strength, key in ((2.0, "keywords"), (1.0, "weak_keywords")):
                for phrase in procedure.get(key, ()):
                    phrases[tokens(phrase)].append(_Signal(phrase, None, 0.0, handler, strength))
        for body, entry in procedures["outside_bodies"].items():
            for alias in entry["aliases"]:
                phrases[tokens(alias)].append(_Signal(alias, None, 0.0, body, -1.0))
        for agency in registry.agencies.values():
            for alias in agency.aliases:
                phrases[tokens(alias)].append(_Signal(alias, None, 0.0, agency.id, -1.0))

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
        # Every tone's phrases in one table, by first word: one pass over the words finds them all.
        tones: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for tone, listed in signals["tone"].items():
            for first, grouped in _by_first_word(listed).items():
                tones[first].extend((phrase, tone) for phrase in grouped)
        self._tones = {first: tuple(grouped) for first, grouped in tones.items()}
        issued_by = signals["issued_by"]
        self._issuer_before = frozenset(tokens(" ".join(issued_by["before"])))
        self._issuer_after = _by_first_word(issued_by["after"])
        self._issuing_itself = frozenset(tokens(" ".join(issued_by["not_then"])))
        turned_down = signals["turned_down"]
        self._turned_down_window = turned_down["window"]
        self._turned_down = _by_first_word(turned_down["phrases"])
        self._moved_away = frozenset(tokens(phrase) for phrase in turned_down.get("moved_away", ()))
        # Folded, a tone's word may be a word of a name or a term ("bắt" of Bát Tràng and of "bất động sản",
        # "sao" of "bản sao", "chưa" of "khám chữa bệnh"): not a tone there.
        names = registry.place_names() | {
            words
            for words, found in phrases.items()
            if len(words) > 1 and any(signal.route for signal in found)
        }
        one_word = {
            phrase[0] for grouped in self._tones.values() for phrase, _ in grouped if len(phrase) == 1
        }
        terms: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        for name in names:
            for offset, word in enumerate(name):
                if word in one_word:
                    terms[word].append((name, offset))
        self._terms_with = {word: tuple(found) for word, found in terms.items()}
        known = {words: tuple(found) for words, found in phrases.items() if words}
        # The phrases as a trie of words, a phrase's signals under _PHRASE_END where it ends: the longest
        # match at a position is one walk that stops at the first word no phrase continues with.
        self._trie: dict[str, dict] = {}
        for words, found in known.items():
            node = self._trie
            for word in words:
                node = node.setdefault(word, {})
            node[_PHRASE_END] = found
        self._route_level = {
            "commune": "commune",
            **{body: "outside" for body in OUTSIDE_BODIES},
            **{agency.id: agency.level for agency in registry.agencies.values()},
        }
        unknown = {signal.route for found in known.values() for signal in found} - {None}
        if unknown - set(self._route_level):
            raise ValueError(
                f"procedures.json names unknown handlers: {sorted(unknown - set(self._route_level))}"
            )
        departments = set(model.heads["department"].classes) if model else set()
        if departments - set(registry.agencies):
            raise ValueError(
                f"the model names unknown agencies: {sorted(departments - set(registry.agencies))}"
            )
        self._typos = _typo_corrections({word for words in known for word in words} | registry.place_words())
        self._department_threshold = model.thresholds.get("department", 0.5) if model else 1.0
        # Evidence an official can read: not a word, nor a pair of words, that only holds a sentence
        # together ("cho con", "ở phường", "tháng").
        plain = {word for phrase in signals["not_evidence"] for word in tokens(phrase)}
        # Per kind, each readable feature that weighs towards it, with the key that ranks it: its weight,
        # then its index (so that equal weights rank the same way every time).
        self._evidence_ranks: dict[str, dict[int, tuple[float, int]]] = {}
        if model:
            head = model.heads["kind"]
            self._evidence_ranks = {kind: {} for kind in head.classes}
            for index in model.readable:
                if set(model.names[index].split()) <= plain:
                    continue
                for kind, weight in zip(head.classes, head.rows[index], strict=True):
                    if weight > 0:
                        self._evidence_ranks[kind][index] = (weight, index)

    def signals(self, words: Sequence[str]) -> tuple[set[str], list[_Signal], _Context]:
        """The registry's and the data's exact matches in `words`, as model features ("@..."), with the
        signals they came from and what the whole message says beyond them (`_Context`)."""
        extra: set[str] = set()
        matched: list[tuple[int, tuple[_Signal, ...]]] = []
        for start, end, signals in self._matches(words):
            if any(signal.route_weight < 0 for signal in signals) and self._issued_by(words, start, end):
                extra.update(f"@issuer:{signal.route}" for signal in signals if signal.route)
                continue
            matched.append((end, signals))
        found = [signal for _, signals in matched for signal in signals]
        for signal in found:
            if signal.kind:
                extra.add(f"@sig:{signal.kind}")
            if signal.route:
                level = self._route_level[signal.route]
                if signal.route_weight < 0:  # an agency or outside body named
                    extra.add(f"@named:{signal.route}")
                    extra.add(f"@named_level:{level}")
                else:
                    extra.add(f"@proc:{signal.route}")
                    extra.add(f"@proc_level:{level}")
        several_departments = self._several_departments(found)
        if several_departments:
            extra.add("@named:several_departments")
        present = frozenset(words)
        for pair in self._pairs:
            if pair.found_in(words, present):
                extra.add(f"@pair:{pair.kind}")
        tones = self._first_tone_ends(words)
        opening = max(_OPENING_WORDS, len(words) // 3)
        for tone, first_end in tones.items():
            extra.add(f"@tone:{tone}")
            if first_end <= opening:
                extra.add(f"@tone:{tone}:opening")
        if "praise" in tones and "grievance" not in tones and "@sig:regulation" not in extra:
            # Nothing asked, complained of or proposed ("em cảm ơn Sở..., em đề xuất..."): thanks alone.
            extra.add("@tone:praise_only")
        place = self._registry.resolve_place(words)
        if place.agency_id:
            extra.add("@place")
        elif place.ambiguous:
            extra.add("@place_ambiguous")
        turned_down = self._turned_down_by(words, matched, present)
        return extra, found, _Context(place, several_departments, turned_down)

    def _first_tone_ends(self, words: Sequence[str]) -> dict[str, int]:
        """Each tone found, and where its first phrase ends (the least end of its phrases)."""
        ends: dict[str, int] = {}
        table = self._tones
        for start, word in enumerate(words):
            for phrase, tone in table.get(word, ()):
                end = start + len(phrase)
                if end < ends.get(tone, end + 1) and tuple(words[start:end]) == phrase:
                    if len(phrase) == 1 and self._in_a_name(words, start):
                        continue
                    ends[tone] = end
        return ends

    def _in_a_name(self, words: Sequence[str], at: int) -> bool:
        return any(
            at >= offset and tuple(words[at - offset : at - offset + len(name)]) == name
            for name, offset in self._terms_with.get(words[at], ())
        )

    def words(self, text: str) -> tuple[str, ...]:
        written = tokens(text)
        return tuple(map(self._typos.get, written, written))  # each word, or its correction

    def features(self, text: str) -> set[str]:
        """The model's features of `text` (what training sees; devtools use it)."""
        words = self.words(text)
        extra, _, _ = self.signals(words)
        return features(words, extra)

    def classify(self, text: str) -> Classification:
        words = self.words(text)
        if not words:
            return Classification("out_of_scope", None, None, None, _NOTHING_FOUND_CONFIDENCE, ())
        model = self._model
        if model is None:
            raise RuntimeError("a classifier built without a model only gives features")
        extra, found, context = self.signals(words)
        message = model.message_indices(words, extra)

        kinds, levels = model.kind_and_level.probabilities(message)
        kind = max(kinds, key=kinds.__getitem__)
        kind_p = kinds[kind]
        thanks = {"@tone:praise_only", "@tone:praise:opening"} <= extra
        if kind != "out_of_scope" and (thanks or _only_out_of_scope(found, extra)):
            kind, kind_p = "out_of_scope", _OVERRULED
        kind_candidates = _ranked(kinds)
        evidence = self._evidence(message, kind, found, context.turned_down)
        opens_with_thanks = "@tone:praise:opening" in extra
        if kind != "out_of_scope":
            # A procedure and its official's conduct go to the same agency: doubt between the two is no doubt
            # about where the case goes.
            same_agency = _SAME_AGENCY_KINDS if kind in _SAME_AGENCY_KINDS else (kind,)
            route_p = sum(kinds[name] for name in same_agency)
            read = self._in_scope(
                words, kind, kind_p, kind_candidates, evidence, found, context, message, levels, route_p
            )
            return replace(read, opens_with_thanks=True) if opens_with_thanks else read
        if not extra and len(words) <= _FEW_WORDS:  # nothing the data knows, a few words: no conviction
            kind_p = min(kind_p, _NOTHING_FOUND_CONFIDENCE)
        mixed_tone = {"@tone:praise", "@tone:grievance"} <= extra
        in_scope_words = _in_scope_words_only(found, extra)
        if mixed_tone or in_scope_words:
            kind_p = min(kind_p, _MIXED_TONE)
        alternative = max((name for name in kinds if name != "out_of_scope"), key=kinds.__getitem__)
        in_scope = None
        if (
            kinds[alternative] >= _CANDIDATE_PROBABILITY
            or kind_p <= _NOTHING_FOUND_CONFIDENCE
            or mixed_tone
            or in_scope_words
        ):
            in_scope = self._in_scope(
                words,
                alternative,
                kinds[alternative],
                kind_candidates,
                self._evidence(message, alternative, found, context.turned_down),
                found,
                context,
                message,
                levels,
            )
        return Classification(
            "out_of_scope",
            None,
            None,
            None,
            round(kind_p, 2),
            evidence,
            kind_confidence=round(kind_p, 3),
            kind_candidates=kind_candidates,
            thanks=thanks,
            opens_with_thanks=opens_with_thanks,
            in_scope=in_scope,
        )

    def _in_scope(
        self,
        words: Sequence[str],
        kind: str,
        kind_p: float,
        kind_candidates: tuple[str, ...],
        evidence: tuple[str, ...],
        found: Sequence[_Signal],
        context: _Context,
        message: Found,
        levels: dict[str, float],
        route_p: float | None = None,
    ) -> Classification:
        """The level and agency of a message of `kind`, one this channel takes (`levels`: the level head's
        probabilities; `route_p`: how likely the kinds that go where `kind` goes, `kind_p` by default)."""
        place = context.place
        level: Level = max(levels, key=levels.__getitem__)  # type: ignore[assignment]
        level_p = levels[level]
        agency_id: str | None = None
        agency_p = _UNDETERMINED
        outside_body = None
        agency_candidates: tuple[str, ...] = ()
        named = {signal.route for signal in found if signal.route and signal.route_weight < 0}
        if kind == "regulation" and _addresses_city(words, named, self._route_level):
            # A proposal to the city is the city's to answer (LABELLING.md), whatever procedure it is about.
            level, level_p = "city", max(level_p, levels["city"], _ADDRESSED)
            named.add("vp-ubnd")
        if level == "city" and self._named_alone(words, kind, named, found, context):
            level, level_p = "department", max(levels["department"], _NAMED_ALONE)
        if level == "department" and context.several_departments:
            # "Sở A bảo sang Sở B, Sở B lại bảo về Sở A": a file bounced between departments is the city's
            # (LABELLING.md); in train and dev, 33 of the 35 messages naming two departments are.
            level, level_p = "city", max(levels["city"], _BOUNCED)
        if level == "commune":
            evidence = (*evidence, *place.evidence)
            if place.agency_id:
                agency_id, agency_p = place.agency_id, 1.0
            else:
                agency_p = _UNDETERMINED if place.ambiguous else _LEVEL_ONLY
        elif level == "department":
            agency_id, agency_p, agency_candidates = self._department(found, message, context.turned_down)
        elif level == "city":
            if "vp-ubnd" in named:
                agency_id, agency_p = "vp-ubnd", 1.0
        else:  # outside: which central body, when the text names it or its procedure
            bodies = [signal.route for signal in found if signal.route in OUTSIDE_BODIES]
            # The most named; of equals, the first named (a set's order would change with the hash seed).
            outside_body = max(dict.fromkeys(bodies), key=bodies.count) if bodies else None
            agency_p = 1.0
        elsewhere = self._procedures_elsewhere(found, level, agency_id)
        return Classification(
            kind=kind,  # type: ignore[arg-type]
            level=level,
            agency_id=agency_id,
            agency_name=self._registry.get(agency_id).name if agency_id else None,
            confidence=round((kind_p if route_p is None else route_p) * level_p * agency_p, 2),
            evidence=_unique(item for item in evidence if item not in elsewhere),
            place_ambiguous=place.ambiguous and level == "commune",
            place_candidates=place.candidates if level == "commune" else (),
            outside_body=outside_body,  # type: ignore[arg-type]
            kind_confidence=round(kind_p, 3),
            level_confidence=round(level_p, 3),
            agency_confidence=round(agency_p, 3) if agency_id else None,
            kind_candidates=kind_candidates,
            agency_candidates=agency_candidates,
        )

    def _named_alone(
        self, words: Sequence[str], kind: str, named: set[str], found: Sequence[_Signal], context: _Context
    ) -> bool:
        """Whether an official's conduct or a proposal names one department and nothing else -- no place, no
        ward, commune or district, no other agency or its procedure, no rule of the one-stop desks (the
        city's): then it is that department's (LABELLING.md), though the level head, used to unplaced conduct
        being the city's, said city (train and dev: 232 of 232). A ward's chairman who "says only Sở Xây dựng
        may" is the ward's."""
        if kind not in _ABOUT_AN_AGENCY or context.place.agency_id or context.place.ambiguous:
            return False
        alone = named - context.turned_down
        if len(alone) != 1:
            return False
        department = next(iter(alone))
        return (
            self._route_level[department] == "department"
            and _LOWER_UNIT_WORDS.isdisjoint(words)
            and not (kind == "regulation" and any(_phrase_ends(words, _ONE_STOP_DESK, 0, len(words))))
            and all(signal.route in (None, department) for signal in found if signal.route_weight > 0)
        )

    def _procedures_elsewhere(
        self, found: Sequence[_Signal], level: str, agency_id: str | None
    ) -> frozenset[str]:
        """The procedures the text names that another level or department handles ("giấy phép lao động" of
        a ward's certified copy of it, "giấy khai sinh" brought to the police): documents mentioned, which
        would point an official reading the evidence to the wrong agency. A city's case (a file bounced
        between departments) keeps them: the departments' procedures are its story."""
        if level == "city":
            return frozenset()

        here: set[str] = set()
        elsewhere: set[str] = set()
        for signal in found:
            # A kind's phrase or an agency named (route_weight <= 0) is never a procedure of elsewhere.
            other = signal.route_weight > 0 and (
                self._route_level[signal.route] != level
                or (level == "department" and agency_id is not None and signal.route != agency_id)
            )
            (elsewhere if other else here).add(signal.label)
        return frozenset(elsewhere - here)

    def _several_departments(self, found: Sequence[_Signal]) -> bool:
        named = {
            signal.route
            for signal in found
            if signal.route_weight < 0 and self._route_level.get(signal.route) == "department"
        }
        return len(named) > 1

    def _department(
        self, found: Sequence[_Signal], message: Found, turned_down: frozenset[str]
    ) -> tuple[str | None, float, tuple[str, ...]]:
        """Which department: the one the text names, if it names one; else the one whose procedure it
        names, if one leads; else the model's, if sure enough (else None: the desk decides). A department
        that turned the matter down as not its own is none of these."""
        named: set[str] = set()
        procedures: dict[str, float] = defaultdict(float)
        hints: dict[str, float] = defaultdict(float)
        for signal in found:
            if signal.route in turned_down:
                continue
            if signal.route and self._route_level[signal.route] == "department":
                if signal.route_weight < 0:
                    named.add(signal.route)
                elif signal.route_weight >= _DECISIVE:
                    procedures[signal.route] += signal.route_weight
                else:
                    hints[signal.route] += signal.route_weight
        for department, weight in hints.items():
            procedures[department] += min(weight, _HINTS_AT_MOST)
        if len(named) == 1:
            return named.pop(), _NAMED_DEPARTMENT, ()
        ranked = sorted(procedures.values(), reverse=True)
        if ranked and ranked[0] >= _DECISIVE and (len(ranked) == 1 or ranked[0] > ranked[1]):
            return max(procedures, key=procedures.__getitem__), _DEPARTMENT_BY_PROCEDURE, ()
        probabilities = self._model.heads["department"].probabilities(message)  # only when needed
        for department in turned_down & probabilities.keys():
            probabilities[department] = 0.0
        best = max(probabilities, key=probabilities.__getitem__)
        if probabilities[best] >= self._department_threshold:
            return best, probabilities[best], _ranked(probabilities)
        return None, min(_LEVEL_ONLY, probabilities[best]), _ranked(probabilities)

    def _evidence(
        self, message: Found, kind: str, found: Sequence[_Signal], turned_down: frozenset[str]
    ) -> tuple[str, ...]:
        """The data's phrases that matched, but the names of agencies that turned the matter down (not
        evidence for where it goes), and the words that weighed most towards the kind."""
        ranks, names = self._evidence_ranks[kind], self._model.names
        weighed = heapq.nlargest(3, ranks.keys() & message.text, key=ranks.__getitem__)
        shown = (signal.label for signal in found if signal.route not in turned_down)
        return _unique([*shown, *(names[index] for index in weighed)])

    def _matches(self, words: Sequence[str]) -> Iterator[tuple[int, int, tuple[_Signal, ...]]]:
        """Longest phrase first at each position, no overlaps: "giấy phép xây dựng nhà ở" is one signal.
        Each phrase's signals, with where the phrase starts and ends."""
        position, end, trie = 0, len(words), self._trie
        while position < end:
            node, at, longest = trie.get(words[position]), position, None
            while node is not None:
                at += 1
                if _PHRASE_END in node:
                    longest = at, node[_PHRASE_END]
                node = node.get(words[at]) if at < end else None
            if longest is None:
                position += 1
            else:
                yield position, *longest
                position = longest[0]

    def _issued_by(self, words: Sequence[str], start: int, end: int) -> bool:
        """Whether the agency named in words[start:end] is named as a document's issuer ("giấy chứng nhận
        do Sở KH&ĐT cũ cấp"): a document merely mentioned, not who handles the matter (LABELLING.md)."""
        if start == 0 or words[start - 1] not in self._issuer_before or end == len(words):
            return False
        return any(
            tuple(words[end : end + len(phrase)]) == phrase
            and (end + len(phrase) == len(words) or words[end + len(phrase)] not in self._issuing_itself)
            for phrase in self._issuer_after.get(words[end], ())
        )

    def _turned_down_by(
        self,
        words: Sequence[str],
        matched: Sequence[tuple[int, tuple[_Signal, ...]]],
        present: frozenset[str],
    ) -> frozenset[str]:
        """The agencies that, the text says, turned the matter down as not theirs ("hỏi Sở Y tế về giấy
        phép thì họ bảo không phải của họ"): each denial is the last agency named before it, if within
        the window. What is applied for then decides; a denial of the one procedure the text names that is a
        department's, by that department, does not count: the procedure is that department's all the same."""
        table, window = self._turned_down, self._turned_down_window
        if present.isdisjoint(table):  # no denial's first word: most messages
            return frozenset()
        named = [
            (end, [signal.route for signal in found if signal.route and signal.route_weight < 0])
            for end, found in matched
        ]
        named = [(end, routes) for end, routes in named if routes]
        if not named:
            return frozenset()
        denied: set[str] = set()
        moved: set[str] = set()  # denied as "no longer ours": the registry may be the one out of date
        for start, word in enumerate(words):
            for phrase in table.get(word, ()):
                if tuple(words[start : start + len(phrase)]) != phrase:
                    continue
                before = [routes for end, routes in named if end <= start < end + window]
                if before:
                    denied.update(before[-1])
                    if phrase in self._moved_away:
                        moved.update(before[-1])
                break
        if not denied:
            return frozenset()
        applied_to = {
            signal.route
            for _, found in matched
            for signal in found
            if signal.route_weight >= _DECISIVE and self._route_level[signal.route] == "department"
        }
        if len(applied_to) == 1:
            denied -= applied_to - moved
        return frozenset(denied)


# "thành phố nên / sửa / bỏ / kiến nghị ...", "Hà Nội ban hành ...": the words after it that address the city.
_ADDRESSING_WORDS = frozenset(
    {"nen", "ban", "sua", "bo", "cho", "xem", "quy", "co", "can", "som", "chi", "kien"}
)
_CITY_NAMES = (("thanh", "pho"), ("ha", "noi"))
_ADDRESSED = 0.9
_NAMED_ALONE = 0.9
# Words that name a commune, a ward, a former district or town (after text.tokens(): "P." is "phuong").
_LOWER_UNIT_WORDS = frozenset({"phuong", "xa", "quan", "huyen", "thi", "ward", "commune", "district"})
_ONE_STOP_DESK = _by_first_word(["một cửa"])
_ABOUT_AN_AGENCY = frozenset({"conduct", "regulation"})
_BOUNCED = 0.9


def _only_out_of_scope(found: Sequence[_Signal], extra: set[str]) -> bool:
    """Only the words of items this channel does not take, weighing as much as a strong keyword."""
    if any(signal.route or signal.kind not in (None, "out_of_scope") for signal in found):
        return False
    if any(feature.startswith("@pair:") for feature in extra):
        return False
    return sum(signal.kind_weight for signal in found if signal.kind == "out_of_scope") >= _DECISIVE


# Kinds whose level and agency are the same for one message (a procedure, or how its official behaved);
# the overall confidence counts their probabilities together. 5-fold cross-validation over the 3,745 train
# and dev messages at min_confidence 0.65: 2,309 -> 2,324 filed with the right agency, 654 -> 638 to the
# desk, 53 -> 54 with a wrong one (past 0.65 the desk took about nine right ones per wrong one avoided).
_SAME_AGENCY_KINDS = ("procedure", "conduct")


def _in_scope_words_only(found: Sequence[_Signal], extra: set[str]) -> bool:
    """The words of a procedure (its generic words or a procedure's own), an official's conduct or a rule,
    and nothing that says the item is not this channel's (no out-of-scope word, no praise or word of good
    service): read as out of scope all the same, the model has only the n-grams' say ("Phường bắt tôi bổ
    sung giấy tờ"), and the citizen is asked rather than turned away. 5-fold cross-validation over the 3,025
    train and dev messages, with the kinds' words only: in scope turned away 21 -> 15, asked 245 -> 262;
    over the 3,385, with a procedure's own words too: 18 -> 14, asked 310 -> 330. Kind, level and agency
    are unchanged; only the route is a question instead of a refusal."""
    if any(signal.kind == "out_of_scope" for signal in found):
        return False
    if not extra.isdisjoint(("@tone:praise", "@tone:positive")):
        return False
    return any(signal.kind in KINDS or signal.route_weight > 0 for signal in found)


def _addresses_city(words: Sequence[str], named: set[str], route_level: dict[str, str]) -> bool:
    """Whether a proposal is addressed to the city: the city's bodies are named, or "thành phố" / "Hà Nội"
    is followed by what the city should do; not when a department is named (its field, its answer)."""
    if any(route_level.get(route) == "department" for route in named):
        return False
    if "vp-ubnd" in named:
        return True
    return any(
        (words[index], words[index + 1]) in _CITY_NAMES and words[index + 2] in _ADDRESSING_WORDS
        for index in range(len(words) - 2)
    )


def _ranked(probabilities: dict[str, float]) -> tuple[str, ...]:
    return tuple(
        name
        for name, value in sorted(probabilities.items(), key=lambda item: -item[1])
        if value >= _CANDIDATE_PROBABILITY
    )


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


def _unique(items: Iterable[str]) -> tuple[str, ...]:
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
class _TurnedDownEntry(TypedDict):
    note: NotRequired[str]
    window: int
    phrases: list[str]
    moved_away: NotRequired[list[str]]  # those of `phrases` that say the matter is no longer the agency's


@with_config(DATA_SCHEMA)
class _IssuedByEntry(TypedDict):
    note: NotRequired[str]
    before: list[str]  # the word before the agency ("do")
    after: list[str]  # what follows it ("cấp", "cũ cấp", "ban hành")
    not_then: list[str]  # a word after those that makes the issuing the matter itself ("cấp sai")


@with_config(DATA_SCHEMA)
class _SignalsFile(TypedDict):
    _comment: NotRequired[str]
    thresholds: _Thresholds
    conduct: dict[str, float]
    regulation: dict[str, float]
    out_of_scope: dict[str, float]
    procedure: dict[str, float]
    pairs: list[_PairEntry]
    tone: dict[str, list[str]]  # praise, positive, grievance: a thank-you is not a complaint
    turned_down: _TurnedDownEntry  # "Sở Y tế bảo không phải của họ": not that agency's
    issued_by: _IssuedByEntry  # "giấy phép do Sở Xây dựng cấp": a document's issuer, not the handler
    not_evidence: list[str]  # words that hold a sentence together, never shown as evidence


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
    return Classifier(load_registry(), signals, procedures, load_model(DATA_DIR / "model.json"))


def classify(text: str) -> Classification:
    """Classify one citizen message. Never raises on odd text; empty text is out of scope."""
    return load_classifier().classify(text)

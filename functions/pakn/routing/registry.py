"""The agency registry (danh mục cơ quan): who can receive a PAKN item, and where a named place is today.

Agencies are the city's People's Committee and its Office (the triage desk), the 15 departments and
equivalents, and the 126 communes and wards (xã, phường) that exist since 1 July 2025. Ids are stable:
slugs for the city and departments ("vp-ubnd", "so-y-te"), the GSO code for communes ("xa-00004").

Citizens still write pre-2025 addresses ("phường Trúc Bạch, quận Ba Đình"), so the registry also knows
every former ward/commune with its former district, and which unit it went into. It never guesses: a
former unit split between several new ones, or a former name used in several districts without the
district, is reported as ambiguous.

Everything is data in `pakn/data/`; `load_registry()` reads it once per process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import NotRequired

from pydantic import with_config
from typing_extensions import TypedDict  # pydantic needs this one, not typing's, before Python 3.12

from pakn.domain.vocabulary import AgencyLevel
from pakn.platform.configuration import DATA_DIR, DATA_SCHEMA, load_data, load_table
from pakn.routing.text import tokens

# How addresses name a unit's type, after text.tokens() (which already expanded "p." and "x.").
_UNIT_TYPE_WORDS = {
    ("phuong",): "phuong",
    ("p",): "phuong",
    ("xa",): "xa",
    ("x",): "xa",
    ("thi", "tran"): "thi tran",
    ("tt",): "thi tran",
}
_DISTRICT_TYPE_WORDS = {("quan",), ("q",), ("huyen",), ("thi", "xa"), ("tx",)}
# Words citizens put between a former name and its district: "phường Trúc Bạch cũ, quận Ba Đình".
_FILLER_WORDS = {"cu", "truoc", "day", "thuoc"}
# "Tay Ho ward", "Bat Trang commune": English puts the type after the name.
_ENGLISH_TYPE_WORDS = {"ward": "phuong", "commune": "xa"}
# The first word of every type word above: a position starting with none of them names no place, so
# resolve_place() skips it without building tuples (it runs on every message).
_TYPE_STARTS = frozenset(words[0] for words in (*_UNIT_TYPE_WORDS, *_DISTRICT_TYPE_WORDS))
# Two different places in one message ("I live in ward A but filed at ward B", "the land is in commune A,
# we are registered in commune B"): the competent unit is where the procedure was filed or the land lies.
# These words, just before a place's name, say which role the place has (after text.tokens()).
_FILED_CUES = (
    ("nop",),
    ("tai",),
    ("lam",),
    ("len",),
    ("ra",),
    ("den",),
    ("xin",),
    ("gui",),
    ("dat", "o"),
    ("dat", "nha", "toi", "o"),
    ("dat", "nha", "em", "o"),
    ("dat", "nam", "o"),
    ("thua", "dat", "o"),
    ("manh", "dat", "o"),
    ("uy", "ban", "nhan", "dan"),
    ("uy", "ban"),
    ("filed", "at"),
    ("applied", "at"),
    ("at",),
    ("submitted", "at"),
    ("nam", "o"),
)
_LIVES_CUES = (
    # "thường trú tại phường A": the nearest cue must be the whole phrase, not its "tại" (filed at).
    ("thuong", "tru", "tai"),
    ("tam", "tru", "tai"),
    ("cu", "tru", "tai"),
    ("ho", "khau", "tai"),
    ("song", "tai"),
    ("song", "o"),
    ("thuong", "tru", "o"),
    ("tam", "tru", "o"),
    ("ho", "khau"),
    ("que", "o"),
    ("que",),
    ("nha", "toi", "o"),
    ("nha", "em", "o"),
    ("dong", "o"),
    ("live", "in"),
    ("lives", "in"),
    ("living", "in"),
    ("benh", "vien"),
    ("gia", "dinh", "o"),
    ("thuong", "tru"),
    ("tam", "tru"),
    ("cu", "tru", "o"),
    ("cu", "tru"),
    ("toi", "o"),
    ("em", "o"),
    ("minh", "o"),
    ("o", "tro"),
    ("tro", "o"),
    ("o", "thue"),
    ("thue", "nha", "o"),
)
_CUES = sorted(
    [(cue, 1) for cue in _FILED_CUES] + [(cue, -1) for cue in _LIVES_CUES], key=lambda item: -len(item[0])
)
# How far before a place its cue may stand: "nộp đăng ký khai sinh cho con ở phường A" puts 7 words between
# "nộp" and the name. Over the train and dev commune rows naming two places, 8 resolves 3 more of them
# (1,095 -> 1,098 right) and none wrongly; 10 and 12 resolve no more.
_CUE_WINDOW = 8


@dataclass(frozen=True, slots=True)
class Agency:
    """One body that can receive a PAKN item (cơ quan tiếp nhận)."""

    id: str
    name: str
    level: AgencyLevel
    parent_id: str | None
    kind: str
    aliases: tuple[str, ...] = ()
    gso_code: str | None = None
    former_units: tuple[str, ...] = ()

    def document(self) -> dict[str, object]:
        """The Firestore document `agencies/{id}`."""
        return {
            "id": self.id,
            "name": self.name,
            "level": self.level,
            "parent_id": self.parent_id,
            "kind": self.kind,
            "gso_code": self.gso_code,
            "aliases": list(self.aliases),
            "former_units": list(self.former_units),
        }


@dataclass(frozen=True, slots=True)
class PlaceResolution:
    """What the place names in a text say about the commune-level agency.

    `agency_id` is set only when every named place agrees on one unit today. `ambiguous` is true when a
    place was named but does not determine one unit (a split former unit, a former name shared by several
    districts with no district given, or two different places).
    """

    agency_id: str | None = None
    ambiguous: bool = False
    evidence: tuple[str, ...] = ()
    # When ambiguous: today's units the named places could mean (a split former ward's successors), so the
    # citizen can be asked which one; empty when there are too many to ask about.
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Unit:
    """A current or former commune-level unit under one spelling of its name."""

    label: str  # "Phường Trúc Bạch, Quận Ba Đình": for evidence
    unit_type: str  # "phuong" | "xa" | "thi tran"
    current: bool
    district: tuple[str, ...] | None  # the former district's folded name; None for current units
    targets: frozenset[str]  # agency ids of today's unit(s)
    split: bool  # merge_type partial: the former unit went into several new ones


@dataclass(frozen=True, slots=True)
class _Mention:
    label: str
    targets: frozenset[str]
    resolved: bool
    start: int = 0  # where the mention starts in the words (its type word, or its name)


@dataclass(frozen=True, slots=True)
class _District:
    label: str  # "Quận Cầu Giấy"
    targets: frozenset[str]  # every unit today that took in part of it


# More successors than this, and a question listing them would not help the citizen choose.
MAX_CANDIDATES = 4
# "phường Việt Hưng cũ": the word citizens put after a unit's name to mean the unit before the 2025 reform.
FORMER_WORD = "cu"


class Registry:
    """The agencies by id, and the place-name index behind `resolve_place()`."""

    def __init__(
        self,
        agencies: dict[str, Agency],
        units: dict[tuple[str, ...], list[_Unit]],
        districts: dict[tuple[str, ...], _District],
    ):
        self.agencies = agencies
        self._units = units
        self._districts = districts
        self._longest_name = max(len(name) for name in units)

    def get(self, agency_id: str) -> Agency:
        return self.agencies[agency_id]

    def documents(self) -> Iterator[dict[str, object]]:
        for agency in self.agencies.values():
            yield agency.document()

    def place_words(self) -> set[str]:
        """Every word of every place name, folded (the classifier corrects typos towards these)."""
        return {word for name in self.place_names() for word in name}

    def place_names(self) -> set[tuple[str, ...]]:
        """Every place name (communes, wards and former districts), as folded words."""
        return {*self._units, *self._districts}

    def resolve_place(self, words: Sequence[str]) -> PlaceResolution:
        """Resolve the commune/ward names in `words` (the output of text.tokens()) to today's unit."""
        mentions = self.mentions(words)
        if not mentions:
            return PlaceResolution()
        evidence = tuple(dict.fromkeys(mention.label for mention in mentions))
        resolved = {next(iter(mention.targets)) for mention in mentions if mention.resolved}
        if len(resolved) == 1:
            agency_id = resolved.pop()
            # "tt Trâu Quỳ, à không, xã Kim Đức cũ": a split mention may confirm a resolved one.
            if all(agency_id in mention.targets for mention in mentions):
                return PlaceResolution(agency_id, False, evidence)
        competent = _where_filed(words, mentions)
        if competent is not None:
            return PlaceResolution(competent, False, evidence)
        possible = frozenset.intersection(*(mention.targets for mention in mentions))
        if not possible:  # two different places: each one's successors are candidates
            possible = frozenset().union(*(mention.targets for mention in mentions))
        candidates = tuple(sorted(possible)) if 1 < len(possible) <= MAX_CANDIDATES else ()
        return PlaceResolution(None, True, evidence, candidates)

    def mentions(self, words: Sequence[str]) -> list[_Mention]:
        """Every commune/ward (current or former) and former district named in `words`, in order."""
        found = list(self._mentions(words))
        if "ward" in words or "commune" in words:
            found.extend(self._english_mentions(words))
            found.sort(key=lambda mention: mention.start)
        return found

    def _english_mentions(self, words: Sequence[str]) -> Iterator[_Mention]:
        for end, word in enumerate(words):
            unit_type = _ENGLISH_TYPE_WORDS.get(word)
            if unit_type is None:
                continue
            for length in range(min(self._longest_name, end), 0, -1):
                name = tuple(words[end - length : end])
                if name in self._units:
                    former_named = end + 1 < len(words) and words[end + 1] == FORMER_WORD
                    mention = self._resolve_mention(unit_type, name, None, former_named)
                    yield _Mention(mention.label, mention.targets, mention.resolved, end - length)
                    break

    def _mentions(self, words: Sequence[str]) -> Iterator[_Mention]:
        position = 0
        starts = _TYPE_STARTS
        while position < len(words):
            if words[position] not in starts:
                position += 1
                continue
            district_end, district = self._district_at(words, position)
            if district is not None:
                found = self._districts[district]
                yield _Mention(found.label, found.targets, False, position)
                position = district_end
                continue
            unit_type, name_start = _type_at(words, position, _UNIT_TYPE_WORDS)
            name = self._name_at(words, name_start) if unit_type else None
            if name is None:
                position += 1
                continue
            name_end = name_start + len(name)
            qualifier_end, qualifier = self._qualifier_at(words, name_end)
            after = qualifier_end if qualifier else name_end
            former_named = after < len(words) and words[after] == FORMER_WORD
            mention = self._resolve_mention(unit_type, name, qualifier, former_named)
            yield _Mention(mention.label, mention.targets, mention.resolved, position)
            position = after

    def _name_at(self, words: Sequence[str], start: int) -> tuple[str, ...] | None:
        for length in range(min(self._longest_name, len(words) - start), 0, -1):
            candidate = tuple(words[start : start + length])
            if candidate in self._units:
                return candidate
        return None

    def _district_at(self, words: Sequence[str], start: int) -> tuple[int, tuple[str, ...] | None]:
        """A district named with its type word ("quận Ba Đình", "huyện Gia Lâm") at `start`."""
        district_type, name_start = _type_at(words, start, dict.fromkeys(_DISTRICT_TYPE_WORDS, ""))
        if district_type is None:
            return start, None
        for length in (3, 2, 1):
            candidate = tuple(words[name_start : name_start + length])
            if len(candidate) == length and candidate in self._districts:
                return name_start + length, candidate
        return start, None

    def _qualifier_at(self, words: Sequence[str], start: int) -> tuple[int, tuple[str, ...] | None]:
        """The former district right after a unit's name, with or without "quận"/"huyện"."""
        while start < len(words) and words[start] in _FILLER_WORDS:
            start += 1
        end, district = self._district_at(words, start)
        if district is not None:
            return end, district
        for length in (3, 2, 1):
            candidate = tuple(words[start : start + length])
            if len(candidate) == length and candidate in self._districts:
                return start + length, candidate
        return start, None

    def _resolve_mention(
        self, unit_type: str, name: tuple[str, ...], district: tuple[str, ...] | None, former_named: bool
    ) -> _Mention:
        """`former_named`: the text says "cũ" after the name, so a former unit is meant, not today's one
        of the same name."""
        units = self._units[name]
        # The written type ("xã Thanh Xuân" vs "phường Thanh Xuân") tells same-named units apart,
        # unless the citizen got the type wrong and nothing of that type exists.
        units = [unit for unit in units if unit.unit_type == unit_type] or units
        current = [unit for unit in units if unit.current]
        former = [unit for unit in units if not unit.current]
        if district is not None:
            in_district = [unit for unit in former if unit.district == district]
            if in_district:
                return _mention_of(in_district)
        if current and not (former_named and former):
            return _mention_of(current)
        return _mention_of(former)


def _where_filed(words: Sequence[str], mentions: list[_Mention]) -> str | None:
    """Of several places that resolve to different units, the one where the procedure was filed or the
    land lies, when the words just before each place say so unambiguously; else None."""
    scored: dict[str, int] = {}
    previous = 0
    for mention in mentions:
        if mention.resolved:
            agency_id = next(iter(mention.targets))
            role = _role(words, max(previous, mention.start - _CUE_WINDOW), mention.start)
            scored[agency_id] = max(scored.get(agency_id, role), role)
        previous = mention.start + 1
    if len(scored) < 2:
        return None
    ranked = sorted(scored.items(), key=lambda item: -item[1])
    if ranked[0][1] > ranked[1][1] and ranked[0][1] >= 0:
        return ranked[0][0]
    return None


def _role(words: Sequence[str], begin: int, end: int) -> int:
    """+1 when the nearest cue before words[end] says "filed / the land is here", -1 when it says "lives
    here", 0 when there is none."""
    for last in range(end - 1, begin - 1, -1):
        for cue, role in _CUES:
            first = last - len(cue) + 1
            if first >= begin and tuple(words[first : last + 1]) == cue:
                return role
    return 0


def _mention_of(units: list[_Unit]) -> _Mention:
    targets = frozenset().union(*(unit.targets for unit in units))
    resolved = len(targets) == 1 and not any(unit.split for unit in units)
    return _Mention(" / ".join(unit.label for unit in units), targets, resolved)


def _type_at(
    words: Sequence[str], start: int, type_words: dict[tuple[str, ...], str]
) -> tuple[str | None, int]:
    for length in (2, 1):
        candidate = tuple(words[start : start + length])
        if len(candidate) == length and candidate in type_words:
            return type_words[candidate], start + length
    return None, start


def _split_unit_name(full_name: str) -> tuple[str, tuple[str, ...]]:
    """ "Thị trấn Văn Điển" -> ("thi tran", ("van", "dien"))."""
    words = tokens(full_name)
    unit_type, name_start = _type_at(words, 0, _UNIT_TYPE_WORDS)
    if unit_type is None:
        raise ValueError(f"unit name without a type: {full_name!r}")
    return unit_type, words[name_start:]


def _district_key(district: str) -> tuple[str, ...]:
    words = tokens(district)
    district_type, name_start = _type_at(words, 0, dict.fromkeys(_DISTRICT_TYPE_WORDS, ""))
    if district_type is None:
        raise ValueError(f"district name without a type: {district!r}")
    return words[name_start:]


# The columns each unit table must have (others, such as new_name, are kept but not used).
_UNIT_COLUMNS = {
    "units_2025.csv": ("code", "name", "type"),
    "units_pre2025_to_2025.csv": ("old_code", "old_name", "old_district", "new_code", "merge_type"),
}


def _read_csv(name: str) -> list[dict[str, str]]:
    return load_table(DATA_DIR / name, "unit table", _UNIT_COLUMNS[name])


def commune_id(gso_code: str) -> str:
    return f"xa-{gso_code}"


@cache
def load_registry() -> Registry:
    """The registry, read from `pakn/data/` once per process."""
    agencies = _city_and_departments()
    former_rows = _read_csv("units_pre2025_to_2025.csv")
    former_labels: dict[str, list[str]] = defaultdict(list)
    for row in former_rows:
        former_labels[commune_id(row["new_code"])].append(f"{row['old_name']}, {row['old_district']}")

    units: dict[tuple[str, ...], list[_Unit]] = defaultdict(list)
    for row in _read_csv("units_2025.csv"):
        agency_id = commune_id(row["code"])
        agencies[agency_id] = Agency(
            agency_id,
            row["name"],
            "commune",
            "ubnd-tp",
            "phuong" if row["type"] == "Phường" else "xa",
            gso_code=row["code"],
            former_units=tuple(former_labels[agency_id]),
        )
        unit_type, name = _split_unit_name(row["name"])
        units[name].append(_Unit(row["name"], unit_type, True, None, frozenset({agency_id}), False))

    rows_by_former_code: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in former_rows:
        rows_by_former_code[row["old_code"]].append(row)
    district_labels: dict[tuple[str, ...], str] = {}
    district_targets: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for rows in rows_by_former_code.values():
        first = rows[0]
        unit_type, name = _split_unit_name(first["old_name"])
        district = _district_key(first["old_district"])
        targets = frozenset(commune_id(row["new_code"]) for row in rows)
        district_labels[district] = first["old_district"]
        district_targets[district] |= targets
        split = any(row["merge_type"] == "partial" for row in rows)
        label = f"{first['old_name']}, {first['old_district']}"
        units[name].append(_Unit(label, unit_type, False, district, targets, split))
    districts = {
        key: _District(district_labels[key], frozenset(targets)) for key, targets in district_targets.items()
    }
    return Registry(agencies, dict(units), districts)


@with_config(DATA_SCHEMA)
class _CityEntry(TypedDict):
    id: str
    name: str
    kind: str
    parent_id: str | None
    aliases: list[str]


@with_config(DATA_SCHEMA)
class _DepartmentEntry(TypedDict):
    id: str
    name: str
    aliases: list[str]
    kind: NotRequired[str]  # default "department"


@with_config(DATA_SCHEMA)
class _AgenciesFile(TypedDict):
    """What agencies.json must hold: checked on load, so a malformed file is one error naming it."""

    _comment: NotRequired[str]
    city: list[_CityEntry]
    departments: list[_DepartmentEntry]


def _city_and_departments() -> dict[str, Agency]:
    raw = load_data(_AgenciesFile, DATA_DIR / "agencies.json", "agency registry")
    agencies = {}
    for entry in raw["city"]:
        agencies[entry["id"]] = Agency(
            entry["id"], entry["name"], "city", entry["parent_id"], entry["kind"], tuple(entry["aliases"])
        )
    for entry in raw["departments"]:
        agencies[entry["id"]] = Agency(
            entry["id"],
            entry["name"],
            "department",
            "ubnd-tp",
            entry.get("kind", "department"),
            tuple(entry["aliases"]),
        )
    return agencies


def registry_documents() -> Iterator[dict[str, object]]:
    """The plain dicts to seed into the Firestore collection `agencies/{agency_id}`."""
    return load_registry().documents()


def resolve_place(text: str) -> PlaceResolution:
    """Where the commune/ward named in `text` is today: "phường Trúc Bạch, quận Ba Đình" -> Phường Ba Đình."""
    return load_registry().resolve_place(tokens(text))

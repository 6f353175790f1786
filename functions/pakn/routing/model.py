"""The learned part of the classifier: linear models over the n-grams of a normalised message.

Three heads share one feature vocabulary: `kind` (procedure / conduct / regulation / out_of_scope),
`level` (commune / department / city / outside, for in-scope items) and `department` (which of the
departments and equivalents, for department-level items). Features are the message's words, its word
pairs, the character 3- and 4-grams of each word (so "khaisinh", "kahi sinh" and teen-code still share
most of their features with the right spelling), and the registry's exact matches ("@place", "@named:so-y-te",
"@proc:commune", ...), which the caller adds.

The weights are learned offline with scikit-learn (`pakn training fit`, devtools only) and shipped as
one JSON file, `data/model.json`; this module is the whole runtime: a few dictionary look-ups and sums,
no numpy, no scikit-learn, so the conversation worker's cold start stays small and the webhook never
pays for any of it. Each head's scores become probabilities with a temperature fitted on the dev split
(calibration), so "0.9" means right about 9 times in 10 on messages the model was not trained on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pakn.domain.errors import ConfigurationError

# Character n-grams of a word, padded with "<" and ">" so that beginnings and ends are features too.
CHAR_NGRAMS = (3, 4)
_grams_by_word: dict[str, tuple[str, ...]] = {}
_MAX_CACHED_WORDS = 200_000


def _word_grams(word: str) -> tuple[str, ...]:
    grams = _grams_by_word.get(word)
    if grams is None:
        padded = f"<{word}>"
        grams = tuple(
            dict.fromkeys(
                "#" + padded[start : start + size]
                for size in CHAR_NGRAMS
                for start in range(len(padded) - size + 1)
            )
        )
        if len(_grams_by_word) >= _MAX_CACHED_WORDS:
            _grams_by_word.clear()
        _grams_by_word[word] = grams
    return grams


def features(words: Sequence[str], extra: Iterable[str] = ()) -> set[str]:
    """The binary features of a message: its words (after text.tokens()), word pairs, characters
    n-grams of each word, its opening words, and `extra` (the registry's matches, prefixed "@")."""
    found = set(words)
    found.update(f"{first} {second}" for first, second in zip(words, words[1:], strict=False))
    for word in set(words):
        found.update(_word_grams(word))
    found.update(opening(words))
    found.update(extra)
    return found


def opening(words: Sequence[str]) -> tuple[str, ...]:
    """The first word and pair, marked "^": how a message opens says what it is ("cảm ơn phường ..." thanks,
    "đề nghị thành phố ..." proposes) where the same words at its end are politeness ("... em cảm ơn")."""
    return tuple(f"^{' '.join(words[:size])}" for size in (1, 2) if len(words) >= size)


# A message's word features (words, pairs, character n-grams) are weighed by sqrt(REFERENCE_WORDS / its
# distinct words), so that a long letter of thanks that retells its procedure in detail does not outweigh its
# opening "Xin cảm ơn" by the sheer number of its words, nor a short "làm cccd chậm" count for little; the
# registry's matches ("@") and the opening ("^") are the whole message's and weigh 1 whatever its length.
# The model file says which reference it was trained with (`reference_words`); a model without one was
# trained on unweighed features, and is read as it was trained. 8 was chosen by cross-validation over train
# and dev (wrong agencies: 33 of 1,855 at 16, 32 at 8, 36 at 4; 46 before any weighing).
REFERENCE_WORDS = 8


def text_weight(words: Sequence[str], reference_words: int | None = REFERENCE_WORDS) -> float:
    if reference_words is None:
        return 1.0
    return math.sqrt(reference_words / max(1, len(set(words))))


def is_whole_message_feature(name: str) -> bool:
    return name.startswith(("@", "^"))


def is_word_feature(name: str) -> bool:
    """A word or a pair of words: neither a character n-gram ("#") nor the whole message's."""
    return not name.startswith(("#", "@", "^"))


@dataclass(frozen=True, slots=True)
class Found:
    """A message's features as vocabulary indices: its words' (weighed `text_weight`) and its whole's."""

    text: list[int]
    whole: list[int]
    text_weight: float


def _totals(rows: Sequence[tuple[float, ...]], indices: Sequence[int], width: int) -> list[float]:
    """Per column, the sum of `rows` at `indices`."""
    # zip(*rows) turns the present features' rows into one column per class, and sum() adds each column,
    # both in C: several times faster than a Python loop per class.
    if not indices:
        return [0.0] * width
    return [sum(column) for column in zip(*map(rows.__getitem__, indices), strict=True)]


@dataclass(frozen=True, slots=True)
class Head:
    """One multinomial logistic model: per class a bias, and per vocabulary index one weight per class."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    rows: list[tuple[float, ...]]  # indexed like the vocabulary: that feature's weight for each class
    temperature: float

    def probabilities(self, found: Found) -> dict[str, float]:
        width = len(self.classes)
        return self.softmax(
            _totals(self.rows, found.text, width), _totals(self.rows, found.whole, width), found.text_weight
        )

    def softmax(self, text: Sequence[float], whole: Sequence[float], text_weight: float) -> dict[str, float]:
        """Each class's probability, from its weights' totals over a message's word and whole features."""
        temperature = self.temperature
        scores = [
            (bias + text_weight * by_text + by_whole) / temperature
            for bias, by_text, by_whole in zip(self.bias, text, whole, strict=True)
        ]
        top = max(scores)
        exps = [math.exp(score - top) for score in scores]
        total = sum(exps)
        return {name: value / total for name, value in zip(self.classes, exps, strict=True)}

    def weight(self, index: int, name: str) -> float:
        return self.rows[index][self.classes.index(name)]


@dataclass(frozen=True, slots=True)
class Heads:
    """Heads asked together, scored in one pass: each feature's row holds every class of each head in turn,
    so that a message's rows are fetched and added once for all of them (the sums are the model's cost)."""

    heads: tuple[Head, ...]
    rows: list[tuple[float, ...]]

    @classmethod
    def of(cls, *heads: Head) -> Heads:
        return cls(heads, [sum(row, ()) for row in zip(*(head.rows for head in heads), strict=True)])

    def probabilities(self, found: Found) -> tuple[dict[str, float], ...]:
        width = len(self.rows[0]) if self.rows else 0
        text, whole = _totals(self.rows, found.text, width), _totals(self.rows, found.whole, width)
        result, start = [], 0
        for head in self.heads:
            end = start + len(head.classes)
            result.append(head.softmax(text[start:end], whole[start:end], found.text_weight))
            start = end
        return tuple(result)


@dataclass(frozen=True, slots=True)
class Model:
    version: str
    vocabulary: dict[str, int]
    names: tuple[str, ...]  # vocabulary index -> feature
    heads: dict[str, Head]
    thresholds: dict[str, float]  # e.g. department: below it, the department is left to the desk
    # Indices of the word features evidence may show: not n-grams, and not a word of one or two letters
    # ("ở", "bỏ"), which tells an official nothing.
    readable: frozenset[int] = frozenset()
    reference_words: int | None = None  # text_weight()'s, as trained
    _word_indices: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # The word pairs' indices by the pair itself, so that a message's pairs are looked up without
    # building their names.
    _pair_indices: dict[tuple[str, str], int] = field(init=False, repr=False)
    # Every message needs its kind, and most its level: scored together.
    kind_and_level: Heads = field(init=False, repr=False)

    def __post_init__(self) -> None:
        pairs = {
            tuple(name.split(" ")): index
            for name, index in self.vocabulary.items()
            if name.count(" ") == 1 and is_word_feature(name)
        }
        object.__setattr__(self, "_pair_indices", pairs)
        object.__setattr__(self, "kind_and_level", Heads.of(self.heads["kind"], self.heads["level"]))

    def indices(self, found: Iterable[str]) -> list[int]:
        vocabulary = self.vocabulary
        return [vocabulary[feature] for feature in found if feature in vocabulary]

    def message_indices(self, words: Sequence[str], extra: Iterable[str]) -> Found:
        """The vocabulary indices of `features(words, extra)`, without building its strings: each
        distinct word's own indices (itself and its character n-grams) are computed once per process."""
        vocabulary, cache = self.vocabulary, self._word_indices
        distinct = set(words)
        missing = distinct.difference(cache)
        if missing:
            if len(cache) + len(missing) > _MAX_CACHED_WORDS:
                cache.clear()
                missing = distinct
            for word in missing:
                cache[word] = tuple(
                    vocabulary[feature] for feature in (word, *_word_grams(word)) if feature in vocabulary
                )
        text: set[int | None] = set().union(*map(cache.__getitem__, distinct))
        text.update(map(self._pair_indices.get, zip(words, words[1:], strict=False)))
        text.discard(None)  # the pairs the vocabulary does not hold
        get = vocabulary.get
        whole = {index for feature in (*opening(words), *extra) if (index := get(feature)) is not None}
        return Found(list(text), list(whole), text_weight(words, self.reference_words))


def load_model(path: Path) -> Model:
    """The model file written by `pakn training fit`; one ConfigurationError naming it if malformed."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        names = tuple(raw["vocabulary"])
        scale = float(raw["scale"])
        heads = {}
        for name, head in raw["heads"].items():
            weights = head["weights"]
            if any(len(row) != len(names) for row in weights) or len(weights) != len(head["classes"]):
                raise ValueError(f"head {name}: weights do not match the vocabulary and classes")
            heads[name] = Head(
                tuple(head["classes"]),
                tuple(float(value) for value in head["bias"]),
                [tuple(value / scale for value in column) for column in zip(*weights, strict=True)],
                float(head["temperature"]),
            )
        for required in ("kind", "level", "department"):
            if required not in heads:
                raise ValueError(f"no {required} head")
        return Model(
            str(raw["version"]),
            {feature: index for index, feature in enumerate(names)},
            names,
            heads,
            {key: float(value) for key, value in raw.get("thresholds", {}).items()},
            frozenset(index for index, name in enumerate(names) if is_word_feature(name) and len(name) > 2),
            int(raw["reference_words"]) if raw.get("reference_words") is not None else None,
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigurationError(f"classifier model {path}: {error}") from error

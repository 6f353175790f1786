"""Vietnamese text as citizens type it on a phone, folded into one comparable form.

Citizens write "Phường Hoà Bình", "phuong hoa binh", "P.Hòa Bình" or "ko dc" for "không được". Everything
the classifier and the place lookup compare goes through `tokens()` first, so that all these spellings meet:
lowercase, no diacritics (đ -> d), no emoji or punctuation, chat shorthand expanded. Tone-mark placement
variants (Hoà/Hòa, Thuỵ/Thụy) disappear with the diacritics.

The shorthand lists are data (`data/abbreviations.json`), so they change without a code change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import NotRequired

from pydantic import with_config
from typing_extensions import TypedDict  # pydantic needs this one, not typing's, before Python 3.12

from pakn.platform.configuration import DATA_DIR, DATA_SCHEMA, load_data


def _build_fold_table() -> dict[int, str | None]:
    # One str.translate pass is far faster than decomposing every character of every message.
    table: dict[int, str | None] = {}
    for code_point in range(0x00C0, 0x1F00):
        char = chr(code_point)
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        if base != char and base.isascii():
            table[code_point] = base
    for code_point in range(0x0300, 0x0370):  # combining marks left over from NFD input
        table[code_point] = None
    table.update({ord("đ"): "d", ord("Đ"): "D"})
    return table


_FOLD_TABLE = _build_fold_table()
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# "khongggg" -> "khong". Not at a word's start: "cccd" is an abbreviation, not a stretched word.
_STRETCHED = re.compile(r"(?<=[a-z])([a-z])\1{2,}")
# "kí"/"ký", "lí"/"lý", "Mĩ"/"Mỹ": both spellings are correct Vietnamese, so they must compare equal.
_FINAL_Y = re.compile(r"^([bcdghklmnpqrstvx]|ch|gh|kh|nh|ph|th|tr)y$")


@dataclass(frozen=True)
class _Shorthand:
    words: dict[str, tuple[str, ...]]
    dotted: dict[str, str]
    dotted_pattern: re.Pattern[str]
    amounts: dict[str, str]
    amount_pattern: re.Pattern[str]


def _alternatives(keys: dict[str, str]) -> str:
    return "|".join(sorted(map(re.escape, keys), key=len, reverse=True))


@with_config(DATA_SCHEMA)
class _AbbreviationsFile(TypedDict):
    """What abbreviations.json must hold: checked on load, so a malformed file is one error naming it."""

    _comment: NotRequired[str]
    words: dict[str, str]
    dotted: dict[str, str]
    amounts: dict[str, str]


@cache
def _shorthand() -> _Shorthand:
    raw = load_data(_AbbreviationsFile, DATA_DIR / "abbreviations.json", "chat shorthand")
    dotted, amounts = raw["dotted"], raw["amounts"]
    return _Shorthand(
        words={short: tuple(long.split()) for short, long in raw["words"].items()},
        dotted=dotted,
        # "p.Trúc Bạch", "Q. Ba Đình": the dot is what tells an abbreviation from an ordinary letter.
        dotted_pattern=re.compile(rf"(?<![a-z0-9])({_alternatives(dotted)})\.(?=\s*[a-z])"),
        amounts=amounts,
        # "500k", "10tr": the unit must be split off, or "k" would later read as "không".
        amount_pattern=re.compile(rf"\b(\d+)({_alternatives(amounts)})\b"),
    )


def fold(text: str) -> str:
    """Lowercase, NFC, without diacritics (đ -> d); punctuation and spacing are kept."""
    return unicodedata.normalize("NFC", text).lower().translate(_FOLD_TABLE)


def tokens(text: str) -> tuple[str, ...]:
    """The words of `text`, folded, emoji and punctuation removed, chat shorthand expanded.

    "Cb P.Trúc Bạch ko nhận hs 😡" -> ("can", "bo", "phuong", "truc", "bach", "khong", "nhan", "ho", "so").
    """
    shorthand = _shorthand()
    folded = fold(text)
    if "." in folded:  # the dotted abbreviations need their dot: skip the pattern when there is none
        folded = shorthand.dotted_pattern.sub(lambda match: f" {shorthand.dotted[match.group(1)]} ", folded)
    folded = _NOT_WORD.sub(" ", folded)
    if _STRETCHED_ANYWHERE.search(folded):
        folded = _STRETCHED.sub(r"\1", folded)
    if _DIGIT.search(folded):
        folded = shorthand.amount_pattern.sub(
            lambda match: f"{match.group(1)} {shorthand.amounts[match.group(2)]}", folded
        )
    forms = _word_forms
    result: list[str] = []
    for word in folded.split():
        form = forms.get(word)
        if form is None:
            form = _word_form(word, shorthand)
        result.extend(form)
    return tuple(result)


# What each folded word becomes (its shorthand expansion, or itself with a final "y" as "i"), computed
# once per distinct word: a regular expression per word was most of the cost of tokens(). Bounded, so
# a worker reading odd text for weeks does not grow without limit.
_word_forms: dict[str, tuple[str, ...]] = {}
_MAX_WORD_FORMS = 200_000
_STRETCHED_ANYWHERE = re.compile(r"([a-z])\1\1")
_DIGIT = re.compile(r"[0-9]")


def _word_form(word: str, shorthand: _Shorthand) -> tuple[str, ...]:
    form = shorthand.words.get(word) or (_FINAL_Y.sub(r"\1i", word),)
    if len(_word_forms) >= _MAX_WORD_FORMS:
        _word_forms.clear()
    _word_forms[word] = form
    return form


def normalise(text: str) -> str:
    """`tokens()` joined by single spaces: the canonical comparable form of a text or a name."""
    return " ".join(tokens(text))


_WRITTEN_WORD = re.compile(r"\w+")


def _written_spans(text: str, phrase: str) -> Iterator[list[re.Match[str]]]:
    """Each place where `text` (NFC) holds `phrase` compared as tokens(): the words written there."""
    wanted = tokens(phrase)
    written = list(_WRITTEN_WORD.finditer(text))
    flat = [(token, index) for index, word in enumerate(written) for token in _word_tokens(text, word)]
    size = len(wanted)
    for start in range(len(flat) - size + 1) if size else ():
        if tuple(token for token, _ in flat[start : start + size]) == wanted:
            yield written[flat[start][1] : flat[start + size - 1][1] + 1]


def _word_tokens(text: str, word: re.Match[str]) -> tuple[str, ...]:
    """tokens() of one written word, a dotted abbreviation ("p." before a name) expanded as tokens() does."""
    dotted = _shorthand().dotted
    folded = fold(word.group())
    if folded in dotted and _DOT_BEFORE_A_WORD.match(text, word.end()):
        return tokens(dotted[folded])
    return tokens(word.group())


_DOT_BEFORE_A_WORD = re.compile(r"\.\s*[^\W\d_]")


def as_written(text: str, phrase: str) -> str | None:
    """How `text` writes `phrase`, compared as tokens(): "chua co" in "hồ sơ chưa có kết quả" is "chưa có";
    None when the text does not hold it word for word. Officials read evidence in the citizen's own words."""
    text = unicodedata.normalize("NFC", text)
    for words in _written_spans(text, phrase):
        return text[words[0].start() : words[-1].end()]
    return None


def holds_as_written(text: str, phrase: str) -> bool:
    """Whether `text` holds `phrase` where every word the citizen wrote with diacritics is spelt as the
    phrase's own word: "phai chung chi" and "phải chung chi" hold "phải chung chi" (a bribe), "phải chứng chỉ"
    does not (a certificate). Folding makes the two meet; the citizen's diacritics, where there are any, tell
    them apart. Not told apart: where the tone mark sits ("hoà"/"hòa"), "ký"/"kí", a tone or the stroke of
    "đ" left out ("nhân tiền", "dòi tiền": hurried typing), shorthand ("đc") and stretched words, which
    tokens() rewrites. Words are compared one by one, each to any of the phrase's."""
    own = {_spelling(word) for word in _WRITTEN_WORD.findall(unicodedata.normalize("NFC", phrase))}

    shorthand = _shorthand().words

    def agrees(word: str) -> bool:
        folded = fold(word)
        if folded == word.lower() or folded in shorthand or _STRETCHED_ANYWHERE.search(folded):
            return True
        letters, tone = _spelling(word)
        return any(letters == own_letters and tone in ("", own_tone) for own_letters, own_tone in own)

    return any(
        all(agrees(match.group()) for match in words)
        for words in _written_spans(unicodedata.normalize("NFC", text), phrase)
    )


# The five tone marks, as unicodedata decomposes them; the other marks (ă â ê ô ơ ư) make other vowels.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _spelling(word: str) -> tuple[str, str]:
    """A word's letters with their vowel marks (đ as d, a final "y" as "i") and its tone mark apart."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tone = "".join(mark for mark in decomposed if mark in _TONE_MARKS)
    letters = unicodedata.normalize("NFC", "".join(mark for mark in decomposed if mark not in _TONE_MARKS))
    return _FINAL_Y.sub(r"\1i", letters.replace("đ", "d")), tone


def transpositions(word: str) -> set[str]:
    """Every spelling of `word` with two neighbouring letters swapped ("sinh" -> "isnh", "snih", "sihn").

    Swapped letters are the commonest phone typo, and unlike dropped letters they rarely make another
    Vietnamese syllable, so they can be corrected without guessing.
    """
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)} - {word}

"""A citizen's text without their personal data (dữ liệu cá nhân), for keeping it as a training example.

Decree 356/2025 allows personal data only as long as its purpose needs it: a case keeps the citizen's
name, phone and address to answer them, but what the classifier learns from (pakn.cases.corrections) needs
only the words about the matter. `redact` replaces, with placeholders the classifier reads as plain words:

- the sender's own name, phone and address as the case holds them, however the text spells them (with or
  without diacritics, in any case);
- every phone number, e-mail address and ID-card-like number (CMND's 9 digits, CCCD's 12, or any run of
  nine digits or more): none of them says where a case belongs;
- addresses with a house number ("số 5 ngõ 12 Đội Cấn", "12 Hàng Bông", "nhà 3 ngách 4/2"), up to the ward
  or district that follows them, which stay: the place a procedure was filed decides the commune.

It is a best effort on free text, so it errs towards removing: a large sum written in digits goes too.
Names of other people (an official the citizen names) are not recognised.
"""

from __future__ import annotations

import re

from pakn.domain.vocabulary import ContactDetails
from pakn.routing.text import fold

NAME, PHONE, ADDRESS, EMAIL, ID_NUMBER = "<tên>", "<sđt>", "<địa chỉ>", "<email>", "<số giấy tờ>"

# Patterns run on the text folded character by character (no diacritics, case kept), so "Số nhà" and
# "so nha" are one pattern, and capitals still mark a street's name.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A Vietnamese number: 0 or 84 and nine digits (a mobile), 0 and ten (a landline: 024 3825 1234).
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[ .\-]?\d){9,10}(?!\d)")
_LONG_NUMBER = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){8,}(?!\d)")
_HOUSE_NUMBER = r"\d+[a-z]?(?:[/\-]\d+[a-z]?)*"
# A lane or alley and its number ("ngõ 12", "ngách 4/2") starts an address; a block, floor or room only
# goes on with one ("tầng 2" alone is the floor of an office).
_LANE = r"\b(?:ngo|ngach|hem|kiet)\s*" + _HOUSE_NUMBER + r"\b"
_PART = r"\b(?:ngo|ngach|hem|kiet|to|khu|xom|thon|toa|tang|phong|can\s+ho)\s*" + _HOUSE_NUMBER + r"\b"
# Where a capitalised street name ends: a unit's type word ("phường Ba Đình" stays), or a pronoun that
# starts the next sentence.
_NOT_STREET = r"phuong|xa|quan|huyen|thi|thanh\s+pho|tp|ha\s+noi|tinh|p|q|tx|tt|ubnd|so|toi|em|anh|chi"
# A street: "phố"/"đường" and capitalised words ("Hàng Bông", "Đội Cấn"). A name in plain letters is left:
# it cannot be told from the words after it, and without its house number it points at nobody.
_CAPITALISED_WORD = rf"\b(?!(?i:(?:{_NOT_STREET})\b))[A-Z][a-z]*\b"
_STREET = rf"(?:(?:[ ,]*\b(?:pho|duong)\b)?[ ,]*(?-i:{_CAPITALISED_WORD}(?:[ ]+{_CAPITALISED_WORD})*))"
_ADDRESS = re.compile(
    rf"""(?ix)
        # "số nhà 5", "nhà số 5", "sn 5": a house number said to be one
        \b(?:so\s+nha|nha\s+so|sn)\s*{_HOUSE_NUMBER}\b (?:[ ,]*{_PART})* {_STREET}?
        # "số 5 ngõ 12 ...", "5 ngõ 12 ...", "ngõ 12 ...": a lane, with the house number before it
      | (?:\b(?:(?:so|nha)\s+)?{_HOUSE_NUMBER}[ ,]+)? {_LANE} (?:[ ,]*{_PART})* {_STREET}?
        # "5 phố Huế", "12 đường Láng", "12 Hàng Bông", "số 5 Đội Cấn"
      | \b(?:(?:so|nha)\s+)?{_HOUSE_NUMBER}\s+(?:(?:pho|duong)\b {_STREET}? | {_STREET})
    """
)


def redact(text: str, contact: ContactDetails | None = None) -> str:
    """`text` with the personal data above replaced by `<tên>`, `<sđt>`, `<địa chỉ>`, `<email>` and
    `<số giấy tờ>`. Redacting again changes nothing."""
    for pattern, placeholder in _contact_patterns(contact):
        text = _replace(text, pattern, placeholder)
    for pattern, placeholder in (
        (_EMAIL, EMAIL),
        (_PHONE, PHONE),
        (_LONG_NUMBER, ID_NUMBER),
        (_ADDRESS, ADDRESS),
    ):
        text = _replace(text, pattern, placeholder)
    return text


def _contact_patterns(contact: ContactDetails | None) -> list[tuple[re.Pattern[str], str]]:
    """What of the sender's details to look for, longest first: the whole address and each of its parts
    that holds a house number (the ward and city it names stay); the full name of two words or more, and
    without the family name ("Văn Bình"), which is how Vietnamese often sign; the phone however spaced."""
    if contact is None:
        return []
    found: list[tuple[str, str]] = []
    if contact.address:
        parts = [part for part in re.split(r"[,;\n]", contact.address) if re.search(r"\d", part)]
        found += [(contact.address, ADDRESS), *((part, ADDRESS) for part in parts)]
    words = (contact.name or "").split()
    if len(words) >= 2:  # one word alone ("An", "Hà") is also an ordinary word or a place
        found.append((" ".join(words), NAME))
    if len(words) >= 3:
        found.append((" ".join(words[1:]), NAME))
    found.sort(key=lambda item: -len(item[0]))
    patterns = [(pattern, placeholder) for literal, placeholder in found if (pattern := _words(literal))]
    digits = re.sub(r"\D", "", contact.phone or "")
    if len(digits) >= 9:
        # 0912345678, 84912345678 and +84 912 345 678 are one number.
        national = digits[2:] if digits.startswith("84") else digits.removeprefix("0")
        pattern = r"(?<!\d)(?:(?:\+?84|0)[ .\-]?)?" + r"[ .\-]?".join(national) + r"(?!\d)"
        patterns.append((re.compile(pattern), PHONE))
    return patterns


def _words(literal: str) -> re.Pattern[str] | None:
    """`literal`'s words, folded, with any punctuation or spacing between them; None without words."""
    words = re.findall(r"\w+", _folded(literal)[0])
    if not words:
        return None
    return re.compile(r"(?i)(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)")


def _replace(text: str, pattern: re.Pattern[str], placeholder: str) -> str:
    """`text` with each match of `pattern` in its folded form replaced, mapped back to the original."""
    folded, origins = _folded(text)
    pieces, kept = [], 0
    for match in pattern.finditer(folded):
        start, end = match.span()
        if start == end:
            continue
        # Up to the next character kept in the folded text: a combining mark after the match goes too.
        start, end = origins[start], origins[end] if end < len(origins) else len(text)
        pieces += [text[kept:start], placeholder]
        kept = end
    return "".join([*pieces, text[kept:]]) if pieces else text


def _folded(text: str) -> tuple[str, list[int]]:
    """`text` without diacritics, case kept, and for each of its characters the index it came from."""
    chars: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        base = fold(char)
        if len(base) != 1:  # a combining mark (NFD input), or a character that folds to several
            base = base[:1] if base else ""
        if not base:
            continue
        chars.append(base.upper() if char.isupper() else base)
        origins.append(index)
    return "".join(chars), origins

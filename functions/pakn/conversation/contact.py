"""The sender's details (Decree 20 Art. 7: name, address, phone) from Zalo's form or typed in one message."""

from __future__ import annotations

import re
from typing import Literal

from pakn.domain.vocabulary import ContactDetails
from pakn.routing.text import fold

# Vietnamese numbers: mobile 0 + 9 digits, landline 02x + 8 digits; written with +84/84, spaces or dots.
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){9,10}(?!\d)")
_SEPARATORS = re.compile(r"\s*(?:[,;\n|]|\s-\s)\s*")


def normalise_phone(raw: str) -> str | None:
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("84"):
        digits = "0" + digits[2:]
    return digits if re.fullmatch(r"0\d{9,10}", digits) else None


# A name is a few words without digits; anything longer is a sentence that happens to hold a number.
NAME_WORDS, MESSAGE_CHARS = 6, 400
# Folded words that appear in sentences ("tôi đã gọi 09… nhiều lần") and in no Vietnamese name.
NOT_IN_NAMES = frozenset(
    {
        "toi", "da", "goi", "khong", "bi", "duoc", "cua", "nhieu", "roi",
        # Words of a question about the problem ("vậy nộp ở đâu"), in no Vietnamese name.
        "vay", "nop", "o", "dau", "nay", "cho", "voi", "chua", "gi", "nao", "giay", "phep", "phai",
    }
)  # fmt: skip
# What people write before their name: "Tôi là …", "Họ tên: …".
NAME_LEADS = re.compile(r"^(?:ho (?:va )?ten|ten toi la|ten|toi la)\b\W*")
# Labels before a phone or an address: "sđt 09…", "địa chỉ: …".
PART_LABELS = re.compile(r"^(?:so dien thoai|dien thoai|sdt|dt|dia chi|d/c)\b\W*")


def _unlabelled(part: str) -> str:
    label = PART_LABELS.match(fold(part))
    return part[label.end() :] if label else part


def has_phone(text: str) -> bool:
    return bool(_PHONE.search(text))


def parse_typed_contact(text: str) -> ContactDetails | None:
    """Name, phone and address from "Nguyễn Văn A, 0912 345 678, số 1 Hàng Bông"; None when one is missing."""
    if len(text) > MESSAGE_CHARS:
        return None
    match = _PHONE.search(text)
    phone = normalise_phone(match.group()) if match else None
    if phone is None:
        return None
    rest = (text[: match.start()] + "\n" + text[match.end() :]).strip()
    parts = [_unlabelled(part.strip(" -,.;:")) for part in _SEPARATORS.split(rest)]
    parts = [part for part in parts if part]
    if len(parts) < 2:
        return None
    name, address = parts[0], ", ".join(parts[1:])
    lead = NAME_LEADS.match(fold(name))
    if lead:
        name = name[lead.end() :]  # folding keeps length, so the offset holds for the original
    if any(word in NOT_IN_NAMES for word in fold(name).split()):
        return None
    if (
        len(name) < 2
        or len(name.split()) > NAME_WORDS
        or any(ch.isdigit() for ch in name)
        or len(address) < 4
    ):
        return None
    return ContactDetails(name=name, phone=phone, address=address)


# A run of digits someone typed as a phone number (5 digits or more, maybe spaced or dotted).
_PHONE_ATTEMPT = re.compile(r"(?<!\d)\+?\d(?:[\s.-]?\d){4,14}(?!\d)")
# Words of addresses that are no part of Vietnamese names (folded "phuong", "quan", "duong", "huyen" are
# also given names, so they do not count): a part holding one, or a house number, is an address.
ADDRESS_WORDS = frozenset({"so", "ngo", "ngach", "hem", "kiet", "pho", "thon", "xom", "tdp", "toa", "tp"})
# "số" is an address's only with its number (a digit): folded, "Sở Y tế" would be one too.
ADDRESS_WORDS_ALONE = ADDRESS_WORDS - {"so"}
ATTEMPT_CHARS = 160

ContactProblem = Literal["phone_invalid", "missing_phone", "missing_name", "missing_address", "incomplete"]


def _looks_like_name(part: str) -> bool:
    words = fold(part).split()
    return (
        1 < len(words) <= NAME_WORDS
        and not any(ch.isdigit() for ch in part)
        and not any(word in NOT_IN_NAMES or word in ADDRESS_WORDS for word in words)
    )


def _looks_like_address(part: str) -> bool:
    return any(ch.isdigit() for ch in part) or any(word in ADDRESS_WORDS_ALONE for word in fold(part).split())


def contact_problem(text: str) -> ContactProblem | None:
    """What is wrong with `text` as an attempt at typing the sender's details, or None when it is no such
    attempt (more about the problem, which belongs in the draft). Call it when `parse_typed_contact` found
    no complete details."""
    if len(text) > ATTEMPT_CHARS:
        return None
    labelled = bool(
        NAME_LEADS.match(fold(text)) or any(PART_LABELS.match(fold(p)) for p in _SEPARATORS.split(text))
    )
    valid = _PHONE.search(text)
    attempt = _PHONE_ATTEMPT.search(text)
    if valid is None and attempt is not None and normalise_phone(attempt.group()) is None:
        rest = text[: attempt.start()] + text[attempt.end() :]
        if labelled or any(_looks_like_name(p) for p in _SEPARATORS.split(rest) if p.strip()):
            return "phone_invalid"
    phone = valid or attempt
    rest = text[: phone.start()] + "\n" + text[phone.end() :] if phone else text
    parts = [_unlabelled(p.strip(" -,.;:")) for p in _SEPARATORS.split(rest)]
    parts = [p for p in parts if p]
    named = any(_looks_like_name(p) for p in parts)
    addressed = any(_looks_like_address(p) and not _looks_like_name(p) for p in parts)
    if valid:
        if named and not addressed:
            return "missing_address"
        if addressed and not named:
            return "missing_name"
        return "incomplete"
    if named and (addressed or labelled):
        return "missing_phone"
    return "incomplete" if labelled else None


def is_complete(contact: ContactDetails | None) -> bool:
    return bool(
        contact and contact.name and contact.address and contact.phone and normalise_phone(contact.phone)
    )

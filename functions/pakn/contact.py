"""The sender's details (Decree 20 Art. 7: name, address, phone) from Zalo's form or typed in one message."""

from __future__ import annotations

import re

from pakn.events import ContactDetails

# Vietnamese numbers: mobile 0 + 9 digits, landline 02x + 8 digits; written with +84/84, spaces or dots.
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){9,10}(?!\d)")
_SEPARATORS = re.compile(r"\s*(?:[,;\n|]|\s-\s)\s*")


def normalise_phone(raw: str) -> str | None:
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("84"):
        digits = "0" + digits[2:]
    return digits if re.fullmatch(r"0\d{9,10}", digits) else None


def parse_typed_contact(text: str) -> ContactDetails | None:
    """ "Nguyễn Văn A, 0912 345 678, số 1 Hàng Bông" -> name, phone, address; None when one is missing."""
    match = _PHONE.search(text)
    phone = normalise_phone(match.group()) if match else None
    if phone is None:
        return None
    rest = (text[: match.start()] + "\n" + text[match.end() :]).strip()
    parts = [part.strip(" -,.;:") for part in _SEPARATORS.split(rest)]
    parts = [part for part in parts if part]
    if len(parts) < 2:
        return None
    name, address = parts[0], ", ".join(parts[1:])
    if len(name) < 2 or not any(ch.isalpha() for ch in name) or len(address) < 4:
        return None
    return ContactDetails(name=name, phone=phone, address=address)


def is_complete(contact: ContactDetails | None) -> bool:
    return bool(
        contact and contact.name and contact.address and contact.phone and normalise_phone(contact.phone)
    )

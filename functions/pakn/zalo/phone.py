"""A Vietnamese mobile number as ZNS wants it: 84 and nine digits (zalo-oa.md: -108 otherwise)."""

from __future__ import annotations

import re


def zns_phone(phone: str | None) -> str | None:
    """`phone` (0xxxxxxxxx, 84xxxxxxxxx or +84xxxxxxxxx, maybe with spaces, dots or dashes) in ZNS's form;
    None when it is no Vietnamese mobile number (a landline receives no ZNS)."""
    digits = re.sub(r"[\s.\-()]", "", phone or "").removeprefix("+")
    if re.fullmatch(r"0\d{9}", digits):
        return "84" + digits[1:]
    return digits if re.fullmatch(r"84\d{9}", digits) else None

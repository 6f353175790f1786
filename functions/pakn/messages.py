"""Every text a citizen sees, in one catalogue: polite, short, correctly accented Vietnamese.

Texts are `str.format` templates; a key missing here is a bug caught by the tests, never a blank reply.
"""

from __future__ import annotations

CATALOGUE: dict[str, str] = {
    "received": "Cảm ơn anh/chị. Hệ thống đã nhận được tin nhắn.",
}


def text(key: str, **values: object) -> str:
    return CATALOGUE[key].format(**values)

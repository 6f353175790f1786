"""The tracking code (mã tra cứu) a citizen holds for a case: "HN-" and six characters.

Short, read aloud without confusion (no 0/O, 1/I/L), and random rather than sequential, so it reveals
nothing about volumes. Uniqueness is the case store's: it reserves each code in the filing transaction.
"""

from __future__ import annotations

import re
import secrets

PREFIX = "HN-"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6
# As citizens type it: "HN-4K7Q2M", "hn 4k7q2m", "HN4K7Q2M".
TYPED = re.compile(rf"\bHN[\s-]?([{ALPHABET}]{{{LENGTH}}})\b", re.IGNORECASE)


def new_tracking_code() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))

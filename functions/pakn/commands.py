"""What a citizen's short message asks for, with or without diacritics ("tra cứu", "tra cuu", "TRA CỨU").

A message is a command only when it is the command and nothing else (a code may follow "tra cứu"), so a
complaint that happens to contain "hủy" or "mới" is never taken for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pakn.text import fold

# Tracking codes: "HN-" and six characters from an alphabet without look-alikes (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PATTERN = re.compile(rf"\bHN[\s-]?([{CODE_ALPHABET}]{{6}})\b", re.IGNORECASE)

Intent = Literal["lookup", "list", "cancel", "new", "help", "done", "confirm", "edit"]

# Folded (lowercase, no diacritics) phrases; the keys of a confirmation prompt's 1/2/3 come with them.
PHRASES: dict[Intent, frozenset[str]] = {
    "list": frozenset({"ho so", "ho so cua toi", "danh sach", "phan anh cua toi", "cac phan anh", "ds"}),
    "cancel": frozenset({"huy", "huy bo", "huy phan anh", "thoi", "bo"}),
    "new": frozenset({"moi", "tao moi", "phan anh moi", "bat dau lai", "lam lai"}),
    "help": frozenset({"huong dan", "help", "tro giup", "menu", "?", "hd"}),
    "done": frozenset({"xong", "da xong", "het", "hoan tat", "gui", "gui di", "nop"}),
    "confirm": frozenset({"1", "gui", "gui di", "dong y", "ok", "oke", "xac nhan", "co", "dung"}),
    "edit": frozenset({"2", "sua", "chinh sua", "sua lai"}),
}
CONFIRMING_CANCEL = frozenset({"3"})
LOOKUP_WORDS = frozenset({"tra cuu", "tracuu", "tra", "kiem tra", "tinh trang", "xem"})


@dataclass(frozen=True)
class Command:
    intent: Intent
    code: str | None = None


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[^\w?]+", " ", fold(text)).split())


def parse_command(text: str | None, confirming: bool = False) -> Command | None:
    """The command `text` is, or None when it is content. `confirming`: a summary awaits 1/2/3."""
    if not text:
        return None
    code_match = CODE_PATTERN.search(text)
    if code_match:
        rest = _folded(CODE_PATTERN.sub(" ", text))
        if rest == "" or rest in LOOKUP_WORDS:
            return Command("lookup", f"HN-{code_match.group(1).upper()}")
        return None
    words = _folded(text)
    if confirming:
        for intent in ("confirm", "edit"):
            if words in PHRASES[intent]:
                return Command(intent)
        if words in CONFIRMING_CANCEL:
            return Command("cancel")
    for intent in ("list", "cancel", "new", "help", "done"):
        if words in PHRASES[intent]:
            return Command(intent)
    return None

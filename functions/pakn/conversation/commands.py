"""What a citizen's short message asks for, with or without diacritics ("tra cứu", "tra cuu", "TRA CỨU").

A message is a command only when it is the command and nothing else (a code may follow "tra cứu"), so a
complaint that happens to contain "hủy" or "mới" is never taken for one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from pakn.cases import tracking_code
from pakn.routing.text import fold

Intent = Literal["lookup", "list", "cancel", "new", "help", "done", "confirm", "edit", "greeting", "thanks"]

# As citizens write them. A message typed with diacritics must match a phrase with them ("dừng", "Dũng" or
# "cô" are not "đúng"/"có"); one typed without any matches the phrase's folded form ("huy" is "hủy").
PHRASES: dict[Intent, frozenset[str]] = {
    "list": frozenset(
        {"hồ sơ", "hồ sơ của tôi", "danh sách", "phản ánh của tôi", "các phản ánh", "ds", "my cases"}
    ),
    "cancel": frozenset(
        {"hủy", "huỷ", "hủy bỏ", "huỷ bỏ", "hủy phản ánh", "huỷ phản ánh", "thôi", "bỏ", "cancel"}
    ),
    "new": frozenset({"mới", "tạo mới", "phản ánh mới", "bắt đầu lại", "làm lại", "new"}),
    "help": frozenset({"hướng dẫn", "help", "trợ giúp", "menu", "?", "hd"}),
    # Small talk alone, before or instead of a complaint: answered with how to begin, never filed.
    "greeting": frozenset(
        {
            "xin chào",
            "chào",
            "chào bạn",
            "chào ad",
            "chào admin",
            "xin chào ad",
            "alo",
            "a lô",
            "hello",
            "hi",
            "hey",
            "chào anh",
            "chào chị",
            "chào em",
            "ad ơi",
            "admin ơi",
            "có ai không",
            "cho hỏi",
            "cho tôi hỏi",
            "xin chào ạ",
            "chào ạ",
            "dạ",
            "vâng",
            "ok",
        }
    ),
    "thanks": frozenset(
        {"cảm ơn", "cám ơn", "cảm ơn ạ", "cảm ơn nhiều", "xin cảm ơn", "thanks", "thank you"}
    ),
    "done": frozenset({"xong", "đã xong", "hết", "hoàn tất", "gửi", "gửi đi", "nộp", "done", "send"}),
    "confirm": frozenset({"1", "gửi", "gửi đi", "đồng ý", "ok", "oke", "xác nhận", "có", "yes", "send"}),
    "edit": frozenset({"2", "sửa", "chỉnh sửa", "sửa lại", "edit"}),
}
FOLDED_PHRASES: dict[Intent, frozenset[str]] = {
    intent: frozenset(fold(phrase) for phrase in phrases) for intent, phrases in PHRASES.items()
}
CONFIRMING_CANCEL = frozenset({"3"})
LOOKUP_WORDS = frozenset({"tra cuu", "tracuu", "tra", "kiem tra", "tinh trang", "xem", "status", "track"})


@dataclass(frozen=True)
class Command:
    intent: Intent
    code: str | None = None


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w?]+", " ", unicodedata.normalize("NFC", text).lower()).split())


def _lookup_without_prefix(folded: str) -> Command | None:
    """ "tra cứu" alone asks for a look-up without saying which case; "tra cuu 4k7q2m" names its code
    without the "HN-"."""
    if folded in LOOKUP_WORDS:
        return Command("lookup")
    for lead in sorted(LOOKUP_WORDS, key=len, reverse=True):
        if folded.startswith(lead + " "):
            rest = folded[len(lead) + 1 :].replace(" ", "").upper()
            if len(rest) == tracking_code.LENGTH and set(rest) <= set(tracking_code.ALPHABET):
                return Command("lookup", tracking_code.PREFIX + rest)
            if rest.startswith("HN") or any(ch.isdigit() for ch in rest):
                return Command("lookup")  # a code mistyped: ask for it again
    return None


def parse_command(text: str | None, confirming: bool = False) -> Command | None:
    """The command `text` is, or None when it is content. `confirming`: a summary awaits 1/2/3."""
    if not text:
        return None
    code_match = tracking_code.TYPED.search(text)
    if code_match:
        rest = fold(_words(tracking_code.TYPED.sub(" ", text)))
        if rest == "" or rest in LOOKUP_WORDS:
            return Command("lookup", tracking_code.PREFIX + code_match.group(1).upper())
        return None
    words = _words(text)
    lookup = _lookup_without_prefix(fold(words))
    if lookup is not None:
        return lookup
    phrases = FOLDED_PHRASES if fold(words) == words else PHRASES
    if confirming:
        for intent in ("confirm", "edit"):
            if words in phrases[intent]:
                return Command(intent)
        if words in CONFIRMING_CANCEL:
            return Command("cancel")
    for intent in ("list", "cancel", "new", "help", "done", "greeting", "thanks"):
        if words in phrases[intent]:
            return Command(intent)
    return None

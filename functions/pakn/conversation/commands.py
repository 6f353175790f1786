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

Intent = Literal[
    "lookup",
    "list",
    "cancel",
    "new",
    "help",
    "done",
    "confirm",
    "edit",
    "greeting",
    "thanks",
    "rate",
    "object",
]

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
# After an answer (pakn.cases.rating): the words of a rating ("đánh giá 4", a button's "ĐÁNH GIÁ HN-… 4",
# "5 sao", "rất hài lòng") and of an objection ("không đồng ý", with the reason after it).
RATING_WORDS = frozenset({"đánh giá", "rate", "rating"})
SCORE_PHRASES: dict[str, int] = {
    "rất hài lòng": 5,
    "hài lòng": 4,
    "bình thường": 3,
    "tạm được": 3,
    "chưa hài lòng": 2,
    "không hài lòng": 1,
    "very satisfied": 5,
    "satisfied": 4,
    "neutral": 3,
    "not quite satisfied": 2,
    "not satisfied": 1,
    "dissatisfied": 1,
}
SCORE_UNITS = frozenset({"sao", "điểm", "star", "stars", "/5"})
OBJECTION_PHRASES = frozenset(
    {
        "không đồng ý",
        "chưa đồng ý",
        "không chấp nhận",
        "chưa chấp nhận",
        "không thỏa đáng",
        "không thoả đáng",
        "chưa thỏa đáng",
        "chưa thoả đáng",
        "phản đối",
        "mở lại",
        "disagree",
        "i disagree",
        "reopen",
    }
)
_SCORE = re.compile(r"([1-5])(?:sao|d|diem|điểm|/5|\*)?")
CONFIRMING_CANCEL = frozenset({"3"})
# A bare number this short is a choice ("1" to confirm, a button's number), never the start of a complaint.
CHOICE_DIGITS = 2
LOOKUP_WORDS = frozenset({"tra cuu", "tracuu", "tra", "kiem tra", "tinh trang", "xem", "status", "track"})


@dataclass(frozen=True)
class Command:
    intent: Intent
    code: str | None = None
    # A rating's score (1 to 5).
    score: int | None = None
    # What the citizen wrote after a rating's score (its comment) or an objection's words (the reason).
    text: str | None = None


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w?]+", " ", unicodedata.normalize("NFC", text).lower()).split())


def _phrases_for(words: str) -> dict[Intent, frozenset[str]]:
    """PHRASES as `words` must match them: with their diacritics if typed with any, else folded."""
    return FOLDED_PHRASES if fold(words) == words else PHRASES


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


def _leading(tokens: list[str], phrases: frozenset[str] | dict[str, int]) -> str | None:
    """The longest of `phrases` that the first of `tokens` make, with the diacritics rule of PHRASES (a
    phrase typed without them matches its folded form), or None."""
    for n in range(min(4, len(tokens)), 0, -1):
        words = " ".join(tokens[:n])
        found = next((p for p in phrases if (fold(p) if fold(words) == words else p) == words), None)
        if found is not None:
            return found
    return None


def _rest(raw: list[str], skip: int) -> str | None:
    """The citizen's own words after the first `skip` (a comment, a reason), as they typed them."""
    rest = " ".join(raw[skip:]).strip(" ,.:;-–!")
    return rest or None


def _about_an_answer(text: str, after_answer: bool) -> Command | None:
    """A rating or an objection. With a tracking code in it (a button's payload), at any time; without
    one, only right after an answer (`after_answer`), since "5" or "không đồng ý" alone mean nothing
    else then and may mean something else in a draft."""
    code_match = tracking_code.TYPED.search(text)
    if code_match is None and not after_answer:
        return None
    code = tracking_code.PREFIX + code_match.group(1).upper() if code_match else None
    raw = unicodedata.normalize("NFC", tracking_code.TYPED.sub(" ", text)).split()
    tokens = [re.sub(r"[^\w/*]+", "", token.lower()) for token in raw]
    kept = [(r, t) for r, t in zip(raw, tokens, strict=True) if t]
    raw, tokens = [r for r, _ in kept], [t for _, t in kept]
    objection = _leading(tokens, OBJECTION_PHRASES)
    if objection is not None:
        return Command("object", code, text=_rest(raw, len(objection.split())))
    start = 0
    keyword = _leading(tokens, RATING_WORDS)
    if keyword is not None:
        start = len(keyword.split())
    phrase = _leading(tokens[start:], SCORE_PHRASES)
    if phrase is not None:
        return Command(
            "rate", code, score=SCORE_PHRASES[phrase], text=_rest(raw, start + len(phrase.split()))
        )
    score = _SCORE.fullmatch(tokens[start]) if start < len(tokens) else None
    if score is None:
        return None
    end = start + 1
    unit = end < len(tokens) and fold(tokens[end]) in {fold(unit) for unit in SCORE_UNITS}
    if unit:
        end += 1
    if keyword is None and not unit and end < len(tokens):
        # "3 lần bị trả hồ sơ", "HN-4K7Q2M 5 lần": a number that starts a sentence is content; a comment
        # follows a score only after the rating word or a unit ("4 sao, cán bộ nhiệt tình").
        return None
    return Command("rate", code, score=int(score.group(1)), text=_rest(raw, end))


def parse_command(text: str | None, confirming: bool = False, after_answer: bool = False) -> Command | None:
    """The command `text` is, or None when it is content. `confirming`: a summary awaits 1/2/3.
    `after_answer`: no draft is being written and a case was answered (a score or an objection alone
    is about it)."""
    if not text:
        return None
    about_an_answer = _about_an_answer(text, after_answer)
    if about_an_answer is not None:
        return about_an_answer
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
    phrases = _phrases_for(words)
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


def only_an_answer(text: str | None) -> bool:
    """`text` answers a summary or a question and says nothing else: "1", "2", "3", a number, "đồng ý",
    "sửa". With nothing awaiting an answer it is a late tap (a second "1" after filing, a "1" after an item
    was turned away), not the start of a complaint."""
    if not text:
        return False
    words = _words(text)
    phrases = _phrases_for(words)
    return (
        words in phrases["confirm"]
        or words in phrases["edit"]
        or words in CONFIRMING_CANCEL
        or (words.isdigit() and len(words) <= CHOICE_DIGITS)
    )

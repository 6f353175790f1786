"""Which language a citizen writes in: English or Vietnamese (with or without diacritics).

Vietnamese typed without diacritics is plain ASCII too, so ASCII alone says nothing. English function words
do: two different ones in a message are enough, from a list chosen so that no word folds to a common
Vietnamese one ("the" is thế, "can" is cần, "it" is ít, "my" is Mỹ: they are left out).
"""

from __future__ import annotations

import re

from pakn.domain.vocabulary import Language

ENGLISH_WORDS = frozenset(
    {
        "i",
        "is",
        "are",
        "was",
        "were",
        "am",
        "my",
        "me",
        "you",
        "your",
        "we",
        "our",
        "they",
        "he",
        "she",
        "and",
        "or",
        "of",
        "for",
        "with",
        "from",
        "this",
        "that",
        "these",
        "have",
        "has",
        "had",
        "not",
        "please",
        "what",
        "how",
        "why",
        "when",
        "where",
        "which",
        "would",
        "could",
        "should",
        "will",
        "been",
        "there",
        "their",
        "about",
        "because",
        "after",
        "before",
        "since",
        "still",
        "hello",
        "hi",
        "thanks",
        "thank",
        "help",
        "office",
        "suggestion",
        "application",
        "applied",
        "apply",
    }
)
_WORD = re.compile(r"[a-z']+")
ENOUGH = 2


def language_of(text: str) -> Language | None:
    """English or Vietnamese when the text says so clearly; None when it is too short to tell."""
    if any(ord(ch) > 0x7F and ch.isalpha() for ch in text):
        return "vi"  # diacritics: Vietnamese (an English text with a Vietnamese name in it still has few)
    words = set(_WORD.findall(text.lower()))
    if len(words & ENGLISH_WORDS) >= ENOUGH:
        return "en"
    return "vi" if len(words) >= 4 else None

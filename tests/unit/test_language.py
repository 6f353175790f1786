"""Telling English from Vietnamese typed with or without diacritics."""

import pytest

from pakn.conversation.language import language_of


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I applied for a work permit two months ago and still have no answer", "en"),
        ("Suggestion: the city should allow online registration for this", "en"),
        ("My name is John Smith, 0912345678, 12 Hang Bong", "en"),
        ("cb p truc bach ko nhan ho so cua e", "vi"),
        ("toi muon hoi ve ho so dang ky kinh doanh", "vi"),
        ("can bo the nay thi it ai chiu duoc", "vi"),  # "can", "the", "it" fold from Vietnamese words
        ("Tôi là người nước ngoài, I need help with my visa", "vi"),
        ("ok", None),
        ("Hello", None),
    ],
)
def test_the_language_is_told_only_when_the_text_says_so(text, language):
    assert language_of(text) == language

"""What a short message asks for, with or without diacritics; never a word that only looks like a command."""

import pytest

from pakn.conversation.commands import Command, parse_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tra cứu HN-4K7Q2M", Command("lookup", "HN-4K7Q2M")),
        ("TRA CUU hn 4k7q2m", Command("lookup", "HN-4K7Q2M")),
        ("HN-4K7Q2M", Command("lookup", "HN-4K7Q2M")),
        ("Hủy", Command("cancel")),
        ("huỷ", Command("cancel")),
        ("huy", Command("cancel")),
        ("Hồ sơ", Command("list")),
        ("ho so cua toi", Command("list")),
        ("Mới", Command("new")),
        ("moi", Command("new")),
        ("Hướng dẫn", Command("help")),
        ("?", Command("help")),
        ("XONG!", Command("done")),
        ("gửi", Command("done")),
    ],
)
def test_commands_at_any_time(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", Command("confirm")),
        ("Gửi", Command("confirm")),
        ("dong y", Command("confirm")),
        ("có", Command("confirm")),
        ("2", Command("edit")),
        ("sửa", Command("edit")),
        ("3", Command("cancel")),
    ],
)
def test_answers_to_a_summary(text, expected):
    assert parse_command(text, confirming=True) == expected


@pytest.mark.parametrize(
    "text",
    [
        "dừng",  # stop: folds to "dung", which is not "đúng" here
        "Dũng",  # a name
        "cô",  # folds to "co" but is not "có"
        "sữa",  # milk, not "sửa"
        "mời",  # folds to "moi" but is not "mới"
        "tôi muốn hủy đăng ký kết hôn",  # content that contains a command word
        "HN-4K7Q2M bị trả lại hồ sơ",  # content that contains a code
        "1",  # a digit outside a summary is content
    ],
)
def test_words_that_only_look_like_commands_are_content(text):
    assert parse_command(text, confirming=text in {"dừng", "Dũng", "cô", "sữa"}) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("tra cuu", None),
        ("Tra cứu", None),
        ("kiểm tra", None),
        ("tra cuu HN-1234", None),
        ("tra cuu 4k7q2m", "HN-4K7Q2M"),
        ("TRA CỨU 4K7Q2M", "HN-4K7Q2M"),
        ("xem 4k7q2m", "HN-4K7Q2M"),
    ],
)
def test_a_look_up_without_its_code_or_without_hn_is_still_a_look_up(text, code):
    assert parse_command(text) == Command("lookup", code)

"""The message catalogue: every text renders, fits one Zalo message, and is accented Vietnamese."""

import string

import pytest

from pakn.domain import messages


@pytest.mark.parametrize("key", sorted(messages.CATALOGUE))
def test_every_text_renders_and_fits_one_zalo_message(key):
    fields = {name for _, name, _, _ in string.Formatter().parse(messages.CATALOGUE[key]) if name}
    text = messages.text(key, **dict.fromkeys(fields, "HN-4K7Q2M"))
    assert text.strip()
    assert "{" not in text and "}" not in text
    assert len(text) <= 2000


def test_a_missing_value_fails_loudly_rather_than_sending_a_blank():
    with pytest.raises(KeyError):
        messages.text("filed", agency="Sở Y tế")


def test_the_catalogue_is_accented_vietnamese():
    texts = [t for k, t in messages.CATALOGUE.items() if k not in {"summary_attachments", "summary_files"}]
    unaccented = [t for t in texts if t.isascii()]
    assert unaccented == []

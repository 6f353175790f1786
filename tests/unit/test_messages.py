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


def test_the_first_reply_fits_a_phone_screen():
    # About 20 lines of 40 characters on a small phone; the greeting must leave room for the reply after it.
    assert len(messages.text("welcome")) <= 200
    assert messages.text("welcome").count("\n") == 0


def test_every_text_a_citizen_can_receive_has_an_english_column_and_officials_texts_have_none():
    citizen_keys = {key for key in messages.CATALOGUE if not key.startswith("official.")}
    assert set(messages.CATALOGUE_EN) == citizen_keys


@pytest.mark.parametrize("key", sorted(messages.CATALOGUE_EN))
def test_every_english_text_renders_with_the_same_values_and_fits_one_zalo_message(key):
    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    assert fields(messages.CATALOGUE_EN[key]) == fields(messages.CATALOGUE[key])
    text = messages.text(key, "en", **dict.fromkeys(fields(messages.CATALOGUE_EN[key]), "HN-4K7Q2M"))
    assert (
        text.strip()
        and len(text) <= 2000
        and text != messages.text(key, **dict.fromkeys(fields(messages.CATALOGUE[key]), "HN-4K7Q2M"))
    )

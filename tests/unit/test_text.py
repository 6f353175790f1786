"""Vietnamese text normalisation: every way citizens spell a word must meet in one form."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pakn.routing.text import as_written, fold, holds_as_written, normalise, tokens, transpositions

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
vietnamese_text = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " .,!?0123456789😡🙏", max_size=80)


def test_fold_strips_diacritics_and_d_with_stroke():
    assert fold("Đăng ký KẾT HÔN ở Phường Ngọc Hà") == "dang ky ket hon o phuong ngoc ha"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Phường Yên Hoà", "phường yên hòa"),
        ("Thuỵ Phương", "Thụy Phương"),
        ("Uỷ ban", "Ủy ban"),
        ("đăng kí", "đăng ký"),
        ("Mỹ Đức", "Mĩ Đức"),
        ("phuong yen hoa", "PHƯỜNG YÊN HOÀ"),
    ],
)
def test_spelling_variants_compare_equal(one, other):
    assert normalise(one) == normalise(other)


def test_decomposed_input_equals_composed_input():
    composed = "Phường Trúc Bạch"
    assert normalise(unicodedata.normalize("NFD", composed)) == normalise(composed)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("ko dc", "khong duoc"),
        ("k đc j", "khong duoc gi"),
        ("cb ub xã", "can bo uy ban xa"),
        ("UBND phường", "uy ban nhan dan phuong"),
        ("P.Trúc Bạch, Q. Ba Đình", "phuong truc bach quan ba dinh"),
        ("tt.Văn Điển", "thi tran van dien"),
        ("khôngggg", "khong"),
        ("gửi 500k", "gui 500 nghin"),
        ("đòi 10tr", "doi 10 trieu"),
    ],
)
def test_chat_shorthand_is_expanded(typed, meant):
    assert normalise(typed) == meant


def test_emoji_and_punctuation_are_dropped():
    assert tokens("chậm quá 😡😡!!! (3 tháng)") == ("cham", "qua", "3", "thang")


def test_a_letter_without_a_dot_is_not_an_abbreviation():
    # "p" and "x" expand only as "p." / "x."; "nhà xa" (far) must stay "xa", not become a place type.
    assert normalise("nhà xa, vitamin x") == "nha xa vitamin x"


def test_transpositions_are_the_swapped_neighbours():
    assert transpositions("sinh") == {"isnh", "snih", "sihn"}


@given(vietnamese_text)
def test_normalise_is_idempotent(text):
    assert normalise(normalise(text)) == normalise(text)


@given(vietnamese_text)
def test_normalise_ignores_diacritics_and_case(text):
    assert normalise(text) == normalise(fold(text).upper())


@given(st.text(max_size=200))
def test_normalised_text_is_plain_lowercase_ascii_words(text):
    for word in tokens(text):
        assert word.isascii() and word.isalnum() and word == word.lower()


@pytest.mark.parametrize(
    ("text", "phrase", "written"),
    [
        ("Hồ sơ khai sinh chưa có kết quả", "chua co", "chưa có"),
        ("cb bảo ko đc nộp online", "khong duoc", "ko đc"),  # shorthand, as the citizen typed it
        ("Đăng ký KẾT HÔN ở phường", "ket hon", "KẾT HÔN"),
        (unicodedata.normalize("NFD", "giấy khai sinh"), "khai sinh", "khai sinh"),
        ("Cb P.Trúc Bạch ko nhận hs", "phuong truc bach", "P.Trúc Bạch"),  # a dotted abbreviation
        ("lên p. Vĩnh Hưng hỏi", "len phuong vinh hung", "lên p. Vĩnh Hưng"),
    ],
)
def test_a_phrase_is_found_as_the_citizen_wrote_it(text, phrase, written):
    assert as_written(text, phrase) == written


@pytest.mark.parametrize(("text", "phrase"), [("chưa nộp, có hẹn", "chua co"), ("khai sinh", ""), ("", "x")])
def test_a_phrase_not_written_word_for_word_is_not_found(text, phrase):
    assert as_written(text, phrase) is None


@pytest.mark.parametrize(
    ("text", "phrase", "held"),
    [
        ("cán bộ bảo phải chung chi mới xong", "phải chung chi", True),
        ("can bo bao phai chung chi moi xong", "phải chung chi", True),  # no diacritics: either word
        ("CÁN BỘ BẢO PHẢI CHUNG CHI", "phải chung chi", True),
        ("hồ sơ phải chứng chỉ hành nghề mới nộp được", "phải chung chi", False),  # a certificate
        ("cb với tiền lệ phí như thế", "vòi tiền", False),  # "with", not "extort"
        ("cb vòi tiền mới làm", "vòi tiền", True),
        ("cb đòi tiền mới ký", "đòi tiền", True),
        ("cb đc nhận tiền của dân", "được nhận tiền của dân", True),  # shorthand as tokens() reads it
        # Hurried or variant spelling is still the word: the tone on another vowel, "kí", no tone, no stroke.
        ("cán bộ đoì tiền mới ký", "đòi tiền", True),
        ("đăng kí kết hôn", "đăng ký kết hôn", True),
        ("cb nhân tiền của dân", "nhận tiền của dân", True),
        ("cán bộ dòi tiền", "đòi tiền", True),
        ("Sở bảo chỉ cấp bản sao", "báo chí", False),  # another tone is another word
        ("kỳ hạn", "ký hạn", False),
    ],
)
def test_a_word_written_with_diacritics_is_only_its_own_word(text, phrase, held):
    assert holds_as_written(text, phrase) is held


@given(vietnamese_text, st.integers(0, 20), st.integers(1, 3))
def test_a_phrase_taken_from_a_text_as_written_is_held_by_it(text, start, size):
    words = text.split()[start : start + size]
    if "." in text:  # a dotted abbreviation ("p.") is expanded only with its dot, as for as_written
        return
    assert not words or holds_as_written(text, " ".join(words)) or not tokens(" ".join(words))


@given(vietnamese_text, st.integers(0, 20), st.integers(1, 3))
def test_what_is_found_as_written_reads_as_the_phrase(text, start, size):
    phrase = " ".join(tokens(text)[start : start + size])
    written = as_written(text, phrase)
    assert written is None or tokens(written) == tokens(phrase)
    if phrase and "." not in text:  # a dotted abbreviation ("p.") is expanded only with its dot
        assert written is not None

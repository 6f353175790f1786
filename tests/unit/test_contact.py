"""Contact details typed in one message, as citizens write them, and sentences that are not details."""

import pytest

from pakn.conversation.contact import (
    contact_problem,
    has_phone,
    is_complete,
    normalise_phone,
    parse_typed_contact,
)
from pakn.domain.vocabulary import ContactDetails


@pytest.mark.parametrize(
    ("text", "name", "phone", "address"),
    [
        ("Nguyễn Văn A, 0912345678, số 1 Hàng Bông", "Nguyễn Văn A", "0912345678", "số 1 Hàng Bông"),
        ("Tran Thi B - 0912 345 678 - 12 ngo 5 Cau Giay", "Tran Thi B", "0912345678", "12 ngo 5 Cau Giay"),
        ("Lan, +84 912.345.678, Ha Dong", "Lan", "0912345678", "Ha Dong"),
        ("Tôi là Lê Văn Tài, 0987654321, 3 Phố Huế", "Lê Văn Tài", "0987654321", "3 Phố Huế"),
        ("Họ tên: Phạm Thu, sđt 0912345678, địa chỉ 5 Láng Hạ", "Phạm Thu", "0912345678", "5 Láng Hạ"),
        ("Phạm Thu\n0912345678\nĐịa chỉ: 5 Láng Hạ, Đống Đa", "Phạm Thu", "0912345678", "5 Láng Hạ, Đống Đa"),
        ("Đỗ Minh, 02438251234, 1 Tràng Tiền", "Đỗ Minh", "02438251234", "1 Tràng Tiền"),
    ],
)
def test_typed_details_are_read(text, name, phone, address):
    assert parse_typed_contact(text) == ContactDetails(name=name, phone=phone, address=address)


@pytest.mark.parametrize(
    "text",
    [
        "Tôi đã gọi 0912345678 nhiều lần, không ai nghe máy",  # a sentence holding a number
        "Tran Van Binh 0987654321",  # no address
        "0912345678",  # only a phone
        "minh 091234 ha noi",  # not a phone number
        "Nguyễn Văn A, 0912345678, " + "số 1 Hàng Bông " * 40,  # far too long to be details
    ],
)
def test_what_is_not_complete_details_is_refused(text):
    assert parse_typed_contact(text) is None


def test_phones_are_normalised_and_detected():
    assert normalise_phone("+84 912 345 678") == "0912345678"
    assert normalise_phone("12345") is None
    assert has_phone("gọi 0912.345.678 giúp tôi") and not has_phone("mã 123456")


def test_complete_means_name_phone_and_address():
    assert is_complete(ContactDetails(name="A", phone="0912345678", address="Hà Nội"))
    assert not is_complete(ContactDetails(name="A", phone="0912345678"))
    assert not is_complete(ContactDetails(name="A", phone="12", address="Hà Nội"))
    assert not is_complete(None)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("Nguyễn Văn A sđt 09123", "phone_invalid"),
        ("Tran Van Binh, 123456, so 5 Doi Can", "phone_invalid"),
        ("tran van binh, so 5 ngo 12 doi can", "missing_phone"),
        ("Nguyen Thi Lan - 0912345678", "missing_address"),
        ("0987654321, so 5 ngo 12 Doi Can", "missing_name"),
        ("Tôi đã gọi 0912345678 nhiều lần", "incomplete"),
        # More about the problem, not an attempt at details: it belongs in the draft.
        ("Đã nộp từ 2 tháng trước", None),
        ("Tôi nộp hồ sơ từ tháng 3 mà chưa có kết quả", None),
        ("ho so so 12345 nop ngay 3/4", None),
        ("can bo rat cham", None),
        # "Sở" folds to "so" (số, a house number) and a short question is no name: still the problem.
        ("hỏi Sở Y tế về giấy phép bán buôn rượu thì bảo không phải của họ, vậy nộp ở đâu", None),
        ("Sở Tư pháp hẹn 5 ngày, giờ nộp lại ở đâu", None),
        ("phường bảo lên Sở Xây dựng, lên Sở thì bảo về phường", None),
    ],
)
def test_what_is_wrong_with_typed_details_is_named(typed, problem):
    assert parse_typed_contact(typed) is None
    assert contact_problem(typed) == problem

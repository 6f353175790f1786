"""Every documented shape of the events the conversation reads becomes the same `CitizenEvent`
(../shared/docs/zalo-oa.md): the variants of the contact form's address and of a shared location."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pakn.domain.vocabulary import ContactDetails, Location
from pakn.intake.events import joined_address, normalise
from pakn.zalo.events import parse_event

EVENTS = Path(__file__).resolve().parents[1] / "events"


def citizen_event(name: str):
    return normalise(parse_event(json.loads((EVENTS / name).read_text("utf-8"))))


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("user_submit_info.json", None),
        ("user_submit_info_full_address.json", "5 Ngõ Huế, Phường Hai Bà Trưng, Hà Nội"),
        # The documented example's `user_`-prefixed keys; "Hà Nội" typed in the address is not repeated.
        ("user_submit_info_user_prefixed.json", "12 Phố Huế, Hà Nội, Phường Hai Bà Trưng"),
    ],
)
def test_the_contact_forms_address_is_read_in_every_documented_shape(name, address):
    contact = citizen_event(name).contact
    assert isinstance(contact, ContactDetails) and contact.name and contact.phone
    if address is not None:
        assert contact.address == address


def test_the_older_flat_address_parts_are_read_too():
    event = json.loads((EVENTS / "user_submit_info.json").read_text("utf-8"))
    assert citizen_event("user_submit_info.json").contact.address == joined_address(
        event["info"].get("address"),
        event["info"].get("ward"),
        event["info"].get("district"),
        event["info"].get("city"),
    )


@pytest.mark.parametrize(
    ("parts", "joined"),
    [
        (("Hà Nội", None, None, "Hà Nội"), "Hà Nội"),
        (("số 5 Đội Cấn, ha noi", "Phường Ba Đình", None, "Hà Nội"), "số 5 Đội Cấn, ha noi, Phường Ba Đình"),
        (("số 5 Đội Cấn", "Phường Ba Đình", None, "Hà Nội"), "số 5 Đội Cấn, Phường Ba Đình, Hà Nội"),
        ((None, " ", None, None), None),
    ],
)
def test_an_address_says_each_part_once(parts, joined):
    assert joined_address(*parts) == joined


@pytest.mark.parametrize("name", ["user_send_location.json", "user_send_location_on_message.json"])
def test_a_shared_location_is_read_as_an_attachment_or_on_the_message(name):
    assert citizen_event(name).location == Location(latitude=21.0285, longitude=105.8542)

"""The accounts module's pure parts (pakn.officials.accounts): which role goes with which agency, e-mail
addresses, claims, generated passwords. The Firebase parts are tested on the Auth emulator
(tests/emulator/test_accounts.py)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import get_args

import pytest

from pakn.officials import accounts
from pakn.officials.accounts import AccountError, check_assignment


def code_of(call) -> str:
    with pytest.raises(AccountError) as caught:
        call()
    return caught.value.code


def test_an_official_and_a_lead_need_an_agency_the_registry_knows():
    assert check_assignment("official", "xa-00004") == ("official", "xa-00004")
    assert check_assignment("lead", " so-y-te ") == ("lead", "so-y-te")
    assert code_of(lambda: check_assignment("official", None)) == "agency_needed"
    assert code_of(lambda: check_assignment("lead", "  ")) == "agency_needed"
    assert code_of(lambda: check_assignment("official", "xa-99999")) == "agency_unknown"


def test_the_desk_is_always_the_offices_and_an_admin_has_no_agency():
    assert check_assignment("desk", None) == ("desk", "vp-ubnd")
    assert check_assignment("desk", "vp-ubnd") == ("desk", "vp-ubnd")
    assert code_of(lambda: check_assignment("desk", "xa-00004")) == "desk_is_office"
    assert check_assignment("admin", None) == ("admin", None)
    assert code_of(lambda: check_assignment("admin", "xa-00004")) == "admin_no_agency"


def test_a_role_must_be_one_of_the_consoles():
    for role in ("citizen", "", None, "Official"):
        assert code_of(lambda role=role: check_assignment(role, "xa-00004")) == "role_unknown"


def test_email_addresses_are_kept_in_lower_case_and_checked():
    assert accounts.normalise_email("  Can.Bo@XA-00004.Hanoi.gov.vn ") == "can.bo@xa-00004.hanoi.gov.vn"
    for bad in (
        "",
        "can.bo",
        "can bo@hanoi.gov.vn",
        "@hanoi.gov.vn",
        "can.bo@hanoi",
        "a@b@c.vn",
        "x" * 250 + "@a.vn",
    ):
        assert code_of(lambda bad=bad: accounts.normalise_email(bad)) == "email_invalid", bad


def test_claims_say_role_and_agency_and_keep_claims_of_other_uses():
    assert accounts.claims_for("admin", None) == {"role": "admin"}
    assert accounts.claims_for("lead", "xa-00004", {"role": "official", "agency_id": "x", "beta": True}) == {
        "role": "lead",
        "agency_id": "xa-00004",
        "beta": True,
    }
    # Moving to admin drops the agency.
    assert accounts.claims_for("admin", None, {"role": "lead", "agency_id": "xa-00004"}) == {"role": "admin"}


def test_generated_passwords_are_long_unambiguous_and_never_the_same():
    drawn = {accounts.generate_password() for _ in range(200)}
    assert len(drawn) == 200
    for password in drawn:
        assert re.fullmatch(r"[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){3}", password), password
        assert accounts.check_password(password) == password
    assert code_of(lambda: accounts.check_password("short")) == "password_weak"
    assert code_of(lambda: accounts.check_password(" " * 12)) == "password_weak"


def test_an_account_without_known_claims_has_no_role():
    def user(claims, disabled=False):
        return SimpleNamespace(uid="u1", email="a@b.vn", custom_claims=claims, disabled=disabled)

    assert accounts.account_of(user(None)).role is None
    assert accounts.account_of(user({"role": "citizen", "agency_id": "xa-00004"})).role is None
    lead = accounts.account_of(user({"role": "lead", "agency_id": "xa-00004"}, disabled=True))
    assert (lead.role, lead.agency_id, lead.disabled) == ("lead", "xa-00004", True)
    assert accounts.account_of(user({"role": "admin", "agency_id": ""})).agency_id is None


def test_every_error_code_names_its_field_and_says_what_to_do():
    for code in get_args(accounts.ErrorCode):
        error = AccountError(code)
        assert error.field in ("email", "role", "agency_id", "password") and error.message, code
    assert AccountError("agency_unknown").field == "agency_id"

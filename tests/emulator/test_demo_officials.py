"""The demo officials `make dev` seeds on the Auth emulator: one account of each console role, with the
printed password, through the accounts module; seeding again leaves the same four."""

from __future__ import annotations

import pytest
import requests

from pakn_dev.demo_officials import DEMO_OFFICIALS, DEMO_PASSWORD, seed_demo_officials, sign_in_summary
from pakn_dev.emulators import DEV_PROJECT

pytestmark = pytest.mark.emulator


def claims_after_sign_in(auth_emulator: str, email: str) -> dict:
    import base64
    import json

    answer = requests.post(
        f"http://{auth_emulator}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo",
        json={"email": email, "password": DEMO_PASSWORD, "returnSecureToken": True},
        timeout=10,
    ).json()
    payload = answer["idToken"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_four_demo_officials_sign_in_with_the_demo_password_and_seeding_twice_changes_nothing(
    auth_emulator,
):
    from pakn.officials import accounts
    from pakn_dev.demo_officials import _emulator_app

    seeded = seed_demo_officials(auth_emulator, DEV_PROJECT)
    assert seeded == list(DEMO_OFFICIALS)
    assert {role for _, role, _ in seeded} == {"official", "lead", "desk", "admin"}
    assert ("can-bo@xa-00004.pakn.local", "official", "xa-00004") in seeded
    assert ("phan-loai@vp-ubnd.pakn.local", "desk", "vp-ubnd") in seeded
    for email, role, agency in seeded:
        claims = claims_after_sign_in(auth_emulator, email)
        assert (claims["role"], claims.get("agency_id")) == (role, agency), email

    # Moved in the console meanwhile: the next seeding puts it back; otherwise nothing changes.
    app = _emulator_app(auth_emulator, DEV_PROJECT)
    accounts.move_official(app, email="lanh-dao@xa-00004.pakn.local", agency_id="xa-00008")
    before = {a.email: a.uid for a in accounts.list_officials(app)}
    assert seed_demo_officials(auth_emulator, DEV_PROJECT) == seeded
    after = {a.email: a for a in accounts.list_officials(app)}
    assert all(after[email].uid == before[email] for email, _, _ in seeded)  # none created again
    assert after["lanh-dao@xa-00004.pakn.local"].agency_id == "xa-00004"
    assert claims_after_sign_in(auth_emulator, "quan-tri@pakn.local")["role"] == "admin"


def test_what_make_dev_prints_names_the_console_each_sign_in_and_the_password():
    summary = sign_in_summary("http://127.0.0.1:8727", list(DEMO_OFFICIALS))
    assert summary.splitlines()[0].split() == [
        "Officials'",
        "console",
        "http://127.0.0.1:8727/",
        "sign",
        "in",
        "with",
        "password",
        DEMO_PASSWORD,
        "as:",
    ]
    rows = [line.split(None, 2) for line in summary.splitlines()[1:]]
    assert [(role, email) for role, email, _ in rows] == [(role, email) for email, role, _ in DEMO_OFFICIALS]
    assert rows[0][2] == "Phường Ba Đình (xa-00004)" and rows[3][2] == "no agency"

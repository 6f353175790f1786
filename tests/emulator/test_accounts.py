"""pakn.officials.accounts on the Firebase Auth emulator: accounts created with their claims and a first
password that signs in, repeated calls that change nothing, moves and disabling that end the account's
tokens at once (as the API and the console check them: `check_revoked=True`)."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from pakn.officials import accounts
from pakn.officials.accounts import AccountError
from pakn_dev.emulators import DEV_PROJECT

pytestmark = pytest.mark.emulator

WARD, OTHER_WARD, OFFICE = "xa-00004", "xa-00008", "vp-ubnd"


@pytest.fixture
def app(auth_emulator):
    import firebase_admin

    app = firebase_admin.initialize_app(
        options={"projectId": DEV_PROJECT}, name=f"accounts-{uuid.uuid4().hex}"
    )
    yield app
    firebase_admin.delete_app(app)


def new_email() -> str:
    return f"cb-{uuid.uuid4().hex[:10]}@pakn.local"


def sign_in(auth_emulator: str, email: str, password: str) -> dict:
    """Identity Toolkit's password sign-in, as the console does it: its answer (idToken, or error)."""
    return requests.post(
        f"http://{auth_emulator}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo",
        json={"email": email, "password": password, "returnSecureToken": True},
        timeout=10,
    ).json()


def claims_of(app, token: str) -> dict:
    from firebase_admin import auth

    return auth.verify_id_token(token, app=app, check_revoked=True)


def test_an_official_is_created_with_claims_and_a_first_password_that_signs_in(app, auth_emulator):
    email = new_email()
    created = accounts.create_official(app, email.upper(), "official", WARD)
    assert created.created and created.account.email == email and created.account.role == "official"
    password = created.password.get_secret_value()
    assert password not in repr(created) and password not in created.model_dump_json()
    token = sign_in(auth_emulator, email, password)["idToken"]
    claims = claims_of(app, token)
    assert (claims["role"], claims["agency_id"]) == ("official", WARD)

    desk = accounts.create_official(app, new_email(), "desk", None, password="mat-khau-rieng-1")
    assert desk.password.get_secret_value() == "mat-khau-rieng-1" and desk.account.agency_id == OFFICE
    admin = accounts.create_official(app, new_email(), "admin")
    assert "agency_id" not in claims_of(
        app, sign_in(auth_emulator, admin.account.email, admin.password.get_secret_value())["idToken"]
    )


def test_creating_again_changes_nothing_and_another_role_for_the_same_email_is_refused(app, auth_emulator):
    from firebase_admin import auth

    email = new_email()
    first = accounts.create_official(app, email, "lead", WARD)
    again = accounts.create_official(app, email, "lead", WARD)
    assert not again.created and again.password is None and again.account.uid == first.account.uid
    assert "idToken" in sign_in(auth_emulator, email, first.password.get_secret_value())  # password unchanged
    with pytest.raises(AccountError) as taken:
        accounts.create_official(app, email, "official", OTHER_WARD)
    assert (taken.value.code, taken.value.field) == ("email_taken", "email")

    refused = new_email()
    for role, agency, code in (("official", "xa-99999", "agency_unknown"), ("lead", None, "agency_needed")):
        with pytest.raises(AccountError) as caught:
            accounts.create_official(app, refused, role, agency)
        assert caught.value.code == code
    with pytest.raises(AccountError):
        accounts.create_official(app, refused, "official", WARD, password="short")
    with pytest.raises(auth.UserNotFoundError):
        auth.get_user_by_email(refused, app=app)  # nothing was created by the refused calls


def test_an_account_whose_claims_cannot_be_set_is_not_left_behind(app, monkeypatch):
    from firebase_admin import auth

    def fail(*args, **kwargs):
        raise RuntimeError("Auth unavailable")

    email = new_email()
    monkeypatch.setattr(auth, "set_custom_user_claims", fail)
    with pytest.raises(RuntimeError):
        accounts.create_official(app, email, "official", WARD)
    monkeypatch.undo()
    with pytest.raises(auth.UserNotFoundError):
        auth.get_user_by_email(email, app=app)
    assert accounts.create_official(app, email, "official", WARD).created  # a new attempt starts afresh


def test_a_move_changes_the_claims_and_ends_the_tokens_that_carried_the_old_ones(app, auth_emulator):
    from firebase_admin import auth

    created = accounts.create_official(app, new_email(), "official", WARD)
    email, password = created.account.email, created.password.get_secret_value()
    old_token = sign_in(auth_emulator, email, password)["idToken"]
    time.sleep(1.1)  # revocation is recorded to the second
    promoted = accounts.move_official(app, email=email, role="lead")  # the agency stays
    assert promoted.changed and (promoted.account.role, promoted.account.agency_id) == ("lead", WARD)
    with pytest.raises(auth.RevokedIdTokenError):
        claims_of(app, old_token)
    time.sleep(1.1)
    new_token = sign_in(auth_emulator, email, password)["idToken"]
    assert (claims_of(app, new_token)["role"], claims_of(app, new_token)["agency_id"]) == ("lead", WARD)

    same = accounts.move_official(app, uid=created.account.uid, agency_id=WARD)
    assert not same.changed
    assert claims_of(app, new_token)["role"] == "lead"  # nothing changed: nothing revoked

    moved = accounts.move_official(app, email=email, agency_id=OTHER_WARD)
    assert (moved.account.role, moved.account.agency_id) == ("lead", OTHER_WARD)
    to_desk = accounts.move_official(app, email=email, role="desk")
    assert to_desk.account.agency_id == OFFICE
    to_admin = accounts.move_official(app, email=email, role="admin")
    assert to_admin.account.agency_id is None
    assert auth.get_user(created.account.uid, app=app).custom_claims == {"role": "admin"}
    with pytest.raises(AccountError) as needed:
        accounts.move_official(app, email=email, role="official")  # an admin has no agency to keep
    assert needed.value.code == "agency_needed"
    with pytest.raises(AccountError) as unknown:
        accounts.move_official(app, email=new_email(), role="lead", agency_id=WARD)
    assert unknown.value.code == "not_found"


def test_an_account_without_a_role_gets_one_by_a_move(app):
    from firebase_admin import auth

    user = auth.create_user(email=new_email(), password="mat-khau-thu-1", app=app)
    with pytest.raises(AccountError) as needed:
        accounts.move_official(app, uid=user.uid, agency_id=WARD)
    assert needed.value.code == "role_needed"
    assert accounts.move_official(app, uid=user.uid, agency_id=WARD, role="official").changed


def test_disabling_stops_sign_in_and_every_token_at_once_and_can_be_repeated(app, auth_emulator):
    from firebase_admin import auth

    created = accounts.create_official(app, new_email(), "official", WARD)
    email, password = created.account.email, created.password.get_secret_value()
    token = sign_in(auth_emulator, email, password)["idToken"]
    disabled = accounts.disable_official(app, email=email)
    assert disabled.changed and disabled.account.disabled
    with pytest.raises(auth.UserDisabledError):
        claims_of(app, token)
    assert sign_in(auth_emulator, email, password)["error"]["message"].startswith("USER_DISABLED")
    again = accounts.disable_official(app, uid=created.account.uid)
    assert not again.changed and again.account.disabled
    with pytest.raises(AccountError) as taken:
        accounts.create_official(app, email, "official", WARD)  # a disabled account is not brought back
    assert taken.value.code == "email_taken"


def test_the_list_shows_each_accounts_role_agency_and_state_and_filters_by_agency(app):
    lead = accounts.create_official(app, new_email(), "lead", OTHER_WARD).account
    official = accounts.create_official(app, new_email(), "official", OTHER_WARD).account
    elsewhere = accounts.create_official(app, new_email(), "official", WARD).account
    accounts.disable_official(app, uid=official.uid)
    of_ward = {a.uid: a for a in accounts.list_officials(app, agency_id=OTHER_WARD)}
    assert lead.uid in of_ward and official.uid in of_ward and elsewhere.uid not in of_ward
    assert of_ward[official.uid].disabled and not of_ward[lead.uid].disabled
    assert of_ward[lead.uid].role == "lead"
    everyone = accounts.list_officials(app)
    assert {lead.uid, official.uid, elsewhere.uid} <= {a.uid for a in everyone}
    assert [a.agency_id or "" for a in everyone] == sorted(a.agency_id or "" for a in everyone)

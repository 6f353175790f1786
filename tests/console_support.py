"""The officials' console on the emulators, for tests/emulator/test_console_*.py and tests/browser: its
settings, officials signed in through the real sign-in form with real Auth-emulator accounts, and cases
written through the case store.

Import the fixtures into a test module: `from console_support import console_app, official, ...`.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pakn_dev.emulators import DEV_PROJECT

MAIN = Path(__file__).resolve().parents[1] / "functions" / "main.py"
PASSWORD = "mat-khau-thu-1"
WARD = "xa-00004"  # Phường Ba Đình
OTHER_WARD = "xa-00008"
OFFICE = "vp-ubnd"
CONSOLE_ENV = {
    "FIREBASE_AUTH_PROJECT": DEV_PROJECT,
    "CONSOLE_SECRET_KEY": "tests-console-secret-key-0123456789abcdef",
    "CONSOLE_COOKIE_SECURE": "false",
}
ROLE_CLAIMS = {
    "official": {"role": "official", "agency_id": WARD},
    "lead": {"role": "lead", "agency_id": WARD},
    "desk": {"role": "desk", "agency_id": OFFICE},
    "admin": {"role": "admin"},
}


def reset_console() -> None:
    from pakn import runtime
    from pakn.officials.console.settings import load_console_settings
    from pakn.platform.settings import load_settings

    load_settings.cache_clear()
    load_console_settings.cache_clear()
    runtime.official_console.cache_clear()
    runtime.firebase_app.cache_clear()


@pytest.fixture
def console_app(pipeline, auth_emulator, monkeypatch):
    """The `official_console` entry point as functions-framework serves it, on this test's project."""
    import functions_framework

    for key, value in CONSOLE_ENV.items():
        monkeypatch.setenv(key, value)
    reset_console()
    yield functions_framework.create_app("official_console", str(MAIN), "http")
    reset_console()


def new_account(auth_emulator: str, claims: dict | None) -> tuple[str, str]:
    """An Auth-emulator account with `claims`; returns (uid, email). The password is PASSWORD."""
    import requests
    from firebase_admin import auth

    from pakn import runtime

    email = f"cb-{uuid.uuid4().hex[:8]}@pakn.local"
    created = requests.post(
        f"http://{auth_emulator}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo",
        json={"email": email, "password": PASSWORD},
        timeout=10,
    ).json()
    if claims:
        auth.set_custom_user_claims(created["localId"], claims, app=runtime.firebase_app())
    return created["localId"], email


class Official:
    """One official's browser (its own cookie jar) against the console, through the real sign-in form."""

    def __init__(self, app, auth_emulator: str, claims: dict | None):
        self.client = app.test_client()
        self.uid, self.email = new_account(auth_emulator, claims)

    def sign_in(self, password: str = PASSWORD):
        page = self.client.get("/dang-nhap")
        nonce = hidden(page.get_data(as_text=True), "nonce")
        return self.client.post(
            "/dang-nhap", data={"nonce": nonce, "email": self.email, "password": password}
        )

    def get(self, path: str):
        return self.client.get(path)

    def csrf(self) -> str:
        # Every page of a signed-in official carries the sign-out form, and with it the session's token.
        return hidden(text_of(self.get("/")), "csrf_token")

    def post(self, path: str, data: dict | None = None, csrf: str | None = None):
        body = {"csrf_token": csrf if csrf is not None else self.csrf(), **(data or {})}
        return self.client.post(path, data=body)


@pytest.fixture
def official(console_app, auth_emulator):
    """official(role) -> a signed-in Official of that role (see ROLE_CLAIMS), or with `claims`."""

    def make(role: str | None = "official", claims: dict | None = None, signed_in: bool = True) -> Official:
        person = Official(console_app, auth_emulator, claims if claims is not None else ROLE_CLAIMS[role])
        if signed_in:
            answer = person.sign_in()
            assert answer.status_code == 303, answer.get_data(as_text=True)
        return person

    return make


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def write_case(
    db,
    *,
    number: int,
    agency_id: str = WARD,
    agency_name: str = "Phường Ba Đình",
    content: str = "Cán bộ bắt bổ sung giấy tờ ba lần khi đăng ký khai sinh",
    kind: str = "procedure",
    filed_at: datetime | None = None,
    routing: dict | None = None,
    citizen_id: str = "7712345678901234567",
    **fields,
):
    """A case written through the case store, as filed; returns it (the aggregate)."""
    from cases_for_tests import tracking_code_for

    from pakn.cases.case import Case, CaseRouting
    from pakn.cases.store import CaseStore
    from pakn.deadlines import clock as deadlines
    from pakn.domain.vocabulary import ContactDetails
    from pakn.platform.unit_of_work import in_transaction

    at = filed_at or datetime.now(UTC) - timedelta(hours=1)
    level = "commune" if agency_id.startswith("xa-") else "city" if agency_id == OFFICE else "department"
    case = Case(
        case_id=f"case-{number:05d}-{uuid.uuid4().hex[:6]}",
        tracking_code=tracking_code_for(number),
        citizen_id=citizen_id,
        agency_id=agency_id,
        agency_name=agency_name,
        kind=kind,
        level=level,
        content=content,
        contact=ContactDetails(name="Nguyễn Văn An", phone="0912345678", address="12 Hàng Bông"),
        routing=CaseRouting(
            **(
                routing
                or {
                    "outcome": "agency",
                    "reason": "classified",
                    "confidence": 0.9,
                    "evidence": ["khai sinh"],
                    "classifier_version": "test",
                }
            )
        ),
        filed_at=at,
        clock=deadlines.start(kind, level, at, agency_id),
        **fields,
    )
    in_transaction(db, lambda uow: CaseStore(db).add(uow, case))
    return case


def stored_case(db, agency_id: str, case_id: str):
    from pakn.cases.case import Case
    from pakn.platform import firestore_paths

    snapshot = firestore_paths.agency_cases(db, agency_id).document(case_id).get()
    return Case.model_validate(snapshot.to_dict()) if snapshot.exists else None

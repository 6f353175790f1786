"""The console's authorisation table, page by page and action by action, against every role and against
a case of another agency (404, as if it did not exist), through the real entry point with real sessions."""
# The fixtures are imported from console_support (tests/emulator/conftest.py is not the console's).
# ruff: noqa: F811

from __future__ import annotations

import pytest
from console_support import OTHER_WARD, WARD, console_app, official, text_of, write_case  # noqa: F401

from pakn.officials.console import access
from pakn.officials.console.app import ACTION_SLUGS

pytestmark = pytest.mark.emulator

SLUG_OF = {action: slug for slug, action in ACTION_SLUGS.items()}
PAGES = {
    "queue": "/",
    "escalations": "/bao-cao-lanh-dao",
    "triage": "/phan-loai",
    "statistics": "/thong-ke",
    "accounts": "/tai-khoan",
}


def expected(role: str, name: str, case_agency: str | None, actor_agency: str) -> int:
    """What the table says, as a status: 200 allowed, 403 role refused, 404 another agency's case."""
    rules = access.RULES[name]
    if role not in rules:
        return 403
    if case_agency and rules[role] is access.OWN and case_agency != actor_agency:
        return 404
    return 200


def test_every_page_and_action_answers_every_role_as_the_table_says(official, firestore_db):
    own = write_case(firestore_db, number=1)
    theirs = write_case(firestore_db, number=2, agency_id=OTHER_WARD, agency_name="Phường Hoàn Kiếm")
    people = {role: official(role) for role in access.ROLES}
    target = official("official", signed_in=False)  # the account the account actions are tried on
    agencies = {role: claims.get("agency_id", "") for role, claims in _claims().items()}
    checked = set()
    for role, person in people.items():
        for name, path in PAGES.items():
            answer = person.get(path)
            assert answer.status_code == expected(role, name, None, agencies[role]), (role, name)
            checked.add(name)
        search = person.post("/tim-kiem", {"q": own.tracking_code})
        want = expected(role, "search", None, agencies[role])
        if want == 200:
            # A code the role may see opens the case; one it may not is "not found" like a wrong code.
            visible = access.allowed(_principal(role), "case", WARD)
            assert search.status_code == (303 if visible else 200), role
        else:
            assert search.status_code == 403, role
        checked.add("search")
        for case in (own, theirs):
            page = person.get(f"/phan-anh/{case.case_id}")
            assert page.status_code == expected(role, "case", case.agency_id, agencies[role]), (role, case)
            checked.add("case")
            if page.status_code == 200:
                phone_shown = "0912345678" in text_of(page)
                assert phone_shown == (expected(role, "contact", case.agency_id, agencies[role]) == 200)
                checked.add("contact")
            for action in access.CASE_ACTIONS:
                form = person.get(f"/phan-anh/{case.case_id}/{SLUG_OF[action]}")
                want = expected(role, action, case.agency_id, agencies[role])
                if want == 200 and page.status_code != 200:
                    want = 404  # the action is allowed, the case is not visible: no form for it
                assert form.status_code == want, (role, action, case.agency_id)
                # Posting without a request id or fields is refused by the table first, or by the form.
                posted = person.post(f"/phan-anh/{case.case_id}/{SLUG_OF[action]}", {"request_id": "bad id"})
                assert (posted.status_code in (403, 404)) == (want != 200), (role, action, posted.status_code)
                checked.add(action)
        checked |= _account_actions(person, role, target)
    assert checked == set(access.RULES), set(access.RULES) - checked
    # Nothing above changed either case: the refused posts were refused before the workflow.
    assert len(people) == 4


ACCOUNT_ACTIONS = {
    "create_account": "/tai-khoan/tao-moi",
    "move_account": "chuyen",
    "disable_account": "khoa",
}


def _account_actions(person, role: str, target) -> set[str]:
    """Each account action's form and post, as the table says for `role`: refused roles get 403 and change
    nothing; the admin gets the form, and its post is checked (a form error, or done). Admin runs last."""
    from firebase_admin import auth

    from pakn import runtime

    for name, where in ACCOUNT_ACTIONS.items():
        path = where if where.startswith("/") else f"/tai-khoan/{target.uid}/{where}"
        want = expected(role, name, None, "")
        assert person.get(path).status_code == want, (role, name)
        data = {"email": "", "role": "", "lam": "tao"} if name == "create_account" else {"role": "lead"}
        posted = person.post(path, data)
        if want == 403:
            assert posted.status_code == 403, (role, name)
        else:
            # create: no e-mail, no role (400); move: a lead without an agency keeps the official's
            # (303); disable: done (303).
            assert posted.status_code == (400 if name == "create_account" else 303), (role, name)
    user = auth.get_user(target.uid, app=runtime.firebase_app())
    admin = role == "admin"
    assert user.disabled == admin and (user.custom_claims or {}).get("role") == (
        "lead" if admin else "official"
    )
    return set(ACCOUNT_ACTIONS)


def test_an_unknown_page_a_bad_case_id_and_a_wrong_method_get_plain_error_pages(official, firestore_db):
    person = official("official")
    assert person.get("/khong-co").status_code == 404
    assert person.get("/phan-anh/..%2Fetc").status_code == 404
    assert person.get("/phan-anh/case-x/khong-co").status_code == 404
    assert person.client.put("/").status_code == 405
    assert "Không tìm thấy trang" in text_of(person.get("/phan-anh/nope"))


def test_an_account_without_a_console_role_cannot_sign_in(official):
    person = official(claims={"role": "citizen"}, signed_in=False)
    answer = person.sign_in()
    assert answer.status_code == 400
    assert "chưa được cấp quyền" in text_of(answer)
    assert person.get("/").status_code == 303


def _claims() -> dict:
    from console_support import ROLE_CLAIMS

    return ROLE_CLAIMS


def _principal(role: str) -> access.Principal:
    claims = _claims()[role]
    return access.Principal(uid="u", email="e", role=role, agency_id=claims.get("agency_id", ""))

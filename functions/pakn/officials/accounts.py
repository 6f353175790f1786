"""Officials' accounts: creating, listing, moving and disabling them. The one place that does, shared by
`pakn officials` (ops' terminal) and the console's admin pages.

An official is a Firebase Auth user of the project whose custom claims are `{role, agency_id}` (see
pakn.officials.console.access for what each role may do): official and lead belong to an agency of the
registry, the triage desk to the city Office (vp-ubnd), an admin to no agency. Every function takes the
Firebase Admin app to act with (the console's, or the CLI's for the emulator or the real project) and
answers with a small model; a request that cannot be done is an AccountError with a stable code and the
field it is about. Nothing here logs: callers log what was done (a role, an agency), never an e-mail
address or a password.

Changing an account's claims or disabling it also revokes its refresh tokens: the console's sessions and
the API's ID tokens are checked for revocation on every request (`check_revoked=True`), so the old rights
stop at once rather than when a token next refreshes.

Each operation can be repeated: creating an account that exists with the same role and agency creates
nothing (and changes no password), moving one where it already is changes nothing, disabling a disabled
one only revokes its tokens again.
"""

from __future__ import annotations

import re
import secrets
from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from pakn.officials.console.access import OFFICE, ROLES, Role
from pakn.routing.registry import Registry, load_registry

# Roles that belong to an agency of their own choosing (the desk is always the Office's, an admin nobody's).
AGENCY_ROLES: tuple[Role, ...] = ("official", "lead")
MIN_PASSWORD_LENGTH = 10
# A generated password: 4 groups of 4 from letters and digits that cannot be mistaken for one another
# (no 0/o, 1/l/i), about 79 bits, easy to read out over the phone.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet, not a password)
PASSWORD_GROUPS, PASSWORD_GROUP_LENGTH = 4, 4
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")

ErrorCode = Literal[
    "email_invalid",
    "role_unknown",
    "role_needed",
    "agency_needed",
    "agency_unknown",
    "desk_is_office",
    "admin_no_agency",
    "password_weak",
    "email_taken",
    "not_found",
]
# Each code: the field it is about, and what a person at a terminal is told (the console has its own
# Vietnamese texts, by code, in pakn.officials.console.texts).
_ERRORS: dict[str, tuple[str, str]] = {
    "email_invalid": ("email", "not an e-mail address"),
    "role_unknown": ("role", f"the role must be one of {', '.join(ROLES)}"),
    "role_needed": ("role", "the account has no role yet: give one"),
    "agency_needed": ("agency_id", "an official or a lead belongs to an agency: give its id"),
    "agency_unknown": ("agency_id", "no agency has this id in the registry (see `pakn agencies`)"),
    "desk_is_office": ("agency_id", f"the triage desk is the city Office's ({OFFICE}): leave the agency out"),
    "admin_no_agency": ("agency_id", "an admin belongs to no agency: leave the agency out"),
    "password_weak": ("password", f"a password has at least {MIN_PASSWORD_LENGTH} characters"),
    "email_taken": (
        "email",
        "an account with this e-mail exists with another role or agency, or disabled: move it instead",
    ),
    "not_found": ("email", "no account has this e-mail"),
}


class AccountError(Exception):
    """What cannot be done: `code` (stable), `field` (email, role, agency_id or password), `message`."""

    def __init__(self, code: ErrorCode):
        self.code = code
        self.field, self.message = _ERRORS[code]
        super().__init__(f"{code}: {self.message}")


class Account(BaseModel):
    """One Firebase Auth user as the console and `pakn officials` see it."""

    model_config = ConfigDict(frozen=True)

    uid: str
    email: str | None
    # None: the account has no console role (no claims, or claims this code does not know).
    role: Role | None
    agency_id: str | None
    disabled: bool


class Created(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: Account
    # False: the account already existed with this role and agency, and nothing was changed.
    created: bool
    # The first password, generated unless one was given; shown once, never stored or logged. None when
    # nothing was created.
    password: SecretStr | None = None


class Changed(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: Account
    # False: the account already was as asked (its tokens were still revoked when disabling).
    changed: bool


# --- pure parts ---------------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """An e-mail address as Firebase keeps it (lower case), or AccountError("email_invalid")."""
    email = (email or "").strip().lower()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise AccountError("email_invalid")
    return email


def check_assignment(
    role: str | None, agency_id: str | None, registry: Registry | None = None
) -> tuple[Role, str | None]:
    """A role and an agency that go together: (role, agency_id), agency_id None for an admin and the Office
    for the desk (when left out); AccountError otherwise."""
    agency_id = (agency_id or "").strip() or None
    if role not in ROLES:
        raise AccountError("role_unknown")
    if role == "admin":
        if agency_id is not None:
            raise AccountError("admin_no_agency")
        return role, None
    if role == "desk":
        if agency_id not in (None, OFFICE):
            raise AccountError("desk_is_office")
        return role, OFFICE
    if agency_id is None:
        raise AccountError("agency_needed")
    if agency_id not in (registry or load_registry()).agencies:
        raise AccountError("agency_unknown")
    return role, agency_id


def claims_for(role: Role, agency_id: str | None, others: dict | None = None) -> dict:
    """The custom claims of an account with this role and agency (keeping `others`' unrelated claims)."""
    claims = {k: v for k, v in (others or {}).items() if k not in ("role", "agency_id")}
    claims["role"] = role
    if agency_id is not None:
        claims["agency_id"] = agency_id
    return claims


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH or not password.strip():
        raise AccountError("password_weak")
    return password


def generate_password() -> str:
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
        for _ in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def account_of(user) -> Account:
    """A firebase_admin UserRecord (or anything with uid, email, custom_claims, disabled) as an Account."""
    claims = user.custom_claims or {}
    role = claims.get("role")
    agency_id = claims.get("agency_id")
    return Account(
        uid=user.uid,
        email=user.email,
        role=role if role in ROLES else None,
        agency_id=agency_id if isinstance(agency_id, str) and agency_id else None,
        disabled=bool(user.disabled),
    )


# --- with Firebase Auth -------------------------------------------------------------------------------


def create_official(
    app,
    email: str,
    role: str,
    agency_id: str | None = None,
    *,
    password: str | None = None,
    registry: Registry | None = None,
) -> Created:
    """A new account with this role and agency, and its first password (generated unless given)."""
    from firebase_admin import auth

    email = normalise_email(email)
    role, agency_id = check_assignment(role, agency_id, registry)
    if password is not None:
        check_password(password)
    existing = _find(app, email)
    if existing is not None:
        return _already(existing, role, agency_id)
    first_password = password if password is not None else generate_password()
    try:
        user = auth.create_user(email=email, password=first_password, app=app)
    except auth.EmailAlreadyExistsError:
        # Created meanwhile (a form sent twice, two admins at once): the same rule as if found above.
        return _already(auth.get_user_by_email(email, app=app), role, agency_id)
    try:
        auth.set_custom_user_claims(user.uid, claims_for(role, agency_id), app=app)
    except Exception:
        # No account without its role is left behind: the next attempt starts afresh.
        auth.delete_user(user.uid, app=app)
        raise
    account = Account(uid=user.uid, email=email, role=role, agency_id=agency_id, disabled=False)
    return Created(account=account, created=True, password=SecretStr(first_password))


def list_officials(app, agency_id: str | None = None, limit: int | None = None) -> list[Account]:
    """Every account (of `agency_id` only, when given), by agency then e-mail; at most `limit` read."""
    from firebase_admin import auth

    found = []
    for index, user in enumerate(auth.list_users(app=app).iterate_all()):
        if limit is not None and index >= limit:
            break
        account = account_of(user)
        if agency_id is None or account.agency_id == agency_id:
            found.append(account)
    return sorted(found, key=lambda a: (a.agency_id or "", a.email or "", a.uid))


def get_official(app, *, email: str | None = None, uid: str | None = None) -> Account:
    return account_of(_user(app, email, uid))


def move_official(
    app,
    *,
    email: str | None = None,
    uid: str | None = None,
    agency_id: str | None = None,
    role: str | None = None,
    registry: Registry | None = None,
) -> Changed:
    """Gives the account another agency and/or role, and ends its sessions so the new claims apply now.

    Left out, the role stays; the agency stays for an official or a lead, and is the Office for the desk
    and none for an admin."""
    from firebase_admin import auth

    user = _user(app, email, uid)
    current = account_of(user)
    new_role = role or current.role
    if new_role is None:
        raise AccountError("role_needed")
    if agency_id is None and new_role in AGENCY_ROLES:
        agency_id = current.agency_id
    new_role, agency_id = check_assignment(new_role, agency_id, registry)
    if (new_role, agency_id) == (current.role, current.agency_id):
        return Changed(account=current, changed=False)
    auth.set_custom_user_claims(user.uid, claims_for(new_role, agency_id, user.custom_claims), app=app)
    auth.revoke_refresh_tokens(user.uid, app=app)
    moved = current.model_copy(update={"role": new_role, "agency_id": agency_id})
    return Changed(account=moved, changed=True)


def disable_official(app, *, email: str | None = None, uid: str | None = None) -> Changed:
    """Disables the account and revokes its refresh tokens: it cannot sign in, and its console sessions and
    API tokens are refused from the next request on."""
    from firebase_admin import auth

    user = _user(app, email, uid)
    if not user.disabled:
        auth.update_user(user.uid, disabled=True, app=app)
    # Always, so that a repeat finishes a first attempt that stopped between the two calls.
    auth.revoke_refresh_tokens(user.uid, app=app)
    return Changed(account=account_of(user).model_copy(update={"disabled": True}), changed=not user.disabled)


def _already(user, role: Role, agency_id: str | None) -> Created:
    account = account_of(user)
    if account.disabled or (account.role, account.agency_id) != (role, agency_id):
        raise AccountError("email_taken")
    return Created(account=account, created=False)


def _find(app, email: str):
    from firebase_admin import auth

    try:
        return auth.get_user_by_email(email, app=app)
    except auth.UserNotFoundError:
        return None


def _user(app, email: str | None, uid: str | None):
    from firebase_admin import auth

    if (email is None) == (uid is None):
        raise TypeError("give the account's email or its uid")
    if uid is not None:
        try:
            return auth.get_user(uid, app=app)
        except (auth.UserNotFoundError, ValueError) as exc:
            raise AccountError("not_found") from exc
    user = _find(app, normalise_email(email))
    if user is None:
        raise AccountError("not_found")
    return user

"""Signing officials in and keeping them signed in: Firebase Auth, a Firebase session cookie, CSRF tokens.

- Sign-in posts the e-mail and password to Identity Toolkit (`accounts:signInWithPassword`; the Auth
  emulator's when FIREBASE_AUTH_EMULATOR_HOST is set), checks the ID token's claims, and exchanges it for a
  Firebase session cookie (`create_session_cookie`), which the browser holds HttpOnly.
- Every request verifies the cookie with `check_revoked=True`: a revoked or disabled account is out at once.
- Sign-out revokes the account's refresh tokens (which also revokes its session cookies) and clears it.
- Every state-changing form carries a CSRF token: an HMAC of the session cookie under the console's
  secret, compared in constant time. The sign-in form, before any session, uses a double-submit nonce.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from datetime import timedelta

import requests

from pakn.officials.console.access import ROLES, Principal
from pakn.platform.log import get_logger

log = get_logger("pakn.officials.console.session")

IDENTITY_TOOLKIT = "https://identitytoolkit.googleapis.com/v1"


class SignInRefused(Exception):
    """Why a sign-in failed, as a texts.py key."""

    def __init__(self, text_key: str):
        super().__init__(text_key)
        self.text_key = text_key


class SessionInvalid(Exception):
    """The session cookie cannot be used: `reason` is "expired", "revoked" or "needed"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def identity_toolkit_base() -> str:
    emulator = os.environ.get("FIREBASE_AUTH_EMULATOR_HOST")
    return f"http://{emulator}/identitytoolkit.googleapis.com/v1" if emulator else IDENTITY_TOOLKIT


# Identity Toolkit's error messages (the first word) -> what the official is told.
_REFUSALS = {
    "EMAIL_NOT_FOUND": "sign_in.wrong",
    "INVALID_PASSWORD": "sign_in.wrong",
    "INVALID_LOGIN_CREDENTIALS": "sign_in.wrong",
    "INVALID_EMAIL": "sign_in.wrong",
    "USER_DISABLED": "sign_in.disabled",
    "TOO_MANY_ATTEMPTS_TRY_LATER": "sign_in.too_many",
}


class Sessions:
    def __init__(self, app, api_key: str, lifetime: timedelta, http: requests.Session | None = None):
        self._app = app
        self._api_key = api_key
        self._lifetime = lifetime
        self._http = http or requests.Session()

    def sign_in(self, email: str, password: str) -> tuple[str, Principal]:
        """E-mail and password -> (session cookie, principal); SignInRefused with the reason otherwise."""
        from firebase_admin import auth

        try:
            answer = self._http.post(
                f"{identity_toolkit_base()}/accounts:signInWithPassword",
                params={"key": self._api_key},
                json={"email": email, "password": password, "returnSecureToken": True},
                timeout=10,
            )
        except requests.RequestException as exc:
            log.warning("sign-in unavailable", reason=type(exc).__name__)
            raise SignInRefused("sign_in.unavailable") from exc
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
        if answer.status_code != 200:
            code = str(body.get("error", {}).get("message", "")).split(" ")[0]
            log.info("sign-in refused", code=code or answer.status_code)
            raise SignInRefused(_REFUSALS.get(code, "sign_in.unavailable"))
        claims = auth.verify_id_token(body["idToken"], app=self._app)
        principal = _principal(claims)
        if principal is None:
            log.info("sign-in refused", code="no_role")
            raise SignInRefused("sign_in.no_role")
        cookie = auth.create_session_cookie(body["idToken"], expires_in=self._lifetime, app=self._app)
        log.info("signed in", kind=principal.role, agency_id=principal.agency_id)
        return cookie.decode() if isinstance(cookie, bytes) else cookie, principal

    def verify(self, cookie: str | None) -> Principal:
        from firebase_admin import auth

        if not cookie:
            raise SessionInvalid("needed")
        try:
            claims = auth.verify_session_cookie(cookie, check_revoked=True, app=self._app)
        except auth.ExpiredSessionCookieError as exc:
            raise SessionInvalid("expired") from exc
        except (auth.RevokedSessionCookieError, auth.UserDisabledError) as exc:
            raise SessionInvalid("revoked") from exc
        except (auth.InvalidSessionCookieError, auth.UserNotFoundError, ValueError) as exc:
            raise SessionInvalid("needed") from exc
        # Against the Auth emulator firebase_admin checks neither signature nor expiry (it trusts the
        # emulator's unsigned tokens), so the expiry is checked here too; in the cloud this is a repeat.
        if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= time.time():
            raise SessionInvalid("expired")
        principal = _principal(claims)
        if principal is None:
            raise SessionInvalid("revoked")
        return principal

    def end(self, principal: Principal) -> None:
        """Revokes every session and refresh token of the account (signs it out everywhere)."""
        from firebase_admin import auth

        auth.revoke_refresh_tokens(principal.uid, app=self._app)
        log.info("signed out", kind=principal.role, agency_id=principal.agency_id)


def _principal(claims: dict) -> Principal | None:
    role, agency_id = claims.get("role"), claims.get("agency_id")
    if role not in ROLES or (role != "admin" and (not isinstance(agency_id, str) or not agency_id)):
        return None
    return Principal(uid=claims["uid"], email=claims.get("email") or "", role=role, agency_id=agency_id or "")


# --- CSRF -------------------------------------------------------------------------------------------


def csrf_token(secret: bytes, session_cookie: str) -> str:
    """The session's form token: bound to this session cookie, useless with any other."""
    digest = hashlib.sha256(session_cookie.encode()).digest()
    return hmac.new(secret, b"csrf:" + digest, hashlib.sha256).hexdigest()


def csrf_valid(secret: bytes, session_cookie: str | None, submitted: str | None) -> bool:
    if not session_cookie or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret, session_cookie), submitted)


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


def nonce_valid(cookie: str | None, submitted: str | None) -> bool:
    """The sign-in form's double submit: the hidden field must equal the cookie set with the form."""
    return bool(cookie and submitted) and hmac.compare_digest(cookie, submitted)

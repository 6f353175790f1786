"""Calls to Zalo's OA API: customer-service messages, user profiles and the token refresh.

Zalo answers HTTP 200 even on failure; a negative `error` in the body is the failure. What a caller does
next depends on the kind of failure, so each kind has its own exception:

- `ZaloUnreachable`: this citizen cannot be messaged now (-213, -230, -227); record it on the case.
- `ZaloRejected`: the request itself is refused (-201, -224, codes we do not know, a refused token refresh).
- `ZaloUnavailable`: Zalo kept failing transiently (-32 rate limit, 5xx, network) for every attempt.

Logs carry the Zalo error code and our own ids, never message text, profiles or tokens.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import requests
from google.cloud import firestore
from pydantic import BaseModel, ValidationError

from pakn.errors import PaknError, TransientFailure
from pakn.zalo.tokens import FirestoreTokenStore, TokenPair, TokenStore, TokenUnavailable

logger = logging.getLogger(__name__)

TIMEOUT = (3.05, 10)  # (connect, read) seconds
RATE_LIMITED = -32
TOKEN_REJECTED = frozenset({-216, -220})  # invalid, expired: refresh and retry once
UNREACHABLE = frozenset({-213, -230, -227})  # not a follower, silent 7 days, inactive 45 days
_BACKOFF_BASE = 0.5
_BACKOFF_CAP = 8.0
_Model = TypeVar("_Model", bound=BaseModel)


class ZaloError(PaknError):
    """Zalo did not do what we asked. `code` is Zalo's error code, or None when no answer came."""

    def __init__(self, code: int | None, message: str):
        super().__init__(f"{message} (zalo error {code})" if code is not None else message)
        self.code = code


class ZaloUnreachable(ZaloError):
    """This recipient cannot be messaged through the OA now: retrying the same message will not help."""


class ZaloRejected(ZaloError):
    """Zalo refused the request itself: retrying it unchanged will not help."""


class ZaloUnavailable(ZaloError, TransientFailure):
    """Zalo kept failing transiently; the work can be handed back to be retried later."""


class ZaloReply(BaseModel):
    error: int
    message: str = ""
    data: dict[str, Any] | None = None


class SentMessage(BaseModel):
    message_id: str
    user_id: str


class UserProfile(BaseModel):
    """The fields of /v3.0/oa/user/detail that we use; Zalo sends many more."""

    user_id: str
    display_name: str | None = None
    user_is_follower: bool | None = None
    user_last_interaction_date: str | None = None  # "dd/mm/yyyy"
    avatar: str | None = None


class _IssuedTokens(BaseModel):
    access_token: str
    refresh_token: str
    expires_in: int  # Zalo sends a string of seconds; pydantic converts it


class ZaloClient:
    def __init__(
        self,
        api_base: str,
        oauth_base: str,
        app_id: str,
        app_secret: str,
        tokens: TokenStore,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
    ):
        self._api_base = api_base.rstrip("/")
        self._oauth_base = oauth_base.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._tokens = tokens
        self._session = session or requests.Session()
        self._sleep = sleep
        self._max_attempts = max_attempts

    def send_text(self, user_id: str, text: str) -> str:
        return self._send(user_id, {"text": text})

    def send_image(self, user_id: str, image_url: str, text: str | None = None) -> str:
        # Zalo shows `text` as the image's caption.
        message: dict[str, Any] = {} if text is None else {"text": text}
        message["attachment"] = _template("media", {"media_type": "image", "url": image_url})
        return self._send(user_id, message)

    def send_request_user_info(self, user_id: str, title: str, subtitle: str, image_url: str) -> str:
        element = {"title": title, "subtitle": subtitle, "image_url": image_url}
        return self._send(user_id, {"attachment": _template("request_user_info", element)})

    def user_profile(self, user_id: str) -> UserProfile:
        data = self._call("GET", "/v3.0/oa/user/detail", params={"data": json.dumps({"user_id": user_id})})
        return _parse(UserProfile, data)

    def refresh_tokens(self, refresh_token: str) -> TokenPair:
        """Trade the single-use refresh token for a new pair, in one attempt.

        The token store calls this while it holds the refresh lease. A transient failure surfaces as
        `ZaloUnavailable` and the API call that needed the token retries it; if Zalo had already spent the
        token before its answer was lost, that retry is refused and an admin must re-authorise."""
        issued_at = datetime.now(UTC)
        response = self._request(
            "POST",
            f"{self._oauth_base}/v4/oa/access_token",
            headers={"secret_key": self._app_secret},
            data={"refresh_token": refresh_token, "app_id": self._app_id, "grant_type": "refresh_token"},
        )
        body = _json(response)
        try:
            issued = _IssuedTokens.model_validate(body)
        except ValidationError as exc:
            code = body.get("error") if isinstance(body.get("error"), int) else None
            logger.error(
                "zalo refused the token refresh; an OA admin may have to re-authorise the app",
                extra={"zalo_error": code, "zalo_error_name": body.get("error_name")},
            )
            raise ZaloRejected(code, "Zalo refused the token refresh") from exc
        return TokenPair(
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            expires_at=issued_at + timedelta(seconds=issued.expires_in),
        )

    def _send(self, user_id: str, message: dict[str, Any]) -> str:
        body = {"recipient": {"user_id": user_id}, "message": message}
        return _parse(SentMessage, self._call("POST", "/v3.0/oa/message/cs", json=body)).message_id

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One API call: transient failures retried with backoff, a rejected token refreshed once."""
        failures = 0
        token_refreshed = False
        while True:
            try:
                token = self._tokens.current()
                reply = self._reply(self._request(method, f"{self._api_base}{path}", token=token, **kwargs))
                if reply.error == RATE_LIMITED:
                    raise ZaloUnavailable(reply.error, reply.message)
            except TokenUnavailable as exc:
                # Waiting for another instance's refresh already took a lease's length: do not wait again.
                raise ZaloUnavailable(None, str(exc)) from exc
            except ZaloUnavailable as exc:
                failures += 1
                if failures >= self._max_attempts:
                    logger.warning("zalo unavailable", extra={"zalo_error": exc.code, "path": path})
                    raise
                self._sleep(_backoff(failures))
                continue
            if reply.error == 0:
                return reply.data or {}
            if reply.error in TOKEN_REJECTED and not token_refreshed:
                logger.info("zalo rejected the access token, refreshing", extra={"zalo_error": reply.error})
                self._tokens.invalidate(token)
                token_refreshed = True
                continue
            raise _failure(reply, path)

    def _request(self, method: str, url: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["access_token"] = token
        try:
            response = self._session.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise ZaloUnavailable(None, f"no answer from Zalo: {type(exc).__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise ZaloUnavailable(None, f"Zalo answered HTTP {response.status_code}")
        if response.status_code != 200:
            raise ZaloRejected(None, f"Zalo answered HTTP {response.status_code}")
        return response

    @staticmethod
    def _reply(response: requests.Response) -> ZaloReply:
        try:
            return ZaloReply.model_validate(_json(response))
        except ValidationError as exc:
            raise ZaloUnavailable(None, "Zalo's answer is not an API reply") from exc


def firestore_client(
    db: firestore.Client,
    *,
    api_base: str,
    oauth_base: str,
    app_id: str,
    app_secret: str,
    initial_refresh_token: str | None,
    document: str = "zalo_tokens/oa",
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ZaloClient:
    """The production wiring: tokens kept in Firestore, refreshed through the client's own OAuth call."""

    def refresh(refresh_token: str) -> TokenPair:
        return client.refresh_tokens(refresh_token)

    tokens = FirestoreTokenStore(
        db, refresh, document=document, initial_refresh_token=initial_refresh_token, sleep=sleep
    )
    client = ZaloClient(api_base, oauth_base, app_id, app_secret, tokens, session=session, sleep=sleep)
    return client


def _template(template_type: str, element: dict[str, str]) -> dict[str, Any]:
    return {"type": "template", "payload": {"template_type": template_type, "elements": [element]}}


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        # A 200 that is not JSON comes from something in front of Zalo, not from Zalo's API.
        raise ZaloUnavailable(None, "Zalo's answer is not JSON") from exc
    if not isinstance(body, dict):
        raise ZaloUnavailable(None, "Zalo's answer is not a JSON object")
    return body


def _parse(model: type[_Model], data: dict[str, Any]) -> _Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # Zalo said Success: the request must not be retried, even though its answer is unusable.
        raise ZaloError(0, f"Zalo's success reply has no usable {model.__name__}") from exc


def _backoff(attempt: int) -> float:
    """Exponential backoff with jitter, so instances throttled together do not return together."""
    return min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


def _failure(reply: ZaloReply, path: str) -> ZaloError:
    logger.warning("zalo call failed", extra={"zalo_error": reply.error, "path": path})
    if reply.error in UNREACHABLE:
        return ZaloUnreachable(reply.error, reply.message)
    return ZaloRejected(reply.error, reply.message)

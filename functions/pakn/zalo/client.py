"""Calls to Zalo's OA API: customer-service messages, uploads, ZNS template messages and the token refresh.

Zalo answers HTTP 200 even on failure; a negative `error` in the body is the failure. What a caller does
next depends on the kind of failure, so each kind has its own exception:

- `ZaloUnreachable`: this citizen cannot be messaged this way now; record it on the case, do not retry.
  From the OA: -213 not a follower, -227 inactive for 45 days. From ZNS: -114, -118, -119, -139, -141 (the
  user cannot or will not receive it) and, as `ZaloInvalidPhone`, -108 (the phone is not 84 + 9 digits).
  `ZaloOutsideWindow`, a kind of it, is the OA's 7-day window (-230, -232): a customer-service message no
  longer reaches them, but a ZNS template still may.
- `ZaloNight`: Zalo sends nothing between 22:00 and 06:00 Vietnam time (-234 OA, -133 ZNS): nothing went
  out; hold the message until 06:00 rather than fail it.
- `ZaloRejected`: Zalo refused this message itself (-201, -224, -131 template not approved, -1121/-1122 a
  template parameter too long or missing, codes we do not know): resending it unchanged will never help.
  `ZaloTemplateNeedsPhone`, a kind of it, is -249: this template cannot be sent by user_id; by phone it may.
- `ZaloUnavailable`: nothing went out, and it may later (-32 rate limit, 5xx, network, an HTTP error from
  something in front of Zalo, the call's deadline). `ZaloTokenUnavailable`, a kind of it, means no token
  Zalo accepts can be had now (a refused refresh needs an OA admin): the message waits for a redelivery.
  `ZaloQuotaExhausted`, another, is ZNS's quota or balance (-115, -144, -147), logged at error level for ops
  and not retried within the call: it takes hours, not seconds, to come back.

A rejected access token (-216, -220 from the OA, -124 from ZNS) is refreshed once and the call retried. ZNS
calls go to `zns_base` (business.openapi.zalo.me in production), with the OA's own access token; a phone
given as 0xxxxxxxxx or +84xxxxxxxxx is sent as Zalo wants it, 84xxxxxxxxx (pakn.zalo.phone).

An answer with `error` 0 is a success whatever else it holds or lacks: the message has reached the citizen,
and anything but a success here would send it again. So is an answer with no `error` at all, as Zalo's PHP
SDK reads it (`isError()` is `isset(error) && error < 0`); its shape (field names, never values) is logged.

A refresh answer is a new single-use pair, and the old refresh token is already spent: a pair whose
`expires_in` is missing or unusable is kept all the same (Zalo's PHP SDK keeps it too), with a lifetime of
ASSUMED_TOKEN_LIFETIME (Zalo's own are about 25 hours, ../shared/docs/zalo-oa.md), rather than dropped, which
would leave only an OA admin's re-authorisation.

Logs carry the Zalo error code and counters, never message text, phones, profiles or tokens.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

import requests
from pydantic import BaseModel, BeforeValidator, ValidationError

from pakn.domain.errors import PaknError, TransientFailure
from pakn.platform.log import get_logger
from pakn.zalo.phone import zns_phone
from pakn.zalo.tokens import FirestoreTokenStore, TokenPair, TokenStore, TokenUnavailable

if TYPE_CHECKING:
    from google.cloud import firestore

log = get_logger("pakn.zalo.client")

CONNECT_TIMEOUT = 3.05  # seconds; just over a TCP retransmission window (3 s)
READ_TIMEOUT = 8.0
MAX_ATTEMPTS = 3
# A whole call, retries and backoff included, starts no request after this many seconds. The sender's
# lease, Pub/Sub's ack deadline and the function's timeout (60 s each) must outlast a call, or a second
# instance sends the message again while the first is still sending it.
DEADLINE = 35.0
# The longest a call can take: a token refresh that started just before the deadline runs to its own
# timeout, because cutting it short could lose the single-use refresh token it spends. (The API request
# is cut to the time left, so it overruns the deadline by less than this.)
WORST_CASE = DEADLINE + CONNECT_TIMEOUT + READ_TIMEOUT
RATE_LIMITED = -32
TOKEN_REJECTED = frozenset({-216, -220})  # invalid, expired: refresh and retry once
OUTSIDE_WINDOW = frozenset({-230, -232})  # no interaction in the last 7 days: a ZNS may still reach them
UNREACHABLE = frozenset({-213, -227, *OUTSIDE_WINDOW})  # not a follower, inactive 45 days, the window
NIGHT = -234
# ZNS (business.openapi.zalo.me) has codes of its own.
ZNS_TOKEN_REJECTED = frozenset({-124})
ZNS_NIGHT = -133
ZNS_INVALID_PHONE = -108
ZNS_UNREACHABLE = frozenset({-114, -118, -119, -139, -141, ZNS_INVALID_PHONE})  # record, do not retry
ZNS_NEEDS_PHONE = -249  # this template cannot be sent by user_id
ZNS_EXHAUSTED = frozenset({-115, -144, -147})  # quota or balance: retry later, alert ops
# Below this share of the daily quota left, each send logs a warning (ops raise the quota before it runs out).
ZNS_QUOTA_WARNING = 0.1
_BACKOFF_BASE = 0.5
_BACKOFF_CAP = 8.0
# An issued access token's lifetime when the refresh answer does not say. Far below Zalo's 25 hours: the
# token store refreshes 30 minutes before expiry, so this costs a refresh every half hour while Zalo's answers
# lack it, and a token that dies sooner is refreshed on its -216/-220 anyway.
ASSUMED_TOKEN_LIFETIME = timedelta(hours=1)
# A stated lifetime beyond a refresh token's own (about 3 months) is no lifetime an access token has.
_LONGEST_STATED_LIFETIME = int(timedelta(days=90).total_seconds())


class ZaloError(PaknError):
    """Zalo did not do what we asked. `code` is Zalo's error code, or None when no answer came."""

    def __init__(self, code: int | None, message: str):
        super().__init__(f"{message} (zalo error {code})" if code is not None else message)
        self.code = code


class ZaloUnreachable(ZaloError):
    """This recipient cannot be messaged through the OA now: retrying the same message will not help."""


class ZaloOutsideWindow(ZaloUnreachable):
    """The citizen has not interacted with the OA in the last 7 days (-230, -232): no customer-service
    message reaches them until they write again, but a ZNS template may."""


class ZaloInvalidPhone(ZaloUnreachable):
    """ZNS refused the phone number (-108): Zalo wants 84 followed by 9 digits."""


class ZaloRejected(ZaloError):
    """Zalo refused this message itself: retrying it unchanged will not help."""


class ZaloTemplateNeedsPhone(ZaloRejected):
    """This ZNS template cannot be sent by user_id (-249); sent to the citizen's phone it may go."""


class ZaloNight(ZaloError, TransientFailure):
    """Zalo sends nothing between 22:00 and 06:00 Vietnam time (-234 OA, -133 ZNS). Nothing went out: hold
    the message until 06:00 (pakn.delivery.reach). (A TransientFailure too, so a caller that does not know
    this kind retries it later rather than failing it.)"""


class ZaloUnavailable(ZaloError, TransientFailure):
    """Nothing was sent and it may succeed later: the work is handed back to be retried."""


class ZaloTokenUnavailable(ZaloUnavailable):
    """No access token Zalo accepts can be had now; retrying within this call cannot change that."""


class ZaloQuotaExhausted(ZaloUnavailable):
    """ZNS's daily quota or the OA's balance is used up (-115, -144, -147): retry in hours, and ops must
    know (logged at error level)."""


class ZaloReply(BaseModel):
    # None when the answer has no `error`: a success, as Zalo's SDKs read it.
    error: int | None = None
    # Only `error` is checked: a success must stay a success however Zalo shapes the rest of its answer.
    message: Annotated[str, BeforeValidator(lambda value: "" if value is None else str(value))] = ""
    data: Any = None


class _IssuedTokens(BaseModel):
    access_token: str
    refresh_token: str
    # Zalo sends a string of seconds; anything else is read by `lifetime()`, which never refuses the pair.
    expires_in: Any = None

    def lifetime(self) -> timedelta | None:
        """The token's lifetime as Zalo states it; None when it states none that can be used."""
        value = self.expires_in
        if isinstance(value, bool):
            return None
        try:
            seconds = int(value) if isinstance(value, int | str) else None
        except ValueError:
            return None
        if seconds is None or not 0 < seconds <= _LONGEST_STATED_LIFETIME:
            return None
        return timedelta(seconds=seconds)


class ZaloClient:
    def __init__(
        self,
        api_base: str,
        oauth_base: str,
        app_id: str,
        app_secret: str | None,
        tokens: TokenStore,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        zns_base: str | None = None,
    ):
        self._api_base = api_base.rstrip("/")
        self._zns_base = (zns_base or api_base).rstrip("/")
        self._oauth_base = oauth_base.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._tokens = tokens
        self._session = session or requests.Session()
        self._sleep = sleep
        self._clock = clock

    def send_text(self, user_id: str, text: str) -> str | None:
        return self._send(user_id, {"text": text})

    def send_image(self, user_id: str, image_url: str, text: str | None = None) -> str | None:
        # Zalo shows `text` as the image's caption.
        message: dict[str, Any] = {} if text is None else {"text": text}
        message["attachment"] = _template("media", {"media_type": "image", "url": image_url})
        return self._send(user_id, message)

    def send_image_attachment(self, user_id: str, attachment_id: str, text: str | None = None) -> str | None:
        """An image uploaded with `upload_image`, by its attachment_id; `text` is its caption."""
        message: dict[str, Any] = {} if text is None else {"text": text}
        message["attachment"] = _template("media", {"media_type": "image", "attachment_id": attachment_id})
        return self._send(user_id, message)

    def send_file(self, user_id: str, token: str) -> str | None:
        """A file uploaded with `upload_file`, by its token (a file message carries no text)."""
        return self._send(user_id, {"attachment": {"type": "file", "payload": {"token": token}}})

    def send_request_user_info(self, user_id: str, title: str, subtitle: str, image_url: str) -> str | None:
        element = {"title": title, "subtitle": subtitle, "image_url": image_url}
        return self._send(user_id, {"attachment": _template("request_user_info", element)})

    def send_buttons(self, user_id: str, text: str, buttons: Sequence[tuple[str, str]]) -> str | None:
        """`text` with quick-reply buttons, each (title, payload): tapping one sends its payload back as
        the user's text message (`oa.query.show`). The shape integrations use with the v3 API: the text
        on the message, the buttons in a template payload without a `template_type`."""
        shown = [{"title": title, "type": "oa.query.show", "payload": payload} for title, payload in buttons]
        return self._send(
            user_id, {"text": text, "attachment": {"type": "template", "payload": {"buttons": shown}}}
        )

    def upload_image(self, content: bytes, content_type: str, name: str) -> str:
        """Zalo's attachment_id for the image (JPEG or PNG, at most 1 MB), for `send_image_attachment`."""
        return self._upload("image", "attachment_id", content, content_type, name)

    def upload_file(self, content: bytes, content_type: str, name: str) -> str:
        """Zalo's token for the file (PDF, DOC or DOCX, at most 5 MB), for `send_file`."""
        return self._upload("file", "token", content, content_type, name)

    def send_template(
        self,
        template_id: str,
        data: dict[str, str],
        tracking_id: str,
        *,
        user_id: str | None = None,
        phone: str | None = None,
    ) -> str | None:
        """A ZNS template message to the citizen's Zalo id or to their phone (exactly one of them).
        `tracking_id` comes back in the delivery receipt. Zalo's ZNS msg_id; None when its success answer
        did not say."""
        if (user_id is None) == (phone is None):
            raise ValueError("send_template needs exactly one of user_id and phone")
        recipient = {"user_id": user_id} if user_id is not None else {"phone": zns_phone(phone) or phone}
        body = {**recipient, "template_id": template_id, "template_data": data, "tracking_id": tracking_id}
        answer = self._call("POST", "/message/template", api="zns", json=body)
        answer = answer if isinstance(answer, dict) else {}
        _check_quota(answer.get("quota"))
        msg_id = answer.get("msg_id")
        if msg_id is None:
            log.warning("zalo reported a ZNS success without a msg_id")
            return None
        return str(msg_id)

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
            # Transient for the messages waiting on it: once an admin re-authorises, their redeliveries
            # go out (and after the subscription's last attempt they wait, replayable, as dead letters).
            code = body.get("error") if isinstance(body.get("error"), int) else None
            reason = body.get("error_name") if isinstance(body.get("error_name"), str) else None
            log.error(
                "zalo refused the token refresh; an OA admin may have to re-authorise the app",
                code=code,
                reason=reason,
            )
            raise ZaloTokenUnavailable(code, "Zalo refused the token refresh") from exc
        lifetime = issued.lifetime()
        if lifetime is None:
            log.warning(
                "zalo issued tokens without a usable expires_in; assuming their lifetime",
                reason=f"fields: {_shape(body)}",
                duration_ms=int(ASSUMED_TOKEN_LIFETIME.total_seconds() * 1000),
            )
            lifetime = ASSUMED_TOKEN_LIFETIME
        return TokenPair(
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            expires_at=issued_at + lifetime,
        )

    def _upload(self, kind: str, answer: str, content: bytes, content_type: str, name: str) -> str:
        files = {"file": (name, content, content_type)}
        data = self._call("POST", f"/v2.0/oa/upload/{kind}", files=files)
        uploaded = data.get(answer) if isinstance(data, dict) else None
        if not isinstance(uploaded, str) or not uploaded:
            # Nothing to send it by; uploading it again costs nothing and reaches no citizen.
            log.warning("zalo reported an upload success without its id", kind=kind)
            raise ZaloUnavailable(None, f"Zalo's upload answer has no {answer}")
        return uploaded

    def _send(self, user_id: str, message: dict[str, Any]) -> str | None:
        """Zalo's id for the sent message; None when its success answer did not say."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        data = self._call("POST", "/v3.0/oa/message/cs", json=body)
        message_id = data.get("message_id") if isinstance(data, dict) else None
        if message_id is None:
            log.warning("zalo reported success without a message id")
            return None
        return str(message_id)

    def _call(self, method: str, path: str, api: Literal["oa", "zns"] = "oa", **kwargs: Any) -> Any:
        """One API call, within DEADLINE: transient failures retried with backoff, a rejected token
        refreshed once. `api` says whose codes the answer speaks (the OA's or ZNS's). Returns the success
        answer's `data`."""
        base, token_rejected = (
            (self._api_base, TOKEN_REJECTED) if api == "oa" else (self._zns_base, ZNS_TOKEN_REJECTED)
        )
        deadline = self._clock() + DEADLINE
        failures = 0
        token_refreshed = False
        while True:
            try:
                token = self._token(deadline)
                timeout = _within(deadline - self._clock())
                response = self._request(method, f"{base}{path}", token, timeout, **kwargs)
                body = _json(response)
                reply = self._reply(body)
                if reply.error == RATE_LIMITED and api == "oa":
                    raise ZaloUnavailable(reply.error, reply.message)
            except ZaloTokenUnavailable:
                raise
            except ZaloUnavailable as exc:
                failures += 1
                pause = _backoff(failures)
                if failures >= MAX_ATTEMPTS or self._clock() + pause >= deadline:
                    log.warning("zalo unavailable", code=exc.code, attempt=failures)
                    raise
                self._sleep(pause)
                continue
            if reply.error is None:
                # Sent, as Zalo's SDKs read such an answer: sending it again would reach the citizen twice.
                log.warning(
                    "zalo answered without an error field; taken as a success",
                    reason=f"fields: {_shape(body)}",
                )
                return reply.data
            if reply.error == 0:
                return reply.data
            if reply.error in token_rejected:
                if token_refreshed:
                    log.error("zalo rejected a freshly refreshed access token", code=reply.error)
                    raise ZaloTokenUnavailable(reply.error, reply.message)
                # The store decides what follows: it refreshes where it may, else hands the call over.
                log.info(
                    "zalo rejected the access token; asking the token store for another", code=reply.error
                )
                self._tokens.invalidate(token)
                token_refreshed = True
                continue
            raise _failure(reply) if api == "oa" else _zns_failure(reply)

    def _token(self, deadline: float) -> str:
        """An access token, or ZaloUnavailable when getting it took the call past its deadline."""
        try:
            token = self._tokens.current(wait=max(0.0, deadline - self._clock()))
        except TokenUnavailable as exc:
            # Waiting for another instance's refresh already took what time was left: do not wait again.
            raise ZaloTokenUnavailable(None, str(exc)) from exc
        if self._clock() >= deadline:
            raise ZaloUnavailable(None, "no time left to call Zalo")
        return token

    def _request(
        self,
        method: str,
        url: str,
        token: str | None = None,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        **kwargs: Any,
    ) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["access_token"] = token
        try:
            response = self._session.request(method, url, headers=headers, timeout=timeout, **kwargs)
        except requests.RequestException as exc:
            raise ZaloUnavailable(None, f"no answer from Zalo: {type(exc).__name__}") from exc
        if response.status_code != 200:
            # Zalo's API answers 200 even when it refuses: any other status comes from the way to it (a
            # proxy, a load balancer, an outage), which is no verdict on the message.
            raise ZaloUnavailable(None, f"Zalo answered HTTP {response.status_code}")
        return response

    @staticmethod
    def _reply(body: dict[str, Any]) -> ZaloReply:
        try:
            return ZaloReply.model_validate(body)
        except ValidationError as exc:
            raise ZaloUnavailable(None, "Zalo's answer is not an API reply") from exc


def firestore_client(
    db: firestore.Client,
    *,
    api_base: str,
    oauth_base: str,
    app_id: str,
    app_secret: str | None,
    initial_refresh_token: str | None,
    document: str = "zalo_tokens/oa",
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    zns_base: str | None = None,
) -> ZaloClient:
    """The production wiring: tokens kept in Firestore, refreshed through the client's own OAuth call.
    Without `app_secret` the client only reads the pair, which the clients holding it keep fresh."""

    def refresh(refresh_token: str) -> TokenPair:
        return client.refresh_tokens(refresh_token)

    tokens = FirestoreTokenStore(
        db,
        refresh if app_secret is not None else None,
        document=document,
        initial_refresh_token=initial_refresh_token,
        sleep=sleep,
    )
    client = ZaloClient(
        api_base, oauth_base, app_id, app_secret, tokens, session=session, sleep=sleep, zns_base=zns_base
    )
    return client


def _template(template_type: str, element: dict[str, str]) -> dict[str, Any]:
    return {"type": "template", "payload": {"template_type": template_type, "elements": [element]}}


def _within(seconds_left: float) -> tuple[float, float]:
    """The request's (connect, read) timeouts, cut to the time the call has left."""
    return min(CONNECT_TIMEOUT, seconds_left), min(READ_TIMEOUT, seconds_left)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        # A 200 that is not JSON comes from something in front of Zalo, not from Zalo's API.
        raise ZaloUnavailable(None, "Zalo's answer is not JSON") from exc
    if not isinstance(body, dict):
        raise ZaloUnavailable(None, "Zalo's answer is not a JSON object")
    return body


def _shape(body: dict[str, Any]) -> str:
    """An answer's field names, for the log: never its values (tokens, ids). A name that does not look like
    one is counted, not written."""
    names = sorted(key for key in body if _FIELD_NAME.fullmatch(key))
    others = len(body) - len(names)
    return ", ".join(names + ([f"{others} other"] if others else [])) or "none"


_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


def _backoff(attempt: int) -> float:
    """Exponential backoff with jitter, so instances throttled together do not return together."""
    return min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


def _check_quota(quota: Any) -> None:
    """Warns (with the count left, never a recipient) when today's ZNS quota runs low."""
    if not isinstance(quota, dict):
        return
    daily, remaining = quota.get("dailyQuota"), quota.get("remainingQuota")
    try:
        daily, remaining = int(daily), int(remaining)
    except (TypeError, ValueError):
        return
    if daily > 0 and remaining < daily * ZNS_QUOTA_WARNING:
        log.warning("ZNS daily quota running low", count=remaining)


def _failure(reply: ZaloReply) -> ZaloError:
    if reply.error == NIGHT:
        log.info("zalo sends nothing at night", code=reply.error)
        return ZaloNight(reply.error, reply.message)
    log.warning("zalo refused the message", code=reply.error)
    if reply.error in OUTSIDE_WINDOW:
        return ZaloOutsideWindow(reply.error, reply.message)
    if reply.error in UNREACHABLE:
        return ZaloUnreachable(reply.error, reply.message)
    return ZaloRejected(reply.error, reply.message)


def _zns_failure(reply: ZaloReply) -> ZaloError:
    code = reply.error
    if code == ZNS_NIGHT:
        log.info("zalo sends no ZNS at night", code=code)
        return ZaloNight(code, reply.message)
    if code in ZNS_EXHAUSTED:
        log.error("ZNS quota or balance exhausted", code=code)
        return ZaloQuotaExhausted(code, reply.message)
    log.warning("zalo refused the ZNS message", code=code)
    if code == ZNS_INVALID_PHONE:
        return ZaloInvalidPhone(code, reply.message)
    if code in ZNS_UNREACHABLE:
        return ZaloUnreachable(code, reply.message)
    if code == ZNS_NEEDS_PHONE:
        return ZaloTemplateNeedsPhone(code, reply.message)
    return ZaloRejected(code, reply.message)

"""A local stand-in for Zalo's OA API, faithful to /work/shared/docs/zalo-oa.md, for tests and `make dev`.

It serves, on one address, all of Zalo's hosts' endpoints:
- POST /v4/oa/access_token (oauth.zaloapp.com): single-use refresh tokens, rotated on every refresh;
- POST /v3.0/oa/message/cs and GET /v3.0/oa/user/detail (openapi.zalo.me): access tokens that expire
  (-220) or are unknown (-216), a per-app rate limit per minute (-32), the request body checked as strictly
  as Zalo does (-201), per-user reachability (-213 not a follower; -230 silent for more than 7 days and
  -227 for more than 45, counted from the user's last interaction on the stand-in's clock) and the night
  ban (-234 from 22:00 to 06:00 Asia/Ho_Chi_Minh, when `night_ban` is on). A message may carry an image
  by `url` or by the `attachment_id` of an upload, or a file (`attachment {"type": "file", "payload":
  {"token"}}`), or up to 5 quick-reply buttons under its text (`attachment {"type": "template", "payload":
  {"buttons": [{title, "type": "oa.query.show", payload}]}}`, no `template_type`); an id or token the
  stand-in did not issue, or of the other kind, is -201. Like Zalo, it
  answers HTTP 200 with a negative `error` on failure;
- POST /v2.0/oa/upload/image and /v2.0/oa/upload/file (openapi.zalo.me), multipart field `file`: an image
  is JPEG or PNG of at most 1 MB, answered `data.attachment_id`; a file is PDF, DOC or DOCX of at most 5 MB,
  answered `data.token`. The kind is read from the bytes (a DOCX also needs its .docx name). A missing,
  empty or unsupported file is -201, one too large -210 ("parameter exceeds the limit"; the code Zalo's
  error list gives, UNSURE for uploads);
- POST /message/template (business.openapi.zalo.me), ZNS, header `access_token` (the OA's tokens; an
  unknown or expired one is -124), body {phone | user_id, template_id, template_data, tracking_id}.
  Checked in this order: -132 a body that is not that shape (UNSURE: Zalo's "parameter invalid"), -131
  template unknown or not approved, -108 no recipient or a phone not 84 + 9 digits, -249 a user_id for a
  template that does not allow it, -1122 a template parameter missing, -1121 one longer than its maximum,
  -133 night (22:00-06:00, when `night_ban` is on), the recipient's own refusal if one is set (-114, -118,
  -119, -139, -141), -115 the daily quota (`zns_daily_quota`, counted per Vietnam calendar day). A success
  queues a delivery receipt: an event `user_received_message` from the OA to the phone (or the user id)
  with `message` {msg_id, delivery_time, tracking_id}, POSTed to the webhook signed like Zalo signs and
  with `X-ZEvent-Server: ZNS`, when asked (POST /_standin/zns/receipts) or, with
  `zns_receipt_delay_seconds`, that many real seconds after the send;
- GET /media/<id>/<name>: what a citizen "sent" (POST /_standin/media), served with its content type for 7
  days of the stand-in's clock after it was stored, then 404, as Zalo's media URLs expire.

The stand-in's clock is the injected `clock` plus an offset that POST /_standin/clock moves; token expiry,
the rate window, the 7-day window, the night, the ZNS quota day and media expiry all read it. Moving it far
ahead expires tokens as time would (access tokens after their TTL, refresh tokens after 90 days).

The night ban is off unless make_app(night_ban=True), `--night-ban` or POST /_standin/night_ban turns it on:
the callers that existed before it (the `standin` fixtures, the emulator pipelines, `make dev`) run on real
time, which may be night, and hold nothing until 06:00 yet.

Control endpoints under /_standin/ let tests and `pakn chat` see what the OA sent and arrange failures:
GET  /_standin/health
GET  /_standin/messages?user_id=&phone=&channel=&since=
                                          messages sent, in order; `since` is a `seq` already seen. Each
                                          has `channel` "cs" (seq, message_id, user_id, time, body, and
                                          `upload` {kind, name, content_type, size, sha256} when it carries
                                          an uploaded image or file) or "zns" (seq, message_id, user_id or
                                          phone (the other null), template_id, template_data, tracking_id,
                                          time, body)
POST /_standin/users/<user_id>            {"follower": bool, "last_interaction_days_ago": number,
                                           "display_name": str}, each optional; the days set the user's
                                          last interaction to that long before the stand-in's now
POST /_standin/user_event                 {"event": <webhook event>, "webhook_url": optional,
                                          "oa_secret_key": optional}: the sender (`follower.id` of a
                                          follow/unfollow) interacted now (user_send_*, user_submit_info,
                                          user_reacted_message, follow; unfollow makes them no follower);
                                          then the event (given `app_id`/`timestamp` when it has none) is
                                          POSTed, signed, to the webhook if one is known. Answers
                                          {"user_id", "webhook_status": HTTP status or null}
POST /_standin/webhook                    {"url": str, "oa_secret_key": str}: where events and receipts go
GET  /_standin/clock                      {"now": epoch seconds, "iso": ISO-8601 in Vietnam time}
POST /_standin/clock                      {"now": ISO-8601 with offset} or {"advance_seconds": N} or
                                          {"real": true}; answers as GET does
POST /_standin/night_ban                  {"enabled": bool}
POST /_standin/zns/templates              {template_id: {"params": {name: max_length}, "allows_user_id":
                                          bool, "approved": bool}}: added to (or replacing) the templates
POST /_standin/zns/recipients/<phone or user_id>
                                          {"error": -114|-118|-119|-139|-141} refuses every ZNS to it;
                                          {"error": null} lifts the refusal
POST /_standin/zns/receipts               {"webhook_url": optional}: delivers every queued receipt now;
                                          {"delivered": n, "failed": m} (failed ones stay queued); 409
                                          when no webhook is known
POST /_standin/media?name=                raw body with its Content-Type: {"url": <base>/media/<id>/<name>}
POST /_standin/faults                     {"http_status": 503, "count": N} or {"error": -32, "count": N},
                                          optional "endpoint": "api" (default), "zns" or "oauth"; or
                                          {"omit": ["user_id"], "count": N}: the next N API (or ZNS)
                                          calls, if they succeed, answer without these fields of `data`;
                                          {"drop": ["error"], "count": N}: the next N successful answers
                                          (API, or "endpoint": "oauth" or "zns") lack these top-level
                                          fields, e.g. "error" or "expires_in"
POST /_standin/expire_tokens              every access token issued so far expires now
POST /_standin/reset                      forget messages, users, faults, stats, the rate window, uploads,
                                          media, ZNS refusals, receipts and quota; templates, webhook and
                                          night ban back to make_app's, the clock back to real time
                                          (issued tokens stay valid, so a running stack keeps working)
GET  /_standin/stats                      counts of API and ZNS calls, sends, uploads, refreshes, receipts
                                          delivered and failures by code

Run it alone with `python -m pakn_dev.zalo_standin --port 8790` (`--help` for the ZNS, webhook and night
options).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests
from flask import Flask, Response, jsonify, request
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from pakn.zalo.signature import signature_header

HOST = "127.0.0.1"
MAX_TEXT = 2000
REFRESH_TOKEN_TTL = timedelta(days=90).total_seconds()
DAY = timedelta(days=1).total_seconds()
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
NIGHT_STARTS, NIGHT_ENDS = 22, 6  # hours, Vietnam time
WINDOW_DAYS, INACTIVE_DAYS = 7, 45
MEDIA_TTL = timedelta(days=7).total_seconds()
MAX_IMAGE_BYTES = 1024 * 1024
MAX_FILE_BYTES = 5 * 1024 * 1024
WEBHOOK_TIMEOUT = 5.0
ZNS_PHONE = re.compile(r"84\d{9}")
ZNS_REFUSALS = frozenset({-114, -118, -119, -139, -141})

# Zalo's OAuth failure codes are not documented where we can read them (UNSURE); the client only relies on
# a failed refresh carrying no access_token. These are the codes integrations report.
OAUTH_INVALID_APP = -14002
OAUTH_INVALID_PARAMETER = -14003
OAUTH_INVALID_REFRESH_TOKEN = -14014

API_ERRORS = {
    -32: "Rate limit exceeded",
    -201: "Parameter is invalid",
    -210: "Parameter exceeds the limit",
    -213: "User has not followed the OA",
    -216: "Access token is invalid",
    -220: "Access token has expired",
    -224: "The OA's tier does not allow this request",
    -227: "User has been inactive for more than 45 days",
    -230: "User has not interacted with the OA in the last 7 days",
    -234: "OA messages cannot be sent between 22:00 and 06:00",
}

ZNS_ERRORS = {
    -108: "Phone number is invalid",
    -114: "User is inactive or refuses to receive ZNS",
    -115: "Out of quota",
    -118: "Zalo account does not exist",
    -119: "Account cannot receive ZNS",
    -124: "Access token is invalid",
    -131: "Template is not approved",
    -132: "Parameter is invalid",
    -133: "ZNS cannot be sent between 22:00 and 06:00",
    -139: "User refused to receive this type of ZNS",
    -141: "User refused to receive promotional ZNS",
    -249: "This template cannot be sent by user_id",
    -1121: "Parameter exceeds its maximum length",
    -1122: "Parameter is missing",
}

# The templates `make dev` and the tests get unless they say otherwise: pakn's notices to citizens.
_PAKN_PARAMS = {"code": 20, "agency": 100, "date": 20}
DEFAULT_ZNS_TEMPLATES: dict[str, dict[str, Any]] = {
    template_id: {"params": dict(_PAKN_PARAMS), "allows_user_id": template_id != "pakn_late_notice"}
    for template_id in (
        "pakn_answer_ready",
        "pakn_transferred",
        "pakn_extended",
        "pakn_info_requested",
        "pakn_late_notice",
    )
}


def vietnam_time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, VIETNAM)


def is_night(epoch: float) -> bool:
    """Zalo's night: from 22:00 to 06:00 in Vietnam (no daylight saving there)."""
    hour = vietnam_time(epoch).hour
    return hour >= NIGHT_STARTS or hour < NIGHT_ENDS


def _epoch_ms(epoch: float) -> str:
    return str(int(epoch * 1000))


# --- the request body of /v3.0/oa/message/cs, as strictly as Zalo checks it ---


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


NonEmpty = Annotated[str, Field(min_length=1)]


class _Recipient(_Wire):
    user_id: NonEmpty


class _MediaElement(_Wire):
    media_type: Literal["image"]
    url: NonEmpty | None = None
    attachment_id: NonEmpty | None = None

    @model_validator(mode="after")
    def _one_source(self) -> _MediaElement:
        if (self.url is None) == (self.attachment_id is None):
            raise ValueError("an image has a url or an attachment_id")
        return self


class _MediaPayload(_Wire):
    template_type: Literal["media"]
    elements: Annotated[list[_MediaElement], Field(min_length=1, max_length=1)]


class _UserInfoElement(_Wire):
    title: NonEmpty
    subtitle: NonEmpty
    image_url: NonEmpty


class _UserInfoPayload(_Wire):
    template_type: Literal["request_user_info"]
    elements: Annotated[list[_UserInfoElement], Field(min_length=1, max_length=1)]


class _Button(_Wire):
    """A quick-reply button: tapping it sends `payload` back as the user's text (limits UNSURE: the ones
    integrations agree on)."""

    title: Annotated[str, Field(min_length=1, max_length=100)]
    type: Literal["oa.query.show", "oa.query.hide"]
    payload: Annotated[str, Field(min_length=1, max_length=1000)]


class _ButtonsPayload(_Wire):
    """Buttons under the message's text: a template payload without a `template_type`."""

    buttons: Annotated[list[_Button], Field(min_length=1, max_length=5)]


def _template_kind(payload: Any) -> str | None:
    if isinstance(payload, dict):
        return payload.get("template_type", "buttons" if "buttons" in payload else None)
    return None


class _TemplateAttachment(_Wire):
    type: Literal["template"]
    payload: Annotated[
        Annotated[_MediaPayload, Tag("media")]
        | Annotated[_UserInfoPayload, Tag("request_user_info")]
        | Annotated[_ButtonsPayload, Tag("buttons")],
        Discriminator(_template_kind),
    ]


class _FilePayload(_Wire):
    token: NonEmpty


class _FileAttachment(_Wire):
    type: Literal["file"]
    payload: _FilePayload


class _Message(_Wire):
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)] | None = None
    attachment: Annotated[_TemplateAttachment | _FileAttachment, Field(discriminator="type")] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> _Message:
        if self.text is None and self.attachment is None:
            raise ValueError("a message needs text or an attachment")
        if self.text is not None and isinstance(self.attachment, _FileAttachment):
            raise ValueError("a file message carries no text")
        if self.text is not None and isinstance(getattr(self.attachment, "payload", None), _UserInfoPayload):
            raise ValueError("a request_user_info message carries no text")
        if self.text is None and isinstance(getattr(self.attachment, "payload", None), _ButtonsPayload):
            raise ValueError("buttons stand under a text")
        return self

    def upload_reference(self) -> tuple[str, str, str] | None:
        """(kind, id, where) of the upload this message carries, if any."""
        attachment = self.attachment
        if isinstance(attachment, _FileAttachment):
            return "file", attachment.payload.token, "message.attachment.payload.token"
        if isinstance(attachment, _TemplateAttachment) and isinstance(attachment.payload, _MediaPayload):
            element = attachment.payload.elements[0]
            if element.attachment_id is not None:
                where = "message.attachment.payload.elements.0.attachment_id"
                return "image", element.attachment_id, where
        return None


class _CsRequest(_Wire):
    recipient: _Recipient
    message: _Message


# --- control requests ---


class _UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    follower: bool | None = None
    last_interaction_days_ago: Annotated[float, Field(ge=0)] | None = None
    display_name: str | None = None


class _Fault(BaseModel):
    model_config = ConfigDict(extra="forbid")
    http_status: Annotated[int, Field(ge=400, le=599)] | None = None
    error: Annotated[int, Field(lt=0)] | None = None
    # A success whose answer lacks parts of `data`: the client must still take it for a success.
    omit: Annotated[list[str], Field(min_length=1)] | None = None
    # A success whose answer lacks top-level fields (`error` of a send, `expires_in` of a refresh): the
    # work was done all the same, as Zalo's SDKs read such answers.
    drop: Annotated[list[str], Field(min_length=1)] | None = None
    count: Annotated[int, Field(ge=1)] = 1
    endpoint: Literal["api", "zns", "oauth"] = "api"

    @property
    def trims(self) -> bool:
        """The call is served as usual and only its answer is changed."""
        return self.omit is not None or self.drop is not None

    @model_validator(mode="after")
    def _one_failure(self) -> _Fault:
        if sum(kind is not None for kind in (self.http_status, self.error, self.omit, self.drop)) != 1:
            raise ValueError("give exactly one of http_status, error, omit and drop")
        if self.omit is not None and self.endpoint == "oauth":
            raise ValueError("omit applies to API answers")
        return self


class _ClockSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")
    now: datetime | None = None
    advance_seconds: float | None = None
    real: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_setting(self) -> _ClockSetting:
        if sum(value is not None for value in (self.now, self.advance_seconds, self.real)) != 1:
            raise ValueError("give exactly one of now, advance_seconds and real")
        if self.now is not None and self.now.utcoffset() is None:
            raise ValueError("now needs its UTC offset, e.g. 2025-03-01T23:00:00+07:00")
        return self


class _Webhook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: NonEmpty
    oa_secret_key: NonEmpty


class _UserEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: dict[str, Any]
    webhook_url: NonEmpty | None = None
    oa_secret_key: NonEmpty | None = None


class _Template(BaseModel):
    model_config = ConfigDict(extra="forbid")
    params: dict[str, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
    allows_user_id: bool = True
    approved: bool = True


class _Refusal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    error: int | None

    @model_validator(mode="after")
    def _known(self) -> _Refusal:
        if self.error is not None and self.error not in ZNS_REFUSALS:
            raise ValueError(f"error is one of {sorted(ZNS_REFUSALS)} or null")
        return self


def _templates(spec: dict[str, Any]) -> dict[str, _Template]:
    return {template_id: _Template.model_validate(value) for template_id, value in spec.items()}


# --- state ---


@dataclass
class _User:
    follower: bool = True
    last_interaction: float = 0.0  # epoch seconds on the stand-in's clock
    display_name: str | None = None


@dataclass
class _Media:
    name: str
    content_type: str
    content: bytes
    stored_at: float


@dataclass
class _Settings:
    """What make_app was given and reset() goes back to."""

    night_ban: bool
    webhook_url: str | None
    oa_secret_key: str | None
    zns_templates: dict[str, _Template]


@dataclass
class _State:
    app_id: str
    app_secret: str
    access_token_ttl: float
    rate_limit_per_minute: int
    clock: Callable[[], float]
    settings: _Settings
    oa_id: str
    zns_daily_quota: int
    zns_receipt_delay: float | None
    lock: threading.Lock = field(default_factory=threading.Lock)
    offset: float = 0.0  # the stand-in's clock is clock() + offset
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (epoch seconds)
    refresh_tokens: dict[str, float] = field(default_factory=dict)  # unused token -> expiry
    users: dict[str, _User] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    faults: list[_Fault] = field(default_factory=list)
    stats: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)
    rate_window: tuple[int, int] = (0, 0)  # (minute, calls in it)
    night_ban: bool = False
    webhook_url: str | None = None
    oa_secret_key: str | None = None
    zns_templates: dict[str, _Template] = field(default_factory=dict)
    zns_refusals: dict[str, int] = field(default_factory=dict)  # phone or user id -> error
    zns_quota_used: tuple[date | None, int] = (None, 0)  # (Vietnam day, sends that day)
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)  # msg_id -> receipt, queued
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)  # attachment_id or token -> upload
    media: dict[str, _Media] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reset_settings()

    def reset_settings(self) -> None:
        self.offset = 0.0
        self.night_ban = self.settings.night_ban
        self.webhook_url = self.settings.webhook_url
        self.oa_secret_key = self.settings.oa_secret_key
        self.zns_templates = copy.deepcopy(self.settings.zns_templates)

    def reset(self) -> None:
        self.users.clear()
        self.messages.clear()
        self.faults.clear()
        self.stats.clear()
        self.errors.clear()
        self.rate_window = (0, 0)
        self.zns_refusals.clear()
        self.zns_quota_used = (None, 0)
        self.receipts.clear()
        self.uploads.clear()
        self.media.clear()
        self.reset_settings()

    def now(self) -> float:
        return self.clock() + self.offset

    def clock_answer(self) -> dict[str, Any]:
        now = self.now()
        return {"now": now, "iso": vietnam_time(now).isoformat(), "real": self.offset == 0.0}

    def take_fault(self, endpoint: str) -> _Fault | None:
        for fault in self.faults:
            if fault.endpoint == endpoint:
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def over_rate_limit(self) -> bool:
        minute = int(self.now() // 60)
        window, calls = self.rate_window
        calls = calls + 1 if window == minute else 1
        self.rate_window = (minute, calls)
        return calls > self.rate_limit_per_minute

    def token_error(self, token: str | None) -> int | None:
        expires = self.access_tokens.get(token or "")
        if expires is None:
            return -216
        if self.now() >= expires:
            return -220
        return None

    def night(self) -> bool:
        return self.night_ban and is_night(self.now())

    def user(self, user_id: str) -> _User:
        # Unknown users are followers who have just written to the OA.
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = _User(last_interaction=self.now())
        return user

    def silent_days(self, user: _User) -> float:
        return (self.now() - user.last_interaction) / DAY

    def user_answer(self, user_id: str) -> dict[str, Any]:
        user = self.user(user_id)
        return {"user_id": user_id, **vars(user), "last_interaction_days_ago": self.silent_days(user)}

    def reachability_error(self, user_id: str) -> int | None:
        user = self.user(user_id)
        if not user.follower:
            return -213
        silent = self.silent_days(user)
        if silent > INACTIVE_DAYS:
            return -227
        if silent > WINDOW_DAYS:
            return -230
        return None

    def take_zns_quota(self) -> dict[str, int] | None:
        """The quota after one more send today, or None when today's is used up."""
        today = vietnam_time(self.now()).date()
        day, used = self.zns_quota_used
        used = used if day == today else 0
        if used >= self.zns_daily_quota:
            return None
        self.zns_quota_used = (today, used + 1)
        return {"dailyQuota": self.zns_daily_quota, "remainingQuota": self.zns_daily_quota - used - 1}

    def record(self, entry: dict[str, Any]) -> None:
        self.messages.append({"seq": len(self.messages) + 1, **entry})


def _error(state: _State, code: int, detail: str = "") -> Response:
    state.stats["failures"] += 1
    state.errors[code] += 1
    message = API_ERRORS.get(code) or ZNS_ERRORS.get(code, "Error")
    return jsonify(error=code, message=f"{message}: {detail}" if detail else message)


def _oauth_error(state: _State, code: int, name: str) -> Response:
    state.stats["refresh_failures"] += 1
    return jsonify(error=code, error_name=name, error_reason=name, error_description=name)


def _fault_response(state: _State, fault: _Fault) -> Response:
    if fault.http_status is not None:
        state.stats["failures"] += 1
        return Response("Service temporarily unavailable", status=fault.http_status, mimetype="text/plain")
    return _error(state, fault.error)


def _omitting(response: Response, fields: list[str]) -> Response:
    body = response.get_json()
    if body.get("error") == 0 and isinstance(body.get("data"), dict):
        body["data"] = {key: value for key, value in body["data"].items() if key not in fields}
    return jsonify(body)


def _trimmed(response: Response, fault: _Fault) -> Response:
    """`response` as `fault` changes a successful answer (an API success, or an issued pair)."""
    if fault.omit is not None:
        return _omitting(response, fault.omit)
    body = response.get_json()
    if body.get("error") == 0 or "access_token" in body:
        body = {key: value for key, value in body.items() if key not in fault.drop}
    return jsonify(body)


def _bad_control(exc: ValidationError | ValueError) -> tuple[Response, int]:
    return jsonify(error=str(exc)), 400


# --- uploads: the kind is read from the bytes, as a server that trusts no client would ---

_IMAGE_KINDS = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _image_kind(content: bytes, name: str) -> str | None:
    return next((kind for magic, kind in _IMAGE_KINDS.items() if content.startswith(magic)), None)


def _file_kind(content: bytes, name: str) -> str | None:
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(_OLE):
        return "doc"
    if content.startswith(b"PK\x03\x04") and name.lower().endswith(".docx"):
        return "docx"
    return None


# --- webhook deliveries (made outside the lock: the webhook may call the stand-in while it answers) ---


def _post_event(
    url: str, app_id: str, oa_secret_key: str, event: dict[str, Any], headers: dict[str, str] | None = None
) -> int | None:
    """POSTs `event` signed as Zalo signs; the webhook's HTTP status, or None when it did not answer."""
    body = json.dumps(event, ensure_ascii=False).encode()
    signed = {
        "Content-Type": "application/json",
        "X-ZEvent-Signature": signature_header(app_id, body, str(event["timestamp"]), oa_secret_key),
        **(headers or {}),
    }
    try:
        return requests.post(url, data=body, headers=signed, timeout=WEBHOOK_TIMEOUT).status_code
    except requests.RequestException:
        return None


_INTERACTIONS = frozenset({"user_submit_info", "user_reacted_message", "follow"})


def _interacting_user(event: dict[str, Any]) -> str | None:
    """The Zalo user whose event this is: `follower.id` of a follow/unfollow, else `sender.id`."""
    if event.get("event_name") in ("follow", "unfollow"):
        holder = event.get("follower")
    else:
        holder = event.get("sender")
    user_id = holder.get("id") if isinstance(holder, dict) else None
    return user_id if isinstance(user_id, str) and user_id else None


def make_app(
    app_id: str,
    app_secret: str,
    initial_refresh_token: str,
    access_token_ttl_seconds: float = 90000,
    rate_limit_per_minute: int = 4000,
    clock: Callable[[], float] = time.time,
    *,
    night_ban: bool = False,
    webhook_url: str | None = None,
    oa_secret_key: str | None = None,
    oa_id: str = "standin-oa",
    zns_templates: dict[str, dict[str, Any]] | None = None,
    zns_daily_quota: int = 1000,
    zns_receipt_delay_seconds: float | None = None,
) -> Flask:
    settings = _Settings(
        night_ban=night_ban,
        webhook_url=webhook_url,
        oa_secret_key=oa_secret_key,
        zns_templates=_templates(DEFAULT_ZNS_TEMPLATES if zns_templates is None else zns_templates),
    )
    state = _State(
        app_id,
        app_secret,
        access_token_ttl_seconds,
        rate_limit_per_minute,
        clock,
        settings,
        oa_id,
        zns_daily_quota,
        zns_receipt_delay_seconds,
    )
    state.refresh_tokens[initial_refresh_token] = clock() + REFRESH_TOKEN_TTL
    app = Flask(__name__)

    def api_call(handle: Callable[[], Response]) -> Response:
        """The checks every openapi call passes before its own handling: faults, rate limit, token."""
        with state.lock:
            state.stats["api_calls"] += 1
            fault = state.take_fault("api")
            if fault is not None and not fault.trims:
                return _fault_response(state, fault)
            if state.over_rate_limit():
                return _error(state, -32)
            code = state.token_error(request.headers.get("access_token"))
            if code is not None:
                return _error(state, code)
            response = handle()
            return response if fault is None else _trimmed(response, fault)

    def zns_call(handle: Callable[[], Response]) -> Response:
        """The checks every ZNS call passes first: faults and the token (-124 for unknown and expired)."""
        with state.lock:
            state.stats["zns_calls"] += 1
            fault = state.take_fault("zns")
            if fault is not None and not fault.trims:
                return _fault_response(state, fault)
            if state.token_error(request.headers.get("access_token")) is not None:
                return _error(state, -124)
            response = handle()
            return response if fault is None else _trimmed(response, fault)

    def deliver_receipts(only: str | None = None, url: str | None = None) -> tuple[int, int] | None:
        """POSTs the queued receipts (or only receipt `only`) to the webhook; (delivered, failed), or None
        when no webhook is known. A receipt that fails goes back in the queue."""
        with state.lock:
            url = url or state.webhook_url
            secret = state.oa_secret_key
            if url is None or secret is None:
                return None
            ids = [only] if only is not None else list(state.receipts)
            taken = [(msg_id, state.receipts.pop(msg_id)) for msg_id in ids if msg_id in state.receipts]
        delivered = failed = 0
        for msg_id, receipt in taken:
            with state.lock:
                now = _epoch_ms(state.now())
            event = {
                "app_id": state.app_id,
                "event_name": "user_received_message",
                "sender": {"id": state.oa_id},
                "recipient": {"id": receipt["recipient"]},
                "timestamp": now,
                "message": {"msg_id": msg_id, "delivery_time": now, "tracking_id": receipt["tracking_id"]},
            }
            status = _post_event(url, state.app_id, secret, event, {"X-ZEvent-Server": "ZNS"})
            with state.lock:
                if status is not None and 200 <= status < 300:
                    delivered += 1
                    state.stats["receipts_delivered"] += 1
                else:
                    failed += 1
                    state.receipts.setdefault(msg_id, receipt)
        return delivered, failed

    @app.post("/v4/oa/access_token")
    def access_token() -> Response:
        form = request.form
        with state.lock:
            fault = state.take_fault("oauth")
            if fault is not None and not fault.trims:
                return _fault_response(state, fault)
            if form.get("app_id") != state.app_id or not secrets.compare_digest(
                request.headers.get("secret_key", ""), state.app_secret
            ):
                return _oauth_error(state, OAUTH_INVALID_APP, "Invalid app_id or secret_key")
            if form.get("grant_type") != "refresh_token":
                return _oauth_error(state, OAUTH_INVALID_PARAMETER, "Invalid parameter")
            # Single use: the token is gone from here on, whether or not the caller reads the answer.
            expires = state.refresh_tokens.pop(form.get("refresh_token", ""), None)
            now = state.now()
            if expires is None or now >= expires:
                return _oauth_error(state, OAUTH_INVALID_REFRESH_TOKEN, "Invalid refresh token")
            new_access, new_refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            state.access_tokens[new_access] = now + state.access_token_ttl
            state.refresh_tokens[new_refresh] = now + REFRESH_TOKEN_TTL
            state.stats["refreshes"] += 1
        # Zalo sends expires_in as a string of seconds.
        issued = jsonify(
            access_token=new_access, refresh_token=new_refresh, expires_in=str(int(state.access_token_ttl))
        )
        return issued if fault is None else _trimmed(issued, fault)

    @app.post("/v3.0/oa/message/cs")
    def message_cs() -> Response:
        def send() -> Response:
            raw = request.get_json(silent=True)
            try:
                body = _CsRequest.model_validate(raw)
            except ValidationError as exc:
                where = ".".join(str(part) for part in exc.errors()[0]["loc"])
                return _error(state, -201, where)
            upload = None
            reference = body.message.upload_reference()
            if reference is not None:
                kind, upload_id, where = reference
                upload = state.uploads.get(upload_id)
                if upload is None or upload["kind"] != kind:
                    return _error(state, -201, where)
            if state.night():
                return _error(state, -234)
            user_id = body.recipient.user_id
            code = state.reachability_error(user_id)
            if code is not None:
                return _error(state, code)
            message_id = uuid.uuid4().hex
            state.stats["sends"] += 1
            entry = {
                "channel": "cs",
                "message_id": message_id,
                "user_id": user_id,
                "time": state.now(),
                "body": raw,
            }
            state.record(entry if upload is None else {**entry, "upload": dict(upload)})
            return jsonify(error=0, message="Success", data={"message_id": message_id, "user_id": user_id})

        return api_call(send)

    def upload(kind: str, sniff: Callable[[bytes, str], str | None], limit: int, answer: str) -> Response:
        def store() -> Response:
            sent = request.files.get("file")
            if sent is None:
                return _error(state, -201, "file")
            content = sent.read()
            name = sent.filename or ""
            if not content or sniff(content, name) is None:
                return _error(state, -201, "file type")
            if len(content) > limit:
                return _error(state, -210, f"file larger than {limit} bytes")
            upload_id = uuid.uuid4().hex if kind == "image" else secrets.token_urlsafe(24)
            state.uploads[upload_id] = {
                "kind": kind,
                "name": name,
                "content_type": sent.mimetype,
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
            state.stats["uploads"] += 1
            return jsonify(error=0, message="Success", data={answer: upload_id})

        return api_call(store)

    @app.post("/v2.0/oa/upload/image")
    def upload_image() -> Response:
        return upload("image", _image_kind, MAX_IMAGE_BYTES, "attachment_id")

    @app.post("/v2.0/oa/upload/file")
    def upload_file() -> Response:
        return upload("file", _file_kind, MAX_FILE_BYTES, "token")

    @app.post("/message/template")
    def message_template() -> Response:
        def send() -> Response:
            raw = request.get_json(silent=True)
            if not isinstance(raw, dict):
                return _error(state, -132, "body")
            template_id, data, tracking_id = (
                raw.get(k) for k in ("template_id", "template_data", "tracking_id")
            )
            phone, user_id = raw.get("phone"), raw.get("user_id")
            for name, value in (("template_id", template_id), ("tracking_id", tracking_id)):
                if not isinstance(value, str) or not value:
                    return _error(state, -132, name)
            if not isinstance(data, dict):
                return _error(state, -132, "template_data")
            if phone is not None and user_id is not None:
                return _error(state, -132, "phone and user_id")
            template = state.zns_templates.get(template_id)
            if template is None or not template.approved:
                return _error(state, -131)
            if user_id is not None:
                if not isinstance(user_id, str) or not user_id:
                    return _error(state, -132, "user_id")
                if not template.allows_user_id:
                    return _error(state, -249)
            elif not isinstance(phone, str) or not ZNS_PHONE.fullmatch(phone):
                return _error(state, -108)
            for name, longest in template.params.items():
                value = data.get(name)
                if value is None or value == "":
                    return _error(state, -1122, name)
                if not isinstance(value, str | int | float) or isinstance(value, bool):
                    return _error(state, -132, f"template_data.{name}")
                if len(str(value)) > longest:
                    return _error(state, -1121, name)
            if state.night():
                return _error(state, -133)
            recipient = user_id if user_id is not None else phone
            refusal = state.zns_refusals.get(recipient)
            if refusal is not None:
                return _error(state, refusal)
            quota = state.take_zns_quota()
            if quota is None:
                return _error(state, -115)
            msg_id = uuid.uuid4().hex
            now = state.now()
            state.stats["zns_sends"] += 1
            state.record(
                {
                    "channel": "zns",
                    "message_id": msg_id,
                    "user_id": user_id,
                    "phone": phone if user_id is None else None,
                    "template_id": template_id,
                    "template_data": data,
                    "tracking_id": tracking_id,
                    "time": now,
                    "body": raw,
                }
            )
            state.receipts[msg_id] = {"recipient": recipient, "tracking_id": tracking_id}
            if state.zns_receipt_delay is not None:
                timer = threading.Timer(state.zns_receipt_delay, deliver_receipts, kwargs={"only": msg_id})
                timer.daemon = True
                timer.start()
            data_out = {"msg_id": msg_id, "sent_time": _epoch_ms(now), "quota": quota}
            return jsonify(error=0, message="Success", data=data_out)

        return zns_call(send)

    @app.get("/v3.0/oa/user/detail")
    def user_detail() -> Response:
        def detail() -> Response:
            try:
                user_id = json.loads(request.args.get("data", ""))["user_id"]
            except (ValueError, TypeError, KeyError):
                return _error(state, -201, "data")
            if not isinstance(user_id, str) or not user_id:
                return _error(state, -201, "data.user_id")
            user = state.user(user_id)
            data = {
                "user_id": user_id,
                "user_id_by_app": user_id,
                "display_name": user.display_name or f"Standin user {user_id}",
                "user_is_follower": user.follower,
                "user_last_interaction_date": vietnam_time(user.last_interaction).strftime("%d/%m/%Y"),
                "avatar": "",
            }
            return jsonify(error=0, message="Success", data=data)

        return api_call(detail)

    @app.get("/media/<media_id>/<path:name>")
    def media(media_id: str, name: str) -> Response | tuple[str, int]:
        with state.lock:
            stored = state.media.get(media_id)
            if stored is None or stored.name != name or state.now() >= stored.stored_at + MEDIA_TTL:
                return "Not found", 404
        return Response(stored.content, mimetype=None, content_type=stored.content_type)

    @app.get("/_standin/health")
    def health() -> Response:
        return jsonify(status="ok")

    @app.get("/_standin/messages")
    def messages() -> Response:
        wanted = {key: request.args.get(key) for key in ("user_id", "phone", "channel")}
        wanted = {key: value for key, value in wanted.items() if value is not None}
        since = request.args.get("since", default=0, type=int)
        with state.lock:
            found = [
                m
                for m in state.messages
                if m["seq"] > since and all(m.get(key) == value for key, value in wanted.items())
            ]
        return jsonify(messages=found)

    @app.post("/_standin/users/<user_id>")
    def set_user(user_id: str) -> Response | tuple[Response, int]:
        try:
            update = _UserUpdate.model_validate(request.get_json(silent=True) or {})
        except ValidationError as exc:
            return _bad_control(exc)
        with state.lock:
            user = state.user(user_id)
            if update.follower is not None:
                user.follower = update.follower
            if update.display_name is not None:
                user.display_name = update.display_name
            if update.last_interaction_days_ago is not None:
                user.last_interaction = state.now() - update.last_interaction_days_ago * DAY
            return jsonify(state.user_answer(user_id))

    @app.post("/_standin/user_event")
    def user_event() -> Response | tuple[Response, int]:
        try:
            given = _UserEvent.model_validate(request.get_json(silent=True) or {})
        except ValidationError as exc:
            return _bad_control(exc)
        event = dict(given.event)
        name = event.get("event_name")
        if not isinstance(name, str) or not name:
            return jsonify(error="the event has no event_name"), 400
        with state.lock:
            now = state.now()
            event.setdefault("app_id", state.app_id)
            event.setdefault("timestamp", _epoch_ms(now))
            user_id = _interacting_user(event)
            if user_id is not None:
                user = state.user(user_id)
                if name.startswith("user_send_") or name in _INTERACTIONS:
                    user.last_interaction = now
                if name in ("follow", "unfollow"):
                    user.follower = name == "follow"
            url = given.webhook_url or state.webhook_url
            secret = given.oa_secret_key or state.oa_secret_key
        status = None
        if url is not None:
            if secret is None:
                return jsonify(error="no oa_secret_key to sign the event with"), 400
            status = _post_event(url, state.app_id, secret, event)
        return jsonify(user_id=user_id, webhook_status=status)

    @app.post("/_standin/webhook")
    def set_webhook() -> Response | tuple[Response, int]:
        try:
            webhook = _Webhook.model_validate(request.get_json(silent=True) or {})
        except ValidationError as exc:
            return _bad_control(exc)
        with state.lock:
            state.webhook_url, state.oa_secret_key = webhook.url, webhook.oa_secret_key
        return jsonify(url=webhook.url)

    @app.get("/_standin/clock")
    def get_clock() -> Response:
        with state.lock:
            return jsonify(state.clock_answer())

    @app.post("/_standin/clock")
    def set_clock() -> Response | tuple[Response, int]:
        try:
            setting = _ClockSetting.model_validate(request.get_json(silent=True) or {})
        except ValidationError as exc:
            return _bad_control(exc)
        with state.lock:
            if setting.real:
                state.offset = 0.0
            elif setting.advance_seconds is not None:
                state.offset += setting.advance_seconds
            else:
                state.offset = setting.now.timestamp() - state.clock()
            return jsonify(state.clock_answer())

    @app.post("/_standin/night_ban")
    def set_night_ban() -> Response | tuple[Response, int]:
        enabled = (request.get_json(silent=True) or {}).get("enabled")
        if not isinstance(enabled, bool):
            return jsonify(error="give enabled: true or false"), 400
        with state.lock:
            state.night_ban = enabled
        return jsonify(enabled=enabled)

    @app.post("/_standin/zns/templates")
    def set_templates() -> Response | tuple[Response, int]:
        given = request.get_json(silent=True)
        if not isinstance(given, dict):
            return jsonify(error="give {template_id: {params, allows_user_id, approved}}"), 400
        try:
            templates = _templates(given)
        except ValidationError as exc:
            return _bad_control(exc)
        with state.lock:
            state.zns_templates.update(templates)
            return jsonify(templates={key: value.model_dump() for key, value in state.zns_templates.items()})

    @app.post("/_standin/zns/recipients/<recipient>")
    def set_recipient(recipient: str) -> Response | tuple[Response, int]:
        try:
            refusal = _Refusal.model_validate(request.get_json(silent=True) or {})
        except ValidationError as exc:
            return _bad_control(exc)
        with state.lock:
            if refusal.error is None:
                state.zns_refusals.pop(recipient, None)
            else:
                state.zns_refusals[recipient] = refusal.error
        return jsonify(recipient=recipient, error=refusal.error)

    @app.post("/_standin/zns/receipts")
    def receipts() -> Response | tuple[Response, int]:
        url = (request.get_json(silent=True) or {}).get("webhook_url")
        outcome = deliver_receipts(url=url if isinstance(url, str) and url else None)
        if outcome is None:
            return jsonify(error="no webhook: POST /_standin/webhook first"), 409
        delivered, failed = outcome
        return jsonify(delivered=delivered, failed=failed)

    @app.post("/_standin/media")
    def add_media() -> Response:
        name = request.args.get("name") or "media"
        media_id = uuid.uuid4().hex
        content_type = request.headers.get("Content-Type") or "application/octet-stream"
        with state.lock:
            state.media[media_id] = _Media(name, content_type, request.get_data(), state.now())
        return jsonify(url=f"{request.host_url.rstrip('/')}/media/{media_id}/{quote(name)}")

    @app.post("/_standin/faults")
    def add_fault() -> Response | tuple[Response, int]:
        try:
            fault = _Fault.model_validate(request.get_json(silent=True) or {})
        except ValidationError as exc:
            return _bad_control(exc)
        with state.lock:
            state.faults.append(fault)
            return jsonify(faults=[f.model_dump(exclude_none=True) for f in state.faults])

    @app.post("/_standin/expire_tokens")
    def expire_tokens() -> Response:
        with state.lock:
            now = state.now()
            for token in state.access_tokens:
                state.access_tokens[token] = min(state.access_tokens[token], now)
            return jsonify(expired=len(state.access_tokens))

    @app.post("/_standin/reset")
    def reset() -> Response:
        with state.lock:
            state.reset()
        return jsonify(status="ok")

    @app.get("/_standin/stats")
    def stats() -> Response:
        with state.lock:
            names = (
                "api_calls",
                "sends",
                "failures",
                "refreshes",
                "refresh_failures",
                "zns_calls",
                "zns_sends",
                "uploads",
                "receipts_delivered",
            )
            counts: dict[str, Any] = {name: state.stats[name] for name in names}
            counts["errors"] = {str(code): n for code, n in state.errors.items()}
            counts["receipts_queued"] = len(state.receipts)
        return jsonify(counts)

    return app


class StandinControl:
    """The /_standin/ endpoints of a running stand-in, for tests, `pakn chat` and `pakn dev`."""

    def __init__(self, url: str, session: requests.Session | None = None):
        self._url = url.rstrip("/")
        self._session = session or requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._session.request(method, f"{self._url}/_standin/{path}", timeout=5, **kwargs)
        response.raise_for_status()
        return response.json()

    def messages(
        self,
        user_id: str | None = None,
        since: int = 0,
        *,
        phone: str | None = None,
        channel: str | None = None,
    ) -> list[dict[str, Any]]:
        wanted = {"user_id": user_id, "phone": phone, "channel": channel}
        params: dict[str, Any] = {"since": since} | {k: v for k, v in wanted.items() if v is not None}
        return self._call("GET", "messages", params=params)["messages"]

    def set_user(self, user_id: str, **state: Any) -> dict[str, Any]:
        return self._call("POST", f"users/{user_id}", json=state)

    def user_event(
        self, event: dict[str, Any], webhook_url: str | None = None, oa_secret_key: str | None = None
    ) -> dict[str, Any]:
        """The citizen's event as Zalo takes it: their interaction recorded, the event sent on (signed)."""
        given = {"event": event, "webhook_url": webhook_url, "oa_secret_key": oa_secret_key}
        return self._call("POST", "user_event", json={k: v for k, v in given.items() if v is not None})

    def set_webhook(self, url: str, oa_secret_key: str) -> None:
        self._call("POST", "webhook", json={"url": url, "oa_secret_key": oa_secret_key})

    def clock(self) -> dict[str, Any]:
        return self._call("GET", "clock")

    def set_clock(self, now: datetime | str) -> dict[str, Any]:
        """`now` needs its UTC offset (a datetime with tzinfo, or ISO-8601 text with one)."""
        iso = now.isoformat() if isinstance(now, datetime) else now
        return self._call("POST", "clock", json={"now": iso})

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        return self._call("POST", "clock", json={"advance_seconds": seconds})

    def real_clock(self) -> dict[str, Any]:
        return self._call("POST", "clock", json={"real": True})

    def night_ban(self, enabled: bool) -> None:
        self._call("POST", "night_ban", json={"enabled": enabled})

    def zns_templates(self, templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", "zns/templates", json=templates)["templates"]

    def zns_refuse(self, recipient: str, error: int | None) -> None:
        """Every ZNS to `recipient` (a phone or a user id) fails with `error`; None lifts that."""
        self._call("POST", f"zns/recipients/{recipient}", json={"error": error})

    def deliver_zns_receipts(self, webhook_url: str | None = None) -> int:
        given = {} if webhook_url is None else {"webhook_url": webhook_url}
        return self._call("POST", "zns/receipts", json=given)["delivered"]

    def add_media(self, content: bytes, content_type: str, name: str | None = None) -> str:
        """A URL serving `content` as Zalo serves what a citizen sent, for 7 days of the stand-in's clock."""
        params = {} if name is None else {"name": name}
        headers = {"Content-Type": content_type}
        return self._call("POST", "media", data=content, headers=headers, params=params)["url"]

    def fault(
        self,
        count: int,
        *,
        http_status: int | None = None,
        error: int | None = None,
        omit: list[str] | None = None,
        drop: list[str] | None = None,
        endpoint: str = "api",
    ) -> None:
        fault = {
            "count": count,
            "endpoint": endpoint,
            "http_status": http_status,
            "error": error,
            "omit": omit,
            "drop": drop,
        }
        self._call("POST", "faults", json={k: v for k, v in fault.items() if v is not None})

    def expire_tokens(self) -> None:
        self._call("POST", "expire_tokens")

    def reset(self) -> None:
        self._call("POST", "reset")

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "stats")


class _ZaloRequestHandler(WSGIRequestHandler):
    """Zalo's own headers (`access_token`, `secret_key`) contain underscores, which werkzeug drops."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        for key, value in self.headers.items():
            if "_" in key:
                environ[f"HTTP_{key.upper()}"] = value
        return environ


def _serve(app: Flask, port: int) -> BaseWSGIServer:
    return make_server(HOST, port, app, threaded=True, request_handler=_ZaloRequestHandler)


class StandinServer:
    """Serves an app on 127.0.0.1 from a background thread; port 0 picks a free port."""

    def __init__(self, app: Flask, port: int = 0):
        self._app = app
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        return f"http://{HOST}:{self._server.server_port}"

    @property
    def control(self) -> StandinControl:
        return StandinControl(self.url)

    def start(self) -> StandinServer:
        self._server = _serve(self._app, self._port)
        # A short poll interval makes stop() quick: tests start and stop one stand-in each.
        serve = self._server.serve_forever
        self._thread = threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local stand-in for Zalo's OA API (127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--app-id", default="pakn-dev-app")
    parser.add_argument("--app-secret", default="pakn-dev-secret")
    parser.add_argument("--refresh-token", default="pakn-dev-refresh-token", help="the initial refresh token")
    parser.add_argument("--token-ttl", type=float, default=90000, help="access token lifetime, seconds")
    parser.add_argument("--rate-limit", type=int, default=4000, help="API calls per minute for the app")
    parser.add_argument("--oa-id", default="standin-oa", help="the OA's id, the sender of ZNS receipts")
    parser.add_argument("--webhook-url", help="where user events and ZNS receipts are POSTed")
    parser.add_argument("--oa-secret-key", help="the OA secret key those POSTs are signed with")
    parser.add_argument("--night-ban", action="store_true", help="refuse messages from 22:00 to 06:00 (VN)")
    parser.add_argument("--zns-daily-quota", type=int, default=1000, help="ZNS messages per Vietnam day")
    parser.add_argument(
        "--zns-receipt-delay", type=float, help="deliver each ZNS receipt this many seconds after the send"
    )
    args = parser.parse_args(argv)
    app = make_app(
        args.app_id,
        args.app_secret,
        args.refresh_token,
        args.token_ttl,
        args.rate_limit,
        night_ban=args.night_ban,
        webhook_url=args.webhook_url,
        oa_secret_key=args.oa_secret_key,
        oa_id=args.oa_id,
        zns_daily_quota=args.zns_daily_quota,
        zns_receipt_delay_seconds=args.zns_receipt_delay,
    )
    server = _serve(app, args.port)
    print(f"Zalo stand-in on http://{HOST}:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

"""The Zalo webhook: verify, parse, publish. Nothing else runs inside Zalo's 2-second window.

Order of checks: size (413), signature (401), shape (400), replay window (401), then unknown events are
accepted and ignored (200) and known ones are published as one normalised `CitizenEvent`. The body must be
UTF-8 JSON (as Zalo sends it) and the timestamp ASCII digits: what Python would also read (UTF-16 or -32
bodies, other scripts' digits) is refused with a 400, before the signature is checked. The entry point
(functions/main.py) answers GET itself and refuses methods other than GET and POST (405).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from pakn.domain.errors import InvalidInput, PayloadTooLarge, Unauthorized
from pakn.intake.events import CitizenEvent, normalise
from pakn.platform.log import get_logger
from pakn.platform.settings import Settings
from pakn.zalo import events as zalo_events
from pakn.zalo.signature import verify

log = get_logger("pakn.intake.webhook")


@dataclass(frozen=True)
class WebhookOutcome:
    status: int
    body: dict


class WebhookReceiver:
    def __init__(self, settings: Settings, publish: Callable[[CitizenEvent], str], clock=time.time):
        self._settings = settings
        self._publish = publish
        self._clock = clock
        self._signers = tuple(t for t in (settings.zalo_app_id, settings.zalo_oa_id) if t)
        self._secret = settings.require("zalo_oa_secret_key")

    def receive(self, raw_body: bytes, signature: str | None) -> WebhookOutcome:
        try:
            return self._receive(raw_body, signature)
        except InvalidInput as exc:
            log.warning("webhook rejected", code=exc.code, status=exc.status)
            return WebhookOutcome(exc.status, {"error": {"code": exc.code, "message": exc.message}})

    def _receive(self, raw_body: bytes, signature: str | None) -> WebhookOutcome:
        if len(raw_body) > self._settings.webhook_max_bytes:
            raise PayloadTooLarge("too_large", "the event is larger than any Zalo event")
        if not signature:
            raise Unauthorized("missing_signature", "X-ZEvent-Signature is required")
        body = _json_object(raw_body)
        # The timestamp is an input of the signature, so it is read (not trusted) before verifying.
        timestamp = body.get("timestamp")
        if not isinstance(timestamp, str | int) or isinstance(timestamp, bool):
            raise InvalidInput("missing_timestamp", "the event has no timestamp")
        timestamp = str(timestamp)
        if not _ascii_digits(timestamp):
            raise InvalidInput("bad_timestamp", "the timestamp is not epoch milliseconds in ASCII digits")
        if not verify(signature, self._signers, raw_body, timestamp, self._secret):
            raise Unauthorized("bad_signature", "the signature does not match")

        event_name = body.get("event_name")
        if not isinstance(event_name, str) or not event_name:
            raise InvalidInput("missing_event_name", "the event has no event_name")
        if not zalo_events.is_known_event(event_name):
            log.info("webhook ignored unknown event", event_name=event_name[:64])
            return WebhookOutcome(200, {"status": "ignored"})
        try:
            event = zalo_events.parse_event(body)
        except ValidationError as exc:
            raise InvalidInput("invalid_event", f"not a valid {event_name} event") from exc
        self._check_fresh(event.timestamp)

        citizen_event = normalise(event)
        if citizen_event is None:
            return WebhookOutcome(200, {"status": "ignored"})
        self._publish(citizen_event)
        log.info("webhook accepted", event_id=citizen_event.event_id, event_name=event_name)
        return WebhookOutcome(200, {"status": "accepted", "event_id": citizen_event.event_id})

    def _check_fresh(self, timestamp_ms: str) -> None:
        age = self._clock() - int(timestamp_ms) / 1000
        # A little slack for clocks ahead of ours; anything older than Zalo's retry schedule is a replay.
        if age > self._settings.webhook_replay_window_seconds or age < -300:
            raise Unauthorized("replayed", "the event's timestamp is outside the accepted window")


def _json_object(raw_body: bytes) -> dict:
    try:
        # Decoded here, strictly: json.loads(bytes) would also take UTF-16 and UTF-32.
        text = raw_body.decode("utf-8-sig")
        body = json.loads(text)
    # Deeply nested arrays exhaust the parser's recursion before any size limit does.
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidInput("not_json", "the body is not UTF-8 JSON") from exc
    if not isinstance(body, dict):
        raise InvalidInput("not_an_object", "the body is not a JSON object")
    return body


def _ascii_digits(value: str) -> bool:
    # str.isdigit() and int() also take "١٢٣" and "１２３"; the signature and the clock want 0-9 only.
    return value.isascii() and value.isdigit()

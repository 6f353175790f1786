"""Zalo webhook events as Zalo sends them, signed like Zalo signs them: for `pakn chat` and the tests."""

from __future__ import annotations

import json
import time
import uuid

from pakn.zalo.signature import signature_header


class ZaloEventFactory:
    """Builds wire-format events from one citizen to one OA."""

    def __init__(self, app_id: str, oa_id: str, oa_secret_key: str, clock=time.time):
        self.app_id = app_id
        self.oa_id = oa_id
        self.oa_secret_key = oa_secret_key
        self._clock = clock

    def _timestamp(self) -> str:
        return str(int(self._clock() * 1000))

    def _message(self, kind: str, citizen_id: str, message: dict, msg_id: str | None) -> dict:
        return {
            "app_id": self.app_id,
            "user_id_by_app": citizen_id,
            "event_name": f"user_send_{kind}",
            "sender": {"id": citizen_id},
            "recipient": {"id": self.oa_id},
            "timestamp": self._timestamp(),
            "message": {"msg_id": msg_id or uuid.uuid4().hex, **message},
        }

    def text(self, citizen_id: str, text: str, msg_id: str | None = None) -> dict:
        return self._message("text", citizen_id, {"text": text}, msg_id)

    def image(self, citizen_id: str, url: str, caption: str = "", msg_id: str | None = None) -> dict:
        attachment = {"type": "image", "payload": {"url": url, "thumbnail": url}}
        return self._message("image", citizen_id, {"text": caption, "attachments": [attachment]}, msg_id)

    def file(self, citizen_id: str, url: str, name: str, msg_id: str | None = None) -> dict:
        payload = {"url": url, "name": name, "size": "2048", "type": "pdf"}
        return self._message(
            "file", citizen_id, {"attachments": [{"type": "file", "payload": payload}]}, msg_id
        )

    def location(self, citizen_id: str, latitude: float, longitude: float, msg_id: str | None = None) -> dict:
        payload = {"coordinates": {"latitude": str(latitude), "longitude": str(longitude)}}
        return self._message(
            "location", citizen_id, {"attachments": [{"type": "location", "payload": payload}]}, msg_id
        )

    def follow(self, citizen_id: str) -> dict:
        return {
            "app_id": self.app_id,
            "event_name": "follow",
            "oa_id": self.oa_id,
            "follower": {"id": citizen_id},
            "source": "oa_profile",
            "timestamp": self._timestamp(),
        }

    def submit_info(self, citizen_id: str, name: str, phone: str, address: str) -> dict:
        return {
            "app_id": self.app_id,
            "event_name": "user_submit_info",
            "sender": {"id": citizen_id},
            "recipient": {"id": self.oa_id},
            "timestamp": self._timestamp(),
            "info": {"name": name, "phone": phone, "address": address, "city": "Hà Nội"},
        }

    def signed(self, event: dict) -> tuple[bytes, dict[str, str]]:
        """The raw body and headers of Zalo's POST for `event`."""
        body = json.dumps(event, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "X-ZEvent-Signature": signature_header(self.app_id, body, event["timestamp"], self.oa_secret_key),
        }
        return body, headers

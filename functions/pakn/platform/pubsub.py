"""Pub/Sub at the edges: publishing our models, and the push envelope that delivers them back to us."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pakn.domain.errors import InvalidInput, PermanentFailure

Model = TypeVar("Model", bound=BaseModel)

PUBLISH_TIMEOUT_SECONDS = 1.5


class Publisher:
    """Publishes models as JSON. One per instance: the client's channel is costly to open."""

    def __init__(self, project: str, client=None):
        if client is None:
            from google.cloud import pubsub_v1

            client = pubsub_v1.PublisherClient(
                # Small batches: the webhook waits for the publish, and Zalo waits for the webhook.
                batch_settings=pubsub_v1.types.BatchSettings(max_latency=0.002),
                publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True),
            )
        self._client = client
        self._project = project

    def topic_path(self, topic: str) -> str:
        return f"projects/{self._project}/topics/{topic}"

    def publish(self, topic: str, model: BaseModel, ordering_key: str = "", **attributes: str) -> str:
        data = model.model_dump_json().encode()
        return self.publish_raw(topic, data, ordering_key, **attributes)

    def publish_raw(self, topic: str, data: bytes, ordering_key: str = "", **attributes: str) -> str:
        path = self.topic_path(topic)
        future = self._client.publish(path, data, ordering_key=ordering_key, **attributes)
        try:
            return future.result(timeout=PUBLISH_TIMEOUT_SECONDS)
        except Exception:
            # A failed publish pauses its ordering key until resumed, and the caller's retry must be able to
            # go; one still in flight when the wait ran out pauses it only when it fails, later. The callback
            # runs at once for a future already done, and then for one that ends.
            if ordering_key:
                future.add_done_callback(lambda done: self._resume_if_failed(path, ordering_key, done))
            raise

    def _resume_if_failed(self, path: str, ordering_key: str, done) -> None:
        if done.cancelled() or done.exception() is not None:
            # Not paused after all, or the client has stopped: nothing to resume.
            with contextlib.suppress(RuntimeError):
                self._client.resume_publish(path, ordering_key)

    def publish_all(self, topic: str, models: list[BaseModel]) -> list[str]:
        """Publishes `models` (no ordering) and waits for them all at once: a fan-out of thousands takes
        as long as the client's batches, not one round trip each."""
        path = self.topic_path(topic)
        futures = [self._client.publish(path, model.model_dump_json().encode()) for model in models]
        return [future.result(timeout=PUBLISH_TIMEOUT_SECONDS * 20) for future in futures]


class PushMessage(BaseModel):
    # Built on the first push: the webhook, which only publishes, never builds it.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)

    data: str = ""
    attributes: dict[str, str] = Field(default_factory=dict)
    message_id: str = Field(alias="messageId", min_length=1)
    ordering_key: str | None = Field(default=None, alias="orderingKey")

    def raw_data(self) -> bytes:
        try:
            return base64.b64decode(self.data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PermanentFailure("push data is not base64") from exc


class PushEnvelope(BaseModel):
    """What a Pub/Sub push subscription POSTs: `{"message": {...}, "subscription": "...", ...}`."""

    # Built on the first push: the webhook, which only publishes, never builds it.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)

    message: PushMessage
    subscription: str = ""
    # Present only where the subscription has a dead-letter policy (and not on the emulator).
    delivery_attempt: int | None = Field(default=None, alias="deliveryAttempt")

    @classmethod
    def from_body(cls, body: bytes) -> PushEnvelope:
        try:
            return cls.model_validate_json(body)
        except ValidationError as exc:
            raise InvalidInput("invalid_push", "the request is not a Pub/Sub push envelope") from exc

    def payload(self, model: type[Model]) -> Model:
        """The message's data as `model`; a message that can never parse is a permanent failure."""
        try:
            return model.model_validate(json.loads(self.message.raw_data()))
        except (ValueError, ValidationError) as exc:
            raise PermanentFailure(f"data is not a valid {model.__name__}") from exc

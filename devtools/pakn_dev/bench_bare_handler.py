"""Baselines for the benchmarks: functions-framework handlers that do only what the framework and the client
library must, served the same way as functions/main.py (`python -m functions_framework --source THIS_FILE
--target NAME`). Nothing of `pakn` is imported at module level, so loading this file costs what loading a
trivial functions/main.py would.

- `bare_webhook` (bench_webhook): publishes the request body it is given, unread and unverified, to the
  events topic with the publisher functions/pakn/platform/pubsub.py builds (the same batch settings,
  message ordering, publish timeout), ordering key and attributes taken from headers the benchmark sets.
  What the real webhook adds on top of it is its own work: signature, parsing, normalising, logging.
- `bare_pubsub`, `bare_firestore`, `bare_firebase` (bench_cold_start): import only the client library a
  function needs, make one client, and answer after one call through it, like a first request would.
"""

from __future__ import annotations

import os
import threading

import functions_framework

MAX_BYTES = 64 * 1024  # the webhook's own limit (WEBHOOK_MAX_BYTES' default)
ORDERING_HEADER = "X-Bench-Ordering-Key"
EVENT_TYPE_HEADER = "X-Bench-Event-Type"
EVENT_ID_HEADER = "X-Bench-Event-Id"

_lock = threading.Lock()
_clients: dict[str, object] = {}


def _once(name: str, build):
    """One client per process, built on first use (as pakn.runtime does), safely under threads."""
    with _lock:
        if name not in _clients:
            _clients[name] = build()
        return _clients[name]


def _project() -> str:
    return os.environ["GOOGLE_CLOUD_PROJECT"]


def _topic() -> str:
    return os.environ.get("BENCH_TOPIC", "zalo-events")


@functions_framework.http
def bare_webhook(request):
    if request.method != "POST":
        return {"status": "ok"}, 200

    def build():
        from pakn.platform.pubsub import Publisher

        return Publisher(_project())

    publisher = _once("publisher", build)
    body = request.stream.read(MAX_BYTES + 1)
    attributes = {
        "event_type": request.headers.get(EVENT_TYPE_HEADER, ""),
        "event_id": request.headers.get(EVENT_ID_HEADER, ""),
    }
    message_id = publisher.publish_raw(_topic(), body, request.headers.get(ORDERING_HEADER, ""), **attributes)
    return {"status": "accepted", "message_id": message_id}, 200


@functions_framework.http
def bare_pubsub(request):
    """The cold-start baseline of the webhook: google.cloud.pubsub_v1 only, one publish per POST."""
    if request.method != "POST":
        return {"status": "ok"}, 200

    def build():
        from google.cloud import pubsub_v1

        # The settings of pakn.platform.pubsub.Publisher, written out: this file must not import pakn.
        return pubsub_v1.PublisherClient(
            batch_settings=pubsub_v1.types.BatchSettings(max_latency=0.002),
            publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True),
        )

    client = _once("pubsub", build)
    body = request.stream.read(MAX_BYTES + 1)
    topic = f"projects/{_project()}/topics/{_topic()}"
    future = client.publish(topic, body, ordering_key=request.headers.get(ORDERING_HEADER, ""))
    return {"status": "accepted", "message_id": future.result(timeout=10)}, 200


@functions_framework.http
def bare_firestore(request):
    """The cold-start baseline of the workers: google.cloud.firestore only, one read and one write."""

    def build():
        from google.cloud import firestore

        return firestore.Client(project=_project())

    db = _once("firestore", build)
    ref = db.collection("bench_cold_start").document("bare")
    snapshot = ref.get()
    ref.set({"calls": (snapshot.get("calls") if snapshot.exists else 0) + 1})
    return {"status": "done"}, 200


@functions_framework.http
def bare_firebase(request):
    """The cold-start baseline of the officials' API: firebase_admin's app and auth module; a request
    without a token is refused (401) as the API refuses it."""

    def build():
        import firebase_admin
        from firebase_admin import auth  # noqa: F401 - what verifying an ID token needs

        return firebase_admin.initialize_app(options={"projectId": _project()}, name="bench-bare")

    _once("firebase", build)
    if not request.headers.get("Authorization"):
        return {"error": {"code": "unauthenticated", "message": "no token"}}, 401
    return {"status": "ok"}, 200

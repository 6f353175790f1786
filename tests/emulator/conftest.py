"""The pipeline on the real emulators, driven step by step: signed events into the webhook function,
Pub/Sub messages pulled from the declared subscriptions and pushed into the worker functions as Pub/Sub
would, and the OA's replies read back from the Zalo stand-in. Tests can duplicate and reorder deliveries.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import pytest

from pakn_dev.stack import DEV_ZALO
from pakn_dev.zalo_events import ZaloEventFactory
from pakn_dev.zalo_standin import StandinServer, make_app

MAIN = Path(__file__).resolve().parents[2] / "functions" / "main.py"
BA_DINH_COMPLAINT = "Tôi làm khai sinh cho con ở phường Trúc Bạch, quận Ba Đình mà cán bộ bắt bổ sung"


@dataclass
class Delivery:
    subscription: str
    function: str
    ack_id: str
    envelope: dict


def reset_runtime() -> None:
    """Forget every per-instance client and setting, as a new function instance would start."""
    from pakn import runtime
    from pakn.platform.settings import load_settings

    load_settings.cache_clear()
    for name in dir(runtime):
        clear = getattr(getattr(runtime, name), "cache_clear", None)
        if clear:
            clear()


class Pipeline:
    def __init__(self, project: str, standin: StandinServer):
        import functions_framework
        from google.cloud import pubsub_v1

        from pakn.platform.topology import load_topology
        from pakn_dev.local_topology import apply_topology

        self.project = project
        self.standin = standin
        self.topology = load_topology()
        apply_topology(project, self.topology, {}, pull_only=True)
        self.subscriber = pubsub_v1.SubscriberClient()
        self.clients = {
            function.name: functions_framework.create_app(function.name, str(MAIN), "http").test_client()
            for function in self.topology.functions
        }
        self.zalo = ZaloEventFactory(
            DEV_ZALO["ZALO_APP_ID"], DEV_ZALO["ZALO_OA_ID"], DEV_ZALO["ZALO_OA_SECRET_KEY"]
        )
        self._seen: dict[str, int] = {}

    # --- Zalo -> webhook ---------------------------------------------------------------------------

    def post(self, event: dict):
        """Zalo's POST of `event` to the webhook; Zalo (the stand-in) notes the citizen's interaction."""
        body, headers = self.zalo.signed(event)
        if event.get("event_name", "").startswith("user_") or event.get("event_name") == "follow":
            self.standin.control.user_event(event)
        return self.clients["zalo_webhook"].post("/", data=body, headers=headers)

    def say(self, citizen_id: str, text: str) -> list[str]:
        """The citizen types `text`; returns what the OA answers."""
        assert self.post(self.zalo.text(citizen_id, text)).status_code == 200
        self.run()
        return self.replies(citizen_id)

    def give_contact(self, citizen_id: str) -> list[str]:
        """The citizen answers Zalo's contact-details form; returns what the OA answers."""
        event = self.zalo.submit_info(citizen_id, "Nguyễn Văn An", "0912345678", "12 Hàng Bông")
        assert self.post(event).status_code == 200
        self.run()
        return self.replies(citizen_id)

    def file_case(self, citizen_id: str, text: str) -> list[str]:
        """The citizen writes `text`, gives details through the form and confirms; returns the OA's answer
        to the confirmation (the tracking code and the expected date)."""
        self.say(citizen_id, text)
        self.say(citizen_id, "xong")
        self.give_contact(citizen_id)
        return self.say(citizen_id, "1")

    def filed_case(self, citizen_id: str, text: str = BA_DINH_COMPLAINT) -> dict:
        """`citizen_id` files `text` through the whole conversation; returns the stored case (the database's
        only one) once what the filing said was read. The default is a procedure at Phường Ba Đình."""
        from google.cloud import firestore

        self.file_case(citizen_id, text)
        cases = firestore.Client(project=self.project).collection_group("cases").stream()
        [case] = [snapshot.to_dict() for snapshot in cases]
        self.run()
        self.replies(citizen_id)
        return case

    # --- Pub/Sub -> workers ------------------------------------------------------------------------

    def pull(self) -> list[Delivery]:
        found = []
        for sub in self.topology.subscriptions:
            if not sub.push_to:
                continue
            path = self.subscriber.subscription_path(self.project, sub.name)
            response = self.subscriber.pull(
                subscription=path, max_messages=50, return_immediately=True, timeout=10
            )
            for received in response.received_messages:
                message = received.message
                envelope = {
                    "message": {
                        "data": base64.b64encode(message.data).decode(),
                        "attributes": dict(message.attributes),
                        "messageId": message.message_id,
                        "orderingKey": message.ordering_key,
                    },
                    "subscription": path,
                }
                found.append(Delivery(path, sub.push_to, received.ack_id, envelope))
        return found

    def deliver(self, delivery: Delivery, ack: bool = True) -> int:
        """Pushes one message to its function; acks it on a 2xx answer (as Pub/Sub does) when `ack`."""
        response = self.clients[delivery.function].post("/", json=delivery.envelope)
        if ack and 200 <= response.status_code < 300:
            self.subscriber.acknowledge(subscription=delivery.subscription, ack_ids=[delivery.ack_id])
        elif ack:
            self.subscriber.modify_ack_deadline(
                subscription=delivery.subscription, ack_ids=[delivery.ack_id], ack_deadline_seconds=0
            )
        return response.status_code

    def run(self, rounds: int = 20) -> list[int]:
        """Delivers everything, including what the deliveries publish, until the topics are quiet."""
        statuses = []
        for _ in range(rounds):
            deliveries = self.pull()
            if not deliveries:
                return statuses
            statuses += [self.deliver(delivery) for delivery in deliveries]
        raise AssertionError(f"still busy after {rounds} rounds: {statuses[-10:]}")

    # --- Zalo stand-in -----------------------------------------------------------------------------

    def sent(self, citizen_id: str) -> list[dict]:
        """Every customer-service message the OA sent this citizen since the last call."""
        messages = self.standin.control.messages(user_id=citizen_id, since=self._seen.get(citizen_id, 0))
        if messages:
            self._seen[citizen_id] = messages[-1]["seq"]
        return [m["body"]["message"] for m in messages if m["channel"] == "cs"]

    def zns(self, **recipient: str) -> list[dict]:
        """Every ZNS template message sent to `user_id=` or `phone=`: template, parameters, tracking id."""
        return self.standin.control.messages(channel="zns", **recipient)

    def replies(self, citizen_id: str) -> list[str]:
        # A message without text shows its template ([media], [request_user_info]) or its kind ([file]).
        return [
            m.get("text") or f"[{m['attachment']['payload'].get('template_type') or m['attachment']['type']}]"
            for m in self.sent(citizen_id)
        ]


@pytest.fixture
def pipeline(project_id, monkeypatch):
    standin_app = make_app(
        DEV_ZALO["ZALO_APP_ID"], DEV_ZALO["ZALO_APP_SECRET"], DEV_ZALO["ZALO_REFRESH_TOKEN"]
    )
    with StandinServer(standin_app) as standin:
        for key, value in {
            **DEV_ZALO,
            "GOOGLE_CLOUD_PROJECT": project_id,
            "ZALO_API_BASE": standin.url,
            "ZALO_OAUTH_BASE": standin.url,
            "ZALO_ZNS_BASE": standin.url,
        }.items():
            monkeypatch.setenv(key, value)
        reset_runtime()
        pipeline = Pipeline(project_id, standin)
        yield pipeline
        pipeline.subscriber.close()
    reset_runtime()

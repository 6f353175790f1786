"""The functions as processes of their own (functions-framework, as `pakn dev` runs them) on the session's
emulators, with the declared topology pushing to them and the Zalo stand-in in front of Zalo: for tests
that need the Pub/Sub emulator's own push, redeliveries and all, or a function that can be killed."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from pakn.platform.topology import load_topology
from pakn_dev.local_topology import apply_topology
from pakn_dev.processes import Service, Supervisor, free_port, port_in_use
from pakn_dev.stack import DEV_ZALO, function_service
from pakn_dev.zalo_events import ZaloEventFactory
from pakn_dev.zalo_standin import StandinServer, make_app

# Every push target, the webhook in front and the outbox sweep behind.
FUNCTIONS = (
    "zalo_webhook",
    "handle_zalo_event",
    "send_outbound",
    "record_dead_letter",
    "sweep_case",
    "sweep_outbox",
)


@dataclass
class LiveStack:
    project: str
    standin: StandinServer
    supervisor: Supervisor
    services: dict[str, Service]
    zalo: ZaloEventFactory

    def url(self, function: str) -> str:
        return self.services[function].url + "/"

    def type(self, citizen_id: str, text: str) -> None:
        """The citizen types `text`: a signed event into the webhook."""
        body, headers = self.zalo.signed(self.zalo.text(citizen_id, text))
        assert (
            requests.post(self.url("zalo_webhook"), data=body, headers=headers, timeout=10).status_code == 200
        )

    def sweep_outbox(self) -> dict:
        """What Cloud Scheduler does every two minutes."""
        answer = requests.post(self.url("sweep_outbox"), timeout=60)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def kill(self, function: str) -> None:
        self.supervisor.kill(self.services[function])

    def restart(self, function: str) -> None:
        service = self.services[function]
        deadline = time.monotonic() + 10
        while port_in_use(service.port) and time.monotonic() < deadline:
            time.sleep(0.1)  # the killed group's last process is on its way out
        self.supervisor.start(service)
        self.supervisor.wait_ready([service])

    def received(self, citizen_id: str) -> list[str]:
        """The texts the OA sent this citizen, in the order the stand-in received them."""
        return [m["body"]["message"]["text"] for m in self.standin.control.messages(user_id=citizen_id)]


@contextlib.contextmanager
def live_stack(project: str, log_dir: Path):
    app = make_app(DEV_ZALO["ZALO_APP_ID"], DEV_ZALO["ZALO_APP_SECRET"], DEV_ZALO["ZALO_REFRESH_TOKEN"])
    with StandinServer(app) as standin:
        env = {
            **DEV_ZALO,
            "GOOGLE_CLOUD_PROJECT": project,
            "ZALO_API_BASE": standin.url,
            "ZALO_OAUTH_BASE": standin.url,
            "PYTHONUNBUFFERED": "1",
        }
        supervisor = Supervisor(log_dir)
        services = {name: function_service(name, free_port(), env) for name in FUNCTIONS}
        try:
            for service in services.values():
                supervisor.start(service)
            supervisor.wait_ready(list(services.values()))
            apply_topology(project, load_topology(), {name: s.url + "/" for name, s in services.items()})
            zalo = ZaloEventFactory(
                DEV_ZALO["ZALO_APP_ID"], DEV_ZALO["ZALO_OA_ID"], DEV_ZALO["ZALO_OA_SECRET_KEY"]
            )
            yield LiveStack(project, standin, supervisor, services, zalo)
        finally:
            supervisor.stop_all()

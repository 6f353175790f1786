"""`pakn dev` watches its stack (pakn_dev.stack.HealthWatch): when a push subscription stops delivering
(as when the Pub/Sub emulator's push threads die) or a function stops answering, one line names it, and
another says when it is back. On the real emulators, with the functions as processes of their own."""

from __future__ import annotations

import os
import signal
import time

import pytest
from google.cloud import pubsub_v1
from live_functions import live_stack

from pakn.platform.topology import load_topology
from pakn_dev.processes import free_port
from pakn_dev.stack import HealthWatch

pytestmark = pytest.mark.emulator

OUTBOUND = "outbound-messages-to-sender"


def watch_until(watch: HealthWatch, wanted: str, timeout: float = 30) -> list[str]:
    """Checks as `pakn dev` does (faster) until a line containing `wanted`; returns every line said."""
    said: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        said += watch.check()
        if any(wanted in line for line in said):
            return said
        time.sleep(0.5)
    raise AssertionError(f"no line with {wanted!r}; said: {said}")


def point_push_at(project: str, subscription: str, url: str) -> None:
    subscriber = pubsub_v1.SubscriberClient()
    try:
        subscriber.modify_push_config(
            subscription=subscriber.subscription_path(project, subscription),
            push_config={"push_endpoint": url},
        )
    finally:
        subscriber.close()


def test_pakn_dev_says_which_push_subscription_stopped_delivering_and_when_it_is_back(project_id, tmp_path):
    with live_stack(project_id, tmp_path / "logs") as live:
        watch = HealthWatch(project_id, load_topology(), live.supervisor, probe_within=5, probe_every=1)
        # Healthy: every probe arrives, nothing is said.
        said = []
        for _ in range(12):
            said += watch.check()
            time.sleep(0.5)
        assert said == []
        for sub in load_topology().subscriptions:
            if sub.push_to:  # each push subscription did carry probes to its function, unread
                assert "probe acknowledged" in (tmp_path / "logs" / f"{sub.push_to}.log").read_text(), (
                    sub.name
                )

        # The emulator no longer pushes this subscription's messages to the sender.
        point_push_at(project_id, OUTBOUND, f"http://127.0.0.1:{free_port()}/")
        said = watch_until(watch, f"{OUTBOUND} stopped delivering to send_outbound")
        [line] = said
        assert line.startswith(f"pakn dev: {OUTBOUND} stopped delivering to send_outbound: a probe published")
        assert "pubsub-emulator.log" in line
        assert watch.check() == []  # said once, not at every check

        point_push_at(project_id, OUTBOUND, live.url("send_outbound"))
        assert watch_until(watch, "again") == [f"pakn dev: {OUTBOUND} delivers to send_outbound again."]


def test_pakn_dev_says_which_service_stopped_answering(project_id, tmp_path):
    with live_stack(project_id, tmp_path / "logs") as live:
        watch = HealthWatch(project_id, load_topology(), live.supervisor, probe_pushes=False)
        assert watch.check() == []
        service = live.services["sweep_outbox"]
        # Alive but not answering: stopped, as a hung process would be.
        [process] = [p for s, p in live.supervisor.running if s is service]
        os.killpg(process.pid, signal.SIGSTOP)
        try:
            said = watch_until(watch, "stopped answering")
        finally:
            os.killpg(process.pid, signal.SIGCONT)
        log = tmp_path / "logs" / "sweep_outbox.log"
        assert said == [f"pakn dev: sweep_outbox stopped answering on {service.url} (its log: {log})."]
        assert watch_until(watch, "again") == [f"pakn dev: sweep_outbox answers again on {service.url}."]

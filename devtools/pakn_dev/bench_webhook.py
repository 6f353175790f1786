"""`python -m pakn_dev.bench_webhook`: how fast the webhook answers Zalo, on loopback.

Runs the real `zalo_webhook` under functions-framework with the Pub/Sub emulator behind it, and times
signed `user_send_text` events against a baseline measured in the same run on the same server: the GET
that answers Zalo's URL check (same HTTP stack, no verification, no publish). Bounded in count; loopback only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

from pakn.platform.topology import load_topology
from pakn_dev.emulators import (
    EmulatorPorts,
    client_environment,
    emulator_services,
    missing_prerequisites,
)
from pakn_dev.local_topology import apply_topology
from pakn_dev.processes import Supervisor, free_port
from pakn_dev.stack import DEV_ZALO, function_service
from pakn_dev.zalo_events import ZaloEventFactory

ZALO_LIMIT_MS = 2000
PROJECT = "demo-bench"


def _timed(call, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _describe(name: str, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"{name:<28} p50 {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms   max {ordered[-1]:7.2f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="events to time (at most 2,000)")
    args = parser.parse_args(argv)
    count = max(10, min(args.requests, 2000))
    missing = missing_prerequisites(auth=False)
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="pakn-bench-"))
    ports = EmulatorPorts(free_port(), free_port(), free_port(), free_port(), free_port())
    pubsub = next(s for s in emulator_services(ports, work, auth=False) if s.name == "pubsub-emulator")
    env = {**client_environment(ports, auth=False), **DEV_ZALO, "GOOGLE_CLOUD_PROJECT": PROJECT}
    webhook = function_service("zalo_webhook", free_port(), env)
    supervisor = Supervisor(work / "logs")
    try:
        supervisor.start(pubsub)
        supervisor.wait_ready([pubsub])
        os.environ.update(env)
        apply_topology(PROJECT, load_topology(), {}, pull_only=True)
        supervisor.start(webhook)
        supervisor.wait_ready([webhook])

        session = requests.Session()
        zalo = ZaloEventFactory(
            DEV_ZALO["ZALO_APP_ID"], DEV_ZALO["ZALO_OA_ID"], DEV_ZALO["ZALO_OA_SECRET_KEY"]
        )

        def post_event() -> None:
            body, headers = zalo.signed(
                zalo.text("9100000000000000001", "Cán bộ phường làm khó khi làm khai sinh")
            )
            response = session.post(webhook.url, data=body, headers=headers, timeout=5)
            assert response.status_code == 200, response.text

        def health() -> None:
            assert session.get(webhook.url, timeout=5).status_code == 200

        _timed(post_event, 20)  # first publish opens the channel: a cold start, not the steady state
        _timed(health, 20)
        baseline = _timed(health, count)
        events = _timed(post_event, count)
    finally:
        supervisor.stop_all()

    print(f"webhook on loopback, Pub/Sub emulator behind it, {count} requests each")
    print(_describe("baseline: GET (URL check)", baseline))
    print(_describe("signed user_send_text", events))
    ratio = statistics.median(events) / statistics.median(baseline)
    p95 = sorted(events)[int(count * 0.95) - 1]
    print(f"ratio                        {ratio:.1f}x the baseline at p50")
    print(f"Zalo's 2 s limit             p95 is {p95 / ZALO_LIMIT_MS:.1%} of it")
    return 0


if __name__ == "__main__":
    sys.exit(main())

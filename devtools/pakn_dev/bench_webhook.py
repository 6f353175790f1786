"""`python -m pakn_dev.bench_webhook`: the webhook under concurrent load, beside a bare handler, on loopback.

Serves the real `zalo_webhook` (functions/main.py) and `bare_webhook` (bench_bare_handler.py: publishes the
body it is given, unverified) under functions-framework, as Cloud Functions runs them, both publishing to
the same Pub/Sub emulator topic with the same publisher (batching, message ordering, timeout). Both get the
same signed `user_send_text` requests over keep-alive connections, N at a time for S seconds, in rounds
that alternate (bare, real, bare, real, ...) so that drift in the machine's load falls on both; once for
one citizen (one ordering key: the publisher sends its messages one batch at a time) and once for many.

Prints requests/s and p50/p99 per round, then the pooled figures with their ratios to the bare handler
and the targets: at least 0.9x the bare handler's throughput, p99 well inside Zalo's 2 seconds.
Bounded in time and count; 127.0.0.1 only. Figures, not assertions: no test runs this.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from pakn.platform.topology import load_topology
from pakn_dev.bench_bare_handler import EVENT_ID_HEADER, EVENT_TYPE_HEADER, ORDERING_HEADER
from pakn_dev.bench_cold_start import group_cpu_seconds
from pakn_dev.bench_stats import Latencies, format_ratio, interleaved, ratio, table
from pakn_dev.emulators import EmulatorPorts, client_environment, emulator_services, missing_prerequisites
from pakn_dev.local_topology import apply_topology
from pakn_dev.processes import Service, Supervisor, free_port
from pakn_dev.stack import DEV_ZALO, function_service
from pakn_dev.zalo_events import ZaloEventFactory

ZALO_LIMIT_MS = 2000
THROUGHPUT_TARGET = 0.9
PROJECT = "demo-bench"
BARE_SOURCE = Path(__file__).with_name("bench_bare_handler.py")
# Per connection and round, whatever the speed: the loop stops at the deadline or here.
MAX_REQUESTS_PER_CONNECTION = 50_000
POOL_SIZE = 8192
TEXT = "Cán bộ phường Trúc Bạch làm khó khi làm giấy khai sinh cho con, bắt bổ sung giấy tờ ba lần"


def bare_service(target: str, port: int, env: dict[str, str]) -> Service:
    """A baseline of bench_bare_handler.py, served exactly as stack.function_service serves main.py."""
    real = function_service(target, port, env)
    argv = list(real.argv)
    argv[argv.index("--source") + 1] = str(BARE_SOURCE)
    return Service(f"bare-{target}", argv, port, env=env)


@dataclass
class Request:
    body: bytes
    headers: dict[str, str]


def signed_requests(citizens: int, count: int, prefix: str = "91") -> list[Request]:
    """`count` signed text events from `citizens` citizens, round robin, each with its own msg_id; the
    headers carry what the bare handler needs (the real webhook ignores them), so both get the same bytes."""
    zalo = ZaloEventFactory(DEV_ZALO["ZALO_APP_ID"], DEV_ZALO["ZALO_OA_ID"], DEV_ZALO["ZALO_OA_SECRET_KEY"])
    requests = []
    for index in range(count):
        citizen = f"{prefix}{index % citizens + 1:017d}"
        msg_id = f"bench{citizens:03d}{index:012d}"
        body, headers = zalo.signed(zalo.text(citizen, TEXT, msg_id=msg_id))
        headers = {
            **headers,
            ORDERING_HEADER: citizen,
            EVENT_TYPE_HEADER: "user_send_text",
            EVENT_ID_HEADER: msg_id,
            "Connection": "keep-alive",
        }
        requests.append(Request(body, headers))
    return requests


@dataclass
class Round:
    series: str
    number: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    # CPU time the server's processes (gunicorn's master and worker) used during the round.
    server_cpu_s: float = 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        done = len(self.latencies_ms)
        return self.server_cpu_s * 1000 / done if done else float("nan")


def load(
    port: int,
    pool: list[Request],
    connections: int,
    seconds: float,
    series: str,
    number: int,
    server_group: int | None = None,
) -> Round:
    """`connections` threads, each with one keep-alive connection, POST from `pool` until the deadline;
    with `server_group`, the CPU time that process group used meanwhile."""
    result = Round(series, number)
    cpu_before = group_cpu_seconds(server_group) if server_group else 0.0
    lock = threading.Lock()
    counter = itertools.count()  # next() is atomic under the GIL: each request is taken once
    start = threading.Barrier(connections + 1)
    deadline_box: list[float] = []

    def worker() -> None:
        latencies: list[float] = []
        errors = 0
        statuses: dict[int, int] = {}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        start.wait()
        deadline = deadline_box[0]
        for _ in range(MAX_REQUESTS_PER_CONNECTION):
            if time.perf_counter() >= deadline:
                break
            request = pool[next(counter) % len(pool)]
            began = time.perf_counter()
            try:
                connection.request("POST", "/", body=request.body, headers=request.headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            elapsed = (time.perf_counter() - began) * 1000
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status == 200:
                latencies.append(elapsed)
            else:
                errors += 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.close()
        with lock:
            result.latencies_ms.extend(latencies)
            result.errors += errors
            for status, n in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + n

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline_box.append(began + seconds)
    start.wait()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    result.seconds = time.perf_counter() - began
    if server_group:
        result.server_cpu_s = group_cpu_seconds(server_group) - cpu_before
    return result


def _row(
    name: str, summary: Latencies, baseline: Latencies | None, cpu: float, baseline_cpu: float | None
) -> list[str]:
    row = [
        name,
        f"{summary.count:,}",
        f"{summary.per_second:,.0f}",
        f"{summary.p50:.2f}",
        f"{summary.p99:.2f}",
        f"{summary.maximum:.1f}",
        str(summary.errors),
        f"{cpu:.2f}",
    ]
    if baseline is None or baseline_cpu is None:
        return [*row, "", "", "", ""]
    return [
        *row,
        format_ratio(ratio(summary.per_second, baseline.per_second)),
        format_ratio(ratio(summary.p50, baseline.p50)),
        format_ratio(ratio(summary.p99, baseline.p99)),
        format_ratio(ratio(cpu, baseline_cpu)),
    ]


HEADER = [
    "series",
    "ok",
    "req/s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "errors",
    "server cpu ms/req",
    "req/s ratio",
    "p50 ratio",
    "p99 ratio",
    "cpu ratio",
]


def report(citizens: int, rounds: list[Round]) -> tuple[str, Latencies, Latencies]:
    lines = [f"\n{citizens} citizen(s): {len(rounds) // 2} interleaved rounds per series"]
    rows = []
    pooled: dict[str, Latencies] = {}
    per_round_baseline: dict[int, tuple[Latencies, float]] = {}
    for result in rounds:
        summary = Latencies.of(result.latencies_ms, result.seconds, result.errors)
        cpu = result.cpu_ms_per_request
        if result.series == "bare":
            per_round_baseline[result.number] = (summary, cpu)
            rows.append(_row(f"round {result.number} bare", summary, None, cpu, None))
        else:
            baseline, baseline_cpu = per_round_baseline.get(result.number, (None, None))
            rows.append(_row(f"round {result.number} real", summary, baseline, cpu, baseline_cpu))
    cpus = {}
    for series in ("bare", "real"):
        mine = [r for r in rounds if r.series == series]
        pooled[series] = Latencies.of(
            [latency for r in mine for latency in r.latencies_ms],
            sum(r.seconds for r in mine),
            sum(r.errors for r in mine),
        )
        cpus[series] = sum(r.server_cpu_s for r in mine) * 1000 / max(1, pooled[series].count)
    rows.append(_row("all rounds: bare", pooled["bare"], None, cpus["bare"], None))
    rows.append(_row("all rounds: zalo_webhook", pooled["real"], pooled["bare"], cpus["real"], cpus["bare"]))
    lines.append(table(HEADER, rows))
    bad = {s: n for r in rounds for s, n in r.statuses.items() if s != 200}
    if bad:
        lines.append(f"non-200 answers: {bad}")
    return "\n".join(lines), pooled["bare"], pooled["real"]


def _payload_sizes() -> str:
    from pakn.intake.events import normalise
    from pakn.zalo.events import parse_event

    body = signed_requests(1, 1)[0].body
    published = normalise(parse_event(json.loads(body))).model_dump_json().encode()
    return (
        f"\npublished per request: bare {len(body)} bytes (the request body, as is), "
        f"zalo_webhook {len(published)} bytes (its normalised CitizenEvent)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each round (at most 60)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per series (at most 10)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (at most 64)")
    parser.add_argument(
        "--citizens", default="1,64", help="comma-separated citizen counts, one scenario each (default 1,64)"
    )
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="seconds of unmeasured load per server first"
    )
    parser.add_argument("--functions", type=Path, help="another copy of functions/ to serve (a proposal)")
    args = parser.parse_args(argv)
    seconds = max(1.0, min(args.seconds, 60.0))
    rounds = max(1, min(args.rounds, 10))
    connections = max(1, min(args.connections, 64))
    scenarios = [max(1, min(int(n), 10_000)) for n in args.citizens.split(",") if n.strip()]
    missing = missing_prerequisites(auth=False)
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="pakn-bench-webhook-"))
    ports = EmulatorPorts(free_port(), free_port(), free_port(), free_port(), free_port())
    pubsub = next(s for s in emulator_services(ports, work, auth=False) if s.name == "pubsub-emulator")
    env = {
        **client_environment(ports, auth=False),
        **DEV_ZALO,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "BENCH_TOPIC": load_topology().topic("events").name,
    }
    real = function_service("zalo_webhook", free_port(), env)
    if args.functions:
        functions = args.functions.resolve()
        real.argv[real.argv.index("--source") + 1] = str(functions / "main.py")
        real.env = {**real.env, "PYTHONPATH": str(functions)}
    bare = bare_service("bare_webhook", free_port(), env)
    servers = {"bare": bare, "real": real}
    supervisor = Supervisor(work / "logs")
    output = []
    try:
        supervisor.start(pubsub)
        supervisor.wait_ready([pubsub])
        os.environ.update(env)
        apply_topology(PROJECT, load_topology(), {}, pull_only=True)
        supervisor.start(real)
        supervisor.start(bare)
        supervisor.wait_ready([real, bare])
        print(
            f"webhook bench: {connections} connections, {rounds} x {seconds:.0f} s per series and scenario, "
            f"Pub/Sub emulator behind both; logs in {work / 'logs'}",
            flush=True,
        )
        for citizens in scenarios:
            pool = signed_requests(citizens, POOL_SIZE)
            for name, service in servers.items():  # the first publishes open the channels: not measured
                load(service.port, pool, connections, args.warmup, name, 0)
            results = []
            for number, name in interleaved(["bare", "real"], rounds):
                for service, process in supervisor.running:
                    if process.poll() is not None:
                        raise RuntimeError(f"{service.name} exited with code {process.returncode}")
                group = next(p.pid for s, p in supervisor.running if s is servers[name])
                result = load(servers[name].port, pool, connections, seconds, name, number, group)
                print(
                    f"  {citizens:>4} citizen(s) round {number} {name:<4} "
                    f"{len(result.latencies_ms) / result.seconds:8,.0f} req/s",
                    flush=True,
                )
                results.append(result)
            text, baseline, measured = report(citizens, results)
            throughput = ratio(measured.per_second, baseline.per_second)
            verdict = "met" if throughput >= THROUGHPUT_TARGET else "NOT met"
            text += (
                f"\ntarget >= {THROUGHPUT_TARGET}x the bare handler's throughput: "
                f"{throughput:.3f}x ({verdict}); "
                f"p99 {measured.p99:.1f} ms = {measured.p99 / ZALO_LIMIT_MS:.1%} of Zalo's 2 s"
            )
            output.append(text)
        output.append(_payload_sizes())
    finally:
        supervisor.stop_all()
    print("\n".join(output))
    return 0


if __name__ == "__main__":
    sys.exit(main())

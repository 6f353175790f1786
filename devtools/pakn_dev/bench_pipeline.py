"""`python -m pakn_dev.bench_pipeline`: citizens filing cases through the whole local stack, N at a time.

Starts `pakn dev`'s stack (stack.LocalStack: the emulators, the Zalo stand-in, every function under
functions-framework, the declared topology with push subscriptions to them, the seed data) on free ports in
a work directory of its own, every function's Firestore calls counted in its process
(bench_firestore_counter: the emulator has no counter API). Then each citizen files a case as a phone
would: the complaint, XONG, Zalo's contact form (a `user_submit_info` event), 1, waiting for the OA's
answer to each at the stand-in before the next (each wait bounded).

Prints cases per second, p50/p95 from the confirming "1" to the case stored (the case document's create
time in the emulator) and to the OA's reply with the tracking code at the stand-in, and Firestore reads and
writes per filed case, by function and collection. The latency baseline is measured in the same run on the
same emulator: one Pub/Sub publish -> push hop to an empty handler, with ordering keys, N at a time; a
filing's confirmation crosses two such hops (events -> conversation, outbound -> sender).
Bounded in count and time; 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pakn_dev.bench_citizens import Citizen, StandinFeed, complaints
from pakn_dev.bench_firestore_counter import NUMBERS, difference, read_counts
from pakn_dev.bench_stack import BenchStack, running
from pakn_dev.bench_stats import format_ratio, percentile, ratio, table
from pakn_dev.emulators import missing_prerequisites
from pakn_dev.processes import free_port

SETTLE_SECONDS = 60.0


def settle(count_dir: Path, quiet: float = 2.0, limit: float = SETTLE_SECONDS) -> dict:
    """The counts once no function has touched Firestore for `quiet` seconds (at most `limit`)."""
    deadline = time.monotonic() + limit
    last, since = read_counts(count_dir), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = read_counts(count_dir)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return last


# --- the baseline: one publish -> push hop ---------------------------------------------------------------


class _Sink(BaseHTTPRequestHandler):
    arrivals: dict[str, float] = {}
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        arrived = time.time()
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        number = base64.b64decode(body["message"]["data"]).decode()
        with self.lock:
            self.arrivals.setdefault(number, arrived)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def push_hop(project: str, count: int, concurrency: int) -> list[float]:
    """Latencies (ms) of `count` messages published (pakn's publisher: same batching and ordering) to a
    topic whose ordered push subscription posts to an empty handler, `concurrency` citizens at a time,
    each waiting for its message to arrive before sending the next."""
    from google.cloud import pubsub_v1

    from pakn.platform.pubsub import Publisher

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Sink)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    publisher = Publisher(project)
    admin = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    topic = admin.topic_path(project, "bench-push-hop")
    subscription = subscriber.subscription_path(project, "bench-push-hop")
    admin.create_topic(name=topic)
    subscriber.create_subscription(
        request={
            "name": subscription,
            "topic": topic,
            "enable_message_ordering": True,
            "push_config": {"push_endpoint": f"http://127.0.0.1:{server.server_port}/"},
        }
    )
    latencies: list[float] = []
    lock = threading.Lock()

    def citizen(index: int) -> None:
        for n in range(index, count, concurrency):
            number = str(n)
            sent = time.time()
            publisher.publish_raw("bench-push-hop", number.encode(), ordering_key=f"hop-{index}")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with _Sink.lock:
                    arrived = _Sink.arrivals.get(number)
                if arrived is not None:
                    with lock:
                        latencies.append((arrived - sent) * 1000)
                    break
                time.sleep(0.002)

    try:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(citizen, range(concurrency)))
    finally:
        subscriber.delete_subscription(subscription=subscription)
        admin.delete_topic(topic=topic)
        subscriber.close()
        server.shutdown()
    return latencies


# --- the run ---------------------------------------------------------------------------------------------


def file_all(info, feed: StandinFeed, ids: list[str], texts: list[str], concurrency: int, wait: float):
    def one(pair: tuple[int, str]) -> Citizen:
        index, citizen_id = pair
        citizen = Citizen(citizen_id, info.webhook_url + "/", feed, wait_seconds=wait)
        try:
            citizen.code = citizen.file_case(texts[index % len(texts)])
        except Exception as exc:  # recorded, the others go on
            citizen.failed = f"{type(exc).__name__}: {exc}"
            citizen.code = None
        return citizen

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, enumerate(ids)))


def case_create_times(project: str) -> dict[str, float]:
    """Tracking code -> when the emulator stored the case (its create_time)."""
    from google.cloud import firestore

    db = firestore.Client(project=project)
    return {
        snapshot.get("tracking_code"): _epoch(snapshot.create_time)
        for snapshot in db.collection_group("cases").stream()
    }


def _epoch(timestamp) -> float:
    """A snapshot's create_time, a datetime or a protobuf Timestamp depending on the client's version."""
    if hasattr(timestamp, "timestamp"):
        return timestamp.timestamp()
    return timestamp.seconds + timestamp.nanos / 1e9


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q):.0f}" if values else "-"


def print_counts(counts: dict[str, dict], cases: int) -> None:
    print(f"\nFirestore per filed case ({cases} cases; counted in each function's process, client side):")
    rows = []
    for name, numbers in sorted(counts.items()):
        if not any(numbers[n] for n in NUMBERS):
            continue
        rows.append([name, *(f"{numbers[n] / cases:.2f}" for n in NUMBERS)])
    totals = {n: sum(c[n] for c in counts.values()) for n in NUMBERS}
    rows.append(["all functions", *(f"{totals[n] / cases:.2f}" for n in NUMBERS)])
    print(table(["function", *NUMBERS], rows))
    reads: dict[str, int] = {}
    writes: dict[str, int] = {}
    for numbers in counts.values():
        for collection, n in numbers["reads_by_collection"].items():
            reads[collection] = reads.get(collection, 0) + n
        for collection, n in numbers["writes_by_collection"].items():
            writes[collection] = writes.get(collection, 0) + n
    print("documents read per case by collection: " + _per_case(reads, cases))
    print("writes per case by collection:         " + _per_case(writes, cases))
    billed = totals["documents_read"] + totals["missing_gets"] + totals["empty_queries"]
    print(
        f"reads as billed (documents + missing gets + empty queries): {billed / cases:.2f} per case; "
        f"writes {totals['writes'] / cases:.2f} per case in {totals['commits'] / cases:.2f} commits"
    )


def _per_case(by_collection: dict[str, int], cases: int) -> str:
    return ", ".join(f"{c} {n / cases:.2f}" for c, n in sorted(by_collection.items(), key=lambda i: -i[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=300, help="citizens who each file a case (<= 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="citizens filing at once (<= 64)")
    parser.add_argument("--warmup", type=int, default=8, help="citizens filing first, not measured")
    parser.add_argument("--wait", type=float, default=60.0, help="seconds a citizen waits for an answer")
    parser.add_argument("--hops", type=int, default=200, help="messages of the push-hop baseline")
    args = parser.parse_args(argv)
    citizens = max(1, min(args.citizens, 2000))
    concurrency = max(1, min(args.concurrency, 64))
    missing = missing_prerequisites()
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="pakn-bench-pipeline-"))
    count_dir = work / "firestore-counts"
    stack = BenchStack(work, count_dir=count_dir)
    texts = complaints()
    run = f"{int(time.time()) % 100000:05d}"
    print(f"pipeline bench: stack on ports from {stack.port_base}, logs in {work / 'logs'}", flush=True)
    started = time.monotonic()
    with running(stack) as info, StandinFeed(info.zalo_url) as feed:
        print(f"stack ready in {time.monotonic() - started:.0f} s", flush=True)
        project = info.project
        os.environ["GOOGLE_CLOUD_PROJECT"] = project
        hops = push_hop(project, max(10, min(args.hops, 2000)), concurrency)

        warm_ids = [f"97{run}{i:012d}" for i in range(args.warmup)]
        warm = file_all(info, feed, warm_ids, texts, concurrency, args.wait)
        before = settle(count_dir)

        ids = [f"98{run}{i:012d}" for i in range(citizens)]
        began = time.time()
        filers = file_all(info, feed, ids, texts, concurrency, args.wait)
        wall = time.time() - began
        after = settle(count_dir)
        stored = case_create_times(project)

    filed_ok = [c for c in filers if c.code]
    failures = [c for c in filers if not c.code]
    to_reply = [c.step_named("confirm").seconds * 1000 for c in filed_ok]
    to_store = [
        (stored[c.code] - c.step_named("confirm").sent_at) * 1000 for c in filed_ok if c.code in stored
    ]
    per_step = {
        name: [s.seconds * 1000 for c in filed_ok for s in c.steps if s.name == name and s.seconds]
        for name in ("complaint", "xong", "contact", "confirm")
    }
    print(
        f"\n{len(filed_ok)} of {citizens} citizens filed a case in {wall:.1f} s, {concurrency} at a time "
        f"({len(failures)} failed; warm-up: {sum(1 for c in warm if c.code)} of {len(warm)})"
    )
    for citizen in failures[:5]:
        print(f"  {citizen.citizen_id}: {citizen.failed}")
    hop_p50 = percentile(hops, 50) if hops else float("nan")
    hop_p95 = percentile(hops, 95) if hops else float("nan")
    rows = [
        ["baseline: one publish -> push hop", len(hops), _ms(hops, 50), _ms(hops, 95), "", ""],
        [
            "confirm '1' -> case stored",
            len(to_store),
            _ms(to_store, 50),
            _ms(to_store, 95),
            format_ratio(ratio(percentile(to_store, 50), hop_p50)) if to_store else "-",
            format_ratio(ratio(percentile(to_store, 95), hop_p95)) if to_store else "-",
        ],
        [
            "confirm '1' -> reply at the stand-in",
            len(to_reply),
            _ms(to_reply, 50),
            _ms(to_reply, 95),
            format_ratio(ratio(percentile(to_reply, 50), 2 * hop_p50)) if to_reply else "-",
            format_ratio(ratio(percentile(to_reply, 95), 2 * hop_p95)) if to_reply else "-",
        ],
    ]
    for name, values in per_step.items():
        rows.append([f"  step {name} -> its answer", len(values), _ms(values, 50), _ms(values, 95), "", ""])
    print(
        f"cases/s {len(filed_ok) / wall:.2f}; latencies in ms; ratios to the baseline's hop "
        "(case stored: one hop; reply: two hops)"
    )
    print(table(["what", "n", "p50", "p95", "p50 ratio", "p95 ratio"], rows))
    if filed_ok:
        print_counts(difference(after, before), len(filed_ok))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())

"""`python -m pakn_dev.soak --seconds N`: mixed traffic against the local stack while Zalo misbehaves.

Starts `pakn dev`'s stack (stack.LocalStack, via bench_stack) on free ports in its own work directory,
with the functions' Zalo API calls passing through a fault injector in this process: a share of the calls
(30 % by default) fail, each at random one of: HTTP 503 or 500, a timeout (no answer until the client
gives up), access token invalid (-216) or expired (-220), rate limit (-32), citizen outside the 7-day
window (-230). All but the timeout are the Zalo stand-in's own fault controls (POST /_standin/faults, one
call each), so the stand-in answers them as Zalo does. `--lost-answers` adds the fault no design can
absorb: Zalo sends the message and the answer is lost (the client times out and sends again).

For N seconds (default 600) citizens file cases (message, XONG, the contact form, 1), look them up (TRA CỨU,
HỒ SƠ) and chat, CONCURRENCY at a time, each waiting (bounded) for the OA's answers. Part way through, one
worker function (by default handle_zalo_event, the conversation worker, which sends each turn's replies
itself) is killed with SIGKILL and started again. The outbox sweep runs every two minutes, as Cloud
Scheduler runs it. Then the faults stop, and the soak waits (bounded) for the outbox to heal: every delivery
settled (final, or held for the citizen's next message), nothing more arriving at the stand-in, the outbox
sweep run every 15 s meanwhile.

Prints events in, events processed, cases filed, replies sent, replies sent more than once (duplicates,
target 0: the same message to the same citizen more often than the recorded deliveries hold it), replies
not sent, deliveries still not settled after healing (stuck, target 0), dead letters with their reasons, and
the faults injected. Bounded in time and count; 127.0.0.1 only. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import requests

from pakn_dev.bench_citizens import (
    Citizen,
    StandinFeed,
    any_answer,
    complaints,
)
from pakn_dev.bench_stats import excess
from pakn_dev.processes import free_port

# The Zalo client gives up on an answer after READ_TIMEOUT (8 s, pakn.zalo.client): hold a little longer.
TIMEOUT_HOLD = 9.0
FAULTS = ("http_503", "http_500", "timeout", "error_-216", "error_-220", "error_-32", "error_-230")
LOST_ANSWER = "lost_answer"
SWEEP_OUTBOX = "sweep-outbox"
# Ended, or waiting by design for the citizen's next message (held: outside the 7-day window with no ZNS
# template for it): nothing the stack still has to do.
SETTLED = frozenset({"sent", "unreachable", "rejected", "held"})


def choose_fault(rng: random.Random, rate: float, kinds: tuple[str, ...]) -> str | None:
    """None (pass the call through) with probability 1 - rate, else one of `kinds`, uniformly."""
    if rate <= 0 or rng.random() >= rate:
        return None
    return rng.choice(kinds)


def standin_fault(kind: str) -> dict | None:
    """The stand-in's fault control for `kind` (one call), or None for the kinds the injector plays."""
    if kind.startswith("http_"):
        return {"http_status": int(kind.split("_", 1)[1]), "count": 1}
    if kind.startswith("error_"):
        return {"error": int(kind.split("_", 1)[1]), "count": 1}
    return None


# --- what was sent, against what was recorded ---------------------------------------------------------


def sent_signature(body: dict) -> tuple:
    """What one message sent to Zalo says, from the body of POST /v3.0/oa/message/cs."""
    message = body.get("message") or {}
    attachment = message.get("attachment") or {}
    payload = attachment.get("payload") or {}
    elements = payload.get("elements") or [{}]
    template = payload.get("template_type")
    extra = None
    if template == "request_user_info":
        extra = ("form", elements[0].get("title"))
    elif template == "media":
        extra = ("image", elements[0].get("url"))
    return (message.get("text") or "", extra)


def recorded_signature(message: dict) -> tuple:
    """The same for one message of a delivery record (pakn.delivery.outbox.OutboundMessage)."""
    kind = message.get("kind", "text")
    if kind == "request_user_info":
        return ("", ("form", message.get("title")))
    if kind == "image":
        return (message.get("text") or "", ("image", message.get("image_url")))
    return (message.get("text") or "", None)


def delivery_messages(record: dict) -> list[dict]:
    """A delivery record's messages: `messages`, or the older single `message`."""
    if isinstance(record.get("messages"), list):
        return record["messages"]
    return [record["message"]] if isinstance(record.get("message"), dict) else []


@dataclass
class Outcome:
    duplicates: dict[tuple, int]
    missing: dict[tuple, int]
    expected: int
    sent: int


def compare(sent: list[tuple[str, tuple]], records: list[dict]) -> Outcome:
    """Duplicates: sends to a citizen of a message more often than that citizen's delivery records hold
    it. Missing: messages of deliveries recorded as sent that never reached the stand-in."""
    expected = [
        (record.get("citizen_id"), recorded_signature(message))
        for record in records
        for message in delivery_messages(record)
    ]
    delivered = [
        (record.get("citizen_id"), recorded_signature(message))
        for record in records
        if record.get("state") == "sent"
        for message in delivery_messages(record)
    ]
    return Outcome(
        duplicates=excess(sent, expected),
        missing=excess(delivered, sent),
        expected=len(expected),
        sent=len(sent),
    )


# --- the fault injector --------------------------------------------------------------------------------


class FaultInjector:
    """An HTTP server in front of the stand-in's API: passes calls through, or fails a share of them."""

    def __init__(self, standin_url: str, rate: float, kinds: tuple[str, ...], seed: int):
        self.target = urlsplit(standin_url)
        self.rate = 0.0  # off until the traffic starts; `rate` then
        self.planned_rate = rate
        self.kinds = kinds
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        self.calls = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FaultInjector:
        self._thread.daemon = True
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _decide(self) -> str | None:
        with self._lock:
            self.calls += 1
            kind = choose_fault(self._rng, self.rate, self.kinds)
            if kind:
                self.injected[kind] += 1
            return kind

    def _forward(self, method: str, path: str, headers, body: bytes) -> tuple[int, list, bytes]:
        connection = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=30)
        try:
            forwarded = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
            connection.request(method, path, body=body or None, headers=forwarded)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _arm(self, fault: dict) -> None:
        url = f"{self.target.scheme}://{self.target.netloc}/_standin/faults"
        requests.post(url, json=fault, timeout=5).raise_for_status()

    def _handler(self):
        injector = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = injector._decide() if self.path.startswith("/v3.0/") else None
                if kind == "timeout":
                    time.sleep(TIMEOUT_HOLD)  # Zalo never answers; the client has given up by now
                    self.close_connection = True
                    return
                fault = standin_fault(kind) if kind else None
                if fault is not None:
                    injector._arm(fault)
                status, headers, answer = injector._forward(self.command, self.path, self.headers, body)
                if kind == LOST_ANSWER:
                    time.sleep(TIMEOUT_HOLD)  # Zalo sent it; its answer is lost on the way back
                    self.close_connection = True
                    return
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in (
                        "content-length",
                        "connection",
                        "transfer-encoding",
                        "date",
                        "server",
                    ):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = _any  # noqa: N815 - http.server's names

            def log_message(self, *args) -> None:
                pass

        return Handler


# --- the citizens ---------------------------------------------------------------------------------------


@dataclass
class Traffic:
    deadline: float
    webhook_url: str
    feed: StandinFeed
    wait: float
    seed: int
    texts: list[str] = field(default_factory=complaints)
    lock: threading.Lock = field(default_factory=threading.Lock)
    scripts: Counter[str] = field(default_factory=Counter)
    gave_up: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    events: int = 0
    codes: list[str] = field(default_factory=list)
    counter: int = 0

    def next_id(self) -> str:
        with self.lock:
            self.counter += 1
            return f"99{self.seed % 10000:04d}{self.counter:013d}"

    def citizen(self) -> Citizen:
        citizen = Citizen(self.next_id(), self.webhook_url, self.feed, wait_seconds=self.wait)
        citizen.stop_at = self.deadline
        return citizen

    def run_one(self, rng: random.Random) -> None:
        script = rng.choices(["filing", "lookup", "chatter"], weights=[5, 2, 3])[0]
        citizen = self.citizen()
        try:
            getattr(self, script)(citizen, rng)
        except Exception as exc:  # a script's failure is counted; the soak goes on
            with self.lock:
                self.errors[type(exc).__name__] += 1
        with self.lock:
            self.scripts[script] += 1
            self.events += citizen.events_sent
            if citizen.failed:
                self.gave_up[script] += 1

    def _pause(self, rng: random.Random) -> bool:
        time.sleep(rng.uniform(0.1, 0.6))
        return time.monotonic() < self.deadline

    def filing(self, citizen: Citizen, rng: random.Random) -> None:
        code = citizen.file_case(rng.choice(self.texts))
        if not code:
            return
        with self.lock:
            self.codes.append(code)
        if rng.random() < 0.5 and self._pause(rng):
            citizen.say("lookup", f"TRA CỨU {code}")
        if rng.random() < 0.3 and self._pause(rng):
            citizen.say("my cases", "HỒ SƠ")

    def lookup(self, citizen: Citizen, rng: random.Random) -> None:
        with self.lock:
            known = rng.choice(self.codes) if self.codes else None
        # Another citizen's code is not theirs to see: the OA says it found nothing.
        code = known if known and rng.random() < 0.5 else f"HN-{rng.randrange(36**6):06X}"[:9]
        citizen.say("lookup", f"tra cuu {code}")
        if self._pause(rng):
            citizen.say("my cases", "ho so")

    def chatter(self, citizen: Citizen, rng: random.Random) -> None:
        first = rng.choice(["alo", "hướng dẫn", "xin chào", "cho hỏi kênh này làm gì"])
        citizen.say("chatter", first)
        if self._pause(rng):
            citizen.say("chatter", rng.choice(["cảm ơn", "hủy", "ok", "mới"]), any_answer)


def drive(traffic: Traffic, concurrency: int, max_scripts: int) -> None:
    def worker(index: int) -> None:
        rng = random.Random(traffic.seed * 1000 + index)
        for _ in range(max_scripts):
            if time.monotonic() >= traffic.deadline:
                return
            traffic.run_one(rng)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))


# --- Firestore at the end -------------------------------------------------------------------------------


def read_state(project: str) -> dict:
    from google.cloud import firestore

    db = firestore.Client(project=project)
    deliveries = [snapshot.to_dict() for snapshot in db.collection("deliveries").stream()]
    return {
        "deliveries": deliveries,
        "cases": sum(1 for _ in db.collection_group("cases").select([]).stream()),
        # An event that caused replies is marked by their delivery, one that caused none by its own marker.
        "events_processed": sum(1 for _ in db.collection("inbound_events").select([]).stream())
        + sum(1 for delivery in deliveries if delivery["key"].endswith("#replies")),
        "dead_letters": [snapshot.to_dict() for snapshot in db.collection("dead_letters").stream()],
    }


def heal(stack, feed: StandinFeed, project: str, limit: float, sweep_every: float) -> tuple[dict, float]:
    """Until every delivery is final and nothing more reaches the stand-in for a while (at most `limit`
    seconds), running the outbox sweep every `sweep_every` seconds."""
    began = time.monotonic()
    next_sweep = began
    last_count, quiet_since = len(feed.all), time.monotonic()
    state = read_state(project)
    while time.monotonic() - began < limit:
        if time.monotonic() >= next_sweep:
            stack.fire(SWEEP_OUTBOX)
            next_sweep = time.monotonic() + sweep_every
        time.sleep(3)
        state = read_state(project)
        open_deliveries = [d for d in state["deliveries"] if d.get("state") not in SETTLED]
        if len(feed.all) != last_count:
            last_count, quiet_since = len(feed.all), time.monotonic()
        if not open_deliveries and time.monotonic() - quiet_since >= 10:
            break
    return state, time.monotonic() - began


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=600, help="seconds of traffic (10 to 3600)")
    parser.add_argument("--concurrency", type=int, default=8, help="citizens at once (at most 64)")
    parser.add_argument("--fault-rate", type=float, default=0.3, help="share of Zalo API calls that fail")
    parser.add_argument("--lost-answers", action="store_true", help="also: sent, but the answer is lost")
    parser.add_argument(
        "--kill", default="handle_zalo_event", help="the worker killed and restarted mid-run (it sends too)"
    )
    parser.add_argument("--kill-at", type=float, default=0.4, help="when, as a share of the traffic time")
    parser.add_argument("--down-seconds", type=float, default=3.0, help="how long it stays down")
    parser.add_argument("--wait", type=float, default=30.0, help="seconds a citizen waits for an answer")
    parser.add_argument("--heal-seconds", type=float, default=300.0, help="the most to wait for healing")
    parser.add_argument("--sweep-every", type=float, default=120.0, help="the outbox sweep during traffic")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    seconds = max(10.0, min(args.seconds, 3600.0))
    concurrency = max(1, min(args.concurrency, 64))
    seed = args.seed if args.seed is not None else int(time.time())
    kinds = FAULTS + ((LOST_ANSWER,) if args.lost_answers else ())

    from pakn_dev.bench_stack import BenchStack, running
    from pakn_dev.emulators import missing_prerequisites

    missing = missing_prerequisites()
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="pakn-soak-"))
    # The stand-in's address is known before the stack starts: the injector goes in front of it.
    stack = BenchStack(work)
    injector = FaultInjector(stack.standin_url, args.fault_rate, kinds, seed)
    stack.zalo_api_base = injector.url
    print(
        f"soak: {seconds:.0f} s of traffic, {concurrency} citizens at a time, {args.fault_rate:.0%} of Zalo "
        f"calls failing ({', '.join(kinds)}), {args.kill} killed at {args.kill_at:.0%}; seed {seed}; "
        f"stack on ports from {stack.port_base}, logs in {work / 'logs'}",
        flush=True,
    )
    kill_report: dict = {}
    with injector, running(stack) as info, StandinFeed(info.zalo_url, max_seconds=seconds + 3600) as feed:
        if args.kill not in info.function_urls:
            print(f"no function {args.kill}: nothing will be killed", flush=True)
        # The OA's first token grant, before any fault: the first one is once a deploy, not once a call.
        warm = Citizen("9900000000000000001", info.webhook_url + "/", feed, wait_seconds=60)
        warm.say("warm-up", "hướng dẫn")
        traffic = Traffic(time.monotonic() + seconds, info.webhook_url + "/", feed, args.wait, seed)
        injector.rate = args.fault_rate

        def scheduler() -> None:
            began = time.monotonic()
            killed = args.kill not in info.function_urls
            next_sweep = began + args.sweep_every
            while time.monotonic() < traffic.deadline:
                now = time.monotonic()
                if not killed and now - began >= seconds * args.kill_at:
                    killed = True
                    kill_report["at"] = now - began
                    kill_report["restart"] = stack.restart(args.kill, args.down_seconds)
                    print(
                        f"  {args.kill} killed at {kill_report['at']:.0f} s, answering again "
                        f"{args.down_seconds + kill_report['restart']:.1f} s later",
                        flush=True,
                    )
                if now >= next_sweep:
                    stack.fire(SWEEP_OUTBOX)
                    next_sweep = now + args.sweep_every
                time.sleep(0.5)

        background = threading.Thread(target=scheduler, daemon=True)
        began = time.monotonic()
        background.start()
        drive(traffic, concurrency, max_scripts=100_000)
        background.join(timeout=120)
        traffic_seconds = time.monotonic() - began
        injector.rate = 0.0
        print(
            f"  traffic done after {traffic_seconds:.0f} s; faults off; healing (at most "
            f"{args.heal_seconds:.0f} s) ...",
            flush=True,
        )
        state, healing = heal(stack, feed, info.project, args.heal_seconds, sweep_every=15.0)
        feed.poll_once()
        sent = [(m["user_id"], sent_signature(m["body"])) for m in feed.all]
        stats = requests.get(info.zalo_url + "/_standin/stats", timeout=5).json()

    return report(traffic, traffic_seconds, state, healing, sent, injector, stats, kill_report, args)


def report(traffic, traffic_seconds, state, healing, sent, injector, stats, kill_report, args) -> int:
    deliveries = state["deliveries"]
    states = Counter(d.get("state", "?") for d in deliveries)
    stuck = [d for d in deliveries if d.get("state") not in SETTLED]
    outcome = compare(sent, deliveries)
    duplicates = sum(outcome.duplicates.values())
    missing = sum(outcome.missing.values())
    letters = Counter(letter.get("reason", "?")[:120] for letter in state["dead_letters"])
    injected = sum(injector.injected.values())
    print()
    print(
        f"traffic               {traffic_seconds:.0f} s, {sum(traffic.scripts.values())} citizens: "
        + ", ".join(f"{n} {k}" for k, n in traffic.scripts.most_common())
    )
    print(f"events in             {traffic.events + 1} accepted by the webhook (with the warm-up)")
    print(f"events processed      {state['events_processed']} (their replies' deliveries and markers)")
    print(f"cases filed           {state['cases']}")
    print(
        f"replies sent          {outcome.sent} messages at the stand-in; "
        f"the deliveries hold {outcome.expected}"
    )
    print(f"duplicates            {duplicates} (target 0)")
    for (user, signature), n in list(outcome.duplicates.items())[:5]:
        attachment = f" + {signature[1]}" if signature[1] else ""
        print(f"  {n} extra to {user}: {signature[0][:60]!r}{attachment}")
    print(
        f"replies not sent      {missing} messages of deliveries recorded as sent, not seen at the stand-in"
    )
    print(
        f"deliveries            {len(deliveries)}: " + ", ".join(f"{n} {s}" for s, n in states.most_common())
    )
    unsendable = sum(
        len(delivery_messages(d)) for d in deliveries if d.get("state") in ("unreachable", "rejected", "held")
    )
    print(
        f"not for sending now   {unsendable} messages of deliveries held for the citizen's next message "
        "(-230: outside the 7-day window, no ZNS template for a conversation's reply), unreachable or "
        "rejected: by design, not retried"
    )
    print(f"stuck after healing   {len(stuck)} not settled after {healing:.0f} s of healing (target 0)")
    for delivery in stuck[:5]:
        print(
            f"  {delivery.get('key')}: {delivery.get('state')}, attempts {delivery.get('attempts')}, "
            f"last error {delivery.get('last_error_code')}"
        )
    print(f"dead letters          {sum(letters.values())}" + ("" if letters else " (none)"))
    for reason, n in letters.most_common(10):
        print(f"  {n} x {reason}")
    print(
        f"faults injected       {injected} of {injector.calls} Zalo API calls "
        f"({injected / max(1, injector.calls):.0%}): "
        + ", ".join(f"{n} {k}" for k, n in sorted(injector.injected.items()))
    )
    print(
        f"stand-in              {stats.get('sends')} sends, {stats.get('refreshes')} token refreshes, "
        f"failures by code {stats.get('errors')}"
    )
    if kill_report:
        print(
            f"worker killed         {args.kill} at {kill_report['at']:.0f} s, "
            f"down {args.down_seconds:.0f} s, "
            f"answering {kill_report['restart']:.1f} s after its restart"
        )
    waits = sum(traffic.gave_up.values())
    print(
        f"citizens who gave up  {waits} waited more than {args.wait:.0f} s for an answer during the faults"
        + (f" ({dict(traffic.gave_up)})" if waits else "")
    )
    if traffic.errors:
        print(f"script errors         {dict(traffic.errors)}")
    missed = duplicates or stuck or traffic.errors
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

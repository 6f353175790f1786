"""`python -m pakn_dev.bench_sweep`: 5,000 cases whose deadlines fall due at once, swept fanned out.

On the Firestore and Pub/Sub emulators (started here, on free ports, and stopped at the end), with the
SMTP stand-in taking the officials' e-mail and the citizens' Zalo messages going into the outbox:

- the baseline, measured in the same run: the serial sweep (one invocation sweeping every due case in
  turn, as before the fan-out) over a sample of the cases, its rate extrapolated to all of them;
- the fan-out: the scheduled run finds the due cases and publishes one `DueCase` each on the due-cases
  topic; WORKERS pullers (the `sweep_case` function's instances, bounded as topology.json bounds them) sweep
  them; every case is dispatched twice (the next hour's run finding it not yet swept, a redelivery).

Prints cases/s of both, their ratio, the fan-out's time beside the schedule's interval (an hour), and the
notifications against the count expected (each exactly once: duplicates 0). Bounded in count and time;
127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from pakn_dev.bench_stats import format_ratio, ratio, table
from pakn_dev.emulators import (
    DEV_PROJECT,
    EmulatorPorts,
    client_environment,
    emulator_services,
    missing_prerequisites,
)
from pakn_dev.processes import Supervisor, free_port
from pakn_dev.smtp_standin import SmtpStandin

INTERVAL_SECONDS = 3600  # the deadline sweep runs hourly (topology.json's schedule)
TIME_LIMIT_SECONDS = 1800  # the fan-out's bound in this benchmark
DUE_TOPIC, DUE_SUBSCRIPTION = "bench-due-cases", "bench-due-cases-pull"
AGENCIES = ("xa-00004", "xa-00008", "so-y-te", "so-tu-phap")
SENDER = "pakn@vp-ubnd.pakn.local"


def due_cases(count: int, filed_at: datetime, offset: int = 0) -> list:
    """`count` cases filed and accepted at `filed_at`."""
    from pakn.cases import case as cases
    from pakn.deadlines import clock as deadlines
    from pakn.domain.vocabulary import ContactDetails

    found = []
    for number in range(offset, offset + count):
        agency_id = AGENCIES[number % len(AGENCIES)]
        level = "department" if agency_id.startswith("so-") else "commune"
        clock = deadlines.accept(deadlines.start("procedure", level, filed_at, agency_id), filed_at)
        found.append(
            cases.Case(
                case_id=f"bench-{number:05d}",
                tracking_code=f"HN-B{number:05d}",
                citizen_id=f"77{number:017d}",
                agency_id=agency_id,
                agency_name=agency_id,
                kind="procedure",
                level=level,
                content="Hồ sơ chậm trả kết quả",
                contact=ContactDetails(name="Nguyễn Văn An", phone="0912345678", address="12 Hàng Bông"),
                routing=cases.CaseRouting(
                    outcome="agency", reason="bench", confidence=1.0, evidence=[], classifier_version="bench"
                ),
                filed_at=filed_at,
                clock=clock,
            )
        )
    return found


def store(db, filed: list) -> None:
    from pakn.platform import firestore_paths

    for first in range(0, len(filed), 500):  # Firestore's limit per batch
        batch = db.batch()
        for case in filed[first : first + 500]:
            ref = firestore_paths.agency_cases(db, case.agency_id).document(case.case_id)
            batch.set(ref, case.model_dump())
        batch.commit()


def contacts(db) -> None:
    from pakn.platform import firestore_paths

    for agency_id in AGENCIES:
        people = {
            "handlers": [{"email": f"handler@{agency_id}.pakn.local"}],
            "lead": [{"email": f"lead@{agency_id}.pakn.local"}],
        }
        firestore_paths.agency(db, agency_id).set({"id": agency_id, "contacts": people})


class Outbox:
    """The Zalo channel's publishes, counted (the sender is not what is measured here)."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._lock = threading.Lock()

    def publish(self, request, citizen_id: str) -> None:
        with self._lock:
            self.keys.append(request.delivery_key)


def sweep_for(db, smtp_port: int, outbox: Outbox, dispatch=None):
    from pakn.escalation.notify import EmailChannel, ZaloChannel
    from pakn.escalation.sweep import Sweep

    channels = {
        "zalo": ZaloChannel(db, outbox.publish),
        "email": EmailChannel("127.0.0.1", smtp_port, SENDER, starttls=False, timeout=5),
    }
    return Sweep(db, channels, dispatch=dispatch, page_size=500)


def fan_out(
    db, project: str, smtp_port: int, outbox: Outbox, now: datetime, workers: int, count: int
) -> float:
    """Seconds from the scheduled run's start until every due case is swept by `workers` pullers."""
    from google.cloud import pubsub_v1
    from google.cloud.pubsub_v1.subscriber.scheduler import ThreadScheduler

    from pakn.escalation.sweep import DueCase
    from pakn.platform.pubsub import Publisher

    publisher = Publisher(project)
    subscriber = pubsub_v1.SubscriberClient()
    subscription = subscriber.subscription_path(project, DUE_SUBSCRIPTION)
    sweep = sweep_for(db, smtp_port, outbox, dispatch=lambda due: publisher.publish_all(DUE_TOPIC, list(due)))
    swept: set[str] = set()
    handled = 0
    lock = threading.Lock()
    started = time.perf_counter()
    for _ in range(2):  # dispatched twice: the second run finds what the first has not swept yet
        dispatched = sweep.run(now).dispatched
        if dispatched != count:
            raise RuntimeError(f"the scheduled run dispatched {dispatched} of {count} due cases")

    finished = threading.Event()

    def sweep_one(message) -> None:
        # As the sweep_case function does with one push: sweep, then acknowledge.
        nonlocal handled
        due = DueCase.model_validate_json(message.data)
        sweep.sweep_case(due, now)
        message.ack()
        with lock:
            swept.add(due.case_id)
            handled += 1
            if handled >= 2 * count:
                finished.set()

    # At most `workers` cases in hand at once, each on its own thread: sweep_case's bounded instances.
    scheduler = ThreadScheduler(ThreadPoolExecutor(max_workers=workers))
    flow = pubsub_v1.types.FlowControl(max_messages=workers)
    streaming = subscriber.subscribe(subscription, sweep_one, flow_control=flow, scheduler=scheduler)
    finished.wait(timeout=TIME_LIMIT_SECONDS)
    elapsed = time.perf_counter() - started
    streaming.cancel()
    # The stream's threads stop before its channel closes (else they call into a closed channel).
    with contextlib.suppress(Exception):
        streaming.result(timeout=30)
    scheduler.shutdown()
    subscriber.close()
    if len(swept) < count:
        raise RuntimeError(f"only {len(swept)} of {count} due cases were swept")
    return elapsed


def topology(project: str) -> None:
    from google.cloud import pubsub_v1

    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    topic = publisher.topic_path(project, DUE_TOPIC)
    publisher.create_topic(name=topic)
    subscriber.create_subscription(
        name=subscriber.subscription_path(project, DUE_SUBSCRIPTION), topic=topic, ack_deadline_seconds=120
    )
    subscriber.close()


def measure(cases: int, sample: int, workers: int, report) -> None:
    """Prints to `report` (stdout carries the functions' own log lines, kept in the work directory)."""
    from google.cloud import firestore

    from pakn.deadlines.clock import default_policy
    from pakn.deadlines.workdays import VIETNAM_TZ
    from pakn.platform.topology import load_topology

    filed_at = datetime(2026, 5, 4, 9, tzinfo=VIETNAM_TZ)
    # Three working days after the answer deadline: each case is due to escalate to its agency's lead (one
    # e-mail) and its citizen to hear of the delay (one Zalo message).
    due = due_cases(1, filed_at)[0].clock.agency.due_at
    now = default_policy().due_after(due, 3) - timedelta(hours=1)
    db = firestore.Client(project=DEV_PROJECT)
    contacts(db)
    topology(DEV_PROJECT)
    with SmtpStandin() as smtp:
        # The baseline: the serial sweep over `sample` cases (their own; the fan-out's are stored after).
        store(db, due_cases(sample, filed_at, offset=cases))
        baseline_outbox = Outbox()
        started = time.perf_counter()
        serial = sweep_for(db, smtp.port, baseline_outbox).run(now)
        serial_seconds = time.perf_counter() - started
        if serial.cases != sample:
            raise RuntimeError(f"the serial sweep swept {serial.cases} of {sample}")
        print(
            f"serial sweep of the sample: {serial.steps}, notifications {serial.notifications}", file=report
        )
        mails_before = serial_mails = len(smtp.messages)

        store(db, due_cases(cases, filed_at))
        outbox = Outbox()
        fanned_seconds = fan_out(db, DEV_PROJECT, smtp.port, outbox, now, workers, cases)
        mails = len(smtp.messages) - mails_before

    serial_rate, fanned_rate = sample / serial_seconds, cases / fanned_seconds
    rows = [
        [
            "serial (baseline)",
            sample,
            f"{serial_seconds:.1f}",
            f"{serial_rate:.0f}",
            f"{cases / serial_rate:.0f} s",
        ],
        ["fanned out", cases, f"{fanned_seconds:.1f}", f"{fanned_rate:.0f}", f"{fanned_seconds:.0f} s"],
    ]
    # What each case causes, as the serial sweep sent it for the sample: the fan-out must send as much, once.
    mails_each, zalo_each = serial_mails / sample, len(baseline_outbox.keys) / sample
    duplicates = (mails - round(mails_each * cases)) + (len(outbox.keys) - len(set(outbox.keys)))
    timeout = load_topology().function("sweep_deadlines").timeout_seconds
    lines = [
        f"Deadline sweep: {cases} cases due at once; {workers} workers (sweep_case's max_instances)",
        table(["", "cases", "seconds", "cases/s", f"{cases} cases in"], rows),
        f"fan-out / serial throughput: {format_ratio(ratio(fanned_rate, serial_rate))}",
        f"fan-out finishes in {fanned_seconds / INTERVAL_SECONDS:.1%} of the hourly interval; serially,"
        f" {cases} cases would need {cases / serial_rate / timeout:.1f}x one invocation's {timeout} s",
        f"notifications: {mails} e-mails, {len(set(outbox.keys))} Zalo messages"
        f" (serially {mails_each:g} and {zalo_each:g} a case); duplicates {duplicates}",
    ]
    print("\n".join(lines), file=report)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--sample", type=int, default=300, help="cases the serial baseline sweeps")
    parser.add_argument("--workers", type=int, default=10)
    args = parser.parse_args(argv)
    missing = missing_prerequisites(auth=False, storage=False)
    if missing:
        print(" ".join(missing), file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="pakn-bench-sweep-") as work:
        ports = EmulatorPorts(firestore=free_port(), pubsub=free_port(), auth=0, hub=0, logging=0)
        supervisor = Supervisor(Path(work) / "logs")
        services = emulator_services(ports, Path(work), auth=False)
        try:
            for service in services:
                supervisor.start(service)
            supervisor.wait_ready(services)
            os.environ.update(client_environment(ports, auth=False))
            report = sys.stdout
            with (Path(work) / "functions.log").open("w") as log, contextlib.redirect_stdout(log):
                measure(args.cases, args.sample, args.workers, report)
        finally:
            supervisor.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`pakn deliveries`: what the outbox has not delivered, and the dead letters, listed and replayed.

    pakn deliveries list                 the latest deliveries and their states
    pakn deliveries list --stuck         deliveries not final STUCK_AFTER after they were queued, and every
                                         dead letter not replayed yet
    pakn deliveries replay ID            a dead letter (its id) published again to the topic it came from,
                                         or a delivery (its key) published again to the outbound topic
    pakn deliveries replay --all         everything `list --stuck` shows

Where: `--local` is the stack `pakn dev` runs (its .pakn-dev/stack.json); otherwise the usual variables
(GOOGLE_CLOUD_PROJECT, and FIRESTORE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST for emulators), or `--project`
for the real project with Application Default Credentials (roles/datastore.user and roles/pubsub.publisher).

It prints keys, ids, states, error codes and reasons, never a message's text or a citizen's id. Replaying
is always safe: every handler is idempotent on its natural key, and the sender sends nothing already sent.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

STUCK_AFTER = timedelta(minutes=5)
LIST_LIMIT = 20
STUCK_LIMIT = 500


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="the latest deliveries; --stuck: what needs a look")
    listing.add_argument("--stuck", action="store_true", help="only stuck deliveries and dead letters")
    listing.add_argument(
        "--limit", type=int, default=LIST_LIMIT, help=f"without --stuck (default {LIST_LIMIT})"
    )
    replay = sub.add_parser("replay", help="publish a dead letter or a stuck delivery again")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "id", nargs="?", help="a dead letter's id or a delivery's key, as `list --stuck` shows"
    )
    which.add_argument("--all", action="store_true", help="every dead letter and stuck delivery listed")
    for each in (listing, replay):
        each.add_argument(
            "--stuck-after",
            type=float,
            default=STUCK_AFTER.total_seconds(),
            metavar="SECONDS",
            help=f"a delivery not final this long after it was queued (default {STUCK_AFTER.seconds})",
        )
        where = each.add_mutually_exclusive_group()
        where.add_argument("--project", help="the Google Cloud project (default: $GOOGLE_CLOUD_PROJECT)")
        where.add_argument("--local", action="store_true", help="the stack `pakn dev` runs")
        each.add_argument(
            "--work-dir", type=Path, help="with --local: the stack's directory (default .pakn-dev/)"
        )


def run(args) -> int:
    project = _project(args)
    if project is None:
        print(
            "Say which project: --local for `pakn dev`, --project for the cloud, or set GOOGLE_CLOUD_PROJECT "
            "(with FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST for emulators).",
            file=sys.stderr,
        )
        return 2
    from google.cloud import firestore

    outbox = Outbox(firestore.Client(project=project), project, timedelta(seconds=args.stuck_after))
    if args.action == "list":
        lines = outbox.stuck_lines() if args.stuck else outbox.latest_lines(args.limit)
        print("\n".join(lines) if lines else "nothing stuck" if args.stuck else "no deliveries")
        return 0
    try:
        replayed = outbox.replay_all() if args.all else [outbox.replay(args.id)]
    except LookupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print("\n".join(replayed) if replayed else "nothing to replay")
    return 0


def _project(args) -> str | None:
    if args.local:
        from pakn_dev.stack import DEFAULT_WORK_DIR, StackInfo

        try:
            info = StackInfo.load(args.work_dir or DEFAULT_WORK_DIR)
        except FileNotFoundError:
            return None
        os.environ["FIRESTORE_EMULATOR_HOST"] = info.emulators["firestore"]
        os.environ["PUBSUB_EMULATOR_HOST"] = info.emulators["pubsub"]
        return info.project
    return args.project or os.environ.get("GOOGLE_CLOUD_PROJECT")


class Outbox:
    def __init__(self, db, project: str, stuck_after: timedelta, clock=None):
        self._db = db
        self._project = project
        self._stuck_after = stuck_after
        self._clock = clock or (lambda: datetime.now(UTC))
        self._publisher = None

    # --- reading ----------------------------------------------------------------------------------

    def latest(self, limit: int):
        from pakn.delivery.outbox import Delivery
        from pakn.platform import firestore_paths

        query = (
            self._db.collection(firestore_paths.DELIVERIES)
            .order_by("created_at", direction="DESCENDING")
            .limit(limit)
        )
        return [Delivery.model_validate(s.to_dict()) for s in query.stream()]

    def stuck(self):
        """Deliveries not final STUCK_AFTER after they were queued (each not final has a next attempt)."""
        from google.cloud.firestore_v1.base_query import FieldFilter

        from pakn.delivery.outbox import Delivery
        from pakn.platform import firestore_paths

        query = (
            self._db.collection(firestore_paths.DELIVERIES)
            .where(filter=FieldFilter("next_attempt_at", ">=", datetime(1970, 1, 1, tzinfo=UTC)))
            .order_by("next_attempt_at")
            .limit(STUCK_LIMIT)
        )
        before = self._clock() - self._stuck_after
        found = [Delivery.model_validate(s.to_dict()) for s in query.stream()]
        return sorted((d for d in found if d.created_at <= before), key=lambda d: d.created_at)

    def dead_letters(self):
        from pakn.platform import dead_letters

        return [letter for letter in dead_letters.recorded(self._db) if letter.replayed_at is None]

    def latest_lines(self, limit: int) -> list[str]:
        return [_delivery_line(d) for d in self.latest(limit)]

    def stuck_lines(self) -> list[str]:
        return [_delivery_line(d) for d in self.stuck()] + [_letter_line(x) for x in self.dead_letters()]

    # --- replaying --------------------------------------------------------------------------------

    def replay(self, identifier: str) -> str:
        from pakn.platform import dead_letters, firestore_paths

        letter = dead_letters.find(self._db, identifier)
        if letter is not None:
            message_id = dead_letters.replay(self._db, self._pub(), letter)
            return f"dead-letter {letter.id} replayed to {dead_letters.source_topic(letter)} as {message_id}"
        snapshot = firestore_paths.delivery(self._db, identifier).get()
        if snapshot.exists:
            return self._republish(snapshot.get("key"), snapshot.get("citizen_id"))
        raise LookupError(f"no dead letter with id {identifier} and no delivery with key {identifier}")

    def replay_all(self) -> list[str]:
        from pakn.platform import dead_letters

        done = [self._republish(d.key, d.citizen_id) for d in self.stuck()]
        for letter in self.dead_letters():
            message_id = dead_letters.replay(self._db, self._pub(), letter)
            done.append(
                f"dead-letter {letter.id} replayed to {dead_letters.source_topic(letter)} as {message_id}"
            )
        return done

    def _republish(self, key: str, citizen_id: str) -> str:
        from pakn.delivery.outbox import OutboundRequest
        from pakn.platform.topology import load_topology

        topic = load_topology().topic("outbound").name
        request = OutboundRequest(delivery_key=key)
        message_id = self._pub().publish(topic, request, ordering_key=citizen_id, delivery_key=key)
        return f"delivery {key} published to {topic} as {message_id}"

    def _pub(self):
        if self._publisher is None:
            from pakn.platform.pubsub import Publisher

            self._publisher = Publisher(self._project)
        return self._publisher


def _when(instant: datetime | None) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if instant else "-"


def _delivery_line(delivery) -> str:
    parts = [
        f"delivery {delivery.key}",
        delivery.state,
        f"{delivery.sent_count}/{len(delivery.messages)} sent",
        f"attempts {delivery.attempts}",
        f"created {_when(delivery.created_at)}",
    ]
    if delivery.last_error_code is not None:
        parts.append(f"error {delivery.last_error_code}")
    if delivery.next_attempt_at:
        parts.append(f"next attempt {_when(delivery.next_attempt_at)}")
    if delivery.after and not delivery.final:
        parts.append(f"after {delivery.after}")
    return "  ".join(parts)


def _letter_line(letter) -> str:
    source = (letter.source_subscription or "?").rsplit("/", 1)[-1]
    return "  ".join(
        [f"dead-letter {letter.id}", f"from {source}", f"recorded {_when(letter.recorded_at)}", letter.reason]
    )

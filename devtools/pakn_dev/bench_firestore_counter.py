"""Counts what a function process reads from and writes to Firestore, client side, for the benchmarks.

`python -m pakn_dev.bench_firestore_counter OUT_DIR NAME MODULE [ARGS ...]` wraps the Firestore client's
RPCs (the generated `FirestoreClient`, the layer every read and write goes through, as
tests/emulator/test_write_cost.py and test_sweep.py count them), then runs `python -m MODULE ARGS` in the
same process: `functions_framework ...` as the local stack runs each function. The emulator has no counter
API, so the counts are taken where the calls are made.

Counted: documents returned by gets and queries (by collection), gets of missing documents, queries that
returned nothing (each billed as one read), aggregation queries, transactions begun and rolled back,
commits and the writes in them (by collection). Every process writes its counts to OUT_DIR/NAME.PID.json
a few times a second (gunicorn's worker is a fork: its own file); `read_counts` adds them up.
"""

from __future__ import annotations

import contextlib
import json
import os
import runpy
import sys
import threading
import time
from collections import Counter
from pathlib import Path

DUMP_EVERY = 0.25
NUMBERS = (
    "documents_read",
    "missing_gets",
    "queries",
    "empty_queries",
    "aggregations",
    "transactions",
    "rollbacks",
    "commits",
    "writes",
)


class Counts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.numbers: Counter[str] = Counter()
        self.reads_by_collection: Counter[str] = Counter()
        self.writes_by_collection: Counter[str] = Counter()
        self.version = 0

    def add(self, number: str, n: int = 1, collection: str | None = None) -> None:
        with self.lock:
            self.numbers[number] += n
            if collection and number == "documents_read":
                self.reads_by_collection[collection] += n
            if collection and number == "writes":
                self.writes_by_collection[collection] += n
            self.version += 1

    def snapshot(self) -> dict:
        with self.lock:
            return {
                **{name: self.numbers[name] for name in NUMBERS},
                "reads_by_collection": dict(self.reads_by_collection),
                "writes_by_collection": dict(self.writes_by_collection),
            }


def collection_of(document_name: str) -> str:
    """`projects/p/databases/d/documents/agencies/a/cases/c` -> `cases`."""
    path = document_name.split("/documents/", 1)[-1].split("/")
    return path[-2] if len(path) >= 2 else "?"


def _request(args, kwargs):
    return kwargs.get("request") if "request" in kwargs else (args[0] if args else None)


def install(counts: Counts) -> None:
    from google.cloud.firestore_v1.services.firestore.client import FirestoreClient
    from google.cloud.firestore_v1.types import CommitRequest

    commit = FirestoreClient.commit
    batch_get = FirestoreClient.batch_get_documents
    run_query = FirestoreClient.run_query
    run_aggregation = FirestoreClient.run_aggregation_query
    begin = FirestoreClient.begin_transaction
    rollback = FirestoreClient.rollback

    def counted_commit(self, *args, **kwargs):
        request = _request(args, kwargs)
        request = CommitRequest(request) if isinstance(request, dict) else request
        counts.add("commits")
        for write in getattr(request, "writes", None) or kwargs.get("writes") or []:
            name = write.delete or write.update.name or write.transform.document
            counts.add("writes", 1, collection_of(name))
        return commit(self, *args, **kwargs)

    def counted_batch_get(self, *args, **kwargs):
        for response in batch_get(self, *args, **kwargs):
            if response.found.name:
                counts.add("documents_read", 1, collection_of(response.found.name))
            elif response.missing:
                counts.add("missing_gets")
            yield response

    def counted_run_query(self, *args, **kwargs):
        counts.add("queries")
        returned = 0
        try:
            for response in run_query(self, *args, **kwargs):
                if response.document.name:
                    returned += 1
                    counts.add("documents_read", 1, collection_of(response.document.name))
                yield response
        finally:
            if returned == 0:
                counts.add("empty_queries")

    def counted_aggregation(self, *args, **kwargs):
        counts.add("aggregations")
        return run_aggregation(self, *args, **kwargs)

    def counted_begin(self, *args, **kwargs):
        counts.add("transactions")
        return begin(self, *args, **kwargs)

    def counted_rollback(self, *args, **kwargs):
        counts.add("rollbacks")
        return rollback(self, *args, **kwargs)

    FirestoreClient.commit = counted_commit
    FirestoreClient.batch_get_documents = counted_batch_get
    FirestoreClient.run_query = counted_run_query
    FirestoreClient.run_aggregation_query = counted_aggregation
    FirestoreClient.begin_transaction = counted_begin
    FirestoreClient.rollback = counted_rollback


def _dumper(counts: Counts, out_dir: Path, name: str) -> None:
    def dump_forever() -> None:
        written = -1
        path = out_dir / f"{name}.{os.getpid()}.json"
        while True:
            time.sleep(DUMP_EVERY)
            if counts.version == written:
                continue
            written = counts.version
            temporary = path.with_suffix(".tmp")
            with contextlib.suppress(OSError):
                temporary.write_text(json.dumps(counts.snapshot()))
                os.replace(temporary, path)

    threading.Thread(target=dump_forever, name="firestore-counter", daemon=True).start()


def read_counts(out_dir: Path) -> dict[str, dict]:
    """The counts of every process, added up per function NAME."""
    totals: dict[str, dict] = {}
    for path in sorted(out_dir.glob("*.json")):
        name = path.name.split(".", 1)[0]
        try:
            counts = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        empty = {**dict.fromkeys(NUMBERS, 0), "reads_by_collection": {}, "writes_by_collection": {}}
        total = totals.setdefault(name, empty)
        for number in NUMBERS:
            total[number] += counts.get(number, 0)
        for key in ("reads_by_collection", "writes_by_collection"):
            for collection, n in counts.get(key, {}).items():
                total[key][collection] = total[key].get(collection, 0) + n
    return totals


def difference(after: dict[str, dict], before: dict[str, dict]) -> dict[str, dict]:
    """after - before, per function and number."""
    result = {}
    for name, counts in after.items():
        earlier = before.get(name, {})
        result[name] = {number: counts[number] - earlier.get(number, 0) for number in NUMBERS}
        for key in ("reads_by_collection", "writes_by_collection"):
            previous = earlier.get(key, {})
            result[name][key] = {
                c: n - previous.get(c, 0) for c, n in counts[key].items() if n - previous.get(c, 0)
            }
    return result


def main() -> None:
    out_dir, name, module, *rest = sys.argv[1:]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = Counts()
    install(counts)
    _dumper(counts, out, name)
    # gunicorn serves from a forked worker: threads do not survive a fork, so the child starts its own.
    os.register_at_fork(after_in_child=lambda: _dumper(counts, out, name))
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

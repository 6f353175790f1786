"""A unit of work: one Firestore transaction in which every read comes before any write.

Firestore refuses a read after a write in the same transaction. Stores read through the unit of work
whenever they like and hand it their writes, which it queues and makes only at the end, so the order
Firestore requires holds however the domain code interleaves its look-ups and decisions.

`in_transaction(db, work)` runs `work(uow)` in a transaction (retried by Firestore on contention, each
attempt with a fresh unit of work) and returns its result. `UnitOfWork.outside(db)` reads without a
transaction and writes at once: for reads that need no isolation and single-document writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Result = TypeVar("Result")


class UnitOfWork:
    def __init__(self, db, transaction=None):
        self.db = db
        self._transaction = transaction
        self._writes: list[Callable[[], None]] = []
        self._committed: list[Callable[[], None]] = []

    @classmethod
    def outside(cls, db) -> UnitOfWork:
        return cls(db)

    # --- reads ------------------------------------------------------------------------------------

    def get(self, ref):
        return ref.get(transaction=self._transaction)

    def query(self, query) -> list:
        return list(self._transaction.get(query) if self._transaction else query.stream())

    # --- writes -----------------------------------------------------------------------------------

    def create(self, ref, document: dict[str, Any]) -> None:
        self._write(lambda target: target.create(ref, document), lambda: ref.create(document))

    def set(self, ref, document: dict[str, Any], merge: bool = False) -> None:
        self._write(
            lambda target: target.set(ref, document, merge=merge), lambda: ref.set(document, merge=merge)
        )

    def update(self, ref, changes: dict[str, Any]) -> None:
        self._write(lambda target: target.update(ref, changes), lambda: ref.update(changes))

    def delete(self, ref) -> None:
        self._write(lambda target: target.delete(ref), lambda: ref.delete())

    def _write(self, in_transaction: Callable[[Any], None], at_once: Callable[[], None]) -> None:
        if self._transaction is None:
            at_once()
        else:
            self._writes.append(lambda: in_transaction(self._transaction))

    def after_commit(self, callback: Callable[[], None]) -> None:
        """`callback` runs once the writes are committed (at once outside a transaction): sending what the
        unit of work recorded, never before it is stored, and never for an attempt Firestore retried."""
        if self._transaction is None:
            callback()
        else:
            self._committed.append(callback)

    def flush(self) -> None:
        """Hands the queued writes to the transaction, which commits them all together."""
        writes, self._writes = self._writes, []
        for write in writes:
            write()


def in_transaction(db, work: Callable[[UnitOfWork], Result]) -> Result:
    from google.cloud import firestore

    attempts: list[UnitOfWork] = []

    @firestore.transactional
    def run(transaction) -> Result:
        uow = UnitOfWork(db, transaction)
        attempts.append(uow)
        result = work(uow)
        uow.flush()
        return result

    result = run(db.transaction())
    # The last attempt is the one that committed; earlier ones were rolled back and retried.
    for callback in attempts[-1]._committed:
        callback()
    return result

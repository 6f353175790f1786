"""Claiming a piece of work under a lease, so that of several instances only one does it at a time.

A lease is a time on the work's own document until which its holder may act; an instance that dies
leaves it to run out, and the work is claimable again. `claim` reads the document in a transaction and
lets the caller decide: take it (`Take`, with the fields that record the lease), or leave it and say why
(any other value, or an exception). The outbox's sender, the notifications' retries and the Zalo token
store all claim their work this way.

A claim that cannot commit because the document stays locked through every retry of its transaction (many
claiming it at once, or a transaction whose instance died holding it, until Firestore lets go) is
`Contended`: a transient failure, to be tried again later like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from pakn.domain.errors import TransientFailure
from pakn.platform.unit_of_work import UnitOfWork, in_transaction

Value = TypeVar("Value")


class Contended(TransientFailure):
    """The work's document stayed locked by other transactions through every attempt to claim it."""


def held(until: datetime | None, now: datetime) -> bool:
    """A lease recorded as `until` is still someone's at `now`."""
    return until is not None and until > now


@dataclass(frozen=True)
class Take(Generic[Value]):
    """The work is ours: `changes` record the lease on its document, in the claiming transaction."""

    value: Value
    changes: dict[str, Any] = field(default_factory=dict)


def claim(db, ref, examine: Callable[[UnitOfWork, Any], Value | Take[Value]]) -> Value:
    """Runs `examine(uow, snapshot)` on `ref`'s document in a transaction; a `Take` is written there."""

    def run(uow: UnitOfWork) -> Value:
        outcome = examine(uow, uow.get(ref))
        if isinstance(outcome, Take):
            uow.update(ref, outcome.changes)
            return outcome.value
        return outcome

    from google.api_core.exceptions import Aborted

    try:
        return in_transaction(db, run)
    except ValueError as exc:
        # How the client says its transaction was aborted on every attempt.
        if isinstance(exc.__cause__, Aborted):
            raise Contended("the document stayed locked through every attempt to claim it") from exc
        raise

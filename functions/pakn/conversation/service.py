"""The conversation's thin layer over Firestore: load what a turn needs, let it decide, commit what it
decided, all inside the inbox's unit of work (the event's marker, which is its replies' delivery when it
has replies, commits with it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pakn.cases.case import Announcer, Case
from pakn.cases.store import CaseStore
from pakn.cases.tracking_code import new_tracking_code
from pakn.citizens.state import CitizenState
from pakn.citizens.store import CitizenStore
from pakn.conversation.turn import Dependencies, take_turn
from pakn.delivery.outbox import OutboundRequest, PublishOutbound, release
from pakn.intake.events import CitizenEvent
from pakn.intake.inbox import Replies
from pakn.platform.unit_of_work import UnitOfWork


class _Lookups:
    """The case look-ups of one turn, read through its unit of work (so in its transaction)."""

    def __init__(self, store: CaseStore, uow: UnitOfWork, generate: Callable[[], str]):
        self._store, self._uow, self._generate = store, uow, generate

    def by_tracking_code(self, code: str) -> Case | None:
        return self._store.find_by_tracking_code(self._uow, code)

    def recent_of_citizen(self, citizen_id: str) -> list[Case]:
        return self._store.recent_of_citizen(self._uow, citizen_id)

    def locate(self, agency_id: str, case_id: str) -> Case | None:
        return self._store.locate(self._uow, agency_id, case_id)

    def new_tracking_code(self) -> str:
        return self._store.reserve_tracking_code(self._uow, self._generate)


class Conversation:
    def __init__(
        self,
        db,
        dependencies: Dependencies,
        new_code: Callable[[], str] = new_tracking_code,
        announcer: Announcer | None = None,
        publish_outbound: PublishOutbound | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        """`announcer`: tells the receiving agency of each case filed (None: nobody is told at once).
        `publish_outbound`: sends the citizen's held deliveries when they write again (None: the outbox
        sweep does, minutes later)."""
        self._announcer = announcer
        self._publish = publish_outbound
        self._clock = clock
        self._cases = CaseStore(db)
        self._citizens = CitizenStore(db)
        self._dependencies = dependencies
        self._new_code = new_code

    def apply(self, uow: UnitOfWork, event: CitizenEvent) -> Replies:
        state = self._citizens.load(uow, event.citizen_id)
        result = take_turn(state, event, _Lookups(self._cases, uow, self._new_code), self._dependencies)
        for case in result.filed:
            if self._announcer is not None:
                case = self._announcer.announce(uow, case, case.filed_at)
            self._cases.add(uow, case)
        for before, after in result.changed:
            if self._announcer is not None and after.case_id in result.reopened:
                # Back at an agency that had finished with it: its officials must hear at once.
                after = self._announcer.announce(uow, after, event.occurred_at, reopened=True)
            self._cases.save(uow, before, after)
        released = []
        if result.reachable_again and state.held_deliveries:
            released = self._release_held(uow, result.state)
        self._citizens.save(uow, result.state)
        return Replies(
            result.replies,
            case_id=result.filed[-1].case_id if result.filed else None,
            after=released[-1] if released else None,
        )

    def _release_held(self, uow: UnitOfWork, state: CitizenState) -> list[str]:
        """The citizen wrote: what nothing could bring them before goes now, before this turn's replies.
        Returns the keys released."""
        released = release(uow, state.held_deliveries, self._clock())
        state.held_deliveries = []
        publish = self._publish
        if publish is None or not released:
            return released

        def send() -> None:
            for key in released:
                publish(OutboundRequest(delivery_key=key), state.citizen_id)

        uow.after_commit(send)
        return released

"""The citizen store: the only code that reads or writes `citizens/{id}`.

The conversation saves the whole state at the end of each turn; the officials' workflow and the sender
change one field each (waiting for information, unreachable, held deliveries), without reading the rest.
"""

from __future__ import annotations

from datetime import datetime

from pakn.citizens.state import AfterAnswer, AwaitingInfo, CitizenState, Unreachable
from pakn.platform import firestore_paths
from pakn.platform.unit_of_work import UnitOfWork


class CitizenStore:
    def __init__(self, db):
        self._db = db

    def _ref(self, citizen_id: str):
        return firestore_paths.citizen(self._db, citizen_id)

    def load(self, uow: UnitOfWork, citizen_id: str) -> CitizenState:
        return _state(citizen_id, uow.get(self._ref(citizen_id)))

    def save(self, uow: UnitOfWork, state: CitizenState) -> None:
        from google.cloud import firestore

        document = state.model_dump(mode="python")
        if state.zalo_unreachable is None:
            document["zalo_unreachable"] = firestore.DELETE_FIELD
        uow.set(self._ref(state.citizen_id), document, merge=True)

    def await_information(self, uow: UnitOfWork, citizen_id: str, awaiting: AwaitingInfo) -> None:
        """An official asked the citizen about a case: their next message outside a draft answers it."""
        uow.set(self._ref(citizen_id), {"awaiting_info": awaiting.model_dump()}, merge=True)

    def stop_awaiting(self, uow: UnitOfWork, citizen_id: str) -> None:
        uow.set(self._ref(citizen_id), {"awaiting_info": None}, merge=True)

    def answered(self, uow: UnitOfWork, citizen_id: str, after: AfterAnswer) -> None:
        """A case of the citizen's was answered: their next replies about it are a rating, an objection or
        more for it (the latest answer replaces an earlier one's)."""
        uow.set(self._ref(citizen_id), {"after_answer": after.model_dump()}, merge=True)

    def read(self, citizen_id: str) -> CitizenState:
        """The state as it is now, outside any transaction (the sender's view of the channel)."""
        return _state(citizen_id, self._ref(citizen_id).get())

    def hold(self, citizen_id: str, delivery_key: str) -> None:
        """A delivery waits for the citizen's next message (added to the list, whatever else changes)."""
        from google.cloud import firestore

        UnitOfWork.outside(self._db).set(
            self._ref(citizen_id), {"held_deliveries": firestore.ArrayUnion([delivery_key])}, merge=True
        )

    def mark_unreachable(self, citizen_id: str, code: int | None, at: datetime) -> None:
        """Zalo cannot reach the citizen: a fact about the channel, kept apart from any case."""
        unreachable = Unreachable(code=code, since=at)
        UnitOfWork.outside(self._db).set(
            self._ref(citizen_id), {"zalo_unreachable": unreachable.model_dump()}, merge=True
        )


def _state(citizen_id: str, snapshot) -> CitizenState:
    # A document the workflow or the sender started (one field, merged) before any turn saved it whole.
    return CitizenState.model_validate({"citizen_id": citizen_id, **(snapshot.to_dict() or {})})

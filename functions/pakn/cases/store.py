"""The case store: the only code that reads or writes cases (`agencies/{agency_id}/cases/{case_id}`) and
tracking codes (`tracking_codes/{code}`): `CaseStore` for the stages that change cases, `CaseQueries` for
the officials' console's lists and statistics (reads only).

A case lives under the agency that handles it, so an agency's queue is one collection; work across agencies
uses collection-group queries on `cases`, each backed by an index in infra/firestore.indexes.json. A case
is written whole (the aggregate declares every field), inside the unit of work that read it, so a
concurrent change makes the transaction retry rather than be overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from pakn.cases.case import Case, CaseStatus
from pakn.cases.tracking_code import new_tracking_code
from pakn.domain.vocabulary import Kind
from pakn.platform import firestore_paths
from pakn.platform.unit_of_work import UnitOfWork
from pakn.routing.text import fold

CODE_ATTEMPTS = 8
RECENT_CASES = 5


class TrackingCodesExhausted(RuntimeError):
    """Eight random codes in a row were taken: the code space needs widening, not another retry."""


def _field(name: str, op: str, value):
    from google.cloud.firestore_v1.base_query import FieldFilter

    return FieldFilter(name, op, value)


class CaseStore:
    def __init__(self, db):
        self._db = db

    def _cases(self):
        return self._db.collection_group(firestore_paths.CASES)

    def _ref(self, case: Case):
        return firestore_paths.agency_cases(self._db, case.agency_id).document(case.case_id)

    # --- reads ------------------------------------------------------------------------------------

    def locate(self, uow: UnitOfWork, agency_id: str, case_id: str) -> Case | None:
        """Case `case_id`: looked for under `agency_id` first, then under any agency (it may have been
        transferred, or belong to another one); None when no agency holds it."""
        own = uow.get(firestore_paths.agency_cases(self._db, agency_id).document(case_id))
        if own.exists:
            return Case.model_validate(own.to_dict())
        query = self._cases().where(filter=_field("case_id", "==", case_id)).limit(1)
        return next((Case.model_validate(s.to_dict()) for s in uow.query(query)), None)

    def find_by_tracking_code(self, uow: UnitOfWork, code: str) -> Case | None:
        query = self._cases().where(filter=_field("tracking_code", "==", code)).limit(1)
        return next((Case.model_validate(s.to_dict()) for s in uow.query(query)), None)

    def recent_of_citizen(self, uow: UnitOfWork, citizen_id: str, limit: int = RECENT_CASES) -> list[Case]:
        query = (
            self._cases()
            .where(filter=_field("citizen_id", "==", citizen_id))
            .order_by("filed_at", direction="DESCENDING")
            .limit(limit)
        )
        return [Case.model_validate(s.to_dict()) for s in uow.query(query)]

    def of_agency(self, agency_id: str, status: CaseStatus | None, limit: int) -> list[Case]:
        """An agency's cases, newest first (filtered by status: a composite index on the agency's cases)."""
        query = firestore_paths.agency_cases(self._db, agency_id)
        if status:
            query = query.where(filter=_field("status", "==", status))
        query = query.order_by("filed_at", direction="DESCENDING").limit(limit)
        return [Case.model_validate(s.to_dict()) for s in query.stream()]

    def due(self, now: datetime, page_size: int) -> Iterator[tuple[str, str, dict]]:
        """The open cases whose next deadline action is due at `now`, earliest first, a page at a time (a
        cursor, so each is read once), as (agency_id, case_id, stored document): the sweep re-reads each
        in its own transaction and reports one it cannot read without stopping."""
        query = (
            self._cases()
            .where(filter=_field("status", "==", "open"))
            .where(filter=_field("clock.next_action_at", "<=", now))
            .order_by("clock.next_action_at")
            .limit(page_size)
        )
        page = query
        while True:
            snapshots = list(page.stream())
            for snapshot in snapshots:
                yield snapshot.reference.parent.parent.id, snapshot.id, snapshot.to_dict()
            if len(snapshots) < page_size:
                return
            page = query.start_after(snapshots[-1])

    def read(self, uow: UnitOfWork, agency_id: str, case_id: str) -> Case | None:
        """Case `case_id` exactly where it is expected, or None (it moved, or was never there)."""
        snapshot = uow.get(firestore_paths.agency_cases(self._db, agency_id).document(case_id))
        return Case.model_validate(snapshot.to_dict()) if snapshot.exists else None

    # --- writes -----------------------------------------------------------------------------------

    def reserve_tracking_code(self, uow: UnitOfWork, generate: Callable[[], str] = new_tracking_code) -> str:
        """A code no case holds yet (read in the transaction, so a concurrent filing with it conflicts)."""
        for _ in range(CODE_ATTEMPTS):
            code = generate()
            if not uow.get(firestore_paths.tracking_code(self._db, code)).exists:
                return code
        raise TrackingCodesExhausted()

    def add(self, uow: UnitOfWork, case: Case) -> None:
        uow.create(self._ref(case), case.model_dump())
        uow.create(
            firestore_paths.tracking_code(self._db, case.tracking_code),
            {"case_id": case.case_id, "agency_id": case.agency_id, "filed_at": case.filed_at},
        )

    def save(self, uow: UnitOfWork, before: Case, after: Case) -> None:
        """Stores `after`, read as `before` in the same unit of work. A case lives under its agency: a
        transferred one moves there, and its tracking code follows."""
        if after.agency_id == before.agency_id:
            uow.set(self._ref(after), after.model_dump())
            return
        uow.create(self._ref(after), after.model_dump())
        uow.delete(self._ref(before))
        uow.update(
            firestore_paths.tracking_code(self._db, after.tracking_code), {"agency_id": after.agency_id}
        )


# --- the officials' console's reads --------------------------------------------------------------------
#
# Searching by words: Firestore has no full-text search. The console scans the agency's most recent cases
# (a bounded, single-field-ordered read) and matches folded words (pakn.routing.text.fold) in memory. A
# token array on the case would need a migration of every stored case, an array-contains query per word (one
# per query at most), and would put the citizen's words into an index; an agency's recent caseload is a few
# hundred cases, which one read serves.


@dataclass(frozen=True)
class Page:
    cases: list[Case]
    # The case id to continue after, or None on the last page.
    next_cursor: str | None


class CaseQueries:
    def __init__(self, db):
        self._db = db

    def queue(
        self,
        agency_id: str,
        *,
        status: CaseStatus | None = "open",
        kind: Kind | None = None,
        overdue_at: datetime | None = None,
        after: str | None = None,
        page_size: int = 20,
    ) -> Page:
        """The agency's cases by its own deadline, earliest first; `overdue_at`: only those due before it;
        `after`: the page after that case (a document cursor, so equal deadlines page correctly)."""
        cases = firestore_paths.agency_cases(self._db, agency_id)
        query = cases
        if status:
            query = query.where(filter=_field("status", "==", status))
        if kind:
            query = query.where(filter=_field("kind", "==", kind))
        if overdue_at is not None:
            query = query.where(filter=_field("clock.agency.due_at", "<", overdue_at))
        query = query.order_by("clock.agency.due_at")
        if after:
            cursor = cases.document(after).get()
            if cursor.exists:
                query = query.start_after(cursor)
        snapshots = list(query.limit(page_size + 1).stream())
        found = [Case.model_validate(s.to_dict()) for s in snapshots[:page_size]]
        more = len(snapshots) > page_size
        return Page(found, found[-1].case_id if more and found else None)

    def recent(self, agency_id: str, limit: int) -> list[Case]:
        """The agency's `limit` most recently filed cases, newest first."""
        query = (
            firestore_paths.agency_cases(self._db, agency_id)
            .order_by("filed_at", direction="DESCENDING")
            .limit(limit)
        )
        return [Case.model_validate(s.to_dict()) for s in query.stream()]

    def search_words(self, agency_id: str, words: str, limit: int) -> tuple[list[Case], int]:
        """Cases among the agency's `limit` most recent whose text holds every word of `words` (accents
        and case ignored), and how many were scanned."""
        scanned = self.recent(agency_id, limit)
        wanted = fold(words).split()
        return [case for case in scanned if all(word in searchable_text(case) for word in wanted)], len(
            scanned
        )

    def triage(self, office_id: str, limit: int) -> list[Case]:
        """Open cases at the Office that routing sent to triage, oldest first."""
        query = (
            firestore_paths.agency_cases(self._db, office_id)
            .where(filter=_field("status", "==", "open"))
            .where(filter=_field("routing.outcome", "==", "triage"))
            .order_by("filed_at")
            .limit(limit)
        )
        return [Case.model_validate(s.to_dict()) for s in query.stream()]

    def open_everywhere(self, limit: int) -> list[Case]:
        """Every agency's open cases by their agency's deadline, earliest first (a bounded read)."""
        query = (
            self._db.collection_group(firestore_paths.CASES)
            .where(filter=_field("status", "==", "open"))
            .order_by("clock.agency.due_at")
            .limit(limit)
        )
        return [Case.model_validate(s.to_dict()) for s in query.stream()]

    def open_of(self, agency_id: str, limit: int) -> list[Case]:
        query = firestore_paths.agency_cases(self._db, agency_id).where(filter=_field("status", "==", "open"))
        return [Case.model_validate(s.to_dict()) for s in query.limit(limit).stream()]

    def filed_since(self, agency_id: str, since: datetime, limit: int) -> list[Case]:
        query = firestore_paths.agency_cases(self._db, agency_id).where(
            filter=_field("filed_at", ">=", since)
        )
        return [Case.model_validate(s.to_dict()) for s in query.limit(limit).stream()]

    def answered_since(self, agency_id: str, since: datetime, limit: int) -> list[Case]:
        query = firestore_paths.agency_cases(self._db, agency_id).where(
            filter=_field("answered_at", ">=", since)
        )
        return [Case.model_validate(s.to_dict()) for s in query.limit(limit).stream()]


def searchable_text(case: Case) -> str:
    """What a search by words looks in: the content, the later additions and the citizen's answers."""
    parts = [case.content, *case.late_additions, *(i.text or "" for i in case.citizen_information)]
    return fold(" ".join(parts))

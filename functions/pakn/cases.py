"""Cases (hồ sơ phản ánh): filed items under the agency that handles them, found by tracking code.

A case lives at `agencies/{agency_id}/cases/{case_id}`. The tracking code (mã tra cứu) is what the
citizen holds: short, read aloud without confusion, not sequential (it reveals nothing about volumes),
and unique, reserved in `tracking_codes/{code}` within the filing transaction.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pakn import collections
from pakn.commands import CODE_ALPHABET
from pakn.deadlines import CaseClock
from pakn.events import ContactDetails, Location, Media

CODE_LENGTH = 6
CODE_ATTEMPTS = 8
CaseStatus = Literal["open", "answered", "closed"]


class TrackingCodesExhausted(RuntimeError):
    """Eight random codes in a row were taken: the code space needs widening, not another retry."""


def new_tracking_code() -> str:
    return "HN-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class CaseRouting(BaseModel):
    """Why the case is where it is: the decision, the classifier's version and the words that decided it."""

    outcome: str
    reason: str
    confidence: float
    evidence: list[str]
    classifier_version: str
    classified_agency_id: str | None = None
    outside_body: str | None = None


OfficialAction = Literal["accept", "answer", "transfer", "extend", "request_info", "resume"]


class CitizenInformation(BaseModel):
    """What the citizen sent in answer to an official's request for information."""

    text: str | None = None
    media: list[Media] = Field(default_factory=list)
    at: datetime


class HistoryEntry(BaseModel):
    """One official's action on the case (pakn.workflow). `request_id` is the client's: with the case and
    the action it is the natural key, so a retried request finds its entry instead of acting again."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    action: OfficialAction
    request_id: str
    at: datetime
    by: str
    agency_id: str
    to_agency_id: str | None = None
    detail: str | None = None


class Case(BaseModel):
    model_config = ConfigDict(extra="ignore")

    case_id: str
    tracking_code: str
    citizen_id: str
    status: CaseStatus = "open"
    agency_id: str
    agency_name: str
    kind: Literal["procedure", "conduct", "regulation"]
    level: Literal["commune", "department", "city", "outside"]
    content: str
    media: list[Media] = Field(default_factory=list)
    location: Location | None = None
    contact: ContactDetails
    routing: CaseRouting
    filed_at: datetime
    clock: CaseClock
    late_additions: list[str] = Field(default_factory=list)
    citizen_information: list[CitizenInformation] = Field(default_factory=list)
    # Officials' actions, oldest first, and what they decided.
    history: list[HistoryEntry] = Field(default_factory=list)
    answer_text: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    extension_reason: str | None = None

    def entry(self, action: OfficialAction, request_id: str) -> HistoryEntry | None:
        """The entry of an action already taken under this request id, if any."""
        return next((e for e in self.history if e.action == action and e.request_id == request_id), None)


def reserve_tracking_code(transaction, db, generate=new_tracking_code) -> str:
    """A code no case holds yet (read in the transaction, so a concurrent filing with it conflicts)."""
    for _ in range(CODE_ATTEMPTS):
        code = generate()
        if not collections.tracking_code(db, code).get(transaction=transaction).exists:
            return code
    raise TrackingCodesExhausted()


def file_case(transaction, db, case: Case) -> None:
    transaction.create(collections.agency_cases(db, case.agency_id).document(case.case_id), case.model_dump())
    transaction.create(
        collections.tracking_code(db, case.tracking_code),
        {"case_id": case.case_id, "agency_id": case.agency_id, "filed_at": case.filed_at},
    )


def find_by_tracking_code(transaction, db, code: str) -> Case | None:
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = (
        db.collection_group(collections.CASES).where(filter=FieldFilter("tracking_code", "==", code)).limit(1)
    )
    for snapshot in transaction.get(query) if transaction else query.stream():
        return Case.model_validate(snapshot.to_dict())
    return None


def recent_cases_of(transaction, db, citizen_id: str, limit: int = 5) -> list[Case]:
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = (
        db.collection_group(collections.CASES)
        .where(filter=FieldFilter("citizen_id", "==", citizen_id))
        .order_by("filed_at", direction="DESCENDING")
        .limit(limit)
    )
    return [
        Case.model_validate(s.to_dict()) for s in (transaction.get(query) if transaction else query.stream())
    ]


def add_citizen_information(
    transaction, reference, information: CitizenInformation, clock: CaseClock, entry: HistoryEntry
) -> None:
    from google.cloud import firestore

    transaction.update(
        reference,
        {
            "citizen_information": firestore.ArrayUnion([information.model_dump()]),
            "clock": clock.model_dump(),
            "history": firestore.ArrayUnion([entry.model_dump()]),
        },
    )


def add_late_text(transaction, reference, text: str) -> None:
    from google.cloud import firestore

    transaction.update(reference, {"late_additions": firestore.ArrayUnion([text])})


def locate(transaction, db, agency_id: str, case_id: str):
    """The snapshot of case `case_id`: looked for under `agency_id` first, then under any agency (it may have
    been transferred, or belong to another one); None when no agency holds it."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    own = collections.agency_cases(db, agency_id).document(case_id).get(transaction=transaction)
    if own.exists:
        return own
    query = (
        db.collection_group(collections.CASES).where(filter=FieldFilter("case_id", "==", case_id)).limit(1)
    )
    return next(iter(transaction.get(query) if transaction else query.stream()), None)


def cases_of_agency(db, agency_id: str, status: CaseStatus | None, limit: int) -> list[Case]:
    """An agency's cases, newest first (filtered by status: a composite index on the agency's collection)."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = collections.agency_cases(db, agency_id)
    if status:
        query = query.where(filter=FieldFilter("status", "==", status))
    query = query.order_by("filed_at", direction="DESCENDING").limit(limit)
    return [Case.model_validate(snapshot.to_dict()) for snapshot in query.stream()]

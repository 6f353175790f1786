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


def add_late_text(transaction, db, agency_id: str, case_id: str, text: str) -> None:
    from google.cloud import firestore

    transaction.update(
        collections.agency_cases(db, agency_id).document(case_id),
        {"late_additions": firestore.ArrayUnion([text])},
    )

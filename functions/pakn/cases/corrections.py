"""Training examples learnt from officials' corrections (học từ điều chỉnh của cán bộ).

When an official transfers a case, or the city Office's desk routes one it triaged, the agency the case
moves to is the answer the classifier should have given; when an official reclassifies a case (a
procedure that was an official's conduct), its new kind is. The unit of work that changes the case
(pakn.cases.workflow) keeps it as one labelled example through `CorrectionStore`, the only code that reads
or writes `training_examples/{id}`. The id is the case and the step of its history: a retried action
finds its entry and writes nothing, and were it written again it would land on the same document.
`pakn training export` turns the examples into rows of the labelled set; `pakn training fit` learns from
them.

Kept: the text without personal data (pakn.routing.redaction, which also knows the case's contact
details), the corrected labels, what the classifier had decided and its version, where the case came
from, and the official's reason, redacted too. Not kept: the citizen's id, name, phone or address, the
case's id (an example must lead back to nobody) or the official's.

The labels follow tests/data/LABELLING.md. `kind` is the case's after the move (a reclassification's new
kind, or the kind it was given before); `level` is the agency's the case is then at; `agency_id` is that
agency for a department, for a commune only while the redacted text still names its place (a commune is
decided by the place named), and null for the city. A case then at the desk (routing's triage agency)
keeps no example: a transfer there says where the case does not belong, not where it does, and a
reclassification there leaves its agency unknown; the desk's own transfer onwards is the example, with
the kind the desk gave it. Of one text, `pakn training export` keeps the latest example.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from pakn.cases.case import Case, Transition
from pakn.domain.vocabulary import AgencyLevel, Kind, Level
from pakn.platform import firestore_paths
from pakn.platform.retention import TRAINING_EXAMPLE_RETENTION
from pakn.platform.unit_of_work import UnitOfWork
from pakn.routing.redaction import redact
from pakn.routing.registry import Agency, Registry, load_registry
from pakn.routing.text import tokens


class _Stored(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClassifierDecision(_Stored):
    """What the case was filed with: the classifier's decision (the case's CaseRouting) and version."""

    version: str
    # The case's kind as filed: the classifier's, or the citizen's answer to its quick question.
    kind: Kind
    agency_id: str | None
    outcome: str
    confidence: float


class TrainingExample(_Stored):
    """One labelled message learnt from a transfer."""

    text: str
    kind: Kind
    level: AgencyLevel
    agency_id: str | None
    classified: ClassifierDecision
    # Where the case was before the move: the classifier's choice, or an earlier official's.
    from_agency_id: str
    from_level: Level
    reason: str | None = None
    created_at: datetime
    # Firestore's TTL policy deletes the example then (TRAINING_EXAMPLE_RETENTION).
    expire_at: datetime


def example_of(
    before: Case, transition: Transition, registry: Registry, desk_agency_id: str
) -> TrainingExample | None:
    """The example a transfer or a reclassification of `before` teaches, or None when it leaves the case at
    the desk."""
    after = transition.case
    if after.agency_id == desk_agency_id:
        return None
    agency = registry.get(after.agency_id)
    text = redact(before.content, before.contact)
    routing = before.routing
    reason = transition.entry.detail
    at = transition.entry.at
    return TrainingExample(
        text=text,
        kind=after.kind,
        level=agency.level,
        agency_id=labelled_agency(agency, text, registry),
        classified=ClassifierDecision(
            version=routing.classifier_version,
            kind=before.filed_kind,
            agency_id=routing.classified_agency_id,
            outcome=routing.outcome,
            confidence=routing.confidence,
        ),
        from_agency_id=before.agency_id,
        from_level=before.level,
        reason=redact(reason, before.contact) if reason else None,
        created_at=at,
        expire_at=at + TRAINING_EXAMPLE_RETENTION,
    )


def labelled_agency(agency: Agency, text: str, registry: Registry) -> str | None:
    """The agency as the labelled set writes it: a department always, a commune only when `text` names
    its place, the city never (LABELLING.md keeps `vp-ubnd` for a text that addresses the city)."""
    if agency.level == "department":
        return agency.id
    named = agency.level == "commune" and any(
        agency.id in mention.targets for mention in registry.mentions(tokens(text))
    )
    return agency.id if named else None


class CorrectionStore:
    def __init__(self, db):
        self._db = db

    def record(self, uow: UnitOfWork, before: Case, transition: Transition) -> None:
        """Keeps what the transfer or reclassification `transition` of `before` teaches, in the unit of work
        that changes it."""
        # Here, not at the top: routing's rules import the classifier's module, which the officials' API
        # and console otherwise never load.
        from pakn.routing.route import routing_rules

        example = example_of(before, transition, load_registry(), routing_rules().triage_agency_id)
        if example is None:
            return
        step = len(transition.case.history) - 1  # the move's own entry, the history's last
        ref = firestore_paths.training_example(self._db, f"{before.case_id}:{step}")
        uow.set(ref, example.model_dump())

    def examples(self) -> list[TrainingExample]:
        """Every example kept, oldest first (for `pakn training export`)."""
        found = self._db.collection(firestore_paths.TRAINING_EXAMPLES).stream()
        return sorted(
            (TrainingExample.model_validate(snapshot.to_dict()) for snapshot in found),
            key=lambda example: example.created_at,
        )

"""Who hears about a case's deadlines: each agency's officials by role, and which roles each step reaches.

An agency's officials are kept on its registry document, `agencies/{agency_id}`, as
`contacts: {"handlers": [official, ...], "lead": [...], "desk": [...]}`, each official
`{"email": ..., "zalo_user_id": ...}` (either may be missing: Zalo only reaches officials who follow the OA).
Which roles each step of the sweep reaches, with which text, is `config/escalation.json`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, model_validator

from pakn.deadlines.clock import Step
from pakn.domain import messages
from pakn.domain.errors import PaknError
from pakn.platform import firestore_paths
from pakn.platform.configuration import CONFIG_DIR, load_config

DEFAULT_PLAN = CONFIG_DIR / "escalation.json"

OfficialRole = Literal["handlers", "lead", "desk"]
Role = Literal[OfficialRole, "citizen"]
ChannelName = Literal["email", "zalo"]


class ContactsUnreadable(PaknError):
    """An agency's `contacts` field is not what the escalation plan expects: a person must fix the data."""


class Official(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    email: str | None = None
    zalo_user_id: str | None = None

    def address(self, channel: ChannelName) -> str | None:
        return self.email if channel == "email" else self.zalo_user_id


Contacts = dict[OfficialRole, list[Official]]
_contacts = TypeAdapter(Contacts)


class Recipient(BaseModel):
    """One line of a step in escalation.json."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    agency: Literal["handling", "office"] = "handling"
    message: str
    once_per_case: bool = False
    # answer_late: only once the answer itself is late (pakn.sweep.answer_late), not a missed acceptance.
    when: Literal["always", "answer_late"] = "always"


def addresses(
    recipient: Recipient,
    citizen_id: str,
    agency_id: str,
    channels: Sequence[ChannelName],
    officials_of: Callable[[Recipient, str], list[tuple[OfficialRole, Official]]],
) -> list[tuple[Role, ChannelName, str]]:
    """Where `recipient` is reached about a case of `citizen_id` at `agency_id`: (role, channel, address),
    by every channel turned on (in order) that the person has."""
    if recipient.role == "citizen":
        return [("citizen", "zalo", citizen_id)] if "zalo" in channels else []
    return [
        (role, channel, official.address(channel))
        for role, official in officials_of(recipient, agency_id)
        for channel in channels
        if official.address(channel)
    ]


class EscalationPlan(BaseModel):
    """`config/escalation.json`; its `note` documents the format."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    note: str = ""
    office_agency_id: str
    fallback_role: OfficialRole
    steps: dict[Step, tuple[Recipient, ...]]
    # Who hears at once of a case filed with or transferred to their agency.
    announce: tuple[Recipient, ...] = ()
    # Who hears at once of a case the citizen reopened by not accepting its answer.
    announce_reopened: tuple[Recipient, ...] = ()

    @model_validator(mode="after")
    def _complete(self) -> EscalationPlan:
        missing = set(get_args(Step)) - self.steps.keys()
        if missing:
            raise ValueError(f"no recipients for steps {sorted(missing)}")
        recipients = [*(r for rs in self.steps.values() for r in rs), *self.announce, *self.announce_reopened]
        unknown = {r.message for r in recipients} - messages.CATALOGUE.keys()
        if unknown:
            raise ValueError(f"unknown messages {sorted(unknown)}")
        return self

    @classmethod
    def load(cls, path: Path = DEFAULT_PLAN) -> EscalationPlan:
        return load_config(cls, path, "escalation plan")


@functools.cache
def default_plan() -> EscalationPlan:
    return EscalationPlan.load()


class Directory:
    """The agencies' officials, each agency read from Firestore at most once: one per sweep."""

    def __init__(self, db, plan: EscalationPlan):
        self._db = db
        self._plan = plan
        self._contacts: dict[str, Contacts] = {}

    def officials(self, recipient: Recipient, handling_agency_id: str) -> list[tuple[OfficialRole, Official]]:
        """Who `recipient` means for a case handled by `handling_agency_id`, with the office's fallback."""
        agency_id = self._plan.office_agency_id if recipient.agency == "office" else handling_agency_id
        found = self._of(agency_id).get(recipient.role, [])
        if found:
            return [(recipient.role, official) for official in found]
        fallback = self._plan.fallback_role
        return [(fallback, official) for official in self._of(self._plan.office_agency_id).get(fallback, [])]

    def _of(self, agency_id: str) -> Contacts:
        if agency_id not in self._contacts:
            snapshot = firestore_paths.agency(self._db, agency_id).get()
            stored = (snapshot.to_dict() or {}).get("contacts") or {}
            try:
                self._contacts[agency_id] = _contacts.validate_python(stored)
            except ValidationError as exc:
                raise ContactsUnreadable(agency_id) from exc
        return self._contacts[agency_id]

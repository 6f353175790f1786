"""Who may do what: ONE table, data, for every page and action of the console.

Roles come from the Firebase custom claims `{role, agency_id}`:
- official: their agency's cases;
- lead: the agency's head, also its escalations and statistics;
- desk: the city Office's triage desk (agency vp-ubnd): the unrouted queue, every agency's overdue cases,
  and it may transfer, reclassify or annotate any case;
- admin: officials' accounts and roles.

For each page or action the table gives the roles allowed and, per role, the scope: OWN (the case must be
at the actor's agency) or ANY. A role not listed gets 403; a case outside an OWN scope is answered 404, as
if it did not exist, so ids of other agencies' cases reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal, get_args

Role = Literal["official", "lead", "desk", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
# The triage desk belongs to the city People's Committee Office.
OFFICE = "vp-ubnd"


class Scope(Enum):
    OWN = "own"
    ANY = "any"


OWN, ANY = Scope.OWN, Scope.ANY
_HANDLERS = {"official": OWN, "lead": OWN}

RULES: dict[str, dict[Role, Scope]] = {
    # pages
    "queue": {"official": OWN, "lead": OWN, "desk": OWN},
    "search": {"official": OWN, "lead": OWN, "desk": ANY},
    "case": {"official": OWN, "lead": OWN, "desk": ANY},
    # the citizen's name, phone and address on the case page: only those who answer them
    "contact": dict(_HANDLERS),
    "escalations": {"lead": OWN},
    "triage": {"desk": ANY},
    "statistics": {"lead": OWN, "desk": ANY},
    "accounts": {"admin": ANY},
    # actions on a case
    "accept": dict(_HANDLERS),
    "answer": dict(_HANDLERS),
    "request_info": dict(_HANDLERS),
    "resume": dict(_HANDLERS),
    "extend": dict(_HANDLERS),
    "reject": dict(_HANDLERS),
    "mark_duplicate": dict(_HANDLERS),
    "transfer": {"official": OWN, "lead": OWN, "desk": ANY},
    "note": {"official": OWN, "lead": OWN, "desk": ANY},
    "reclassify": {"official": OWN, "lead": OWN, "desk": ANY},
    # actions on accounts (pakn.officials.accounts, the same code as `pakn officials`)
    "create_account": {"admin": ANY},
    "move_account": {"admin": ANY},
    "disable_account": {"admin": ANY},
}
CASE_ACTIONS = (
    "accept",
    "answer",
    "request_info",
    "resume",
    "extend",
    "transfer",
    "reclassify",
    "reject",
    "mark_duplicate",
    "note",
)


@dataclass(frozen=True)
class Principal:
    """The signed-in official, as their verified session cookie says."""

    uid: str
    email: str
    role: Role
    agency_id: str


class Decision(Enum):
    ALLOWED = 200
    FORBIDDEN = 403
    NOT_FOUND = 404


def decide(principal: Principal, name: str, case_agency_id: str | None = None) -> Decision:
    """May `principal` use page or action `name` (on a case at `case_agency_id`, when it is about one)?"""
    scope = RULES[name].get(principal.role)
    if scope is None:
        return Decision.FORBIDDEN
    if case_agency_id is not None and scope is OWN and case_agency_id != principal.agency_id:
        return Decision.NOT_FOUND
    return Decision.ALLOWED


def allowed(principal: Principal, name: str, case_agency_id: str | None = None) -> bool:
    return decide(principal, name, case_agency_id) is Decision.ALLOWED


def scope_of(principal: Principal, name: str) -> Scope | None:
    return RULES[name].get(principal.role)

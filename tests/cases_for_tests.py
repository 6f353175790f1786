"""Cases and policies built the way the system builds them (through the aggregate's own `Case.file`), for
tests that need a case without a conversation."""

from __future__ import annotations

from datetime import datetime

from pakn.cases import tracking_code
from pakn.cases.case import AgencyRef, Case, CaseRouting
from pakn.deadlines.clock import DeadlinePolicy, DeadlineRules
from pakn.deadlines.workdays import VIETNAM_TZ, default_calendar
from pakn.domain.vocabulary import ContactDetails

RULES = {
    "limits": {"default": {"accept": 1, "answer": 20, "extension": 10}},
    "ladder": {"remind_before_due": 1, "escalate_lead_after_due": 2, "escalate_office_after_due": 5},
    "citizen_update_every_days": 7,
}
# The tests' own rules on the shipped calendar (Tết 2026, the 22/8/2026 make-up Saturday).
POLICY = DeadlinePolicy(DeadlineRules.model_validate(RULES), default_calendar())
WARD = AgencyRef(id="xa-00004", name="Phường Ba Đình", level="commune")
CITIZEN = "5512345678901234567"


def hanoi(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VIETNAM_TZ)


def tracking_code_for(number: int) -> str:
    """A valid code of the case's alphabet, distinct per number."""
    digits = ""
    for _ in range(tracking_code.LENGTH):
        number, digit = divmod(number, len(tracking_code.ALPHABET))
        digits = tracking_code.ALPHABET[digit] + digits
    return tracking_code.PREFIX + digits


def filed_case(
    at: datetime,
    *,
    number: int = 0,
    agency: AgencyRef = WARD,
    citizen_id: str = CITIZEN,
    policy: DeadlinePolicy = POLICY,
) -> Case:
    return Case.file(
        case_id=f"case-{number:05d}",
        tracking_code=tracking_code_for(number),
        citizen_id=citizen_id,
        agency=agency,
        kind="procedure",
        level=agency.level or "commune",
        content="Cán bộ bắt bổ sung giấy tờ ba lần",
        media=[],
        location=None,
        contact=ContactDetails(name="Nguyễn Văn An", phone="0912345678", address="12 Hàng Bông"),
        routing=CaseRouting(
            outcome="agency", reason="test", confidence=1.0, evidence=[], classifier_version="test"
        ),
        at=at,
        policy=policy,
    )

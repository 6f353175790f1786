"""How long records that hold personal data are kept (Decree 356/2025: only as long as the purpose needs).

Each such record carries `expire_at`; Firestore's TTL policies (infra/firestore.indexes.json) delete it then.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, model_validator

# Every retention period of the system, in one place.

# Replies and notifications: long enough to investigate a complaint about a reply or a reminder.
RECORD_RETENTION = timedelta(days=90)
# The raw citizen event kept with its processed marker (its replies' delivery, or `inbound_events`): long
# enough to investigate, then Firestore drops it.
EVENT_RETENTION = timedelta(days=90)
# A dead letter: long enough for ops to look at it and replay it.
DEAD_LETTER_RETENTION = timedelta(days=30)
# A training example learnt from an official's correction (pakn.cases.corrections): its text is redacted
# when written, but redaction of free text is a best effort, so it too expires. A year spans several
# retrainings; the examples worth keeping live on, reviewed, in the labelled set (`pakn training export`).
TRAINING_EXAMPLE_RETENTION = timedelta(days=365)
# Cases themselves are kept apart: they are the city's records, under its archiving rules.
# The copies of citizens' attachments (pakn.attachments), which the bucket's lifecycle rule deletes (infra/):
# as long as the case file they belong to. Ten years is the period this plan assumes for the records of
# handling a phản ánh, kiến nghị, until the city's archivists confirm it.
ATTACHMENT_RETENTION = timedelta(days=3653)


class Expiring(BaseModel):
    created_at: datetime
    expire_at: datetime | None = None

    @model_validator(mode="after")
    def _expires_after_retention(self) -> Expiring:
        if self.expire_at is None:
            self.expire_at = self.created_at + RECORD_RETENTION
        return self

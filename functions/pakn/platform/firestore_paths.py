"""Where things live in Firestore: every path is built here, from one template per kind of document.

Cases live under the agency that handles them (`agencies/{agency_id}/cases/{case_id}`); work across
agencies uses collection-group queries on `cases`, backed by the indexes in firestore.indexes.json.
"""

from __future__ import annotations

import hashlib

INBOUND_EVENTS = "inbound_events"
DELIVERIES = "deliveries"
CITIZENS = "citizens"
AGENCIES = "agencies"
CASES = "cases"
TRACKING_CODES = "tracking_codes"
DEAD_LETTERS = "dead_letters"
NOTIFICATIONS = "notifications"
TRAINING_EXAMPLES = "training_examples"


def document_id(natural_key: str) -> str:
    """A Firestore-safe id for a natural key (Zalo ids may hold characters a path cannot)."""
    return hashlib.sha256(natural_key.encode()).hexdigest()[:40]


def inbound_event(db, event_id: str):
    return db.collection(INBOUND_EVENTS).document(document_id(event_id))


def delivery(db, key: str):
    return db.collection(DELIVERIES).document(document_id(key))


def citizen(db, citizen_id: str):
    return db.collection(CITIZENS).document(document_id(citizen_id))


def agency(db, agency_id: str):
    return db.collection(AGENCIES).document(agency_id)


def agency_cases(db, agency_id: str):
    return db.collection(AGENCIES).document(agency_id).collection(CASES)


def tracking_code(db, code: str):
    return db.collection(TRACKING_CODES).document(code)


def dead_letter(db, message_id: str):
    return db.collection(DEAD_LETTERS).document(document_id(message_id))


def notification(db, key: str):
    return db.collection(NOTIFICATIONS).document(document_id(key))


def training_example(db, key: str):
    return db.collection(TRAINING_EXAMPLES).document(document_id(key))

"""ZNS delivery receipts: Zalo's word that a template message reached the citizen's phone, recorded on the
delivery it names (`tracking_id` is our delivery key), once: a receipt repeated changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from pakn.platform import firestore_paths
from pakn.platform.log import get_logger
from pakn.platform.unit_of_work import UnitOfWork, in_transaction

log = get_logger("pakn.delivery.receipts")


def record_receipt(db, delivery_key: str, received_at: datetime) -> bool:
    """Whether the receipt was new. A receipt for no delivery of ours (expired, or not ours) is logged."""
    ref = firestore_paths.delivery(db, delivery_key)

    def run(uow: UnitOfWork) -> bool | None:
        snapshot = uow.get(ref)
        if not snapshot.exists:
            return None
        if (snapshot.to_dict() or {}).get("received_at") is not None:
            return False
        uow.update(ref, {"received_at": received_at})
        return True

    recorded = in_transaction(db, run)
    if recorded is None:
        log.warning("zns receipt for no known delivery", delivery_key=delivery_key[:200])
    return bool(recorded)

"""The OA's access token, kept valid across every instance without ever losing the refresh token.

Zalo's refresh tokens are single use: a refresh answers with a new pair and the old refresh token is dead.
Two instances refreshing with the same token means one of them fails, and a pair that is received but not
stored means an OA admin must re-authorise. So one Firestore document holds the pair; an instance that
needs a refresh first claims a short lease on it (a write conditional on the document being unchanged),
refreshes, and stores the new pair before anyone uses it. Other instances wait for the lease holder and
then read the new pair. An instance without the app secret (the conversation worker, sending its turn's
replies) only reads the pair: when it is stale there, the send fails over to the sender function, which
alone holds the secret and the refresh token, and refreshes it.

Tokens are secrets: nothing here logs them.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import AwareDatetime, BaseModel

from pakn.domain.errors import ConfigurationError, TransientFailure
from pakn.platform.leases import held
from pakn.platform.log import get_logger

# Firestore's library (about 0.2 s of a cold start) is imported where a refresh uses it, so that importing
# the Zalo client does not load it.
if TYPE_CHECKING:
    from google.cloud import firestore

log = get_logger("pakn.zalo.tokens")

# How often a waiting instance re-reads the document while another one holds the lease.
_POLL_INTERVAL = timedelta(milliseconds=250)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    expires_at: AwareDatetime


class TokenStore(Protocol):
    def current(self, wait: float | None = None) -> str:
        """An access token that is valid now. `wait` caps, in seconds, how long to wait for another
        instance's refresh before raising TokenUnavailable; None waits out the other instance's lease."""

    def invalidate(self, token: str) -> None:
        """Zalo rejected `token` (-216 or -220): the next `current()` must not return it."""


class TokenUnavailable(TransientFailure):
    """Another instance held the refresh lease for longer than we could wait, or the pair needs a refresh
    this instance may not make."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Lease:
    owner: str
    refresh_token: str


class FirestoreTokenStore:
    """The token pair in one Firestore document, refreshed by one lease holder at a time."""

    def __init__(
        self,
        db: firestore.Client,
        refresh: Callable[[str], TokenPair] | None,
        document: str = "zalo_tokens/oa",
        initial_refresh_token: str | None = None,
        clock: Callable[[], datetime] = _utcnow,
        refresh_margin: timedelta = timedelta(minutes=30),
        lease: timedelta = timedelta(seconds=30),
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._db = db
        self._ref = db.document(document)
        self._refresh = refresh
        self._initial_refresh_token = initial_refresh_token
        self._clock = clock
        self._margin = refresh_margin
        self._lease = lease
        self._sleep = sleep
        # A holder that dies leaves its lease to expire: wait that long, and one poll more.
        self._max_polls = _polls_within(lease.total_seconds())
        self._cached: TokenPair | None = None
        self._rejected: str | None = None
        # Threads of one instance queue here rather than all asking Firestore for the same refresh.
        self._local = threading.Lock()

    def current(self, wait: float | None = None) -> str:
        pair = self._cached
        if pair is None or self._stale(pair):
            polls = self._max_polls if wait is None else min(self._max_polls, _polls_within(wait))
            pair = self._obtain(polls)
        return pair.access_token

    def invalidate(self, token: str) -> None:
        # The next current() refreshes, unless another instance has already stored a pair without `token`.
        self._rejected = token

    def _stale(self, pair: TokenPair) -> bool:
        return pair.access_token == self._rejected or pair.expires_at - self._margin <= self._clock()

    def _obtain(self, polls: int) -> TokenPair:
        with self._local:
            if self._cached is not None and not self._stale(self._cached):
                return self._cached
            for _ in range(polls):
                # Plain reads and a conditional write, not a transaction: transactions that read and then
                # write one document wait on each other's locks, seconds at a time.
                snapshot = self._ref.get()
                found = self._assess(snapshot.to_dict() or {})
                if isinstance(found, TokenPair):
                    self._cached = found
                    return found
                if found is None:
                    self._sleep(_POLL_INTERVAL.total_seconds())
                    continue
                lease = self._claim(snapshot, found)
                if lease is not None:
                    self._cached = self._refresh_holding(lease)
                    return self._cached
        raise TokenUnavailable("another instance is still refreshing the Zalo access token")

    def _assess(self, doc: dict[str, Any]) -> TokenPair | str | None:
        """The stored pair if usable; else None while another holder's lease is live; else the refresh
        token to claim the lease with."""
        pair = _stored_pair(doc)
        if pair is not None and not self._stale(pair):
            return pair
        if held(doc.get("lease_until"), self._clock()):
            return None
        if self._refresh is None:
            raise TokenUnavailable("this instance only reads the Zalo access token; it cannot refresh it")
        refresh_token = doc.get("refresh_token") or self._initial_refresh_token
        if not refresh_token:
            raise ConfigurationError(
                f"no Zalo refresh token in {self._ref.path} and no initial refresh token configured"
            )
        return refresh_token

    def _claim(self, snapshot: firestore.DocumentSnapshot, refresh_token: str) -> _Lease | None:
        """Take the lease, provided the document is still as `snapshot` saw it: of the instances racing for
        it, one write lands. None when another instance wrote first."""
        from google.api_core.exceptions import Conflict, FailedPrecondition

        # A fresh owner id per claim, so two threads sharing this store never both believe they hold it.
        owner = uuid.uuid4().hex
        lease = {"lease_owner": owner, "lease_until": self._clock() + self._lease}
        try:
            if snapshot.exists:
                self._ref.update(lease, option=self._db.write_option(last_update_time=snapshot.update_time))
            else:
                self._ref.create(lease)
        except (FailedPrecondition, Conflict):
            return None
        return _Lease(owner, refresh_token)

    def _refresh_holding(self, lease: _Lease) -> TokenPair:
        try:
            pair = self._refresh(lease.refresh_token)
        except Exception:
            self._write(lease.owner, {})
            raise
        try:
            self._write(lease.owner, pair.model_dump())
        except Exception:
            # Zalo has already retired the old refresh token; without the new one only an admin can help.
            log.error("zalo token refresh succeeded but the new pair could not be stored")
            raise
        log.info("zalo access token refreshed")
        return pair

    def _write(self, owner: str, fields: dict[str, Any]) -> None:
        from google.cloud import firestore

        # Only the lease holder writes here, so this transaction meets no contention in practice.
        firestore.transactional(self._write_in)(self._db.transaction(), owner, fields)

    def _write_in(self, transaction: firestore.Transaction, owner: str, fields: dict[str, Any]) -> None:
        """Store `fields` and end our lease; a lease someone else took meanwhile is theirs to end."""
        from google.cloud import firestore

        doc = self._ref.get(transaction=transaction).to_dict() or {}
        update = {**fields, "updated_at": self._clock()}
        if doc.get("lease_owner") == owner:
            update |= {"lease_owner": firestore.DELETE_FIELD, "lease_until": firestore.DELETE_FIELD}
        transaction.set(self._ref, update, merge=True)


def _polls_within(seconds: float) -> int:
    # The first read costs no wait; each further one follows a poll interval.
    return max(1, math.ceil(seconds / _POLL_INTERVAL.total_seconds()) + 1)


def _stored_pair(doc: dict[str, Any]) -> TokenPair | None:
    """The document's pair; None when it holds none yet (or only a refresh token seeded by an admin)."""
    if not all(doc.get(key) for key in ("access_token", "refresh_token", "expires_at")):
        return None
    return TokenPair(
        access_token=doc["access_token"], refresh_token=doc["refresh_token"], expires_at=doc["expires_at"]
    )

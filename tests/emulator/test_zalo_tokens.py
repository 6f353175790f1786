"""The Firestore token store on the emulator, refreshing through the real client against the Zalo stand-in.

What matters: a refresh token is used once, by one holder at a time, and the new pair is stored before use.
"""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from standin_app import APP_ID, FIRST_REFRESH, SECRET

from pakn.domain.errors import ConfigurationError
from pakn.zalo.client import ZaloClient, ZaloTokenUnavailable
from pakn.zalo.tokens import FirestoreTokenStore, TokenUnavailable

pytestmark = pytest.mark.emulator

DOCUMENT = "zalo_tokens/oa"


@pytest.fixture
def oauth(standin):
    """The client whose refresh_tokens() the stores call; it never needs tokens of its own here."""
    return ZaloClient(standin.url, standin.url, APP_ID, SECRET, tokens=None)


@pytest.fixture
def store(firestore_db, oauth):
    def make(refresh=oauth.refresh_tokens, **options) -> FirestoreTokenStore:
        options.setdefault("initial_refresh_token", FIRST_REFRESH)
        return FirestoreTokenStore(firestore_db, refresh, document=DOCUMENT, **options)

    return make


def stored(firestore_db) -> dict:
    return firestore_db.document(DOCUMENT).get().to_dict() or {}


def refreshes(standin) -> int:
    return standin.control.stats()["refreshes"]


def test_bootstraps_from_the_initial_refresh_token_and_stores_the_new_pair(
    store, firestore_db, oauth, standin
):
    token = store().current()
    doc = stored(firestore_db)
    assert doc["access_token"] == token
    assert doc["refresh_token"] != FIRST_REFRESH
    assert doc["expires_at"] > datetime.now(UTC) + timedelta(hours=24)
    assert "lease_owner" not in doc and "lease_until" not in doc
    # The initial refresh token is spent; the stored one is the live one.
    with pytest.raises(ZaloTokenUnavailable):
        oauth.refresh_tokens(FIRST_REFRESH)
    assert oauth.refresh_tokens(doc["refresh_token"]).access_token


def test_a_valid_pair_is_reused_by_this_and_other_instances(store, standin):
    first = store()
    token = first.current()
    assert first.current() == token
    assert store().current() == token
    assert refreshes(standin) == 1


def test_refreshes_within_the_margin_before_expiry(store, firestore_db, standin):
    now = [datetime.now(UTC)]
    tokens = store(clock=lambda: now[0])
    old = tokens.current()
    now[0] = stored(firestore_db)["expires_at"] - timedelta(minutes=29)
    new = tokens.current()
    assert new != old
    assert stored(firestore_db)["access_token"] == new
    assert refreshes(standin) == 2


def test_invalidate_refreshes_once_even_when_every_instance_reports_the_token(store, standin):
    a, b = store(), store()
    token = a.current()
    assert b.current() == token
    a.invalidate(token)
    b.invalidate(token)
    new = a.current()
    assert new != token
    assert b.current() == new  # b finds a's pair rather than spending the refresh token again
    assert refreshes(standin) == 2


def test_instances_refreshing_at_once_make_one_refresh_call(store, oauth, standin):
    def slow_refresh(refresh_token):
        time.sleep(0.2)  # long enough for every other instance to find the lease taken
        return oauth.refresh_tokens(refresh_token)

    stores = [store(refresh=slow_refresh) for _ in range(4)]
    start = threading.Barrier(len(stores))
    tokens = []

    def run(tokens_store):
        start.wait()
        tokens.append(tokens_store.current())

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tokens) == 4 and len(set(tokens)) == 1
    assert refreshes(standin) == 1
    assert standin.control.stats()["refresh_failures"] == 0


def test_a_waiting_instance_uses_the_pair_the_lease_holder_stores(store, firestore_db, standin):
    ref = firestore_db.document(DOCUMENT)
    ref.set({"lease_owner": "other-instance", "lease_until": datetime.now(UTC) + timedelta(seconds=30)})
    holder_pair = {
        "access_token": "from-the-holder",
        "refresh_token": "its-refresh-token",
        "expires_at": datetime.now(UTC) + timedelta(hours=25),
    }

    def holder_finishes_while_we_wait(seconds):
        ref.set(holder_pair)

    assert store(sleep=holder_finishes_while_we_wait).current() == "from-the-holder"
    assert refreshes(standin) == 0


def test_a_lease_left_by_a_dead_instance_is_taken_over_once_expired(store, firestore_db, standin):
    firestore_db.document(DOCUMENT).set(
        {"lease_owner": "dead-instance", "lease_until": datetime.now(UTC) - timedelta(seconds=1)}
    )
    assert store().current()
    assert refreshes(standin) == 1


def test_waiting_for_a_lease_is_bounded(store, firestore_db, standin):
    firestore_db.document(DOCUMENT).set(
        {"lease_owner": "stuck-instance", "lease_until": datetime.now(UTC) + timedelta(hours=1)}
    )
    waits = []
    with pytest.raises(TokenUnavailable):
        store(lease=timedelta(seconds=1), sleep=waits.append).current()
    assert 0 < len(waits) <= 5
    assert refreshes(standin) == 0


def test_a_caller_with_little_time_left_waits_no_longer(store, firestore_db, standin):
    firestore_db.document(DOCUMENT).set(
        {"lease_owner": "slow-instance", "lease_until": datetime.now(UTC) + timedelta(seconds=30)}
    )
    waits = []
    with pytest.raises(TokenUnavailable):
        store(sleep=waits.append).current(wait=0.5)
    assert sum(waits) <= 0.5 + 0.25  # one poll interval past what the caller had left
    assert refreshes(standin) == 0


def test_a_refused_refresh_releases_the_lease_and_keeps_the_stored_token(store, firestore_db):
    firestore_db.document(DOCUMENT).set({"refresh_token": "seeded-by-an-admin-but-wrong"})
    with pytest.raises(ZaloTokenUnavailable):
        store().current()
    doc = stored(firestore_db)
    assert doc["refresh_token"] == "seeded-by-an-admin-but-wrong"
    assert "lease_owner" not in doc and "access_token" not in doc


def test_without_any_refresh_token_the_configuration_is_wrong(store):
    with pytest.raises(ConfigurationError):
        store(initial_refresh_token=None).current()


def test_a_store_that_may_not_refresh_reads_the_pair_and_leaves_its_refresh_to_others(
    store, firestore_db, standin
):
    reader = store(refresh=None, initial_refresh_token=None)  # the conversation worker's
    with pytest.raises(TokenUnavailable):
        reader.current()  # no pair yet, and the first grant is not its to make
    assert stored(firestore_db) == {} and refreshes(standin) == 0

    token = store().current()  # the sender function's grant
    assert reader.current() == token
    reader.invalidate(token)  # Zalo rejected it: the reader cannot refresh, the pair stays as it was
    with pytest.raises(TokenUnavailable):
        reader.current()
    assert stored(firestore_db)["access_token"] == token and refreshes(standin) == 1

"""The client wired as in production (`firestore_client`): tokens in Firestore, Zalo by the stand-in."""

import threading
import time

import pytest
from standin_app import APP_ID, FIRST_REFRESH, SECRET

from pakn.zalo.client import ZaloTokenUnavailable, firestore_client

pytestmark = pytest.mark.emulator

DOCUMENT = "zalo_tokens/oa"


@pytest.fixture
def instance(firestore_db, standin):
    """A new client, as one Cloud Functions instance would create it; all share the emulator project."""

    def make(sleep=time.sleep):
        return firestore_client(
            firestore_db,
            api_base=standin.url,
            oauth_base=standin.url,
            app_id=APP_ID,
            app_secret=SECRET,
            initial_refresh_token=FIRST_REFRESH,
            document=DOCUMENT,
            sleep=sleep,
        )

    return make


def stored_refresh_token(firestore_db) -> str:
    return firestore_db.document(DOCUMENT).get().get("refresh_token")


def test_a_token_expiring_mid_conversation_is_refreshed_and_the_message_sent_once(
    instance, firestore_db, standin
):
    sleeps = []
    client = instance(sleep=sleeps.append)
    client.send_text("u1", "một")
    spent = stored_refresh_token(firestore_db)
    standin.control.expire_tokens()
    client.send_text("u1", "hai")

    assert [m["body"]["message"]["text"] for m in standin.control.messages()] == ["một", "hai"]
    stats = standin.control.stats()
    assert (stats["refreshes"], stats["errors"]) == (2, {"-220": 1})
    assert sleeps == []
    # The stored refresh token is the rotated one; the one it replaced is dead at Zalo.
    assert stored_refresh_token(firestore_db) != spent
    with pytest.raises(ZaloTokenUnavailable):
        client.refresh_tokens(spent)


def test_two_instances_hit_by_expiry_together_refresh_once(instance, standin):
    clients = [instance(), instance()]
    for client in clients:
        client.send_text("u1", "warm up")
    standin.control.expire_tokens()

    start = threading.Barrier(len(clients))
    failures = []

    def send(client, text):
        start.wait()
        try:
            client.send_text("u1", text)
        except Exception as exc:  # collected: an exception in a thread would otherwise vanish
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(c, f"after expiry {i}")) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(standin.control.messages()) == 4
    stats = standin.control.stats()
    assert (stats["refreshes"], stats["refresh_failures"]) == (2, 0)

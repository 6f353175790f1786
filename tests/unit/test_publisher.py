"""The publisher's handling of a publish that fails or outlasts its wait: the caller sees what went wrong, and
the citizen's ordering key is not left paused. The client here stands in for google-cloud-pubsub's
PublisherClient, with its documented behaviour: a failed publish pauses its key, and resuming a key that is
not paused raises RuntimeError."""

from concurrent.futures import Future, TimeoutError

import pytest

from pakn.platform import pubsub
from pakn.platform.pubsub import Publisher


class OrderingClient:
    def __init__(self):
        self.futures: list[Future] = []
        self.paused: set[str] = set()
        self.resumed: list[str] = []

    def publish(self, path, data, ordering_key="", **attributes):
        future = Future()
        future.add_done_callback(lambda done: done.exception() and self.paused.add(ordering_key))
        self.futures.append(future)
        return future

    def resume_publish(self, path, ordering_key):
        if ordering_key not in self.paused:
            raise RuntimeError("Ordering key is not paused.")
        self.paused.discard(ordering_key)
        self.resumed.append(ordering_key)


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setattr(pubsub, "PUBLISH_TIMEOUT_SECONDS", 0.01)
    return OrderingClient()


def test_a_publish_that_outlasts_its_wait_raises_the_timeout_and_resumes_its_key_when_it_fails_later(client):
    publisher = Publisher("p", client=client)
    with pytest.raises(TimeoutError):
        publisher.publish_raw("zalo-events", b"{}", ordering_key="citizen-1")
    assert client.resumed == []  # still in flight: nothing is paused yet
    client.futures[0].set_exception(ConnectionError("deadline exceeded"))
    assert client.resumed == ["citizen-1"] and client.paused == set()


def test_a_publish_that_fails_within_its_wait_raises_its_error_and_resumes_its_key(client):
    publisher = Publisher("p", client=client)

    def failing(path, data, ordering_key="", **attributes):
        future = OrderingClient.publish(client, path, data, ordering_key)
        future.set_exception(ConnectionError("unavailable"))
        return future

    client.publish = failing
    with pytest.raises(ConnectionError):
        publisher.publish_raw("zalo-events", b"{}", ordering_key="citizen-1")
    assert client.resumed == ["citizen-1"]


def test_a_publish_that_outlasts_its_wait_and_then_succeeds_resumes_nothing(client):
    publisher = Publisher("p", client=client)
    with pytest.raises(TimeoutError):
        publisher.publish_raw("zalo-events", b"{}", ordering_key="citizen-1")
    client.futures[0].set_result("message-1")
    assert client.resumed == [] and client.paused == set()

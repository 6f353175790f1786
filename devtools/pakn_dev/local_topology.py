"""Creates the declared topology (functions/pakn/config/topology.json) on the Pub/Sub emulator.

Push subscriptions point at the local functions. The retry policy is handed over as declared (the emulator
stores it, and redelivers about once a second whatever it says). The dead-letter policies are not: the
emulator counts attempts against them, and when a message reaches its limit it fails while forwarding it
(a NullPointerException in its log), after which its push threads for that subscription are gone and
nothing is delivered there again. Nothing here needs them: handlers dead-letter what can never be
processed themselves, and a reply whose pushes keep failing stays in the outbox, which the outbox sweep
republishes (in the cloud the policies stay, as a last resort that the sweep does not depend on).
"""

from __future__ import annotations

import contextlib

from google.api_core.exceptions import AlreadyExists
from google.cloud import pubsub_v1

from pakn.platform.topology import Topology


def apply_topology(project: str, topology: Topology, function_urls: dict[str, str], pull_only: bool = False):
    """Creates every topic and subscription (idempotent). With `pull_only`, push subscriptions are created
    as pull subscriptions, for tests that pump messages themselves."""
    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    for topic in topology.topics:
        with contextlib.suppress(AlreadyExists):
            publisher.create_topic(name=publisher.topic_path(project, topic.name))
    for sub in topology.subscriptions:
        request = {
            "name": subscriber.subscription_path(project, sub.name),
            "topic": publisher.topic_path(project, sub.topic),
            "ack_deadline_seconds": sub.ack_deadline_seconds,
            "enable_message_ordering": sub.ordering,
            "retry_policy": {
                "minimum_backoff": {"seconds": sub.min_backoff_seconds},
                "maximum_backoff": {"seconds": sub.max_backoff_seconds},
            },
        }
        # A push target not running here (a test's stack of a few functions) gets a pull subscription.
        if sub.push_to and not pull_only and sub.push_to in function_urls:
            request["push_config"] = {"push_endpoint": function_urls[sub.push_to]}
        # No dead_letter_policy: see above.
        with contextlib.suppress(AlreadyExists):
            subscriber.create_subscription(request=request)
    publisher.transport.close()
    subscriber.close()

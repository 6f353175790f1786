"""Creates the declared topology (functions/pakn/config/topology.json) on the Pub/Sub emulator.

Push subscriptions point at the local functions; the emulator stores the dead-letter and retry policies
but does not enforce them (it redelivers forever), which is why handlers dead-letter poison messages
themselves.
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
        if sub.push_to and not pull_only:
            request["push_config"] = {"push_endpoint": function_urls[sub.push_to]}
        dead_letter_topic = topology.dead_letter_topic_of(sub)
        if sub.max_delivery_attempts and dead_letter_topic:
            request["dead_letter_policy"] = {
                "dead_letter_topic": publisher.topic_path(project, dead_letter_topic),
                "max_delivery_attempts": sub.max_delivery_attempts,
            }
        with contextlib.suppress(AlreadyExists):
            subscriber.create_subscription(request=request)
    publisher.transport.close()
    subscriber.close()

"""Per-instance wiring: settings, clients and services, each created once on first use.

Entry points ask for what they need and nothing else, so the webhook never imports Firestore and a worker
never builds a client it does not call (cold starts).
"""

from __future__ import annotations

from functools import cache

from pakn.platform.log import get_logger
from pakn.platform.settings import Settings, load_settings
from pakn.platform.topology import load_topology


def settings() -> Settings:
    return load_settings()


@cache
def publisher():
    from pakn.platform.pubsub import Publisher

    return Publisher(settings().google_cloud_project)


@cache
def firestore_db():
    from google.cloud import firestore

    return firestore.Client(project=settings().google_cloud_project)


@cache
def webhook_receiver():
    from pakn.intake.webhook import WebhookReceiver

    topic = load_topology().topic("events").name

    def publish(event) -> str:
        return publisher().publish(
            topic, event, ordering_key=event.citizen_id, event_type=event.event_name, event_id=event.event_id
        )

    return WebhookReceiver(settings(), publish)


def publish_outbound(request, citizen_id: str) -> str:
    topic = load_topology().topic("outbound").name
    return publisher().publish(topic, request, ordering_key=citizen_id, delivery_key=request.delivery_key)


def dead_letter_publisher():
    """What a push handler calls for a message that can never be processed."""
    from pakn.platform.push import dead_letter

    topic = load_topology().topic("dead_letters").name
    return lambda envelope, reason: dead_letter(publisher(), topic, envelope, reason)


@cache
def inbox():
    """The conversation worker's inbox, which sends each turn's replies itself (the Zalo client is built
    on the first of them, not at the worker's start), with a client that never refreshes the OA's tokens:
    the app secret and the refresh token stay with the sender function."""
    from pakn.intake.inbox import Inbox

    return Inbox(
        firestore_db(),
        publish_outbound,
        send_claimed=lambda delivery: sender(refreshes=False).deliver_claimed(delivery),
    )


@cache
def attachment_store():
    """The bucket of citizens' attachments (None without ATTACHMENTS_BUCKET); Cloud Storage's client is
    built on first use, so only the functions that read or write attachments ever load it."""
    bucket = settings().attachments_bucket
    if bucket is None:
        return None
    from pakn.attachments.storage import BucketStore

    return BucketStore(bucket)


@cache
def attachment_keeper():
    """Copies a citizen event's attachments to the bucket before the conversation sees them."""
    store = attachment_store()
    if store is None:
        # Once per instance: cases then keep only Zalo's URLs, which expire after about 7 days.
        get_logger("pakn.runtime").warning("attachments not kept", reason="ATTACHMENTS_BUCKET unset")
        return None
    from pakn.attachments.keeper import Keeper

    return Keeper(store)


def keep_attachments(event):
    """The event with its attachments kept (each Media `stored` or `refused`); as it is without a bucket.
    Outside any transaction: downloads take seconds, and a transaction may run more than once."""
    keeper = attachment_keeper()
    return keeper.keep(event) if keeper is not None else event


@cache
def conversation():
    from pakn.conversation.service import Conversation
    from pakn.conversation.turn import Dependencies
    from pakn.routing.classify import classify
    from pakn.routing.registry import load_registry

    dependencies = Dependencies(
        classify=classify,
        registry=load_registry(),
        contact_form_image_url=settings().zalo_contact_form_image_url,
    )
    return Conversation(
        firestore_db(), dependencies, announcer=announcer(), publish_outbound=publish_outbound
    )


@cache
def zalo_client(refreshes: bool = True):
    """`refreshes`: the client may refresh the OA's token pair, with the app secret and the first refresh
    token (the sender function); otherwise it only reads the pair that the sender keeps fresh."""
    from pakn.zalo.client import firestore_client

    config = settings()
    refresh_token = config.zalo_refresh_token if refreshes else None
    return firestore_client(
        firestore_db(),
        api_base=config.zalo_api_base,
        oauth_base=config.zalo_oauth_base,
        zns_base=config.zalo_zns_base,
        app_id=config.zalo_app_id,
        app_secret=config.require("zalo_app_secret") if refreshes else None,
        initial_refresh_token=refresh_token.get_secret_value() if refresh_token else None,
    )


@cache
def sender(refreshes: bool = True):
    """`refreshes`: as for zalo_client."""
    from pakn.delivery.reach import default_policy
    from pakn.delivery.sender import Sender

    policy = default_policy()
    if not settings().zalo_night_ban:
        policy = policy.without_night()
    # The bucket: officials' files sent with answers are read from it and uploaded to Zalo.
    return Sender(
        firestore_db(),
        zalo_client(refreshes),
        publish_outbound,
        policy=policy,
        attachments=attachment_store(),
    )


@cache
def outbox_sweep():
    from pakn.delivery.outbox import OutboxSweep

    return OutboxSweep(firestore_db(), publish_outbound)


@cache
def notification_channels():
    """How officials and citizens are told of deadlines and new work: Zalo, and e-mail when configured."""
    from pakn.escalation.notify import EmailChannel, ZaloChannel

    channels = {"zalo": ZaloChannel(firestore_db(), publish_outbound)}
    email = EmailChannel.from_settings(settings())
    if email is None:
        # Once per instance: officials then hear only through Zalo.
        get_logger("pakn.runtime").warning("e-mail channel disabled", reason="SMTP_HOST or SMTP_SENDER unset")
    else:
        channels["email"] = email
    return channels


@cache
def announcer():
    from pakn.escalation.announce import Announcer

    return Announcer(firestore_db(), notification_channels(), settings().console_url)


@cache
def sweep():
    from pakn.escalation.sweep import Sweep

    topic = load_topology().topic("due_cases").name
    return Sweep(
        firestore_db(), notification_channels(), dispatch=lambda due: publisher().publish_all(topic, due)
    )


@cache
def firebase_app():
    """The Firebase Admin app that verifies officials' ID tokens (one per instance, named for this use)."""
    import firebase_admin

    config = settings()
    project = config.firebase_auth_project or config.google_cloud_project
    name = f"pakn-officials-{project}"
    try:
        return firebase_admin.get_app(name)
    except ValueError:  # not initialised yet in this process
        return firebase_admin.initialize_app(options={"projectId": project}, name=name)


@cache
def workflow():
    """Officials' actions, shared by the API and the console."""
    from pakn.cases.workflow import Workflow

    return Workflow(firestore_db(), publish_outbound, announcer=announcer())


@cache
def official_api():
    from pakn.officials.api import OfficialApi, firebase_verifier

    return OfficialApi(workflow(), firebase_verifier(firebase_app()))


@cache
def official_console():
    """The officials' console: the same workflow as the API, Firebase sessions, the console's settings."""
    from datetime import timedelta

    from pakn.officials.console.app import Console
    from pakn.officials.console.session import Sessions
    from pakn.officials.console.settings import load_console_settings

    config = load_console_settings()
    sessions = Sessions(firebase_app(), config.firebase_api_key, timedelta(minutes=config.session_minutes))
    return Console(
        db=firestore_db(),
        workflow=workflow(),
        sessions=sessions,
        settings=config,
        firebase_app=firebase_app(),
        attachments=attachment_store(),
    )

"""Entry points load only what they use: the webhook must answer without importing Firestore or the
classifier, which only the workers need, nor anything else it does not use (a cold start pays for every
import and for every pydantic model built). And the cold-start bench's baseline publishes as the webhook
does, so that what it measures beside it is a fair comparison."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pakn_dev.stack import DEV_ZALO

pytestmark = pytest.mark.emulator

MAIN = Path(__file__).resolve().parents[2] / "functions" / "main.py"

SCRIPT = """
import json, sys

def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)

import functions_framework
from pakn_dev.zalo_events import ZaloEventFactory
from pakn.platform.topology import load_topology
from pakn_dev.local_topology import apply_topology

apply_topology(sys.argv[2], load_topology(), {}, pull_only=True)
before = set(sys.modules)
client = functions_framework.create_app("zalo_webhook", sys.argv[1], "http").test_client()
zalo = ZaloEventFactory(sys.argv[3], sys.argv[4], sys.argv[5])
body, headers = zalo.signed(zalo.text("9000000000000000001", "xin chao"))
status = client.post("/", data=body, headers=headers).status_code
import pydantic
built = sorted(
    f"{model.__module__}.{model.__qualname__}"
    for model in _subclasses(pydantic.BaseModel)
    if model.__module__.startswith("pakn.") and model.__pydantic_complete__
)
print(json.dumps({"status": status, "loaded": sorted(set(sys.modules) - before), "built": built}))
"""


def test_the_webhook_loads_only_what_it_uses(project_id):
    env = {**os.environ, **DEV_ZALO, "GOOGLE_CLOUD_PROJECT": project_id}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            str(MAIN),
            project_id,
            DEV_ZALO["ZALO_APP_ID"],
            DEV_ZALO["ZALO_OA_ID"],
            DEV_ZALO["ZALO_OA_SECRET_KEY"],
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["status"] == 200
    loaded = set(report["loaded"])
    assert "pakn.intake.webhook" in loaded  # the measurement saw the webhook's own imports
    for heavy in (
        "google.cloud.firestore",
        "pakn.routing.classify",
        "pakn.routing.registry",
        "pakn.conversation.turn",
        "firebase_admin",
        "google.cloud.storage",
        "pakn.attachments",
        # The console's settings loader, and what it brings (its command-line source, .env files).
        "pydantic_settings",
        "dotenv",
        "argparse",
        # Text folding: only a contact form's answer needs it.
        "pakn.routing.text",
    ):
        assert heavy not in loaded
    built = set(report["built"])
    # A text message builds its own family's model and none of the others, nor the push envelope that only
    # the workers read, nor the parts of the topology (the webhook validates it whole).
    assert "pakn.zalo.events.UserMessageEvent" in built
    for unused in (
        "pakn.zalo.events.FollowEvent",
        "pakn.zalo.events.SubmitInfoEvent",
        "pakn.zalo.events.OaEchoEvent",
        "pakn.zalo.events.UserActivityEvent",
        "pakn.platform.pubsub.PushEnvelope",
        "pakn.platform.topology.FunctionSpec",
        "pakn.domain.vocabulary.OfficialFile",
    ):
        assert unused not in built


def test_the_cold_start_baseline_publishes_under_the_citizens_ordering_key_as_the_webhook_does(pipeline):
    import functions_framework

    from pakn_dev.bench_cold_start import BARE_SOURCE, probe_for

    # An ordered publish goes one batch at a time per key: without the key the baseline would publish faster.
    bare = functions_framework.create_app("bare_pubsub", str(BARE_SOURCE), "http").test_client()
    for target, client in (("zalo_webhook", pipeline.clients["zalo_webhook"]), ("bare_pubsub", bare)):
        probe = probe_for(target)
        assert client.post(probe.path, data=probe.body, headers=probe.headers).status_code == 200
        [delivery] = pipeline.pull()
        assert delivery.envelope["message"]["orderingKey"] == json.loads(probe.body)["sender"]["id"], target

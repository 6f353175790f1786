"""Entry points load only what they use: the webhook must answer without importing Firestore or the
classifier, which only the workers need (a cold start pays for every import)."""

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
print(json.dumps({"status": status, "loaded": sorted(set(sys.modules) - before)}))
"""


def test_the_webhook_does_not_load_firestore_or_the_classifier(project_id):
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
    ):
        assert heavy not in loaded

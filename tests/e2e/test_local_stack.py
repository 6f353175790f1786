"""The local stack as `make dev` runs it: a citizen's message goes through the whole pipe, and Ctrl-C
leaves nothing running."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from unittest import mock

import pytest
import requests

from pakn_dev.processes import port_in_use
from pakn_dev.stack import StackInfo, state_file
from pakn_dev.zalo_events import ZaloEventFactory

pytestmark = pytest.mark.e2e


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("stack")
    # Below Linux's ephemeral range (32768-60999), where the suite's own outgoing connections take ports:
    # a base of 35000 once lost its sweep_outbox port to one of them.
    port_base = random.randrange(20000, 32000, 100)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pakn_dev.cli",
            "dev",
            "--port-base",
            str(port_base),
            "--work-dir",
            str(work_dir),
            "--schedule-every",
            "3",
        ],
        stdout=(work_dir / "dev.out").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(
            lambda: state_file(work_dir).exists() or process.poll() is not None, 150, "the stack to come up"
        )
        assert process.poll() is None, (work_dir / "dev.out").read_text()
        yield process, StackInfo.load(work_dir), work_dir
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_a_signed_text_is_stored_and_acknowledged(running_stack):
    _, info, _ = running_stack
    zalo = ZaloEventFactory(info.zalo_app_id, info.zalo_oa_id, info.zalo_oa_secret_key)
    citizen_id = "8000000000000000001"
    body, headers = zalo.signed(zalo.text(citizen_id, "Xin chào"))

    response = requests.post(info.webhook_url, data=body, headers=headers, timeout=5)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"

    def replies():
        found = requests.get(
            f"{info.zalo_url}/_standin/messages", params={"user_id": citizen_id}, timeout=5
        ).json()["messages"]
        return found or None

    received = _wait_for(replies, 60, "the OA's reply at the Zalo stand-in")
    assert received[0]["body"]["recipient"] == {"user_id": citizen_id}
    assert received[0]["body"]["message"]["text"]

    from google.cloud import firestore

    from pakn.intake.inbox import replies_key
    from pakn.platform import firestore_paths

    # This stack's emulator, for this read only: the next tests' clients must find the session's own.
    with mock.patch.dict(os.environ, {"FIRESTORE_EMULATOR_HOST": info.emulators["firestore"]}):
        client = firestore.Client(project=info.project)
    # The event's replies are its processed marker, and keep the event as it came.
    stored = firestore_paths.delivery(client, replies_key(response.json()["event_id"])).get()
    assert stored.exists
    assert stored.get("event")["citizen_id"] == citizen_id


def test_a_forged_event_is_refused(running_stack):
    _, info, _ = running_stack
    zalo = ZaloEventFactory(info.zalo_app_id, info.zalo_oa_id, "not-the-secret")
    body, headers = zalo.signed(zalo.text("8000000000000000002", "Xin chào"))
    response = requests.post(info.webhook_url, data=body, headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"


def test_pakn_chat_shows_the_replies_a_citizen_would_see(running_stack):
    _, _, work_dir = running_stack
    typed = (
        "Sở Y tế cấp chứng chỉ hành nghề chậm quá\nxong\n/info Trần Văn Bình | 0987654321 | số 5 Đội Cấn\n"
    )
    chat = subprocess.run(
        [sys.executable, "-m", "pakn_dev.cli", "chat", "--work-dir", str(work_dir), "--wait", "20"],
        input=typed,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert chat.returncode == 0, chat.stderr
    assert "OA:  Xin chào anh/chị!" in chat.stdout
    assert "OA:  [Form: Thông tin người gửi phản ánh" in chat.stdout
    assert "OA:  Xin anh/chị xem lại phản ánh:" in chat.stdout


def test_the_stack_plays_cloud_scheduler(running_stack):
    _, _, work_dir = running_stack
    _wait_for(
        lambda: (
            "schedule sweep-deadlines-hourly: sweep_deadlines answered 200"
            in (work_dir / "dev.out").read_text()
        ),
        30,
        "the local scheduler to run the sweep",
    )


# Runs last in this module: it stops the stack the tests above share.
def test_ctrl_c_stops_everything_it_started(running_stack):
    process, info, work_dir = running_stack
    ports = [int(url.rsplit(":", 1)[1]) for url in [*info.function_urls.values(), info.zalo_url]]
    ports += [int(host.rsplit(":", 1)[1]) for host in info.emulators.values()]
    assert all(port_in_use(port) for port in ports)

    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=60) == 0

    assert not [port for port in ports if port_in_use(port)]
    leftovers = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.splitlines()
    assert not [line for line in leftovers if str(work_dir) in line or f":{ports[0]}" in line]
    assert not state_file(work_dir).exists()

"""`pakn chat` shows what the OA pushes (an official's answer or question, a notice) as it arrives, not
only after the citizen types: a background poll of the Zalo stand-in, printed above the prompt without
garbling it, stopped with the chat. Checked on the Inbox alone with a fake stand-in, then on the real
command against the Zalo stand-in server (no emulators, no functions), through a pipe and a terminal."""

from __future__ import annotations

import codecs
import io
import json
import os
import pty
import queue
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from standin_app import APP_ID, FIRST_REFRESH, SECRET

from pakn_dev.commands.chat import UNREACHABLE_AFTER, Inbox

CITIZEN = "7712345678901234599"


def text_message(seq: int, text: str) -> dict:
    return {"seq": seq, "user_id": CITIZEN, "body": {"message": {"text": text}}}


class FakeStandin:
    """What /_standin/messages answers, as a list the test appends to; `down` makes it fail."""

    def __init__(self):
        self.messages: list[dict] = []
        self.down = False
        self.calls = 0

    def __call__(self, since: int) -> list[dict]:
        self.calls += 1
        if self.down:
            raise requests.ConnectionError("refused")
        return [m for m in self.messages if m["seq"] > since]


def test_new_messages_are_printed_once_each_and_the_seen_ones_never():
    standin, out = FakeStandin(), io.StringIO()
    standin.messages = [text_message(1, "cũ")]
    inbox = Inbox(standin, seen=1, out=out, terminal=False)
    inbox.poll_once()
    assert out.getvalue() == ""
    standin.messages += [
        text_message(2, "Cán bộ đã trả lời phản ánh HN-4K7Q2M:\nĐã giải quyết."),
        text_message(3, "Hết"),
    ]
    inbox.poll_once()
    inbox.poll_once()
    assert out.getvalue() == "OA:  Cán bộ đã trả lời phản ánh HN-4K7Q2M:\nOA:  Đã giải quyết.\nOA:  Hết\n"


def test_while_the_prompt_waits_a_message_goes_above_it_and_the_prompt_comes_back():
    standin, piped, terminal = FakeStandin(), io.StringIO(), io.StringIO()
    standin.messages = [text_message(1, "Anh/chị nộp hồ sơ ngày nào?")]
    inbox = Inbox(standin, out=piped, terminal=False)
    inbox._prompt = "Bạn: "  # as ask() sets it while input() waits
    inbox.poll_once()
    assert piped.getvalue() == "\nOA:  Anh/chị nộp hồ sơ ngày nào?\nBạn: "
    # On a terminal: the prompt's line is cleared, the message printed, the prompt and the typing redrawn.
    inbox = Inbox(standin, out=terminal, terminal=True, line_buffer=lambda: "hôm qu")
    inbox._prompt = "Bạn: "
    inbox.poll_once()
    assert terminal.getvalue() == "\r\x1b[KOA:  Anh/chị nộp hồ sơ ngày nào?\nBạn: hôm qu"


def test_settle_waits_for_the_replies_to_come_and_then_to_be_quiet_or_gives_up():
    standin, out = FakeStandin(), io.StringIO()
    inbox = Inbox(standin, out=out, terminal=False, every=0.05).start()
    try:
        started = time.monotonic()
        assert inbox.settle(0.5, quiet=0.1) is False  # nothing came: gives up after `wait`
        assert 0.45 <= time.monotonic() - started < 2
        threading.Timer(0.2, lambda: standin.messages.append(text_message(1, "Đã ghi nhận."))).start()
        started = time.monotonic()
        assert inbox.settle(5, quiet=0.3) is True
        assert 0.45 <= time.monotonic() - started < 3  # arrival (0.2 s) + quiet (0.3 s), not the whole wait
        assert out.getvalue() == "OA:  Đã ghi nhận.\n"
    finally:
        inbox.stop()
    assert not inbox.running


def test_a_stand_in_that_stops_answering_is_said_once_and_polling_goes_on_and_stops_with_the_chat():
    standin, out = FakeStandin(), io.StringIO()
    inbox = Inbox(standin, out=out, terminal=False)
    standin.down = True
    for _ in range(UNREACHABLE_AFTER * 3):
        inbox.poll_once()
    assert out.getvalue().count("the Zalo stand-in does not answer") == 1
    standin.down = False
    standin.messages = [text_message(1, "Xin chào")]
    inbox.poll_once()
    assert out.getvalue().endswith("  (the Zalo stand-in answers again)\nOA:  Xin chào\n")
    polling = Inbox(standin, out=io.StringIO(), terminal=False, every=0.02).start()
    time.sleep(0.2)
    polling.stop()
    calls = standin.calls
    assert not polling.running
    time.sleep(0.1)
    assert standin.calls == calls  # stopped means stopped


# --- the command, against the Zalo stand-in server --------------------------------------------------


def oa_sender(standin):
    """The OA's sending (as send_outbound does for an official's answer) through the stand-in's API."""
    tokens = requests.post(
        f"{standin.url}/v4/oa/access_token",
        data={"app_id": APP_ID, "grant_type": "refresh_token", "refresh_token": FIRST_REFRESH},
        headers={"secret_key": SECRET},
        timeout=5,
    ).json()

    def send(user_id: str, text: str) -> None:
        sent = requests.post(
            f"{standin.url}/v3.0/oa/message/cs",
            json={"recipient": {"user_id": user_id}, "message": {"text": text}},
            headers={"access_token": tokens["access_token"]},
            timeout=5,
        ).json()
        assert sent["error"] == 0, sent

    return send


def work_dir_for(standin, tmp_path: Path) -> Path:
    info = {
        "project": "demo-pakn",
        "webhook_url": "http://127.0.0.1:9",  # nothing is typed to it in these tests
        "zalo_url": standin.url,
        "function_urls": {},
        "emulators": {},
        "zalo_app_id": "1000000000000000001",
        "zalo_oa_id": "2000000000000000002",
        "zalo_oa_secret_key": "dev-oa-secret-key",
    }
    (tmp_path / "stack.json").write_text(json.dumps(info))
    return tmp_path


def chat_argv(work_dir: Path) -> list[str]:
    argv = [sys.executable, "-m", "pakn_dev.cli", "chat", "--work-dir", str(work_dir)]
    return [*argv, "--user-id", CITIZEN, "--poll", "0.1"]


def read_until(read, wanted: str, timeout: float = 15) -> str:
    """What `read()` gives until `wanted` is in it (read returns '' when nothing came for a moment)."""
    seen, deadline = "", time.monotonic() + timeout
    while wanted not in seen:
        assert time.monotonic() < deadline, f"no {wanted!r} in {seen!r}"
        seen += read()
    return seen


def test_pakn_chat_prints_what_the_oa_pushes_without_the_citizen_typing(standin, tmp_path):
    chat = subprocess.Popen(
        chat_argv(work_dir_for(standin, tmp_path)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(c) for c in iter(lambda: chat.stdout.read(1), "")], daemon=True
    ).start()

    def read() -> str:
        try:
            return lines.get(timeout=0.2)
        except queue.Empty:
            return ""

    try:
        shown = read_until(read, "Bạn: ")
        assert f"You are citizen {CITIZEN}" in shown
        oa_sends = oa_sender(standin)
        oa_sends(CITIZEN, "Cán bộ Phường Ba Đình đã trả lời phản ánh HN-4K7Q2M.")
        oa_sends("1234567890123456789", "Không phải của anh/chị")
        shown += read_until(read, "trả lời phản ánh HN-4K7Q2M.\nBạn: ")
        chat.stdin.write("/quit\n")
        chat.stdin.flush()
        assert chat.wait(timeout=10) == 0, chat.stderr.read()
    finally:
        chat.kill()
    assert "\nOA:  Cán bộ Phường Ba Đình đã trả lời phản ánh HN-4K7Q2M.\nBạn: " in shown
    assert "Không phải của anh/chị" not in shown


@pytest.mark.skipif(not hasattr(pty, "openpty"), reason="needs a pseudo-terminal")
def test_on_a_terminal_the_message_is_printed_above_the_prompt_and_what_was_typed_is_kept(standin, tmp_path):
    controller, terminal = pty.openpty()
    chat = subprocess.Popen(
        chat_argv(work_dir_for(standin, tmp_path)),
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**os.environ, "TERM": "dumb", "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    os.close(terminal)

    # One decoder for the whole stream: a read may end inside a character ("ạ" is three bytes), and decoding
    # each read on its own turned "Bạn: " into "B��n: ", which no wait ever saw.
    decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def read() -> str:
        ready, _, _ = select.select([controller], [], [], 0.2)
        return decoder.decode(os.read(controller, 4096)) if ready else ""

    try:
        read_until(read, "Bạn: ")
        os.write(controller, "hôm qu".encode())
        read_until(read, "hôm qu")
        oa_sender(standin)(CITIZEN, "Anh/chị nộp hồ sơ ngày nào?")
        shown = read_until(read, "ngày nào?\r\nBạn: hôm qu")
        assert "\r\x1b[KOA:  Anh/chị nộp hồ sơ ngày nào?\r\nBạn: hôm qu" in shown
        os.write(controller, b"\x15/quit\r")  # Ctrl-U clears the typed line
        assert chat.wait(timeout=10) == 0
    finally:
        chat.kill()
        os.close(controller)


def test_the_replies_to_what_the_citizen_types_come_before_the_next_prompt(standin, tmp_path):
    from flask import Flask, request

    from pakn_dev.zalo_standin import StandinServer

    send = oa_sender(standin)
    webhook = Flask("webhook-stand-in")
    received = []

    @webhook.post("/")
    def receive():
        # The pipeline, played: the OA answers a moment after the webhook took the citizen's message.
        text = json.loads(request.data)["message"]["text"]
        received.append(text)
        replies = (f"Đã nhận: {text}", "Nhắn XONG khi đủ.")
        threading.Timer(0.3, lambda: [send(CITIZEN, reply) for reply in replies]).start()
        return "ok"

    with StandinServer(webhook) as hook:
        work_dir = work_dir_for(standin, tmp_path)
        info = json.loads((work_dir / "stack.json").read_text())
        (work_dir / "stack.json").write_text(json.dumps({**info, "webhook_url": hook.url}))
        chat = subprocess.run(
            chat_argv(work_dir), input="xin chao\n/quit\n", capture_output=True, text=True, timeout=60
        )
    assert chat.returncode == 0, chat.stderr
    assert received == ["xin chao"]
    # Piped input is not echoed: the replies follow the prompt they answer, the next prompt follows them.
    assert "Bạn: OA:  Đã nhận: xin chao\nOA:  Nhắn XONG khi đủ.\nBạn: " in chat.stdout
    assert "no reply yet" not in chat.stdout

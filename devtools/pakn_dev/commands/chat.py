"""`pakn chat`: type as a citizen. Each line becomes a Zalo event that the Zalo stand-in takes as Zalo would
(the citizen's interaction recorded, for its 7-day window) and posts, signed, to the local webhook; what the
OA sends (recorded by the Zalo stand-in) is printed as the citizen would see it: the replies to
what was typed, and, as they arrive, whatever else the OA pushes (an official's answer or question, a
deadline notice), printed above the prompt without disturbing what is being typed."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

HELP = """Type a message and press Enter. Also:
  /photo PATH|URL       send a photo        /file PATH|URL [NAME]  send a file
  /location LAT LON     share a location    /follow            follow the OA
  /info NAME | PHONE | ADDRESS              answer Zalo's contact-details form
  /quit                 leave"""


def add_arguments(parser) -> None:
    parser.epilog = (
        "Reads what you type, one message a line (/quit or Ctrl-D ends; any other /command lists them), and "
        "talks to the stack that `make dev` (`pakn dev`) is running, found through its stack.json. Prints "
        "the OA's replies as the citizen sees them, and, while you type, what else the OA sends (officials' "
        "answers and questions, notices)."
    )
    parser.add_argument("--user-id", help="the citizen's Zalo user id (default: a new one)")
    parser.add_argument(
        "--work-dir", type=Path, help="the running stack's folder, with its stack.json (default .pakn-dev/)"
    )
    parser.add_argument(
        "--wait", type=float, default=8.0, help="seconds to wait for the OA's replies (default 8)"
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=POLL_EVERY,
        metavar="SECONDS",
        help=f"how often to look for what the OA sent (default {POLL_EVERY})",
    )


def run(args) -> int:
    import requests

    from pakn_dev.stack import DEFAULT_WORK_DIR, StackInfo, state_file
    from pakn_dev.zalo_events import ZaloEventFactory

    work_dir = args.work_dir or DEFAULT_WORK_DIR
    if not state_file(work_dir).exists():
        print(
            "The local stack is not running: start it with `make dev` in another terminal.", file=sys.stderr
        )
        return 2
    info = StackInfo.load(work_dir)
    zalo = ZaloEventFactory(info.zalo_app_id, info.zalo_oa_id, info.zalo_oa_secret_key)
    citizen_id = args.user_id or str(uuid.uuid4().int)[:18]
    try:
        seen = _last_seq(info.zalo_url, citizen_id)
    except requests.RequestException:
        print("The Zalo stand-in does not answer: is `make dev` still running?", file=sys.stderr)
        return 1
    print(f"You are citizen {citizen_id}. {HELP}\n", flush=True)
    inbox = Inbox(lambda since: _messages(info.zalo_url, citizen_id, since), seen, every=args.poll)
    inbox.start()
    try:
        return _converse(inbox, zalo, citizen_id, info, args.wait)
    except KeyboardInterrupt:  # Ctrl-C while waiting for replies
        print()
        return 0
    finally:
        inbox.stop()


def _converse(inbox: Inbox, zalo, citizen_id: str, info, wait: float) -> int:
    import requests

    zalo_url = info.zalo_url
    # Zalo posts each event, signed, to the stack's webhook.
    forward = {"webhook_url": info.webhook_url, "oa_secret_key": info.zalo_oa_secret_key}

    while True:
        try:
            line = inbox.ask(PROMPT).strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line:
            continue
        if line == "/quit":
            return 0
        try:
            event = _event_for(zalo, citizen_id, line, lambda path: _upload(zalo_url, path))
            if event is None:
                print(HELP)
                continue
            response = requests.post(
                f"{zalo_url}/_standin/user_event", json={"event": event, **forward}, timeout=10
            )
        except requests.ConnectionError:
            print("The Zalo stand-in does not answer: is `make dev` still running?", file=sys.stderr)
            return 1
        status = response.json().get("webhook_status") if response.status_code == 200 else None
        if status != 200:
            print(f"  (the webhook answered {status or response.status_code}: {response.text.strip()[:200]})")
            continue
        if not inbox.settle(wait):
            print("  (no reply yet: see .pakn-dev/logs/ for what the functions did)")


def _event_for(zalo, citizen_id: str, line: str, upload: Callable[[Path], str]) -> dict | None:
    """The event for one typed line; a local file named by /photo or /file is put on the stand-in first
    (Zalo's CDN for it, whose URL expires after 7 days like Zalo's)."""
    if not line.startswith("/"):
        return zalo.text(citizen_id, line)
    command, _, rest = line.partition(" ")
    parts = rest.split()

    def located(where: str) -> str:
        path = Path(where).expanduser()
        return upload(path) if path.is_file() else where

    if command == "/photo" and parts:
        return zalo.image(citizen_id, located(parts[0]))
    if command == "/file" and parts:
        name = " ".join(parts[1:]) or Path(parts[0]).name
        return zalo.file(citizen_id, located(parts[0]), name)
    if command == "/location" and len(parts) == 2:
        try:
            return zalo.location(citizen_id, float(parts[0]), float(parts[1]))
        except ValueError:
            return None
    if command == "/follow":
        return zalo.follow(citizen_id)
    if command == "/info":
        fields = [part.strip() for part in rest.split("|")]
        if len(fields) == 3:
            return zalo.submit_info(citizen_id, *fields)
    return None


def _upload(zalo_url: str, path: Path) -> str:
    import mimetypes

    import requests

    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    response = requests.post(
        f"{zalo_url}/_standin/media",
        params={"name": path.name},
        data=path.read_bytes(),
        headers={"Content-Type": content_type},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["url"]


def _messages(zalo_url: str, citizen_id: str, since: int) -> list[dict]:
    import requests

    response = requests.get(
        f"{zalo_url}/_standin/messages", params={"user_id": citizen_id, "since": since}, timeout=POLL_TIMEOUT
    )
    response.raise_for_status()
    return response.json()["messages"]


def _last_seq(zalo_url: str, citizen_id: str) -> int:
    messages = _messages(zalo_url, citizen_id, 0)
    return messages[-1]["seq"] if messages else 0


PROMPT = "Bạn: "
POLL_EVERY = 0.3
# After the citizen sends something, replies count as complete once none came for this long.
QUIET_AFTER = 1.0
# Said once when the stand-in stops answering this many polls in a row (and once when it is back).
UNREACHABLE_AFTER = 5
# How long stopping may wait for a poll under way (each request gives up after POLL_TIMEOUT).
POLL_TIMEOUT = 2.0


class Inbox:
    """What the OA sends this citizen, fetched in the background every `every` seconds and printed as it
    arrives, whether or not the citizen has just typed something.

    Only this thread prints the OA's messages, so nothing is shown twice; `settle` lets the conversation
    wait for the replies to what was just sent before it asks for the next line. While the prompt waits
    for input, a message is printed above it: on a terminal the prompt's line is cleared, the message
    printed, and the prompt drawn again with what had been typed so far (readline keeps that text); with
    input from a pipe, the message goes on a line of its own and the prompt is repeated after it.
    """

    def __init__(
        self,
        fetch: Callable[[int], list[dict]],
        seen: int = 0,
        *,
        every: float = POLL_EVERY,
        out=None,
        terminal: bool | None = None,
        line_buffer: Callable[[], str] | None = None,
    ):
        self._fetch = fetch
        self._seen = seen
        self._every = every
        self._out = out or sys.stdout
        self._terminal = sys.stdin.isatty() and self._out.isatty() if terminal is None else terminal
        self._line_buffer = line_buffer or (_readline_buffer() if self._terminal else None)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._count = 0
        self._last_at = 0.0
        self._prompt: str | None = None  # on the screen, waiting for input
        self._failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pakn-chat-inbox", daemon=True)

    def start(self) -> Inbox:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops polling; returns once the thread has ended (at most one poll's timeout)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._every + POLL_TIMEOUT + 1)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def ask(self, prompt: str) -> str:
        """input(prompt), with the prompt known to the printer while it is on the screen."""
        with self._lock:
            self._prompt = prompt
        try:
            return input(prompt)
        finally:
            with self._lock:
                self._prompt = None

    def settle(self, wait: float, quiet: float = QUIET_AFTER) -> bool:
        """Waits for the replies to what was just sent: until some came and then none for `quiet` seconds,
        or `wait` seconds at most. True when any came."""
        deadline = time.monotonic() + wait
        with self._lock:
            before = self._count
            while True:
                now = time.monotonic()
                came = self._count > before
                if came and now - self._last_at >= quiet:
                    return True
                if now >= deadline:
                    return came
                until = self._last_at + quiet if came else deadline
                self._arrived.wait(timeout=max(0.01, min(until, deadline) - now))

    def poll_once(self) -> None:
        """One look at what the OA sent; prints anything new."""
        try:
            messages = self._fetch(self._seen)
        except Exception as exc:  # the stand-in gone or restarting: said once, polling goes on
            self._failures += 1
            if self._failures == UNREACHABLE_AFTER:
                self._show([f"  (the Zalo stand-in does not answer: {type(exc).__name__}; still trying)"], 0)
            return
        if self._failures >= UNREACHABLE_AFTER:
            self._show(["  (the Zalo stand-in answers again)"], 0)
        self._failures = 0
        fresh = [m for m in messages if m["seq"] > self._seen]
        if fresh:
            self._show([render_sent(m) for m in fresh], len(fresh))
            self._seen = fresh[-1]["seq"]

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.poll_once()

    def _show(self, texts: list[str], count: int) -> None:
        text = "\n".join(texts)
        with self._lock:
            if self._prompt is None:
                self._out.write(text + "\n")
            elif self._terminal:
                typed = self._line_buffer() if self._line_buffer else ""
                # Carriage return, erase the line, the messages, then the prompt and the typing again.
                self._out.write(f"\r\x1b[K{text}\n{self._prompt}{typed}")
            else:
                self._out.write(f"\n{text}\n{self._prompt}")
            self._out.flush()
            if count:
                self._count += count
                self._last_at = time.monotonic()
                self._arrived.notify_all()


def _readline_buffer() -> Callable[[], str] | None:
    """What is typed so far on the prompt's line (readline gives line editing too); None without it."""
    try:
        import readline
    except ImportError:  # not on every platform: the prompt is then drawn again without the typing
        return None
    return readline.get_line_buffer


def render_sent(record: dict) -> str:
    """One thing the stand-in says the OA sent: a customer-service message, or a ZNS template message."""
    if record.get("channel") == "zns":
        values = ", ".join(f"{name}={value}" for name, value in record["template_data"].items())
        return f"OA:  [ZNS {record['template_id']}: {values}]"
    upload = record.get("upload")
    if upload is not None:
        # A file or image uploaded first (an official's document sent with an answer): Zalo shows its name.
        return f"OA:  [{upload['kind']} {upload['name']}, {upload['size']} bytes]"
    return render(record["body"]["message"])


def render(message: dict) -> str:
    """An OA message as the citizen sees it in Zalo."""
    if "text" in message and "attachment" not in message:
        return "\n".join(f"OA:  {line}" if line else "" for line in message["text"].splitlines())
    payload = message.get("attachment", {}).get("payload", {})
    element = (payload.get("elements") or [{}])[0]
    if payload.get("template_type") == "request_user_info":
        return (
            f"OA:  [Form: {element.get('title')} — {element.get('subtitle')}]\n"
            "     (answer with /info NAME | PHONE | ADDRESS)"
        )
    if "buttons" in payload:
        # A tap sends the button's payload as the citizen's message: typing it does the same.
        text = "\n".join(f"OA:  {line}" if line else "" for line in message.get("text", "").splitlines())
        buttons = "\n".join(f"     [{b['title']}]  (tap: type {b['payload']})" for b in payload["buttons"])
        return f"{text}\n{buttons}"
    caption = f" {message['text']}" if message.get("text") else ""
    return f"OA:  [image {element.get('url')}]{caption}"

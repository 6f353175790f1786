"""`pakn chat`: type as a citizen. Each line becomes a signed Zalo event posted to the local webhook, and
what the OA sends back (recorded by the Zalo stand-in) is printed as the citizen would see it."""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

HELP = """Type a message and press Enter. Also:
  /photo URL            send a photo        /file URL NAME     send a file
  /location LAT LON     share a location    /follow            follow the OA
  /info NAME | PHONE | ADDRESS              answer Zalo's contact-details form
  /quit                 leave"""


def add_arguments(parser) -> None:
    parser.add_argument("--user-id", help="the citizen's Zalo user id (default: a new one)")
    parser.add_argument("--work-dir", type=Path, help="the running stack's folder (default .pakn-dev/)")
    parser.add_argument("--wait", type=float, default=8.0, help="seconds to wait for the OA's replies")


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
    seen = _last_seq(info.zalo_url, citizen_id)
    print(f"You are citizen {citizen_id}. {HELP}\n")
    while True:
        try:
            line = input("Bạn: ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line:
            continue
        if line == "/quit":
            return 0
        event = _event_for(zalo, citizen_id, line)
        if event is None:
            print(HELP)
            continue
        body, headers = zalo.signed(event)
        try:
            response = requests.post(info.webhook_url, data=body, headers=headers, timeout=5)
        except requests.ConnectionError:
            print("The webhook does not answer: is `make dev` still running?", file=sys.stderr)
            return 1
        if response.status_code != 200:
            print(f"  (webhook answered {response.status_code}: {response.text.strip()})")
            continue
        seen = _print_replies(info.zalo_url, citizen_id, seen, args.wait)


def _event_for(zalo, citizen_id: str, line: str) -> dict | None:
    if not line.startswith("/"):
        return zalo.text(citizen_id, line)
    command, _, rest = line.partition(" ")
    parts = rest.split()
    if command == "/photo" and parts:
        return zalo.image(citizen_id, parts[0])
    if command == "/file" and len(parts) >= 2:
        return zalo.file(citizen_id, parts[0], " ".join(parts[1:]))
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


def _messages(zalo_url: str, citizen_id: str, since: int) -> list[dict]:
    import requests

    response = requests.get(
        f"{zalo_url}/_standin/messages", params={"user_id": citizen_id, "since": since}, timeout=5
    )
    return response.json()["messages"]


def _last_seq(zalo_url: str, citizen_id: str) -> int:
    messages = _messages(zalo_url, citizen_id, 0)
    return messages[-1]["seq"] if messages else 0


def _print_replies(zalo_url: str, citizen_id: str, seen: int, wait: float) -> int:
    """Prints replies as they arrive; stops once they have been quiet for a moment, or after `wait`."""
    deadline = time.monotonic() + wait
    quiet_since = None
    while time.monotonic() < deadline:
        messages = _messages(zalo_url, citizen_id, seen)
        for message in messages:
            print(render(message["body"]["message"]))
            seen = message["seq"]
        if messages:
            quiet_since = time.monotonic()
        elif quiet_since and time.monotonic() - quiet_since > 1.0:
            break
        time.sleep(0.2)
    else:
        if quiet_since is None:
            print("  (no reply yet: see .pakn-dev/logs/ for what the functions did)")
    return seen


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
    caption = f" {message['text']}" if message.get("text") else ""
    return f"OA:  [image {element.get('url')}]{caption}"

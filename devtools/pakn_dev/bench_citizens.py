"""Citizens for the pipeline benchmark and the soak: signed events into a running stack's webhook, and the
OA's answers read back from the Zalo stand-in, as a citizen's phone would see them.

Written against the public behaviour only (events in, messages out at GET /_standin/messages), so that it
survives changes to how replies are recorded and sent. One `StandinFeed` polls the stand-in for every
citizen (one request every POLL_EVERY, not one per citizen); a `Citizen` waits on it for the answer it
expects, each wait bounded.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from pakn_dev.stack import DEV_ZALO
from pakn_dev.zalo_events import ZaloEventFactory

POLL_EVERY = 0.02
TRACKING_CODE = re.compile(r"\bHN-[0-9A-Z]{6}\b")

Message = dict  # one entry of /_standin/messages: seq, message_id, user_id, time, body


def text_of(message: Message) -> str:
    return (message.get("body", {}).get("message") or {}).get("text") or ""


def template_of(message: Message) -> str | None:
    attachment = (message.get("body", {}).get("message") or {}).get("attachment") or {}
    return (attachment.get("payload") or {}).get("template_type")


# What a citizen waits for after each step of a filing (loose on purpose: the wording may change).
def draft_ready(message: Message) -> bool:
    return "XONG" in text_of(message)


def contact_form(message: Message) -> bool:
    return template_of(message) == "request_user_info"


def summary(message: Message) -> bool:
    return "1 để GỬI" in text_of(message)


def filed(message: Message) -> bool:
    return bool(TRACKING_CODE.search(text_of(message)))


def any_answer(message: Message) -> bool:
    return True


class StandinFeed:
    """Everything the stand-in has sent, polled in the background, by user."""

    def __init__(self, standin_url: str, max_seconds: float = 3600.0):
        self._url = standin_url.rstrip("/") + "/_standin/messages"
        self._session = requests.Session()
        self._condition = threading.Condition()
        self._by_user: dict[str, list[Message]] = {}
        self.all: list[Message] = []
        self._seq = 0
        self._stop = threading.Event()
        self._deadline = time.monotonic() + max_seconds
        self._thread = threading.Thread(target=self._poll, name="standin-feed", daemon=True)

    def __enter__(self) -> StandinFeed:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _poll(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            self.poll_once()
            self._stop.wait(POLL_EVERY)

    def poll_once(self) -> None:
        try:
            answer = self._session.get(self._url, params={"since": self._seq}, timeout=5)
            found = answer.json()["messages"]
        except (requests.RequestException, ValueError, KeyError):
            return
        if not found:
            return
        with self._condition:
            for message in found:
                if message["seq"] <= self._seq:
                    continue
                self._seq = message["seq"]
                self.all.append(message)
                self._by_user.setdefault(message["user_id"], []).append(message)
            self._condition.notify_all()

    def messages(self, user_id: str) -> list[Message]:
        with self._condition:
            return list(self._by_user.get(user_id, []))

    def wait(self, user_id: str, start: int, predicate: Callable[[Message], bool], timeout: float):
        """The index and the message of the first of `user_id`'s messages from index `start` that matches,
        or (None, None) after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                messages = self._by_user.get(user_id, [])
                for index in range(start, len(messages)):
                    if predicate(messages[index]):
                        return index, messages[index]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None, None
                self._condition.wait(min(left, 0.5))


def zalo_factory() -> ZaloEventFactory:
    return ZaloEventFactory(DEV_ZALO["ZALO_APP_ID"], DEV_ZALO["ZALO_OA_ID"], DEV_ZALO["ZALO_OA_SECRET_KEY"])


@dataclass
class Step:
    name: str
    sent_at: float  # epoch seconds, this process's clock (the stand-in's is the same machine's)
    answered_at: float | None = None  # the stand-in's `time` of the awaited message

    @property
    def seconds(self) -> float | None:
        return None if self.answered_at is None else self.answered_at - self.sent_at


@dataclass
class Citizen:
    """One citizen's phone: sends events to the webhook, waits for the OA's answers (each wait bounded)."""

    citizen_id: str
    webhook_url: str
    feed: StandinFeed
    zalo: ZaloEventFactory = field(default_factory=zalo_factory)
    session: requests.Session = field(default_factory=requests.Session)
    wait_seconds: float = 60.0
    cursor: int = 0
    steps: list[Step] = field(default_factory=list)
    failed: str | None = None
    events_sent: int = 0
    code: str | None = None  # the tracking code of the case filed, if any
    # time.monotonic() after which no further event is sent (the soak's end); None: no end
    stop_at: float | None = None
    stopped: bool = False

    def post(self, event: dict) -> float:
        body, headers = self.zalo.signed(event)
        sent_at = time.time()
        for attempt in range(3):
            try:
                answer = self.session.post(self.webhook_url, data=body, headers=headers, timeout=10)
            except requests.RequestException:
                if attempt == 2:
                    raise
                time.sleep(0.5)
                continue
            if answer.status_code == 200:
                self.events_sent += 1
                return sent_at
            raise RuntimeError(f"the webhook answered {answer.status_code}: {answer.text[:200]}")
        raise AssertionError("unreachable")

    def step(self, name: str, event: dict, expect: Callable[[Message], bool] | None) -> Message | None:
        """Sends `event`; with `expect`, waits for the first answer from here on that matches it. Sends
        nothing (and answers None) once `stop_at` has passed."""
        if self.stop_at is not None and time.monotonic() >= self.stop_at:
            self.stopped = True
            return None
        step = Step(name, self.post(event))
        self.steps.append(step)
        if expect is None:
            return None
        index, message = self.feed.wait(self.citizen_id, self.cursor, expect, self.wait_seconds)
        if message is None:
            self.failed = self.failed or f"no answer to {name} within {self.wait_seconds:.0f} s"
            return None
        self.cursor = index + 1
        step.answered_at = message["time"]
        return message

    def say(self, name: str, text: str, expect: Callable[[Message], bool] | None = any_answer):
        return self.step(name, self.zalo.text(self.citizen_id, text), expect)

    def file_case(self, complaint: str, name: str = "Nguyễn Văn An") -> str | None:
        """The whole conversation: the complaint, XONG, the contact form, 1. The tracking code, or None."""
        if self.say("complaint", complaint, draft_ready) is None:
            return None
        if self.say("xong", "xong", contact_form) is None:
            return None
        info = self.zalo.submit_info(self.citizen_id, name, "0912345678", "12 Hàng Bông, Hoàn Kiếm")
        if self.step("contact", info, summary) is None:
            return None
        answer = self.say("confirm", "1", filed)
        if answer is None:
            return None
        return TRACKING_CODE.search(text_of(answer)).group(0)

    def step_named(self, name: str) -> Step | None:
        return next((step for step in reversed(self.steps) if step.name == name), None)


def complaints() -> list[str]:
    """Realistic complaints that name their place: the labelled messages routed to an agency, but for the
    few the conversation would ask a question about (place, kind, department), which would interrupt the
    filing."""
    from pakn.routing.classify import classify
    from pakn.routing.route import ASKING, route
    from pakn_dev.eval_classifier import DEFAULT_PATH, load_labelled

    return [
        message["text"]
        for message in load_labelled(DEFAULT_PATH)
        if message.get("agency_id")
        and message.get("kind") in ("procedure", "conduct", "regulation")
        and route(classify(message["text"]), place_asked=False, text=message["text"]).outcome not in ASKING
    ]

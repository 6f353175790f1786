"""The messaging topology (topics, subscriptions, push endpoints, dead letters, schedules) as typed data.

Read from `config/topology.json`: the local stack creates exactly this on the emulator and the deploy plan
creates exactly this in the cloud, so a local run exercises what production runs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pakn.platform.configuration import CONFIG_DIR, load_config

# The attempt deadlines Cloud Scheduler allows an HTTP target, in seconds.
SCHEDULER_MIN_DEADLINE, SCHEDULER_MAX_DEADLINE = 15, 1800


class _Frozen(BaseModel):
    # Built on first use: the parts are validated inside Topology, so their own validators are never needed
    # by a function, and importing this costs a cold start little (the pinned pydantic builds under a lock).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class FunctionSpec(_Frozen):
    name: str
    trigger: Literal["http", "push", "schedule"]
    # Who checks the caller: Cloud Run's IAM (an identity token of an invoker), or the function's own code
    # (Zalo's signature, a Firebase ID token), in which case Cloud Run lets every request through.
    authentication: Literal["iam", "zalo_signature", "firebase_id_token", "firebase_session_cookie"] = "iam"
    memory: str = "256Mi"
    timeout_seconds: int = 60
    # Instances kept warm: a cold start (imports, clients) can outlast a caller's deadline.
    min_instances: int = Field(default=0, ge=0)
    # At most this many instances (each takes one request at a time): a fan-out's bounded concurrency.
    max_instances: int | None = Field(default=None, ge=1)
    about: str

    @property
    def public(self) -> bool:
        """Deployed --allow-unauthenticated: the function authenticates every request itself."""
        return self.authentication != "iam"


class TopicSpec(_Frozen):
    role: str
    name: str = Field(min_length=3)
    dead_letter_topic: str | None = None


class SubscriptionSpec(_Frozen):
    name: str = Field(min_length=3)
    topic: str
    push_to: str | None = None
    ordering: bool = False
    ack_deadline_seconds: int = 60
    max_delivery_attempts: int | None = Field(default=None, ge=5, le=100)
    min_backoff_seconds: int = 10
    max_backoff_seconds: int = 600
    retention_days: int | None = None


class ScheduleSpec(_Frozen):
    name: str
    cron: str
    time_zone: str = "Asia/Ho_Chi_Minh"
    target: str
    about: str


class Topology(_Frozen):
    about: str = ""
    functions: tuple[FunctionSpec, ...]
    topics: tuple[TopicSpec, ...]
    subscriptions: tuple[SubscriptionSpec, ...]
    schedules: tuple[ScheduleSpec, ...] = ()

    @model_validator(mode="after")
    def _references_resolve(self) -> Topology:
        topics = {topic.name for topic in self.topics}
        functions = {function.name for function in self.functions}
        for topic in self.topics:
            if topic.dead_letter_topic and topic.dead_letter_topic not in topics:
                raise ValueError(f"topic {topic.name}: unknown dead-letter topic {topic.dead_letter_topic}")
        for sub in self.subscriptions:
            if sub.topic not in topics:
                raise ValueError(f"subscription {sub.name}: unknown topic {sub.topic}")
            if sub.push_to and sub.push_to not in functions:
                raise ValueError(f"subscription {sub.name}: unknown function {sub.push_to}")
        for schedule in self.schedules:
            if schedule.target not in functions:
                raise ValueError(f"schedule {schedule.name}: unknown function {schedule.target}")
            # The job waits as long as its target may run (the deploy sets the attempt deadline to the
            # timeout), so the timeout must be a deadline Cloud Scheduler accepts.
            timeout = self.function(schedule.target).timeout_seconds
            if not SCHEDULER_MIN_DEADLINE <= timeout <= SCHEDULER_MAX_DEADLINE:
                raise ValueError(
                    f"schedule {schedule.name}: {schedule.target}'s timeout {timeout}s is outside Cloud "
                    f"Scheduler's attempt deadlines, {SCHEDULER_MIN_DEADLINE}-{SCHEDULER_MAX_DEADLINE}s"
                )
        return self

    def topic(self, role: str) -> TopicSpec:
        for topic in self.topics:
            if topic.role == role:
                return topic
        raise KeyError(role)

    def function(self, name: str) -> FunctionSpec:
        return next(function for function in self.functions if function.name == name)

    def dead_letter_topic_of(self, subscription: SubscriptionSpec) -> str | None:
        return next(t.dead_letter_topic for t in self.topics if t.name == subscription.topic)


@lru_cache(maxsize=1)
def load_topology() -> Topology:
    return load_config(Topology, CONFIG_DIR / "topology.json", "topology")

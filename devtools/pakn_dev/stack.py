"""The whole system on one machine: emulators, the Zalo stand-in, every function on its own port, the
declared topology with push subscriptions to those functions, and seed data.

While it runs it plays Cloud Scheduler, and it watches itself (`HealthWatch`): every service must keep
answering and every push subscription keep delivering, and the first that stops is named in one line,
instead of a stack that looks healthy while nothing reaches the citizens.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from pakn.platform.push import PROBE
from pakn.platform.topology import SubscriptionSpec, Topology, load_topology
from pakn_dev.emulators import (
    DEV_PROJECT,
    FIRESTORE_RULES,
    REPO,
    EmulatorPorts,
    client_environment,
    emulator_services,
    ensure_bucket,
)
from pakn_dev.processes import Service, Supervisor, answers

DEFAULT_WORK_DIR = REPO / ".pakn-dev"

# Development credentials: shared by the functions, the stand-in and `pakn chat`. Not secrets.
DEV_ZALO = {
    "ZALO_APP_ID": "1000000000000000001",
    "ZALO_OA_ID": "2000000000000000002",
    "ZALO_OA_SECRET_KEY": "dev-oa-secret-key",
    "ZALO_APP_SECRET": "dev-app-secret",
    "ZALO_REFRESH_TOKEN": "dev-refresh-token-0",
    # The stand-in sends at any hour (its night ban is for the tests that turn it on).
    "ZALO_NIGHT_BAN": "false",
}


# The officials' console locally: plain http (so no Secure cookies), the Auth emulator's project. Not secrets.
DEV_CONSOLE = {
    "CONSOLE_SECRET_KEY": "dev-console-secret-key-for-local-use-only",
    "CONSOLE_COOKIE_SECURE": "false",
    "FIREBASE_AUTH_PROJECT": DEV_PROJECT,
}

# Where citizens' attachments are kept locally: a bucket on the Cloud Storage emulator, made at start.
DEV_ATTACHMENTS_BUCKET = f"{DEV_PROJECT}-attachments"


@dataclass
class StackInfo:
    """What runs where; written to .pakn-dev/stack.json for `pakn chat` and the tests."""

    project: str
    webhook_url: str
    zalo_url: str
    function_urls: dict[str, str]
    emulators: dict[str, str]
    zalo_app_id: str
    zalo_oa_id: str
    zalo_oa_secret_key: str

    @classmethod
    def load(cls, work_dir: Path = DEFAULT_WORK_DIR) -> StackInfo:
        return cls(**json.loads(state_file(work_dir).read_text()))


def state_file(work_dir: Path) -> Path:
    return work_dir / "stack.json"


class NoTarget(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """Where a command works: a project, through the emulator at `emulator` or the real one."""

    project: str
    emulator: str | None


@dataclass(frozen=True)
class StackEmulator:
    """An emulator as a command finds it: its name in stack.json, the variable its client reads (and the
    client, for the messages), and the variables that name its project, the first one set winning."""

    name: str
    variable: str
    client: str
    project_variables: tuple[str, ...]


FIRESTORE = StackEmulator("firestore", "FIRESTORE_EMULATOR_HOST", "Firestore", ("GOOGLE_CLOUD_PROJECT",))
AUTH = StackEmulator(
    "auth", "FIREBASE_AUTH_EMULATOR_HOST", "Firebase", ("FIREBASE_AUTH_PROJECT", "GOOGLE_CLOUD_PROJECT")
)


def command_target(args, emulator: StackEmulator, noun: str, environ=os.environ) -> Target:
    """Where a command with --project and --work-dir works on `noun` ("the accounts"): --project, the real
    project (refused while the emulator's variable would send its client elsewhere); then an explicit
    --work-dir's stack; then the emulator's variable; then the default work dir's stack."""
    if args.project:
        if environ.get(emulator.variable):
            raise NoTarget(
                f"{emulator.variable} is set, so the {emulator.client} client would talk to an emulator, not "
                f"to project {args.project}: unset it for the real project, or leave out --project."
            )
        return Target(args.project, None)
    if args.work_dir is None and environ.get(emulator.variable):
        named = (environ.get(variable) for variable in emulator.project_variables)
        return Target(next(filter(None, named), DEV_PROJECT), environ[emulator.variable])
    work_dir = args.work_dir or DEFAULT_WORK_DIR
    if not state_file(work_dir).exists():
        raise NoTarget(
            f"Say where {noun} are: --project PROJECT_ID for the real project; or start the local "
            f"stack with `make dev` (no {state_file(work_dir)} now), or set {emulator.variable}."
        )
    info = StackInfo.load(work_dir)
    return Target(info.project, info.emulators[emulator.name])


def _ports(base: int) -> tuple[EmulatorPorts, int, int]:
    """Fixed offsets from one base, none of them a tool's default (8080 is taken by two tools)."""
    emulators = EmulatorPorts(
        firestore=base + 1, pubsub=base + 2, auth=base + 3, hub=base + 4, logging=base + 5, storage=base + 6
    )
    return emulators, base + 10, base + 20  # stand-in, first function


def function_service(name: str, port: int, env: dict[str, str]) -> Service:
    """One entry point of functions/main.py under functions-framework, as Cloud Functions runs it."""
    argv = [sys.executable, "-m", "functions_framework", "--source", str(REPO / "functions" / "main.py")]
    return Service(name, [*argv, "--target", name, "--host", "127.0.0.1", "--port", str(port)], port, env=env)


class LocalStack:
    def __init__(self, port_base: int = 8700, work_dir: Path | None = None, stream_output: bool = False):
        self.work_dir = work_dir or DEFAULT_WORK_DIR
        self.emulator_ports, self.zalo_port, first_function_port = _ports(port_base)
        self.topology = load_topology()
        self.function_ports = {f.name: first_function_port + i for i, f in enumerate(self.topology.functions)}
        self.stream_output = stream_output
        self.supervisor = Supervisor(self.work_dir / "logs", stream_output=stream_output)
        # The console's demo accounts, as `make dev` prints them (set once the emulators are prepared).
        self.sign_ins = ""

    def environment(self) -> dict[str, str]:
        return {
            "GOOGLE_CLOUD_PROJECT": DEV_PROJECT,
            **client_environment(self.emulator_ports),
            **DEV_ZALO,
            "ZALO_API_BASE": f"http://127.0.0.1:{self.zalo_port}",
            "ZALO_OAUTH_BASE": f"http://127.0.0.1:{self.zalo_port}",
            "ZALO_ZNS_BASE": f"http://127.0.0.1:{self.zalo_port}",
            **DEV_CONSOLE,
            "CONSOLE_URL": self.console_url,
            "ATTACHMENTS_BUCKET": DEV_ATTACHMENTS_BUCKET,
            "PYTHONUNBUFFERED": "1",
        }

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.function_ports['official_console']}"

    def info(self) -> StackInfo:
        urls = {name: f"http://127.0.0.1:{port}" for name, port in self.function_ports.items()}
        return StackInfo(
            project=DEV_PROJECT,
            webhook_url=urls["zalo_webhook"],
            zalo_url=f"http://127.0.0.1:{self.zalo_port}",
            function_urls=urls,
            emulators={
                "firestore": f"127.0.0.1:{self.emulator_ports.firestore}",
                "pubsub": f"127.0.0.1:{self.emulator_ports.pubsub}",
                "auth": f"127.0.0.1:{self.emulator_ports.auth}",
                "storage": f"127.0.0.1:{self.emulator_ports.storage}",
            },
            zalo_app_id=DEV_ZALO["ZALO_APP_ID"],
            zalo_oa_id=DEV_ZALO["ZALO_OA_ID"],
            zalo_oa_secret_key=DEV_ZALO["ZALO_OA_SECRET_KEY"],
        )

    def emulators(self) -> list[Service]:
        """The emulators as `pakn dev` runs them; Firestore enforces infra/firestore.rules, like the cloud."""
        return emulator_services(self.emulator_ports, self.work_dir, firestore_rules=FIRESTORE_RULES)

    def start(self) -> StackInfo:
        env = self.environment()
        emulators = self.emulators()
        for service in emulators:
            self.supervisor.start(service)
        python = sys.executable
        standin = Service(
            "zalo-standin",
            [
                python,
                "-m",
                "pakn_dev.zalo_standin",
                "--port",
                str(self.zalo_port),
                "--app-id",
                env["ZALO_APP_ID"],
                "--app-secret",
                env["ZALO_APP_SECRET"],
                "--refresh-token",
                env["ZALO_REFRESH_TOKEN"],
                # ZNS delivery receipts come back to the webhook, signed, a moment after each send.
                "--webhook-url",
                f"http://127.0.0.1:{self.function_ports['zalo_webhook']}/",
                "--oa-id",
                env["ZALO_OA_ID"],
                "--oa-secret-key",
                env["ZALO_OA_SECRET_KEY"],
                "--zns-receipt-delay",
                "2",
            ],
            self.zalo_port,
            ready_path="/_standin/health",
        )
        functions = [function_service(name, port, env) for name, port in self.function_ports.items()]
        self.supervisor.start(standin)
        for service in functions:
            self.supervisor.start(service)
        self.supervisor.wait_ready([*emulators, standin, *functions])

        info = self.info()
        self._prepare_emulators(env, info)
        state_file(self.work_dir).write_text(json.dumps(asdict(info), indent=2))
        return info

    def _prepare_emulators(self, env: dict[str, str], info: StackInfo) -> None:
        os.environ.update(env)
        from pakn_dev.demo_officials import seed_demo_officials, sign_in_summary
        from pakn_dev.local_topology import apply_topology
        from pakn_dev.seed import seed

        apply_topology(DEV_PROJECT, self.topology, info.function_urls)
        ensure_bucket(env["STORAGE_EMULATOR_HOST"], DEV_ATTACHMENTS_BUCKET)
        seed(DEV_PROJECT)
        officials = seed_demo_officials(info.emulators["auth"], DEV_PROJECT)
        self.sign_ins = sign_in_summary(self.console_url, officials)

    def stop(self) -> None:
        self.supervisor.stop_all()
        state_file(self.work_dir).unlink(missing_ok=True)

    def wait(self, schedule_every: float | None = None) -> None:
        """Until Ctrl-C, or until a service dies (then the stack stops rather than limp on).

        Meanwhile it plays Cloud Scheduler: each declared schedule's function is POSTed as often as its
        cron expression says (every two minutes, hourly...), or every `schedule_every` seconds when given.
        And it watches the stack's health, saying in one line which part stopped (and when it is back).
        """
        every = {s.name: schedule_every or local_interval(s.cron) for s in self.topology.schedules}
        next_run = {name: time.monotonic() + seconds for name, seconds in every.items()}
        health = HealthWatch(DEV_PROJECT, self.topology, self.supervisor, probe_pushes=not self.stream_output)
        next_check = time.monotonic() + HEALTH_EVERY
        while True:
            for service, process in self.supervisor.running:
                if process.poll() is not None:
                    print(f"{service.name} exited with code {process.returncode}; stopping the stack.")
                    return
            for schedule in self.topology.schedules:
                if time.monotonic() >= next_run[schedule.name]:
                    next_run[schedule.name] += every[schedule.name]
                    self.fire(schedule.name)
            if time.monotonic() >= next_check:
                for line in health.check():
                    print(line, flush=True)
                next_check = time.monotonic() + HEALTH_EVERY
            time.sleep(0.5)

    def fire(self, schedule_name: str) -> None:
        import requests

        schedule = next(s for s in self.topology.schedules if s.name == schedule_name)
        url = f"http://127.0.0.1:{self.function_ports[schedule.target]}/"
        try:
            answer = requests.post(url, timeout=120)
            report = answer.text.strip()
            print(
                f"schedule {schedule.name}: {schedule.target} answered {answer.status_code} {report}",
                flush=True,
            )
        except requests.RequestException as exc:
            print(f"schedule {schedule.name}: {schedule.target} did not answer ({type(exc).__name__})")


def local_interval(cron: str) -> float:
    """About how often `cron` fires, in seconds, for the local scheduler: every N minutes, every minute,
    hourly or daily (the shapes a topology uses); hourly for anything else."""
    minute, hour, *_ = cron.split()
    step = re.fullmatch(r"\*/(\d+)", minute)
    if step and hour == "*":
        return int(step.group(1)) * 60.0
    if minute == "*" and hour == "*":
        return 60.0
    if minute.isdigit() and hour.isdigit():
        return 24 * 3600.0
    return 3600.0


# How often `pakn dev` looks at its stack, how often it sends a probe through each push subscription, and
# how long a probe may take to arrive.
HEALTH_EVERY = 10.0
PROBE_EVERY = 30.0
PROBE_WITHIN = 30.0
_PROBE_LINE = "probe acknowledged"


@dataclass(frozen=True)
class _Probe:
    message_id: str
    published_at: float


class HealthWatch:
    """Every running service answering, every push subscription delivering; `check` says what changed.

    A service answers when any HTTP answer comes from its address (twice in a row unanswered: stopped). A
    push subscription delivers when a probe published to its topic (attribute `pakn_probe`, acknowledged
    unread by every push handler) shows up in the log of the function it pushes to within `probe_within`
    seconds: pushing is what the Pub/Sub emulator can silently stop doing (its push threads die when it
    fails forwarding a message to a dead-letter topic).
    """

    def __init__(
        self,
        project: str,
        topology: Topology,
        supervisor: Supervisor,
        probe_pushes: bool = True,
        probe_within: float = PROBE_WITHIN,
        probe_every: float = PROBE_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._project = project
        self._supervisor = supervisor
        self._pushes = [sub for sub in topology.subscriptions if sub.push_to] if probe_pushes else []
        self._probe_within = probe_within
        self._probe_every = probe_every
        self._last_probe: dict[str, float] = {}
        self._clock = clock
        self._misses: dict[str, int] = {}
        self._down: set[str] = set()
        self._probes: dict[str, _Probe] = {}
        self._acknowledged: set[tuple[str, str]] = set()
        self._offsets: dict[Path, int] = {}
        self._publisher = None

    def check(self) -> list[str]:
        return self._answering() + self._delivering()

    # --- services ---------------------------------------------------------------------------------

    def _answering(self) -> list[str]:
        lines = []
        for service, process in list(self._supervisor.running):
            if process.poll() is not None:
                continue  # exited: the stack's own loop says so and stops
            if answers(service.url + service.ready_path, timeout=2):
                self._misses[service.name] = 0
                if service.name in self._down:
                    self._down.discard(service.name)
                    lines.append(f"pakn dev: {service.name} answers again on {service.url}.")
                continue
            self._misses[service.name] = self._misses.get(service.name, 0) + 1
            if self._misses[service.name] >= 2 and service.name not in self._down:
                self._down.add(service.name)
                log = self._supervisor.log_dir / f"{service.name}.log"
                lines.append(f"pakn dev: {service.name} stopped answering on {service.url} (its log: {log}).")
        return lines

    # --- push subscriptions -----------------------------------------------------------------------

    def _delivering(self) -> list[str]:
        if not self._pushes:
            return []
        self._read_logs()
        now = self._clock()
        lines = []
        for topic in dict.fromkeys(sub.topic for sub in self._pushes):
            subs = [sub for sub in self._pushes if sub.topic == topic]
            probe = self._probes.get(topic)
            if probe is None:
                if now - self._last_probe.get(topic, -self._probe_every) >= self._probe_every:
                    self._publish_probe(topic, now)
                continue
            arrived = {sub.name for sub in subs if (sub.name, probe.message_id) in self._acknowledged}
            for sub in subs:
                if sub.name in arrived and sub.name in self._down:
                    self._down.discard(sub.name)
                    lines.append(f"pakn dev: {sub.name} delivers to {sub.push_to} again.")
                elif sub.name not in arrived | self._down and now - probe.published_at > self._probe_within:
                    self._down.add(sub.name)
                    lines.append(self._stopped(sub, now - probe.published_at))
            if len(arrived) == len(subs):
                del self._probes[topic]  # every subscription delivered it: the next check sends another
        return lines

    def _stopped(self, sub: SubscriptionSpec, age: float) -> str:
        emulator_log = self._supervisor.log_dir / "pubsub-emulator.log"
        return (
            f"pakn dev: {sub.name} stopped delivering to {sub.push_to}: a probe published {age:.0f} s ago "
            f"has not arrived (the Pub/Sub emulator's log: {emulator_log}); restart pakn dev."
        )

    def _publish_probe(self, topic: str, now: float) -> None:
        from google.api_core.exceptions import GoogleAPIError
        from google.cloud import pubsub_v1

        if self._publisher is None:
            self._publisher = pubsub_v1.PublisherClient()
        try:
            future = self._publisher.publish(
                self._publisher.topic_path(self._project, topic), b"", **{PROBE: "pakn dev"}
            )
            self._probes[topic] = _Probe(future.result(timeout=5), now)
            self._last_probe[topic] = now
        except (GoogleAPIError, TimeoutError, OSError):
            pass  # an emulator that does not answer is said as such; the next check tries again

    def _read_logs(self) -> None:
        """The probes each push function acknowledged since the last look, read from its log."""
        for function in dict.fromkeys(sub.push_to for sub in self._pushes):
            path = self._supervisor.log_dir / f"{function}.log"
            offset = self._offsets.get(path, 0)
            try:
                if path.stat().st_size < offset:
                    offset = 0  # a restarted function starts its log again
                with path.open("rb") as log:
                    log.seek(offset)
                    chunk = log.read()
            except OSError:
                continue
            complete = chunk[: chunk.rfind(b"\n") + 1]
            self._offsets[path] = offset + len(complete)
            for line in complete.decode("utf-8", "replace").splitlines():
                if _PROBE_LINE not in line:
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                subscription = str(entry.get("subscription", "")).rsplit("/", 1)[-1]
                self._acknowledged.add((subscription, str(entry.get("message_id"))))

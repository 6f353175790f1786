"""The whole system on one machine: emulators, the Zalo stand-in, every function on its own port, the
declared topology with push subscriptions to those functions, and seed data."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pakn.platform.topology import load_topology
from pakn_dev.emulators import DEV_PROJECT, REPO, EmulatorPorts, client_environment, emulator_services
from pakn_dev.processes import Service, Supervisor

DEFAULT_WORK_DIR = REPO / ".pakn-dev"

# Development credentials: shared by the functions, the stand-in and `pakn chat`. Not secrets.
DEV_ZALO = {
    "ZALO_APP_ID": "1000000000000000001",
    "ZALO_OA_ID": "2000000000000000002",
    "ZALO_OA_SECRET_KEY": "dev-oa-secret-key",
    "ZALO_APP_SECRET": "dev-app-secret",
    "ZALO_REFRESH_TOKEN": "dev-refresh-token-0",
}


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


def _ports(base: int) -> tuple[EmulatorPorts, int, int]:
    """Fixed offsets from one base, none of them a tool's default (8080 is taken by two tools)."""
    emulators = EmulatorPorts(
        firestore=base + 1, pubsub=base + 2, auth=base + 3, hub=base + 4, logging=base + 5
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
        self.supervisor = Supervisor(self.work_dir / "logs", stream_output=stream_output)

    def environment(self) -> dict[str, str]:
        return {
            "GOOGLE_CLOUD_PROJECT": DEV_PROJECT,
            **client_environment(self.emulator_ports),
            **DEV_ZALO,
            "ZALO_API_BASE": f"http://127.0.0.1:{self.zalo_port}",
            "ZALO_OAUTH_BASE": f"http://127.0.0.1:{self.zalo_port}",
            "PYTHONUNBUFFERED": "1",
        }

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
            },
            zalo_app_id=DEV_ZALO["ZALO_APP_ID"],
            zalo_oa_id=DEV_ZALO["ZALO_OA_ID"],
            zalo_oa_secret_key=DEV_ZALO["ZALO_OA_SECRET_KEY"],
        )

    def start(self) -> StackInfo:
        env = self.environment()
        emulators = emulator_services(self.emulator_ports, self.work_dir)
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
        import os

        os.environ.update(env)
        from pakn_dev.local_topology import apply_topology
        from pakn_dev.seed import seed

        apply_topology(DEV_PROJECT, self.topology, info.function_urls)
        seed(DEV_PROJECT)

    def stop(self) -> None:
        self.supervisor.stop_all()
        state_file(self.work_dir).unlink(missing_ok=True)

    def wait(self, schedule_every: float) -> None:
        """Until Ctrl-C, or until a service dies (then the stack stops rather than limp on).

        Meanwhile it plays Cloud Scheduler: each declared schedule's function is POSTed every
        `schedule_every` seconds (the cloud follows the cron expression; locally an interval will do).
        """
        next_run = {schedule.name: time.monotonic() + schedule_every for schedule in self.topology.schedules}
        while True:
            for service, process in self.supervisor.running:
                if process.poll() is not None:
                    print(f"{service.name} exited with code {process.returncode}; stopping the stack.")
                    return
            for schedule in self.topology.schedules:
                if time.monotonic() >= next_run[schedule.name]:
                    next_run[schedule.name] += schedule_every
                    self.fire(schedule.name)
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

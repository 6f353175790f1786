"""Child processes for the local stack and the tests: started in their own process groups, awaited until
they answer, and stopped together, so nothing is left behind (the emulators fork Java children)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


class StartupFailed(RuntimeError):
    pass


@dataclass
class Service:
    name: str
    argv: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    # Any HTTP answer at this path means the service is up.
    ready_path: str = "/"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Supervisor:
    def __init__(self, log_dir: Path, stream_output: bool = False):
        self.log_dir = log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._stream_output = stream_output
        self.running: list[tuple[Service, subprocess.Popen]] = []

    def start(self, service: Service) -> subprocess.Popen:
        if port_in_use(service.port):
            raise StartupFailed(f"port {service.port} for {service.name} is taken: is another stack running?")
        log_file = (self.log_dir / f"{service.name}.log").open("wb")
        process = subprocess.Popen(
            service.argv,
            env={**os.environ, **service.env},
            stdin=subprocess.DEVNULL,
            stdout=None if self._stream_output else log_file,
            stderr=subprocess.STDOUT if not self._stream_output else None,
            start_new_session=True,
        )
        self.running.append((service, process))
        return process

    def wait_ready(self, services: list[Service], timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        pending = list(services)
        while pending:
            for service in list(pending):
                process = self._process(service)
                if process.poll() is not None:
                    raise StartupFailed(
                        f"{service.name} exited with code {process.returncode}; "
                        f"see {self.log_dir / (service.name + '.log')}"
                    )
                if answers(service.url + service.ready_path):
                    pending.remove(service)
            if pending and time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                raise StartupFailed(f"{names} did not answer within {timeout:.0f} s; logs in {self.log_dir}")
            if pending:
                time.sleep(0.2)

    def _process(self, service: Service) -> subprocess.Popen:
        return next(p for s, p in self.running if s is service)

    def kill(self, service: Service) -> None:
        """SIGKILL to one service's process group, as when its machine dies: no clean-up of any kind."""
        process = self._process(service)
        _signal_group(process, signal.SIGKILL)
        process.wait()
        self.running.remove((service, process))

    def stop_all(self, grace: float = 10.0) -> None:
        """SIGTERM to every process group, then SIGKILL to whatever is still there after `grace`."""
        for _, process in reversed(self.running):
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for _, process in self.running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        # The group outlives its leader when a child (the emulators' JVM) ignores SIGTERM.
        for _, process in self.running:
            _signal_group(process, signal.SIGKILL)
            process.wait()
        self.running.clear()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def answers(url: str, timeout: float = 1) -> bool:
    """Any HTTP answer from `url`, error statuses included, within `timeout` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310 - loopback only
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False

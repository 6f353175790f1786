"""The local stack (`pakn dev`'s LocalStack) for the pipeline benchmark and the soak: on ports no other
run uses, in its own work directory, optionally with every function's Firestore calls counted
(bench_firestore_counter) and Zalo's API reached through another address (the soak's fault injector).
The stack itself is stack.py's: its emulators, stand-in, functions, topology and seed data."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

from pakn_dev import stack as stack_module
from pakn_dev.processes import Service, port_in_use
from pakn_dev.stack import LocalStack, StackInfo

COUNTER_MODULE = "pakn_dev.bench_firestore_counter"


def _ephemeral_ports() -> range:
    """The ports the kernel hands out to outgoing connections (and to port 0): a fixed port chosen in that
    range can be taken by any process between the check and the bind."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def free_port_base(functions: int, attempts: int = 50) -> int:
    """A base whose every offset LocalStack uses (emulators +1..+5, stand-in +10, functions from +20) is
    free, below the ephemeral range."""
    ephemeral = _ephemeral_ports()
    for _ in range(attempts):
        base = random.randrange(10_000, max(10_100, ephemeral.start - 100), 100)
        offsets = [*range(1, 6), 10, *range(20, 20 + functions)]
        if not any(port_in_use(base + offset) for offset in offsets):
            return base
    raise RuntimeError("no free range of ports found for the stack")


def counted(service: Service, count_dir: Path) -> Service:
    """The same function process, its Firestore calls counted: `python -m functions_framework ARGS` becomes
    `python -m pakn_dev.bench_firestore_counter DIR NAME functions_framework ARGS`."""
    argv = list(service.argv)
    at = argv.index("-m")
    module, rest = argv[at + 1], argv[at + 2 :]
    argv = [*argv[:at], "-m", COUNTER_MODULE, str(count_dir), service.name, module, *rest]
    return Service(service.name, argv, service.port, env=service.env, ready_path=service.ready_path)


class BenchStack(LocalStack):
    def __init__(
        self,
        work_dir: Path,
        count_dir: Path | None = None,
        zalo_api_base: str | None = None,
        port_base: int | None = None,
    ):
        from pakn.platform.topology import load_topology

        base = port_base or free_port_base(len(load_topology().functions))
        super().__init__(port_base=base, work_dir=work_dir)
        self.port_base = base
        self.count_dir = count_dir
        self.zalo_api_base = zalo_api_base

    def environment(self) -> dict[str, str]:
        env = super().environment()
        if self.zalo_api_base:
            # The functions' Zalo API calls go there; OAuth (token refreshes) still straight to the stand-in.
            env["ZALO_API_BASE"] = self.zalo_api_base
        return env

    @property
    def standin_url(self) -> str:
        return f"http://127.0.0.1:{self.zalo_port}"

    def start(self) -> StackInfo:
        if self.count_dir is None:
            return super().start()
        original = stack_module.function_service
        count_dir = self.count_dir

        def counted_function_service(*args, **kwargs) -> Service:
            return counted(original(*args, **kwargs), count_dir)

        stack_module.function_service = counted_function_service
        try:
            return super().start()
        finally:
            stack_module.function_service = original

    def function(self, name: str) -> Service:
        return next(service for service, _ in self.supervisor.running if service.name == name)

    def restart(self, name: str, down_seconds: float = 0.0) -> float:
        """Kills function `name` as when its machine dies (SIGKILL to its process group: no clean-up),
        leaves it down for `down_seconds`, starts it again on the same port; the seconds until it answers."""
        service = self.function(name)
        kill = getattr(self.supervisor, "kill", None)
        if kill is not None:
            kill(service)
        else:  # a processes.py without Supervisor.kill
            process = next(p for s, p in self.supervisor.running if s is service)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            self.supervisor.running.remove((service, process))
        time.sleep(down_seconds)
        for _ in range(100):  # the port is free once the killed group's sockets are closed
            if not port_in_use(service.port):
                break
            time.sleep(0.1)
        started = time.monotonic()
        self.supervisor.start(service)
        self.supervisor.wait_ready([service])
        return time.monotonic() - started


@contextlib.contextmanager
def running(stack: BenchStack) -> Iterator[StackInfo]:
    try:
        yield stack.start()
    finally:
        stack.stop()

"""`python -m pakn_dev.bench_cold_start`: what a new instance of each entry point costs, beside a baseline.

For every `@functions_framework.http` entry point of functions/main.py (found by reading the file, so a new
one is measured without changing this), in fresh processes, several repetitions, medians:

(a) imports: `python -X importtime` in a fresh process loads main.py through functions-framework and makes
    one realistic first call through the framework's test client; the imports of main.py's module and of
    that first call are summed (top-level cumulative times, so nothing is counted twice). The framework's
    own import (flask, functions_framework) is the same for every function and shown apart.
(b) process start to first answer: `python -m functions_framework --target NAME --source main.py --port P`
    is started and sent its realistic first request as soon as the port accepts a connection; the time
    from the start of the process to the port accepting, and to the answer, are recorded.

Each beside a baseline measured the same way in the same repetition: a functions-framework handler in
bench_bare_handler.py that imports only the client library the function needs (google.cloud.pubsub_v1
for the webhook, google.cloud.firestore for the workers, firebase_admin for the officials' API) and makes
one call with it. The first requests are real: a signed event for the webhook, a push envelope carrying a
new citizen's event (handle_zalo_event), an unknown delivery key (send_outbound: read, dead-lettered), a
dead letter (record_dead_letter), a POST that sweeps an empty database (the sweeps), GET /cases without a
token (official_api: 401). Firestore and Pub/Sub emulators run behind them; nothing leaves 127.0.0.1.

Both sides load their code from bytecode, compiled first as the Functions buildpack compiles a deployed
source (`python3 -m compileall`): otherwise a PYTHONDONTWRITEBYTECODE where this runs would make every process
compile pakn from source, which no deployed instance does, and which the one-file baseline hardly pays.

For the webhook it also prints the modules its first request loads (a sys.modules diff) and the biggest
import costs. `--functions DIR` measures another copy of functions/ (a scratch copy with a proposed change).
"""

from __future__ import annotations

import argparse
import ast
import base64
import compileall
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pakn_dev.bench_stats import format_ratio, median, ratio, table
from pakn_dev.emulators import (
    REPO,
    EmulatorPorts,
    client_environment,
    emulator_services,
    missing_prerequisites,
)
from pakn_dev.processes import Supervisor, free_port
from pakn_dev.stack import DEV_ZALO
from pakn_dev.zalo_events import ZaloEventFactory

PROJECT = "demo-bench-cold"
BARE_SOURCE = Path(__file__).with_name("bench_bare_handler.py")
ANSWER_TIMEOUT = 60.0
BASELINE_OF = {
    "zalo_webhook": "bare_pubsub",
    "official_api": "bare_firebase",
    "official_console": "bare_firebase",
}
DEFAULT_BASELINE = "bare_firestore"

# Run in a fresh `python -X importtime` process: argv = source, target, probe (JSON). Phase markers go to
# stderr between the interpreter's own import lines, so each import is attributed to the phase it ran in.
IMPORT_SCRIPT = r"""
import base64, json, os, sys, time

def mark(name):
    os.write(2, ("PAKN-PHASE " + name + "\n").encode())

source, target, probe = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
mark("framework")
started = time.perf_counter()
import functions_framework
framework_done = time.perf_counter()
cpu_framework_done = time.process_time()
mark("module")
app = functions_framework.create_app(target, source, "http")
module_done = time.perf_counter()
before = set(sys.modules)
mark("first_call")
client = app.test_client()
response = client.open(
    probe["path"], method=probe["method"], data=base64.b64decode(probe["body"]), headers=probe["headers"]
)
call_done = time.perf_counter()
cpu_call_done = time.process_time()
mark("end")
loaded = [name for name in sys.modules if name not in before]
pakn = sys.modules.get("pakn")
print(json.dumps({
    "status": response.status_code,
    "framework_s": framework_done - started,
    "module_s": module_done - framework_done,
    "first_call_s": call_done - module_done,
    "cpu_s": cpu_call_done - cpu_framework_done,
    "loaded": loaded,
    "pakn_file": getattr(pakn, "__file__", None),
}))
"""


def entry_points(main: Path) -> list[str]:
    """The names of main.py's functions decorated with functions_framework.http (or http(...)), in order."""
    names = []
    for node in ast.parse(main.read_text()).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Attribute) and target.attr == "http":
                names.append(node.name)
    return names


@dataclass(frozen=True)
class Probe:
    """The first request a new instance gets."""

    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> str:
        return json.dumps(
            {
                "method": self.method,
                "path": self.path,
                "body": base64.b64encode(self.body).decode(),
                "headers": self.headers,
            }
        )


def _zalo() -> ZaloEventFactory:
    return ZaloEventFactory(DEV_ZALO["ZALO_APP_ID"], DEV_ZALO["ZALO_OA_ID"], DEV_ZALO["ZALO_OA_SECRET_KEY"])


def _citizen() -> str:
    return f"95{uuid.uuid4().int % 10**17:017d}"


def _push(data: bytes, subscription: str, attributes: dict[str, str] | None = None, key: str = "") -> Probe:
    envelope = {
        "message": {
            "data": base64.b64encode(data).decode(),
            "attributes": attributes or {},
            "messageId": uuid.uuid4().hex,
            "orderingKey": key,
        },
        "subscription": f"projects/{PROJECT}/subscriptions/{subscription}",
    }
    return Probe("POST", "/", json.dumps(envelope).encode(), {"Content-Type": "application/json"})


def probe_for(target: str) -> Probe:
    """A realistic first request for `target` (fresh ids, so nothing is a redelivery)."""
    if target in ("zalo_webhook", "bare_pubsub"):
        citizen = _citizen()
        body, headers = _zalo().signed(_zalo().text(citizen, "Cán bộ phường làm khó khi làm khai sinh"))
        if target == "bare_pubsub":  # published under the citizen's ordering key, as the webhook publishes
            from pakn_dev.bench_bare_handler import ORDERING_HEADER

            headers = {**headers, ORDERING_HEADER: citizen}
        return Probe("POST", "/", body, headers)
    if target == "handle_zalo_event":
        from pakn.intake.events import normalise
        from pakn.zalo.events import parse_event

        citizen = _citizen()
        event = normalise(
            parse_event(_zalo().text(citizen, "Cán bộ phường Trúc Bạch làm khó khi làm khai sinh"))
        )
        return _push(event.model_dump_json().encode(), "zalo-events-to-conversation", key=citizen)
    if target == "send_outbound":
        data = json.dumps({"delivery_key": f"bench-cold-{uuid.uuid4().hex}"}).encode()
        return _push(data, "outbound-messages-to-sender", key=_citizen())
    if target == "record_dead_letter":
        attributes = {
            "pakn_dead_letter_reason": "bench_cold_start",
            "pakn_source_subscription": f"projects/{PROJECT}/subscriptions/zalo-events-to-conversation",
            "pakn_source_message_id": uuid.uuid4().hex,
        }
        return _push(b"{}", "dead-letters-to-recorder", attributes)
    if target in ("official_api", "official_console", "bare_firebase"):
        return Probe("GET", "/cases" if target != "official_console" else "/")
    return Probe("POST", "/", b"", {"Content-Type": "application/json"})


# --- (a) imports ---------------------------------------------------------------------------------------


@dataclass
class ImportRun:
    status: int
    framework_s: float
    module_s: float
    first_call_s: float
    # CPU time of this process from main.py's load to the first call's answer (the machine's other load
    # lengthens wall times much more than CPU times).
    cpu_s: float
    # Summed top-level cumulative import times (seconds) per phase: framework, module, first_call.
    imports_s: dict[str, float]
    loaded: list[str]
    # (cumulative s, self s, name, depth) of every import of the first call.
    first_call_imports: list[tuple[float, float, str, int]]
    pakn_file: str | None

    @property
    def own_imports_s(self) -> float:
        return self.imports_s.get("module", 0.0) + self.imports_s.get("first_call", 0.0)


def parse_importtime(stderr: str) -> tuple[dict[str, float], list[tuple[str, float, float, str, int]]]:
    """Per phase, the sum of top-level cumulative times; and every import as (phase, cum s, self s, name,
    depth). Lines before the first marker (the interpreter's start) belong to no phase."""
    totals: dict[str, float] = {}
    imports = []
    phase = None
    for line in stderr.splitlines():
        if line.startswith("PAKN-PHASE "):
            phase = line.split(" ", 1)[1].strip()
            continue
        if not line.startswith("import time:") or phase is None:
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        self_us, cumulative_us, name_field = int(parts[0]), int(parts[1]), parts[2]
        depth = (len(name_field) - len(name_field.lstrip(" ")) - 1) // 2
        imports.append((phase, cumulative_us / 1e6, self_us / 1e6, name_field.strip(), depth))
        if depth == 0:
            totals[phase] = totals.get(phase, 0.0) + cumulative_us / 1e6
    return totals, imports


def measure_imports(source: Path, target: str, env: dict[str, str]) -> ImportRun:
    probe = probe_for(target)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", IMPORT_SCRIPT, str(source), target, probe.as_json()],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tempfile.gettempdir(),
    )
    lines = [line for line in result.stdout.strip().splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"{target}: the import run failed ({result.returncode}):\n{tail}")
    report = json.loads(lines[-1])
    totals, imports = parse_importtime(result.stderr)
    return ImportRun(
        status=report["status"],
        framework_s=report["framework_s"],
        module_s=report["module_s"],
        first_call_s=report["first_call_s"],
        cpu_s=report["cpu_s"],
        imports_s=totals,
        loaded=report["loaded"],
        first_call_imports=[(c, s, n, d) for phase, c, s, n, d in imports if phase == "first_call"],
        pakn_file=report["pakn_file"],
    )


# --- (b) process start to first answer -------------------------------------------------------------------


@dataclass
class StartRun:
    listening_s: float
    answered_s: float
    status: int
    # CPU time of the server's processes (gunicorn's master and worker) from start to the answer.
    cpu_s: float


class PortTaken(RuntimeError):
    """Another process took the port between choosing it and binding it (other test runs share the
    machine): the measurement is made again on another port."""


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def group_cpu_seconds(group: int) -> float:
    """User and system CPU time of the live processes of process group `group`, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp, ... utime is field 14 and stime 15 of the whole line.
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def measure_start(source: Path, target: str, env: dict[str, str], attempts: int = 3) -> StartRun:
    for attempt in range(attempts):
        try:
            return _measure_start(source, target, env)
        except PortTaken:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _measure_start(source: Path, target: str, env: dict[str, str]) -> StartRun:
    probe = probe_for(target)
    port = free_port()
    if _accepts(port):
        raise PortTaken(f"port {port} was taken at once")
    argv = [sys.executable, "-m", "functions_framework", "--source", str(source), "--target", target]
    argv += ["--host", "127.0.0.1", "--port", str(port)]
    started = time.perf_counter()
    process = subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd=tempfile.gettempdir(),
    )
    try:
        deadline = started + ANSWER_TIMEOUT
        while not _accepts(port):
            if process.poll() is not None:
                raise PortTaken(f"{target} exited with code {process.returncode} before listening")
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{target} did not listen within {ANSWER_TIMEOUT:.0f} s")
            time.sleep(0.005)
        listening = time.perf_counter() - started
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_TIMEOUT)
        try:
            connection.request(probe.method, probe.path, body=probe.body or None, headers=probe.headers)
            response = connection.getresponse()
            response.read()
        except (http.client.HTTPException, ConnectionError) as exc:
            # Not our server's answer (it would be HTTP/1.1 from gunicorn): someone else's on that port.
            raise PortTaken(f"{target}: port {port} answered something else ({type(exc).__name__})") from exc
        finally:
            connection.close()
        answered = time.perf_counter() - started
        if process.poll() is not None:
            raise PortTaken(f"{target}: exited, so port {port} answered for another process")
        return StartRun(listening, answered, response.status, group_cpu_seconds(process.pid))
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- the run ---------------------------------------------------------------------------------------------


@dataclass
class Series:
    imports: list[ImportRun] = field(default_factory=list)
    starts: list[StartRun] = field(default_factory=list)

    def median_of(self, values) -> float:
        values = list(values)
        return median(values) if values else float("nan")


def environment(ports: EmulatorPorts, functions: Path) -> dict[str, str]:
    closed = f"http://127.0.0.1:{free_port()}"  # no Zalo call is made by these first requests
    env = {
        **os.environ,
        **client_environment(ports, auth=True),
        **DEV_ZALO,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "ZALO_API_BASE": closed,
        "ZALO_OAUTH_BASE": closed,
        "CONSOLE_SECRET_KEY": "bench-cold-start-console-secret-key-000",
        "CONSOLE_COOKIE_SECURE": "false",
        "BENCH_TOPIC": "zalo-events",
        # The copy of the package being measured comes first, before the editable install.
        "PYTHONPATH": os.pathsep.join([str(functions), str(REPO / "devtools")]),
    }
    env.pop("FUNCTION_TARGET", None)
    return env


def _ok(status: int) -> bool:
    return 200 <= status < 500


def _statuses(runs) -> str:
    counts = Counter(run.status for run in runs)
    return ",".join(f"{status}" + (f"x{n}" if n > 1 else "") for status, n in sorted(counts.items()))


def _paired(real: list, bare: list, value) -> tuple[float, float, float]:
    """Medians of `value` over the real runs and their baselines, and the median of the paired ratios."""
    if not real or not bare:
        return float("nan"), float("nan"), float("nan")
    ratios = [ratio(value(r), value(b)) for r, b in zip(real, bare, strict=False)]
    return median(value(r) for r in real), median(value(b) for b in bare), median(ratios)


def print_tables(names: list[str], series: dict[str, Series], pairs_of: dict[str, Series]) -> None:
    rows_a, rows_b = [], []
    for name in names:
        baseline = BASELINE_OF.get(name, DEFAULT_BASELINE)
        real, bare = series[name], pairs_of[name]
        imports = _paired(real.imports, bare.imports, lambda run: run.own_imports_s)
        calls = _paired(real.imports, bare.imports, lambda run: run.module_s + run.first_call_s)
        cpu = _paired(real.imports, bare.imports, lambda run: run.cpu_s)
        rows_a.append(
            [
                name,
                baseline,
                f"{imports[0] * 1000:.0f}",
                f"{imports[1] * 1000:.0f}",
                format_ratio(imports[2]),
                f"{calls[0] * 1000:.0f}",
                f"{calls[1] * 1000:.0f}",
                format_ratio(calls[2]),
                f"{cpu[0] * 1000:.0f}",
                f"{cpu[1] * 1000:.0f}",
                format_ratio(cpu[2]),
                _statuses(real.imports),
            ]
        )
        listening = _paired(real.starts, bare.starts, lambda run: run.listening_s)
        answered = _paired(real.starts, bare.starts, lambda run: run.answered_s)
        after = _paired(real.starts, bare.starts, lambda run: run.answered_s - run.listening_s)
        cpu = _paired(real.starts, bare.starts, lambda run: run.cpu_s)
        rows_b.append(
            [
                name,
                baseline,
                f"{listening[0] * 1000:.0f}",
                f"{listening[1] * 1000:.0f}",
                f"{answered[0] * 1000:.0f}",
                f"{answered[1] * 1000:.0f}",
                format_ratio(answered[2]),
                f"{after[0] * 1000:.0f}",
                f"{after[1] * 1000:.0f}",
                f"{cpu[0] * 1000:.0f}",
                f"{cpu[1] * 1000:.0f}",
                format_ratio(cpu[2]),
                _statuses(real.starts),
            ]
        )
    print(
        "\n(a) imports of main.py's module and of the first call (-X importtime, framework excluded), and "
        "the "
        "wall and CPU time of loading the module and making that call; median ms, ratio = median of "
        "paired ratios"
    )
    print(
        table(
            [
                "entry point",
                "baseline",
                "imports",
                "base",
                "ratio",
                "load+call",
                "base",
                "ratio",
                "cpu",
                "base",
                "ratio",
                "status",
            ],
            rows_a,
            right_from=2,
        )
    )
    framework = [run.imports_s.get("framework", 0.0) for s in series.values() for run in s.imports]
    if framework:
        print(
            "framework's own import (flask, functions_framework), the same for every function: "
            f"{median(framework) * 1000:.0f} ms"
        )
    print(
        "\n(b) process start to the port accepting, and to the answer of the first request (sent as soon as "
        "the port accepts), and the CPU time its processes used until then; median ms, ratio = median "
        "of paired ratios"
    )
    print(
        table(
            [
                "entry point",
                "baseline",
                "listening",
                "base",
                "answered",
                "base",
                "ratio",
                "after listening",
                "base",
                "cpu",
                "base",
                "ratio",
                "status",
            ],
            rows_b,
            right_from=2,
        )
    )


def print_webhook_imports(run: ImportRun, bare: ImportRun | None, top: int) -> None:
    loaded = run.loaded
    packages = Counter(name.split(".")[0] for name in loaded)
    print(f"\nzalo_webhook's first request loads {len(loaded)} modules (sys.modules diff), by package:")
    print("  " + ", ".join(f"{package} {n}" for package, n in packages.most_common()))
    print("  pakn modules: " + ", ".join(sorted(name for name in loaded if name.startswith("pakn"))))
    if bare is not None:
        extra = [name for name in loaded if name not in set(bare.loaded)]
        extra_packages = Counter(name.split(".")[0] for name in extra)
        print(f"  not loaded by the bare handler's first request ({len(extra)}): ")
        print("    " + ", ".join(f"{package} {n}" for package, n in extra_packages.most_common()))
        outside = sorted(name for name in extra if not name.startswith(("pakn", "pydantic", "_pydantic")))
        print("    of which outside pakn and pydantic: " + (", ".join(outside) or "none"))
    if run.imports_s.get("module"):
        print(f"  (main.py's own module-level imports: {run.imports_s['module'] * 1000:.0f} ms)")
    imports = run.first_call_imports
    print(f"\nbiggest imports of that first request (cumulative ms, one run; top {top}):")
    rows = [
        [name, f"{cumulative * 1000:.1f}", f"{own * 1000:.1f}", depth]
        for cumulative, own, name, depth in sorted(imports, key=lambda item: -item[0])
        if depth <= 2
    ][:top]
    print(table(["module", "cumulative", "self", "depth"], rows))
    by_package: Counter[str] = Counter()
    for _, own, name, _ in imports:
        by_package[name.split(".")[0]] += own
    print(
        "self time by top-level package: "
        + ", ".join(f"{p} {s * 1000:.0f} ms" for p, s in by_package.most_common(8))
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repetitions", type=int, default=3, help="fresh processes per measure (at most 15)")
    parser.add_argument("--only", default="", help="comma-separated entry points (default: all in main.py)")
    parser.add_argument(
        "--functions", type=Path, default=REPO / "functions", help="the functions/ to measure"
    )
    parser.add_argument("--top", type=int, default=15, help="how many of the webhook's imports to list")
    parser.add_argument("--skip-start", action="store_true", help="only (a), the imports")
    args = parser.parse_args(argv)
    repetitions = max(1, min(args.repetitions, 15))
    functions = args.functions.resolve()
    source = functions / "main.py"
    compileall.compile_dir(functions, quiet=1)
    compileall.compile_file(BARE_SOURCE, quiet=1)
    names = entry_points(source)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        names = [name for name in names if name in wanted]
    missing = missing_prerequisites(auth=False)
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="pakn-bench-cold-"))
    ports = EmulatorPorts(free_port(), free_port(), free_port(), free_port(), free_port())
    emulators = emulator_services(ports, work, auth=False)
    supervisor = Supervisor(work / "logs")
    env = environment(ports, functions)
    baselines = sorted({BASELINE_OF.get(name, DEFAULT_BASELINE) for name in names})
    series = {name: Series() for name in names}
    # The baseline's runs measured next to each entry point's.
    pairs_of = {name: Series() for name in names}
    try:
        for service in emulators:
            supervisor.start(service)
        supervisor.wait_ready(emulators)
        os.environ.update(client_environment(ports, auth=False))
        from pakn.platform.topology import load_topology
        from pakn_dev.local_topology import apply_topology
        from pakn_dev.seed import seed

        apply_topology(PROJECT, load_topology(), {}, pull_only=True)
        seed(PROJECT)
        print(
            f"cold start: {len(names)} entry points of {source}, {repetitions} repetitions, "
            f"baselines {', '.join(baselines)}",
            flush=True,
        )
        for repetition in range(1, repetitions + 1):
            for name in names:
                # Each entry point right after its own baseline: drift in the machine's load hits both.
                baseline = BASELINE_OF.get(name, DEFAULT_BASELINE)
                for measured, pairs in ((baseline, pairs_of[name]), (name, series[name])):
                    path = BARE_SOURCE if measured.startswith("bare_") else source
                    run = measure_imports(path, measured, env)
                    start = None if args.skip_start else measure_start(path, measured, env)
                    pairs.imports.append(run)
                    if start is not None:
                        pairs.starts.append(start)
                    answered = start.answered_s * 1000 if start else float("nan")
                    print(
                        f"  rep {repetition} {measured:<20} imports {run.own_imports_s * 1000:6.0f} ms  "
                        f"first answer {answered:6.0f} ms  status {run.status}",
                        flush=True,
                    )
    finally:
        supervisor.stop_all()
    pakn_files = {run.pakn_file for name in names for run in series[name].imports}
    print(f"\npakn loaded from: {', '.join(sorted(str(f) for f in pakn_files))}")
    print_tables(names, series, pairs_of)
    if "zalo_webhook" in names:
        runs = series["zalo_webhook"].imports
        bare_runs = pairs_of["zalo_webhook"].imports
        print_webhook_imports(
            runs[len(runs) // 2], bare_runs[len(bare_runs) // 2] if bare_runs else None, args.top
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`pakn dev`: the whole system locally (what `make dev` runs)."""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument(
        "--port-base",
        type=int,
        default=8700,
        help="services listen on fixed offsets from this port (default 8700: emulators 8701-8705, "
        "Zalo stand-in 8710, functions from 8720)",
    )
    parser.add_argument("--work-dir", type=Path, help="logs and stack.json go here (default .pakn-dev/)")
    parser.add_argument(
        "--schedule-every",
        type=float,
        default=None,
        metavar="SECONDS",
        help="run every scheduled function this often (default: as often as its cron says, as in the cloud: "
        "the outbox sweep every two minutes, the deadline sweep hourly)",
    )


def run(args) -> int:
    from pakn_dev.emulators import missing_prerequisites

    missing = missing_prerequisites()
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 2
    from pakn_dev.stack import LocalStack, state_file

    stack = LocalStack(port_base=args.port_base, work_dir=args.work_dir)
    return serve(stack, args.schedule_every, lambda info: _summary(info, stack, state_file(stack.work_dir)))


# Each stops the stack like Ctrl-C does: the emulators run in their own sessions and would otherwise
# outlive it. SIGINT is set here too, not left to Python: a shell script that starts `pakn dev` in the
# background (`pakn dev &`) starts it with SIGINT ignored, and Python then never turns it into Ctrl-C.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def serve(stack, schedule_every: float | None, summary) -> int:
    """Starts `stack`, runs it until a stop signal or a dead service, and always stops what it started."""
    from pakn_dev.processes import StartupFailed

    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _interrupt)
    try:
        print("Starting the emulators, the Zalo stand-in and the functions ...", flush=True)
        info = stack.start()
        print(summary(info), flush=True)
        stack.wait(schedule_every)
    except StartupFailed as exc:
        print(f"The local stack did not start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        # Neither a second Ctrl-C nor a terminal that is already gone may cut the clean-up short.
        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, signal.SIG_IGN)
        _tell("Stopping everything this stack started ...")
        stack.stop()
        _tell("Stopped.")
    return 0


def _tell(line: str) -> None:
    # After SIGHUP the terminal is gone: nobody to tell, and the stack must still stop.
    with contextlib.suppress(OSError):
        print(line, flush=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _summary(info, stack, state_file) -> str:
    lines = ["", "pakn is running locally (Ctrl-C stops everything):", ""]
    lines.append(f"  Zalo webhook            {info.webhook_url}/")
    triggers = {"push": "Pub/Sub push", "schedule": "scheduled; POST to run it now", "http": "HTTP"}
    for function in stack.topology.functions:
        if function.name != "zalo_webhook":
            url = info.function_urls[function.name]
            lines.append(f"  {function.name:<23} {url}/  ({triggers[function.trigger]})")
    lines.append(f"  Zalo OA stand-in        {info.zalo_url}/_standin/messages")
    for name, host in info.emulators.items():
        lines.append(f"  {name + ' emulator':<23} {host}")
    lines.append(f"  project                 {info.project}")
    lines += [
        "",
        stack.sign_ins,
        "",
        f"  logs: {stack.supervisor.log_dir}/   what runs where: {state_file}",
        "  Chat as a citizen in another terminal:  .venv/bin/pakn chat",
        "",
    ]
    return "\n".join(lines)

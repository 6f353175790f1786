"""`pakn dev`: the whole system locally (what `make dev` runs)."""

from __future__ import annotations

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


def run(args) -> int:
    from pakn_dev.emulators import missing_prerequisites

    missing = missing_prerequisites()
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 2
    from pakn_dev.processes import StartupFailed
    from pakn_dev.stack import LocalStack, state_file

    stack = LocalStack(port_base=args.port_base, work_dir=args.work_dir)
    # SIGTERM is handled like Ctrl-C so that `kill` leaves nothing behind either.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        print("Starting the emulators, the Zalo stand-in and the functions ...", flush=True)
        info = stack.start()
        print(_summary(info, stack, state_file(stack.work_dir)), flush=True)
        stack.wait()
    except StartupFailed as exc:
        print(f"The local stack did not start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C must not interrupt the clean-up and leave emulators behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("Stopping everything this stack started ...", flush=True)
        stack.stop()
        print("Stopped.", flush=True)
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _summary(info, stack, state_file) -> str:
    lines = ["", "pakn is running locally (Ctrl-C stops everything):", ""]
    lines.append(f"  Zalo webhook            {info.webhook_url}/")
    for name, url in info.function_urls.items():
        if name != "zalo_webhook":
            lines.append(f"  {name:<23} {url}/  (Pub/Sub push)")
    lines.append(f"  Zalo OA stand-in        {info.zalo_url}/_standin/messages")
    for name, host in info.emulators.items():
        lines.append(f"  {name + ' emulator':<23} {host}")
    lines.append(f"  project                 {info.project}")
    lines += [
        "",
        f"  logs: {stack.supervisor.log_dir}/   what runs where: {state_file}",
        "  Chat as a citizen in another terminal:  .venv/bin/pakn chat",
        "",
    ]
    return "\n".join(lines)

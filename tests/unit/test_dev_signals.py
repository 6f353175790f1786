"""`pakn dev` stops on Ctrl-C however it was started: also from a shell script that runs it in the
background (`pakn dev &`), where the shell starts it with SIGINT ignored."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

# A stack that starts at once and runs until stopped: what `serve` does around it is under test.
SCRIPT = textwrap.dedent(
    """
    import signal, sys, time
    from pakn_dev.commands.dev import serve

    print("SIGINT ignored" if signal.getsignal(signal.SIGINT) == signal.SIG_IGN else "SIGINT not ignored")

    class Stack:
        def start(self):
            return "info"

        def wait(self, schedule_every):
            print("running", flush=True)
            while True:
                time.sleep(0.05)

        def stop(self):
            print("stopped everything", flush=True)

    sys.exit(serve(Stack(), None, lambda info: "summary"))
    """
)
# bash runs `cmd &` with SIGINT and SIGQUIT ignored when it has no job control, as in any script.
IN_THE_BACKGROUND = 'python="$1"; "$python" -c "$2" & echo "$!"; wait "$!"; echo "exit $?"'


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stack_a_script_started_in_the_background_stops_on_each_stop_signal(stop):
    shell = subprocess.Popen(
        ["bash", "-c", IN_THE_BACKGROUND, "bash", sys.executable, SCRIPT],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        pid = int(shell.stdout.readline())
        started = [shell.stdout.readline().strip() for _ in range(4)]
        assert started == [
            "SIGINT ignored",
            "Starting the emulators, the Zalo stand-in and the functions ...",
            "summary",
            "running",
        ]
        subprocess.run(["kill", f"-{stop.name.removeprefix('SIG')}", str(pid)], check=True)
        out, _ = shell.communicate(timeout=20)
    finally:
        if shell.poll() is None:
            shell.kill()
    assert out.splitlines() == [
        "Stopping everything this stack started ...",
        "stopped everything",
        "Stopped.",
        "exit 0",
    ]

"""Every gcloud command and flag the deploy plan uses exists in the installed Google Cloud CLI.

Runs `gcloud <command> --help` once per command path (offline, no project or credentials needed): about a
minute on a loaded machine, which is why it lives in this tier and not in tests/unit.
"""

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from infra.plan import build_plan, load_inputs

PROJECT = "demo-project"

VERBS = {
    "create",
    "describe",
    "update",
    "deploy",
    "enable",
    "add-iam-policy-binding",
    "add-invoker-policy-binding",
}


@pytest.fixture(scope="module")
def steps():
    return build_plan(load_inputs(PROJECT))


def _help_flags(path: tuple[str, ...]) -> set[str]:
    text = subprocess.run(["gcloud", *path, "--help"], capture_output=True, text=True, timeout=120).stdout
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    flags = set(re.findall(r"--(?:\[no-\])?[a-z0-9-]+", text))
    return {f.replace("[no-]", "") for f in flags} | {
        f.replace("[no-]", "no-") for f in flags if "[no-]" in f
    }


@pytest.mark.skipif(
    shutil.which("gcloud") is None, reason="needs the Google Cloud CLI (offline: --help only)"
)
def test_every_gcloud_command_and_flag_exists_in_the_installed_cli(steps):
    commands = [c for s in steps for c in (s.command, s.unless) if c and c[0] == "gcloud"]
    paths: dict[tuple[str, ...], set[str]] = {}
    for command in commands:
        words = [w for w in command[1:] if not w.startswith("--")]
        # The command path ends at its verb (and `http` for scheduler jobs); resource names follow.
        end = next(i for i, w in enumerate(words) if w in VERBS) + 1
        path = tuple(words[: end + (words[end : end + 1] == ["http"])])
        paths.setdefault(path, set()).update(a.split("=", 1)[0] for a in command if a.startswith("--"))
    with ThreadPoolExecutor(max_workers=8) as pool:
        known = dict(zip(paths, pool.map(_help_flags, paths), strict=True))
    for path, used in paths.items():
        assert known[path], f"gcloud {' '.join(path)} --help printed nothing"
        assert used <= known[path], f"gcloud {' '.join(path)}: unknown flags {sorted(used - known[path])}"

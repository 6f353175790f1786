"""The exact source bundle the deploy uploads, installed into a clean virtualenv and loaded the way Cloud
Functions loads it: by functions-framework, one target at a time, from the bundle's main.py.

Takes a minute or two the first time (pip downloads the pinned requirements), seconds after that.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from infra import bundle
from infra.plan import BUNDLE_DIR, build_plan, load_inputs
from pakn.platform.topology import load_topology

pytestmark = pytest.mark.packaging

# Runs inside the clean virtualenv, from the bundle directory, as the Functions runtime does.
LOADER = """
import importlib, json, pkgutil, sys
import functions_framework
from functions_framework import _function_registry
loaded = {}
for target in sys.argv[1:]:
    functions_framework.create_app(target=target, source="main.py")
    loaded[target] = _function_registry.REGISTRY_MAP.get(target)
# Entry points import lazily; import every module now, so a dependency missing from requirements.txt shows.
import pakn
for module in pkgutil.walk_packages(pakn.__path__, "pakn."):
    importlib.import_module(module.name)
print(json.dumps(loaded))
"""


def _runtime_python() -> str:
    """The runtime's Python (3.12) when this machine has it; otherwise the one running the tests."""
    for candidate in (os.environ.get("PAKN_RUNTIME_PYTHON"), shutil.which("python3.12")):
        if (
            candidate
            and subprocess.run([candidate, "-c", "import venv"], capture_output=True).returncode == 0
        ):
            return candidate
    return sys.executable


def test_the_deploy_uploads_the_bundle_this_test_builds():
    inputs = load_inputs("demo-project")
    [bundle_step] = [s for s in build_plan(inputs) if s.command[:3] == ("python3", "-m", "infra.bundle")]
    assert bundle_step.command[3] == BUNDLE_DIR
    assert f"--expect-sha256={bundle.digest(bundle.contents())}" in bundle_step.command
    deploys = [s.command for s in build_plan(inputs) if s.command[1:3] == ("functions", "deploy")]
    assert all(f"--source={BUNDLE_DIR}" in command for command in deploys)


def test_the_bundle_installs_cleanly_and_every_entry_point_loads(tmp_path, repo_root):
    source = tmp_path / "bundle"
    digest = bundle.build(source)
    assert digest == bundle.digest(bundle.contents())
    assert (source / "requirements.txt").read_bytes() == (repo_root / "requirements.txt").read_bytes()
    assert not list(source.rglob("__pycache__"))

    env_dir = tmp_path / "venv"
    subprocess.run([_runtime_python(), "-m", "venv", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            "requirements.txt",
        ],
        cwd=source,
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]

    targets = [function.name for function in load_topology().functions]
    # A clean environment: nothing from this checkout or its virtualenv may leak in.
    clean_env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    loaded = subprocess.run(
        [str(python), "-I", "-c", LOADER, *targets], cwd=source, env=clean_env, capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert json.loads(loaded.stdout.strip().splitlines()[-1]) == dict.fromkeys(targets, "http")

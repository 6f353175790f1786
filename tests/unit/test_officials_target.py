"""Where `pakn officials` works: the real project with --project, else the Auth emulator (a --work-dir's
stack, FIREBASE_AUTH_EMULATOR_HOST, or `pakn dev`'s stack.json), and never an emulator behind --project."""

from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path

import pytest

from pakn_dev.commands.officials import NoTarget, Target, target_of


def stack_json(folder: Path, auth: str = "127.0.0.1:8703", project: str = "demo-pakn") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "project": project,
        "webhook_url": "http://127.0.0.1:8720",
        "zalo_url": "http://127.0.0.1:8710",
        "function_urls": {},
        "emulators": {"firestore": "127.0.0.1:8701", "pubsub": "127.0.0.1:8702", "auth": auth},
        "zalo_app_id": "1",
        "zalo_oa_id": "2",
        "zalo_oa_secret_key": "k",
    }
    (folder / "stack.json").write_text(json.dumps(info))
    return folder


def args(project=None, work_dir=None) -> Namespace:
    return Namespace(project=project, work_dir=work_dir)


def test_project_is_the_real_one_and_refused_while_an_emulator_variable_is_set():
    assert target_of(args(project="pakn-prod"), environ={}) == Target("pakn-prod", None)
    with pytest.raises(NoTarget, match="FIREBASE_AUTH_EMULATOR_HOST is set"):
        target_of(args(project="pakn-prod"), environ={"FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099"})


def test_the_emulator_from_the_environment_or_from_a_stack(tmp_path):
    env = {"FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099", "GOOGLE_CLOUD_PROJECT": "demo-x"}
    assert target_of(args(), environ=env) == Target("demo-x", "127.0.0.1:9099")
    assert target_of(args(), environ={**env, "FIREBASE_AUTH_PROJECT": "demo-y"}).project == "demo-y"
    work = stack_json(tmp_path / "stack", auth="127.0.0.1:8803", project="demo-pakn")
    # An explicit --work-dir names the stack even when the variable is set.
    assert target_of(args(work_dir=work), environ=env) == Target("demo-pakn", "127.0.0.1:8803")
    with pytest.raises(NoTarget, match="make dev"):
        target_of(args(work_dir=tmp_path / "none"), environ={})

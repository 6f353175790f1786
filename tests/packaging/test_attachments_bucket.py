"""The attachments' bucket in the deploy plan: created private in the deploy's region, its lifecycle rules
applied on every deploy (colder storage once cases are closed, deleted after ATTACHMENT_RETENTION), and
least-privilege access: the event worker and the console (which stores the files officials send with
answers) may create and read objects on that bucket only, the sender (which uploads those files to Zalo) may
only read them, and no other function holds any Cloud Storage role."""

import json

import pytest

from infra.plan import build_plan, email, grants, load_inputs
from pakn.platform.retention import ATTACHMENT_RETENTION

PROJECT = "demo-project"
BUCKET = f"{PROJECT}-pakn-attachments"


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(PROJECT)


@pytest.fixture(scope="module")
def steps(inputs):
    return build_plan(inputs)


def test_the_bucket_is_created_private_in_the_region_and_its_lifecycle_applied_each_deploy(inputs, steps):
    [create] = [s for s in steps if s.command[1:4] == ("storage", "buckets", "create")]
    assert create.command[4] == f"gs://{BUCKET}"
    assert f"--location={inputs.deploy.region}" in create.command
    assert {"--uniform-bucket-level-access", "--public-access-prevention"} <= set(create.command)
    assert create.unless[1:5] == ("storage", "buckets", "describe", f"gs://{BUCKET}")
    [update] = [s for s in steps if s.command[1:4] == ("storage", "buckets", "update")]
    assert "--lifecycle-file=infra/attachments-lifecycle.json" in update.command
    assert "--public-access-prevention" in update.command
    # Made before any grant on it, and before the functions that use it.
    order = [s.command[1:4] for s in steps]
    assert order.index(("storage", "buckets", "update")) < order.index(
        ("storage", "buckets", "add-iam-policy-binding")
    )
    assert order.index(("storage", "buckets", "create")) < order.index(
        ("functions", "deploy", "handle_zalo_event")
    )


def test_the_lifecycle_deletes_copies_after_the_retention_period(repo_root, inputs):
    spec = inputs.deploy.buckets["attachments"]
    rules = json.loads((repo_root / spec.lifecycle_file).read_text(encoding="utf-8"))["lifecycle"]["rule"]
    [delete] = [rule for rule in rules if rule["action"]["type"] == "Delete"]
    assert delete["condition"] == {"age": ATTACHMENT_RETENTION.days}
    moves = [rule["condition"]["age"] for rule in rules if rule["action"]["type"] == "SetStorageClass"]
    assert all(age < ATTACHMENT_RETENTION.days for age in moves)


def test_only_the_worker_and_the_console_reach_the_bucket_and_only_as_far_as_they_need(inputs, steps):
    storage = [g for g in grants(inputs) if g.role.startswith("roles/storage.")]
    held = {(g.member, g.role, g.kind, g.resource) for g in storage}
    worker = f"serviceAccount:{email('pakn-handle-zalo-event', PROJECT)}"
    console = f"serviceAccount:{email('pakn-official-console', PROJECT)}"
    sender = f"serviceAccount:{email('pakn-send-outbound', PROJECT)}"
    assert held == {
        (worker, "roles/storage.objectCreator", "bucket", BUCKET),
        (worker, "roles/storage.objectViewer", "bucket", BUCKET),
        (console, "roles/storage.objectCreator", "bucket", BUCKET),
        (console, "roles/storage.objectViewer", "bucket", BUCKET),
        (sender, "roles/storage.objectViewer", "bucket", BUCKET),
    }
    # Create, never overwrite or delete: nobody holds objectAdmin or objectUser.
    assert not {g.role for g in storage} - {"roles/storage.objectCreator", "roles/storage.objectViewer"}
    bindings = [
        s.command for s in steps if s.command[1:4] == ("storage", "buckets", "add-iam-policy-binding")
    ]
    assert {(c[4], c[5], c[6]) for c in bindings} == {
        (f"gs://{BUCKET}", f"--member={member}", f"--role={role}") for member, role, _, _ in held
    }
    # Nothing on the project: a project-wide storage role would reach every bucket in it.
    project_grants = [s.command for s in steps if s.command[1:3] == ("projects", "add-iam-policy-binding")]
    assert not [c for c in project_grants if any(a.startswith("--role=roles/storage.") for a in c)]


def test_the_functions_that_use_the_bucket_are_told_its_name_and_the_webhook_is_not(steps):
    def environment(function: str) -> dict[str, str]:
        [deploy] = [s.command for s in steps if s.command[1:4] == ("functions", "deploy", function)]
        value = next(a for a in deploy if a.startswith("--set-env-vars=")).split("=", 1)[1]
        return dict(pair.split("=", 1) for pair in value.split(","))

    assert environment("handle_zalo_event")["ATTACHMENTS_BUCKET"] == BUCKET
    assert environment("official_console")["ATTACHMENTS_BUCKET"] == BUCKET
    assert environment("send_outbound")["ATTACHMENTS_BUCKET"] == BUCKET
    assert "ATTACHMENTS_BUCKET" not in environment("zalo_webhook")

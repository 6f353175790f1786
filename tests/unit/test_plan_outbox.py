"""The outbox sweep in the deploy plan: a scheduled function of its own, every two minutes, reached by Cloud
Scheduler with an OIDC identity, allowed to read and write Firestore and to publish to the outbound topic
only; and the query it runs has its index. (The rest of the plan: tests/unit/test_plan.py.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from infra.config import service_account_id
from infra.indexes import QueryShape, load_declared, missing
from infra.plan import SCHEDULER, build_plan, email, grants, load_inputs

PROJECT = "demo-project"
MAIN = Path(__file__).resolve().parents[2] / "functions" / "main.py"


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(PROJECT)


@pytest.fixture(scope="module")
def steps(inputs):
    return build_plan(inputs)


def flag(command, name: str) -> str | None:
    return next((arg.split("=", 1)[1] for arg in command if arg.startswith(f"--{name}=")), None)


def test_the_outbox_sweep_is_an_entry_point_deployed_as_a_scheduled_function(inputs, steps):
    tree = ast.parse(MAIN.read_text(encoding="utf-8"))
    assert "sweep_outbox" in {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    function = inputs.topology.function("sweep_outbox")
    assert function.trigger == "schedule" and not function.public
    [deploy] = [s.command for s in steps if s.command[1:4] == ("functions", "deploy", "sweep_outbox")]
    assert flag(deploy, "entry-point") == "sweep_outbox"
    assert "--no-allow-unauthenticated" in deploy
    assert flag(deploy, "timeout") == f"{function.timeout_seconds}s"


def test_cloud_scheduler_runs_the_outbox_sweep_every_two_minutes_with_an_oidc_identity(inputs, steps):
    [schedule] = [s for s in inputs.topology.schedules if s.target == "sweep_outbox"]
    assert schedule.cron == "*/2 * * * *"
    [create] = [
        s.command
        for s in steps
        if s.command[1:5] == ("scheduler", "jobs", "create", "http") and s.command[5] == schedule.name
    ]
    assert flag(create, "schedule") == "*/2 * * * *"
    assert flag(create, "uri") == flag(create, "oidc-token-audience") == "${SWEEP_OUTBOX_URL}"
    assert flag(create, "oidc-service-account-email") == email(SCHEDULER, PROJECT)
    assert flag(create, "attempt-deadline") == f"{inputs.topology.function('sweep_outbox').timeout_seconds}s"
    invoker = {(g.member, g.resource) for g in grants(inputs) if g.role == "roles/run.invoker"}
    assert (f"serviceAccount:{email(SCHEDULER, PROJECT)}", "sweep_outbox") in invoker


def test_the_outbox_sweep_may_use_firestore_and_publish_replies_and_nothing_else(inputs):
    account = f"serviceAccount:{email(service_account_id('sweep_outbox'), PROJECT)}"
    held = {(g.role, g.kind, g.resource) for g in grants(inputs) if g.member == account}
    assert held == {
        ("roles/datastore.user", "project", PROJECT),
        ("roles/pubsub.publisher", "topic", inputs.topology.topic("outbound").name),
        ("roles/secretmanager.secretAccessor", "secret", "zalo-app-id"),
    }


def test_the_sender_may_publish_the_deliveries_it_hands_on_or_releases(inputs):
    # Sender._republish: a delivery handed on to the next invocation, or one waiting behind it; refused, it
    # would wait minutes for the outbox sweep.
    account = f"serviceAccount:{email(service_account_id('send_outbound'), PROJECT)}"
    held = {(g.role, g.resource) for g in grants(inputs) if g.member == account}
    publishes = {resource for role, resource in held if role == "roles/pubsub.publisher"}
    assert inputs.topology.topic("outbound").name in publishes


def test_dead_letter_policies_stay_in_the_cloud_as_a_last_resort(inputs, steps):
    # Locally the emulator gets none (it crashes forwarding a dead letter); the cloud keeps them.
    for sub in inputs.topology.subscriptions:
        if sub.max_delivery_attempts:
            [create] = [
                s.command
                for s in steps
                if s.command[1:4] == ("pubsub", "subscriptions", "create") and s.command[4] == sub.name
            ]
            assert flag(create, "dead-letter-topic") and flag(create, "max-delivery-attempts")


def test_the_outbox_queries_have_their_indexes():
    declared = load_declared()
    shapes = [
        # The outbox sweep: what is due, earliest first.
        QueryShape(
            "deliveries",
            False,
            (("next_attempt_at", "LESS_THAN_OR_EQUAL"),),
            (("next_attempt_at", "ASCENDING"),),
        ),
        # The citizen's latest deliveries, for the one a new delivery waits for.
        QueryShape("deliveries", False, (("citizen_id", "EQUAL"),), (("created_at", "DESCENDING"),)),
        # What waited for a delivery that just ended.
        QueryShape("deliveries", False, (("after", "EQUAL"),)),
    ]
    assert missing(shapes, declared) == {}
    # The messages' text is never indexed: personal data, and no query reads it.
    assert declared.overrides[("deliveries", "messages")] == frozenset()

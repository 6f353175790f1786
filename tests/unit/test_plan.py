"""The deploy plan, checked offline: what `make plan` prints is what Cloud Build runs, so these tests are
the review no cloud is needed for. That every gcloud command and flag exists in the installed CLI is checked
in tests/packaging/test_gcloud_flags.py (it runs `gcloud --help`, too slow for this tier)."""

import ast
import json
import re
import subprocess

import pytest
from pydantic import SecretStr, ValidationError

from infra import render
from infra.config import DEPLOY_FILE, DeployConfig, secret_mount, service_account_id
from infra.firestore_rest import release_rules, set_field_indexes
from infra.plan import PUBSUB_AGENT, PUSHER, SCHEDULER, Inputs, build_plan, email, grants, load_inputs
from pakn.officials.console.settings import ConsoleSettings
from pakn.platform.settings import Settings
from pakn.platform.topology import ScheduleSpec, Topology, load_topology
from pakn_dev import cli

PROJECT = "demo-project"


@pytest.fixture(scope="module")
def inputs() -> Inputs:
    return load_inputs(PROJECT)


@pytest.fixture(scope="module")
def steps(inputs):
    return build_plan(inputs)


def flag(command, name: str) -> str | None:
    return next((arg.split("=", 1)[1] for arg in command if arg.startswith(f"--{name}=")), None)


def deploy_of(steps, function: str):
    [step] = [s for s in steps if s.command[1:4] == ("functions", "deploy", function)]
    return step.command


def entry_points(repo_root) -> set[str]:
    tree = ast.parse((repo_root / "functions" / "main.py").read_text(encoding="utf-8"))
    return {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    }


def test_every_entry_point_in_main_is_declared_and_deployed_as_an_http_function(steps, inputs, repo_root):
    declared = {f.name for f in inputs.topology.functions}
    assert entry_points(repo_root) == declared
    for name in declared:
        command = deploy_of(steps, name)
        assert "--gen2" in command and "--trigger-http" in command
        assert flag(command, "entry-point") == name
        assert flag(command, "runtime") == "python312"
        assert flag(command, "region") == "asia-southeast1"
        assert flag(command, "service-account") == email(service_account_id(name), PROJECT)


# What each way of authenticating in code reads from the request: its entry point must read it.
CHECKED_IN_CODE = {
    "zalo_signature": "X-ZEvent-Signature",
    "firebase_id_token": "Authorization",
    "firebase_session_cookie": "official_console().handle(request)",
}


def test_exactly_the_functions_authenticating_in_code_allow_unauthenticated_calls(steps, inputs, repo_root):
    source = (repo_root / "functions" / "main.py").read_text(encoding="utf-8")
    bodies = {
        node.name: ast.get_source_segment(source, node)
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
    }
    for function in inputs.topology.functions:
        command = deploy_of(steps, function.name)
        public = function.authentication != "iam"
        assert ("--allow-unauthenticated" if public else "--no-allow-unauthenticated") in command
        if public:
            assert CHECKED_IN_CODE[function.authentication] in bodies[function.name], function.name
    public = [flag(s.command, "entry-point") for s in steps if "--allow-unauthenticated" in s.command]
    assert public == [f.name for f in inputs.topology.functions if f.authentication != "iam"]
    assert set(public) == {"zalo_webhook", "official_api", "official_console"}


def test_every_worker_is_reached_by_its_trigger_with_an_oidc_identity(steps, inputs):
    topology = inputs.topology
    invokers = {(g.member, g.resource) for g in grants(inputs) if g.role == "roles/run.invoker"}
    for function in topology.functions:
        if function.trigger == "push":
            subs = [s for s in topology.subscriptions if s.push_to == function.name]
            assert subs, f"{function.name} is a push function no subscription pushes to"
            assert (f"serviceAccount:{email(PUSHER, PROJECT)}", function.name) in invokers
            for sub in subs:
                command = next(
                    s.command
                    for s in steps
                    if s.command[1:4] == ("pubsub", "subscriptions", "create") and s.command[4] == sub.name
                )
                assert flag(command, "push-endpoint") == "${" + function.name.upper() + "_URL}"
                assert flag(command, "push-auth-service-account") == email(PUSHER, PROJECT)
        if function.trigger == "schedule":
            assert any(s.target == function.name for s in topology.schedules)
            assert (f"serviceAccount:{email(SCHEDULER, PROJECT)}", function.name) in invokers


def _parsed(repo_root, *path: str) -> ast.Module:
    return ast.parse(repo_root.joinpath("functions", *path).read_text(encoding="utf-8"))


def _functions(tree: ast.Module | ast.ClassDef) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _topic_roles(node: ast.AST) -> set[str]:
    """The roles named by `….topic("role")` in `node`."""
    return {
        call.args[0].value
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "topic"
        and call.args
        and isinstance(call.args[0], ast.Constant)
    }


def _closure(start: set[str], uses: dict[str, set[str]]) -> set[str]:
    reached, todo = set(), list(start)
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo += uses[name]
    return reached


MAKES_OR_USES_A_PUBLISHER = re.compile(r"\bpublisher\(\)|\bPublisher\(")

# runtime.sweep() wires the due-cases dispatch, but only Sweep.run dispatches, which sweep_case never calls.
WIRED_BUT_NEVER_PUBLISHED = {"sweep_case": {"due_cases"}}


def published_by_entry_point(repo_root) -> dict[str, set[str]]:
    """The topic roles each entry point of main.py publishes to: those named by the runtime helpers it
    uses, and by the helpers they use in turn."""
    helpers = _functions(_parsed(repo_root, "pakn", "runtime.py"))
    uses = {
        name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in helpers}
        for name, node in helpers.items()
    }
    published = {}
    for name, entry in _functions(_parsed(repo_root, "main.py")).items():
        if name.startswith("_"):
            continue
        called = {
            n.attr
            for n in ast.walk(entry)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "runtime"
        }
        roles = set().union(*(_topic_roles(helpers[helper]) for helper in _closure(called, uses)))
        published[name] = roles - WIRED_BUT_NEVER_PUBLISHED.get(name, set())
    return published


def test_only_the_runtime_publishes_and_each_of_its_publishing_helpers_names_its_topic(repo_root):
    # What published_by_entry_point relies on: a publish anywhere else would go unseen by it.
    for path in (repo_root / "functions").rglob("*.py"):
        if path.name not in ("runtime.py", "pubsub.py"):
            assert not MAKES_OR_USES_A_PUBLISHER.search(path.read_text(encoding="utf-8")), path
    for name, helper in _functions(_parsed(repo_root, "pakn", "runtime.py")).items():
        if name != "publisher" and MAKES_OR_USES_A_PUBLISHER.search(ast.unparse(helper)):
            assert _topic_roles(helper), f"runtime.{name} publishes to a topic not named by its role"


def test_the_case_sweep_never_dispatches_due_cases(repo_root):
    entry = ast.unparse(_functions(_parsed(repo_root, "main.py"))["sweep_case"])
    assert "runtime.sweep().sweep_case(" in entry and ".run(" not in entry
    [sweep] = [
        node
        for node in _parsed(repo_root, "pakn", "escalation", "sweep.py").body
        if isinstance(node, ast.ClassDef) and node.name == "Sweep"
    ]
    methods = _functions(sweep)
    uses = {
        name: {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute) and n.attr in methods}
        for name, node in methods.items()
    }
    assert not any("_dispatch" in ast.unparse(methods[name]) for name in _closure({"sweep_case"}, uses))


def test_each_function_may_publish_to_exactly_the_topics_its_code_publishes_to(inputs, repo_root):
    published = published_by_entry_point(repo_root)
    assert set(published) == set(inputs.deploy.functions)
    for function, roles in published.items():
        account = f"serviceAccount:{email(service_account_id(function), PROJECT)}"
        granted = {
            g.resource for g in grants(inputs) if g.member == account and g.role == "roles/pubsub.publisher"
        }
        assert granted == {inputs.topology.topic(role).name for role in roles}, function


def test_every_subscription_has_a_dead_letter_path_and_dead_letters_are_kept(steps, inputs):
    topology = inputs.topology
    dead_letter_topics = {t.dead_letter_topic for t in topology.topics if t.dead_letter_topic}
    creates = {
        s.command[4]: s.command for s in steps if s.command[1:4] == ("pubsub", "subscriptions", "create")
    }
    assert set(creates) == {s.name for s in topology.subscriptions}
    agent = {(g.role, g.resource) for g in grants(inputs) if g.member == PUBSUB_AGENT}
    for sub in topology.subscriptions:
        command = creates[sub.name]
        assert flag(command, "expiration-period") == "never"
        if sub.topic in dead_letter_topics:
            # Dead letters end here: one subscription records them, another keeps them for a week.
            kept = [s for s in topology.subscriptions if s.topic == sub.topic and not s.push_to]
            assert kept and all(s.retention_days for s in kept)
            continue
        target = flag(command, "dead-letter-topic")
        assert target and target in dead_letter_topics, f"{sub.name} has no dead-letter topic"
        assert int(flag(command, "max-delivery-attempts")) >= 5
        assert ("roles/pubsub.publisher", target) in agent
        assert ("roles/pubsub.subscriber", sub.name) in agent


def environment(command) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in flag(command, "set-env-vars").split(","))


def deploy_config(edit) -> DeployConfig:
    """infra/deploy.json as `edit` changes it."""
    data = json.loads(DEPLOY_FILE.read_text(encoding="utf-8"))
    edit(data)
    return DeployConfig.model_validate(data)


# A production value for each variable deploy.json declares (a new one fails here until it has one).
EXAMPLE_VALUES = {
    "ZALO_OA_ID": "4318749",
    "SMTP_HOST": "smtp.hanoi.gov.vn",
    "SMTP_PORT": "465",
    "SMTP_SENDER": "pakn@hanoi.gov.vn",
    "SMTP_USERNAME": "pakn",
    "SMTP_STARTTLS": "false",
    "CONSOLE_URL": "https://pakn-console.hanoi.gov.vn",
    "CONSOLE_FIREBASE_API_KEY": "AIzaSyExampleWebApiKey",
    "FIREBASE_AUTH_PROJECT": "hanoi-pakn-officials",
}


@pytest.fixture(scope="module")
def filled_steps(inputs):
    """The plan once ops have given every declared variable a value."""

    def fill(data):
        for section in (data, *data["functions"].values()):
            section["environment"] = {key: EXAMPLE_VALUES[key] for key in section.get("environment", {})}

    return build_plan(Inputs(PROJECT, inputs.topology, deploy_config(fill), inputs.indexes, 1, "0" * 64))


def test_every_secret_is_mounted_as_a_file_and_none_is_an_environment_variable(inputs, filled_steps):
    secret_fields = {
        name for name, field in Settings.model_fields.items() if SecretStr in _types(field.annotation)
    }
    secret_fields.add("zalo_app_id")
    assert secret_fields <= inputs.deploy.secrets.keys()
    required = {name for name in secret_fields if Settings.model_fields[name].is_required()}
    secret_names = {secret.name for secret in inputs.deploy.secrets.values()}
    for function in inputs.topology.functions:
        command = deploy_of(filled_steps, function.name)
        env_keys = {key.lower() for key in environment(command)}
        assert not env_keys & secret_fields, function.name
        console_keys = {f"console_{name}" for name in ConsoleSettings.model_fields}
        assert env_keys <= Settings.model_fields.keys() | console_keys
        assert environment(command)["GOOGLE_CLOUD_PROJECT"] == PROJECT
        mounts = dict(m.split("=", 1) for m in flag(command, "set-secrets").split(","))
        assert all(path.startswith("/etc/secrets/") for path in mounts)
        assert all(ref.split(":")[0] in secret_names for ref in mounts.values())
        # pakn.settings refuses to start without these, so each function must have them.
        assert {secret_mount(name) for name in required} <= mounts.keys(), function.name


def _types(annotation) -> set:
    return {annotation, *getattr(annotation, "__args__", ())}


def test_declared_settings_are_deployed_and_empty_ones_left_unset(inputs, steps, filled_steps):
    # As in the repository: every value empty, so only the project (and the buckets a function has a role
    # on, named from it) is set and e-mail needs no password.
    assert all(
        environment(deploy_of(steps, f.name))
        == {"GOOGLE_CLOUD_PROJECT": PROJECT, **inputs.deploy.bucket_environment_of(f.name, PROJECT)}
        for f in inputs.topology.functions
    )
    assert "smtp_password" not in flag(deploy_of(steps, "sweep_deadlines"), "set-secrets")
    assert not [s for s in steps if s.otherwise and "smtp-password" in s.otherwise]
    assert any(s.command[1:4] == ("secrets", "create", "smtp-password") for s in steps)

    assert environment(deploy_of(filled_steps, "zalo_webhook"))["ZALO_OA_ID"] == "4318749"
    sweep = deploy_of(filled_steps, "sweep_deadlines")
    assert environment(sweep) == {"GOOGLE_CLOUD_PROJECT": PROJECT} | {
        key: value for key, value in EXAMPLE_VALUES.items() if key.startswith("SMTP_")
    }
    # With a user name the SMTP server wants the password: mounted, and the deploy waits for its value.
    assert secret_mount("smtp_password") + "=smtp-password:latest" in flag(sweep, "set-secrets")
    assert [s for s in filled_steps if s.otherwise and "smtp-password" in s.otherwise]


@pytest.mark.parametrize(
    ("function", "variables", "problem"),
    [
        (None, {"ZALO_APP_SECRET": ""}, "is a secret"),
        ("sweep_deadlines", {"SMTP_PASSWORD": "hunter2"}, "is a secret"),
        ("zalo_webhook", {"ZALO_APP_ID": "1"}, "is a secret"),
        ("zalo_webhook", {"ZALO_OA_SECRET_KEY": ""}, "is a secret"),
        ("zalo_webhook", {"GOOGLE_CLOUD_PROJECT": "other"}, "not a setting the deploy may set"),
        ("zalo_webhook", {"NO_SUCH_SETTING": "1"}, "not a setting the deploy may set"),
        ("zalo_webhook", {"zalo_oa_id": "1"}, "not a setting the deploy may set"),
        ("sweep_deadlines", {"SMTP_PORT": "smtp"}, "SMTP_PORT"),
        ("sweep_deadlines", {"SMTP_PORT": "0"}, "SMTP_PORT"),
        ("sweep_deadlines", {"SMTP_SENDER": "a@b,c@d"}, "comma"),
        ("sweep_deadlines", {}, "needs SMTP_USERNAME, which it never sets"),
    ],
)
def test_deploy_json_sets_only_settings_that_are_not_secrets(function, variables, problem):
    def edit(data):
        (data["functions"][function] if function else data)["environment"] = variables

    with pytest.raises(ValidationError, match=problem):
        deploy_config(edit)


def test_the_webhook_is_kept_warm_and_every_minimum_is_set_each_deploy(inputs, steps):
    for function in inputs.topology.functions:
        # Always passed, so lowering the declaration lowers the deployed minimum too.
        assert flag(deploy_of(steps, function.name), "min-instances") == str(function.min_instances)
    assert flag(deploy_of(steps, "zalo_webhook"), "min-instances") == "1"


def test_personal_data_expires(steps):
    ttl = {(flag(s.command, "collection-group"), s.command[5]) for s in steps if "ttls" in s.command}
    # Raw events, dead letters, replies (a citizen's summary), officials' notifications, and the training
    # examples learnt from transfers (redacted, but from a citizen's text).
    groups = ("inbound_events", "dead_letters", "deliveries", "notifications", "training_examples")
    assert ttl == {(group, "expire_at") for group in groups}


def test_every_step_is_idempotent_by_shape(steps):
    declarative = re.compile(r"\b(deploy|update|add-iam-policy-binding|add-invoker-policy-binding|enable)\b")
    for step in steps:
        line = " ".join(step.command)
        if step.command[0] == "python3":
            continue  # infra.bundle rebuilds; infra.firestore_rest compares before it changes anything
        if " create " in f" {line} ":
            assert step.unless or step.tolerate, f"unguarded create: {line}"
        else:
            assert declarative.search(line) or step.capture or step.otherwise, f"not idempotent: {line}"


def test_the_plan_is_deterministic_and_the_script_is_valid_bash(inputs, steps, tmp_path):
    again = load_inputs(PROJECT)
    assert render.as_shell(again, build_plan(again)) == render.as_shell(inputs, steps)
    script = tmp_path / "deploy.sh"
    script.write_text(render.as_shell(inputs, steps))
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    text = render.as_text(inputs, steps)
    assert all(render.step_line(step) in text for step in steps)


def test_schedules_become_oidc_jobs_in_ho_chi_minh_time(inputs):
    topology = inputs.topology.model_copy(
        update={
            "schedules": (ScheduleSpec(name="sweep", cron="0 8 * * 1-5", target="send_outbound", about="t"),)
        }
    )
    steps = build_plan(Inputs(PROJECT, topology, inputs.deploy, inputs.indexes, 1, "0" * 64))
    [create] = [s.command for s in steps if s.command[1:5] == ("scheduler", "jobs", "create", "http")]
    assert flag(create, "time-zone") == "Asia/Ho_Chi_Minh"
    assert flag(create, "oidc-service-account-email") == email(SCHEDULER, PROJECT)
    assert flag(create, "uri") == flag(create, "oidc-token-audience") == "${SEND_OUTBOUND_URL}"
    [update] = [s.command for s in steps if s.command[1:5] == ("scheduler", "jobs", "update", "http")]
    assert update[5:] == create[5:]


def test_a_scheduled_job_waits_as_long_as_its_function_may_run(inputs, steps):
    jobs = [s.command for s in steps if s.command[1:3] == ("scheduler", "jobs") and s.command[4] == "http"]
    assert len(jobs) == 2 * len(inputs.topology.schedules)
    for schedule in inputs.topology.schedules:
        timeout = inputs.topology.function(schedule.target).timeout_seconds
        assert all(flag(job, "attempt-deadline") == f"{timeout}s" for job in jobs if job[5] == schedule.name)
    assert flag(jobs[0], "attempt-deadline") == "540s"
    data = json.loads(inputs.topology.model_dump_json())
    next(f for f in data["functions"] if f["name"] == "sweep_deadlines")["timeout_seconds"] = 1801
    with pytest.raises(ValidationError, match="attempt deadlines"):
        Topology.model_validate(data)


def test_the_readme_and_runbook_hold_the_generated_roles_table_and_the_apis(inputs, repo_root):
    runbook = (repo_root / "infra" / "RUNBOOK.md").read_text(encoding="utf-8")
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    table = render.roles_table(grants(inputs)).replace(PROJECT, "PROJECT_ID")
    assert table in runbook and table in readme
    assert all(api in runbook for api in inputs.deploy.apis)


def test_pakn_plan_prints_the_plan(capsys):
    assert cli.main(["plan"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("pakn deploy plan: project ${PROJECT_ID}, region asia-southeast1")
    assert cli.main(["plan", "--format=shell", "--project=p-1", "--region=europe-west1"]) == 0
    script = capsys.readouterr().out
    assert script.startswith("#!/usr/bin/env bash") and "--region=europe-west1" in script


def test_rules_are_released_only_when_they_changed():
    calls = []

    def live(rules):
        def call(method, url, body):
            calls.append((method, url))
            if url.endswith("/releases/cloud.firestore") and method == "GET":
                return 200, {"rulesetName": "projects/p/rulesets/r1"}
            if url.endswith("/rulesets/r1"):
                return 200, {"source": {"files": [{"name": "firestore.rules", "content": rules}]}}
            return 200, {"name": "projects/p/rulesets/r2"}

        return call

    assert "unchanged" in release_rules("p", "same", live("same"))
    assert [m for m, _ in calls] == ["GET", "GET"]
    calls.clear()
    assert "released" in release_rules("p", "new", live("old"))
    assert [m for m, _ in calls] == ["GET", "GET", "POST", "PATCH"]


def test_rules_are_released_on_a_new_project():
    calls = []

    def call(method, url, body):
        calls.append((method, url.rsplit("/", 1)[-1]))
        return (404, {}) if method == "GET" else (200, {"name": "projects/p/rulesets/r1"})

    release_rules("p", "rules", call)
    assert calls == [("GET", "cloud.firestore"), ("POST", "rulesets"), ("POST", "releases")]


def test_field_indexes_are_patched_only_when_they_differ():
    calls = []
    live = {
        "indexConfig": {
            "indexes": [
                {
                    "queryScope": "COLLECTION_GROUP",
                    "fields": [{"fieldPath": "tracking_code", "order": "ASCENDING"}],
                }
            ]
        }
    }

    def call(method, url, body):
        calls.append(method)
        return 200, live

    assert "unchanged" in set_field_indexes(
        "p", "cases", "tracking_code", [("ASCENDING", "COLLECTION_GROUP")], call
    )
    assert calls == ["GET"]
    set_field_indexes("p", "cases", "tracking_code", [("DESCENDING", "COLLECTION_GROUP")], call)
    assert calls == ["GET", "GET", "PATCH"]


def test_the_topology_used_is_the_one_declaration():
    assert load_inputs(PROJECT).topology == load_topology()


def test_the_plan_allows_sign_in_from_the_consoles_domain_only(steps, inputs):
    [step] = [s for s in steps if s.phase == "auth"]
    assert step.command[:4] == ("python3", "-m", "infra.auth_rest", "sign-in")
    assert "--provider=password" in step.command
    # No CONSOLE_URL in the shipped configuration: no domain yet, and the summary says so.
    assert not any(arg.startswith("--domain=") for arg in step.command)
    assert "set CONSOLE_URL" in step.summary
    assert "identitytoolkit.googleapis.com" in inputs.deploy.apis


def test_sign_in_is_configured_once_and_only_for_the_consoles_domain():
    from infra.auth_rest import configure_sign_in

    live = {"signIn": {"email": {"enabled": False}}, "authorizedDomains": ["localhost", "p.firebaseapp.com"]}
    calls = []

    def call(method, url, body):
        calls.append((method, body))
        if method == "PATCH":
            live.update(body)
        return 200, live

    said = configure_sign_in("p", ["password"], ["pakn.hanoi.gov.vn"], call)
    assert "pakn.hanoi.gov.vn" in said
    method, body = calls[-1]
    assert method == "PATCH" and body["signIn"]["email"] == {"enabled": True, "passwordRequired": True}
    # localhost, which a new project allows, is gone.
    assert body["authorizedDomains"] == ["p.firebaseapp.com", "p.web.app", "pakn.hanoi.gov.vn"]
    calls.clear()
    assert (
        configure_sign_in("p", ["password"], ["pakn.hanoi.gov.vn"], call) == "sign-in configuration unchanged"
    )
    assert [method for method, _ in calls] == ["GET"]
    with pytest.raises(ValueError):
        configure_sign_in("p", ["google"], [], call)

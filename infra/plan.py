"""The deploy plan: every resource and command a deploy makes, in order, generated from the topology
(functions/pakn/config/topology.json), infra/deploy.json (with the buckets' lifecycle files it names),
infra/firestore.indexes.json and infra/firestore.rules.

Every step is idempotent by shape: a create runs only when a describe fails (or tolerates "already exists"
where gcloud has no describe), and everything else is a declarative deploy, update or policy binding. So a
second deploy changes nothing, and a changed declaration converges. Pure functions: no cloud, no clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from infra import bundle
from infra.config import PROJECT_VARIABLE, DeployConfig, load_deploy_config, secret_mount, service_account_id
from infra.indexes import INDEXES_FILE
from pakn.platform.topology import SubscriptionSpec, Topology, load_topology

BUNDLE_DIR = "build/bundle"
RULES_FILE = "infra/firestore.rules"
DATABASE = "(default)"
PUSHER = "pakn-pubsub-push"
SCHEDULER = "pakn-scheduler"
PUBSUB_AGENT = "serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"
ALREADY_EXISTS = "already exists"


@dataclass(frozen=True)
class Step:
    """One command. `unless`: skip it when this one succeeds (the resource exists). `capture`: keep its
    output in this shell variable. `tolerate`: an error text that means it was already done. `otherwise`:
    stop the deploy with this sentence when it fails."""

    phase: str
    summary: str
    command: tuple[str, ...]
    unless: tuple[str, ...] = ()
    capture: str | None = None
    tolerate: str | None = None
    otherwise: str | None = None


@dataclass(frozen=True)
class Grant:
    """One IAM role on one resource. `holder` names who gets it, for the README's roles table."""

    holder: str
    member: str
    role: str
    kind: str  # project | topic | subscription | secret | bucket | function
    resource: str


@dataclass(frozen=True)
class Inputs:
    project: str
    topology: Topology
    deploy: DeployConfig
    indexes: dict
    bundle_files: int
    bundle_sha256: str


def load_inputs(project: str, region: str | None = None) -> Inputs:
    topology = load_topology()
    deploy = load_deploy_config()
    deploy.check_against(topology)
    if region:
        deploy = deploy.model_copy(update={"region": region})
    files = bundle.contents()
    indexes = json.loads(INDEXES_FILE.read_text(encoding="utf-8"))
    return Inputs(project, topology, deploy, indexes, len(files), bundle.digest(files))


def email(account_id: str, project: str) -> str:
    return f"{account_id}@{project}.iam.gserviceaccount.com"


def url_variable(function: str) -> str:
    return f"{function.upper()}_URL"


def dead_letter_topic(topology: Topology, sub: SubscriptionSpec) -> str | None:
    """The dead-letter topic of a subscription: its topic's, when the subscription sets an attempt limit."""
    return topology.dead_letter_topic_of(sub) if sub.max_delivery_attempts else None


def grants(inputs: Inputs) -> list[Grant]:
    topology, deploy, project = inputs.topology, inputs.deploy, inputs.project
    result = []
    for name, access in deploy.functions.items():
        account = service_account_id(name)
        member, name = f"serviceAccount:{email(account, project)}", f"{name} (`{account}`)"
        result += [Grant(name, member, role, "project", project) for role in access.project_roles]
        result += [
            Grant(name, member, "roles/pubsub.publisher", "topic", topology.topic(role).name)
            for role in access.publishes_to
        ]
        # Every secret the function lists, mounted or not: turning a setting on (SMTP_USERNAME) needs no new
        # grant, and who may read what does not depend on the values ops fill in.
        result += [
            Grant(name, member, "roles/secretmanager.secretAccessor", "secret", deploy.secrets[field].name)
            for field in access.secrets
        ]
        # On the bucket itself, never the project: the function reaches no other bucket.
        result += [
            Grant(name, member, role, "bucket", deploy.buckets[bucket].name_in(project))
            for bucket, roles in access.bucket_roles.items()
            for role in roles
        ]
    pusher = f"serviceAccount:{email(PUSHER, project)}"
    for target in dict.fromkeys(sub.push_to for sub in topology.subscriptions if sub.push_to):
        result.append(Grant(f"Pub/Sub push (`{PUSHER}`)", pusher, "roles/run.invoker", "function", target))
    scheduler = f"serviceAccount:{email(SCHEDULER, project)}"
    for target in dict.fromkeys(schedule.target for schedule in topology.schedules):
        result.append(
            Grant(f"Cloud Scheduler (`{SCHEDULER}`)", scheduler, "roles/run.invoker", "function", target)
        )
    dead_lettered = [sub for sub in topology.subscriptions if dead_letter_topic(topology, sub)]
    for topic in dict.fromkeys(dead_letter_topic(topology, sub) for sub in dead_lettered):
        result.append(Grant("Pub/Sub service agent", PUBSUB_AGENT, "roles/pubsub.publisher", "topic", topic))
    for sub in dead_lettered:
        result.append(
            Grant("Pub/Sub service agent", PUBSUB_AGENT, "roles/pubsub.subscriber", "subscription", sub.name)
        )
    return result


def build_plan(inputs: Inputs) -> list[Step]:
    return (
        _project_steps(inputs)
        + _secret_steps(inputs)
        + _topic_steps(inputs)
        + _bucket_steps(inputs)
        + _firestore_steps(inputs)
        + _sign_in_steps(inputs)
        + _grant_steps(inputs, before_functions=True)
        + _function_steps(inputs)
        + _grant_steps(inputs, before_functions=False)
        + _subscription_steps(inputs)
        + _schedule_steps(inputs)
    )


class _Gcloud:
    """Builds gcloud commands that always name the project, so no local gcloud setting can redirect them."""

    def __init__(self, inputs: Inputs):
        self.project = inputs.project
        self.region = inputs.deploy.region

    def __call__(self, *args: str) -> tuple[str, ...]:
        return ("gcloud", *args, f"--project={self.project}")


def _project_steps(inputs: Inputs) -> list[Step]:
    gcloud = _Gcloud(inputs)
    steps = [
        Step("project", "enable the APIs pakn uses", gcloud("services", "enable", *inputs.deploy.apis)),
        Step(
            "project",
            "read the project number (it names the Pub/Sub service agent)",
            gcloud("projects", "describe", inputs.project, "--format=value(projectNumber)"),
            capture="PROJECT_NUMBER",
        ),
    ]
    accounts = [(service_account_id(name), f"pakn {name} function") for name in inputs.deploy.functions]
    accounts.append((PUSHER, "pakn Pub/Sub push subscriptions (OIDC)"))
    if inputs.topology.schedules:
        accounts.append((SCHEDULER, "pakn Cloud Scheduler jobs (OIDC)"))
    for account, display in accounts:
        steps.append(
            Step(
                "service accounts",
                f"service account {account}",
                gcloud("iam", "service-accounts", "create", account, f"--display-name={display}"),
                unless=gcloud("iam", "service-accounts", "describe", email(account, inputs.project)),
            )
        )
    return steps


def _secret_steps(inputs: Inputs) -> list[Step]:
    """Every declared secret exists, so ops can give it a value before a function needs it; only one that a
    function mounts must have a value (the function's deploy would fail on it later, less clearly)."""
    gcloud = _Gcloud(inputs)
    deploy = inputs.deploy
    mounted = {field for function in deploy.functions for field in deploy.mounted_secrets(function)}
    steps = []
    for field, spec in deploy.secrets.items():
        secret = spec.name
        if field in mounted:
            use = f"mounted as {secret_mount(field)}"
        elif spec.needed_when:
            use = f"mounted by no function, as none sets {spec.needed_when}"
        else:
            use = "mounted by no function"
        steps.append(
            Step(
                "secrets",
                f"secret {secret}: {use}",
                gcloud("secrets", "create", secret, "--replication-policy=automatic"),
                unless=gcloud("secrets", "describe", secret),
            )
        )
        if field in mounted:
            steps.append(
                Step(
                    "secrets",
                    f"secret {secret} has a value",
                    gcloud("secrets", "versions", "describe", "latest", f"--secret={secret}"),
                    otherwise=(
                        f"secret {secret} has no value yet: add one (infra/RUNBOOK.md), then deploy again"
                    ),
                )
            )
    return steps


def _topic_steps(inputs: Inputs) -> list[Step]:
    gcloud = _Gcloud(inputs)
    return [
        Step(
            "topics",
            f"topic {topic.name} ({topic.role})",
            gcloud("pubsub", "topics", "create", topic.name),
            unless=gcloud("pubsub", "topics", "describe", topic.name),
        )
        for topic in inputs.topology.topics
    ]


def _bucket_steps(inputs: Inputs) -> list[Step]:
    """Each bucket in the deploy's region, private (uniform access, public access prevented), its lifecycle
    rules applied on every deploy so a changed file converges."""
    gcloud = _Gcloud(inputs)
    steps = []
    for role, spec in inputs.deploy.buckets.items():
        url = f"gs://{spec.name_in(inputs.project)}"
        private = ("--uniform-bucket-level-access", "--public-access-prevention")
        lifecycle = f"--lifecycle-file={spec.lifecycle_file}"
        steps.append(
            Step(
                "storage",
                f"bucket {url} ({role}) in {inputs.deploy.region}",
                gcloud(
                    "storage",
                    "buckets",
                    "create",
                    url,
                    f"--location={inputs.deploy.region}",
                    "--default-storage-class=STANDARD",
                    *private,
                ),
                unless=gcloud("storage", "buckets", "describe", url, "--format=none"),
            )
        )
        steps.append(
            Step(
                "storage",
                f"bucket {url}: private, lifecycle rules of {spec.lifecycle_file}",
                gcloud("storage", "buckets", "update", url, *private, lifecycle),
            )
        )
    return steps


def _firestore_steps(inputs: Inputs) -> list[Step]:
    gcloud = _Gcloud(inputs)
    database = f"--database={DATABASE}"
    steps = [
        Step(
            "firestore",
            f"Firestore database {DATABASE} in {inputs.deploy.region}",
            gcloud(
                "firestore",
                "databases",
                "create",
                database,
                f"--location={inputs.deploy.region}",
                "--type=firestore-native",
                "--delete-protection",
            ),
            unless=gcloud("firestore", "databases", "describe", database),
        )
    ]
    for index in inputs.indexes.get("indexes", []):
        fields = [
            f"--field-config=field-path={f['fieldPath']},"
            + (f"order={f['order'].lower()}" if "order" in f else f"array-config={f['arrayConfig'].lower()}")
            for f in index["fields"]
        ]
        names = ", ".join(f["fieldPath"] for f in index["fields"])
        steps.append(
            Step(
                "firestore",
                f"composite index {index['collectionGroup']} ({names})",
                gcloud(
                    "firestore",
                    "indexes",
                    "composite",
                    "create",
                    database,
                    f"--collection-group={index['collectionGroup']}",
                    f"--query-scope={index.get('queryScope', 'COLLECTION').lower().replace('_', '-')}",
                    *fields,
                ),
                tolerate=ALREADY_EXISTS,
            )
        )
    for override in inputs.indexes.get("fieldOverrides", []):
        group, field = override["collectionGroup"], override["fieldPath"]
        indexes = [
            f"{i.get('order') or i['arrayConfig']}/{i.get('queryScope', 'COLLECTION')}"
            for i in override["indexes"]
        ]
        steps.append(
            Step(
                "firestore",
                f"single-field indexes of {group}.{field}: {', '.join(indexes) or 'none'}",
                (
                    "python3",
                    "-m",
                    "infra.firestore_rest",
                    "field",
                    f"--project={inputs.project}",
                    f"--collection-group={group}",
                    f"--field={field}",
                    *(f"--index={i}" for i in indexes),
                ),
            )
        )
        if override.get("ttl"):
            steps.append(
                Step(
                    "firestore",
                    f"TTL on {group}.{field}",
                    gcloud(
                        "firestore",
                        "fields",
                        "ttls",
                        "update",
                        field,
                        f"--collection-group={group}",
                        database,
                        "--enable-ttl",
                    ),
                )
            )
    steps.append(
        Step(
            "firestore",
            "agency registry in agencies/{id} (only documents that differ; officials' contacts kept)",
            (
                "python3",
                "-m",
                "infra.firestore_rest",
                "agencies",
                f"--project={inputs.project}",
            ),
        )
    )
    steps.append(
        Step(
            "firestore",
            "security rules (released only when they changed)",
            (
                "python3",
                "-m",
                "infra.firestore_rest",
                "rules",
                f"--project={inputs.project}",
                f"--rules={RULES_FILE}",
            ),
        )
    )
    return steps


def _sign_in_steps(inputs: Inputs) -> list[Step]:
    """Firebase Auth as the console signs officials in: its providers, and its domain the only one allowed
    besides the project's Firebase domains (CONSOLE_URL's host; until it is set, only those)."""
    from urllib.parse import urlsplit

    from pakn.officials.console.settings import ConsoleSettings

    console = inputs.deploy.environment_of("official_console")
    domains = [host] if (host := urlsplit(console.get("CONSOLE_URL", "")).hostname) else []
    providers = ConsoleSettings.model_fields["sign_in_providers"].default
    allowed = ", ".join(domains) or "no console domain yet (set CONSOLE_URL)"
    return [
        Step(
            "auth",
            f"Firebase Auth sign-in: {', '.join(providers)}; allowed domain {allowed}",
            (
                "python3",
                "-m",
                "infra.auth_rest",
                "sign-in",
                f"--project={inputs.project}",
                *(f"--provider={provider}" for provider in providers),
                *(f"--domain={domain}" for domain in domains),
            ),
        )
    ]


def _grant_steps(inputs: Inputs, before_functions: bool) -> list[Step]:
    """Grants on functions need the functions; every other grant comes before them (a deploy fails when the
    runtime account cannot read its secrets). Subscription grants come with the subscriptions."""
    gcloud = _Gcloud(inputs)
    steps = []
    for grant in grants(inputs):
        if grant.kind == "subscription" or (grant.kind == "function") == before_functions:
            continue
        binding = (f"--member={grant.member}", f"--role={grant.role}", "--format=none")
        if grant.kind == "project":
            command = gcloud(
                "projects", "add-iam-policy-binding", grant.resource, *binding, "--condition=None"
            )
        elif grant.kind == "topic":
            command = gcloud("pubsub", "topics", "add-iam-policy-binding", grant.resource, *binding)
        elif grant.kind == "secret":
            command = gcloud("secrets", "add-iam-policy-binding", grant.resource, *binding)
        elif grant.kind == "bucket":
            bucket = f"gs://{grant.resource}"
            command = gcloud("storage", "buckets", "add-iam-policy-binding", bucket, *binding)
        else:
            command = gcloud(
                "functions",
                "add-invoker-policy-binding",
                grant.resource,
                f"--region={inputs.deploy.region}",
                f"--member={grant.member}",
                "--format=none",
            )
        steps.append(
            Step("access", f"{grant.holder}: {grant.role} on {grant.kind} {grant.resource}", command)
        )
    return steps


def _function_steps(inputs: Inputs) -> list[Step]:
    gcloud = _Gcloud(inputs)
    steps = [
        Step(
            "functions",
            f"source bundle {BUNDLE_DIR}: {inputs.bundle_files} files, sha256 {inputs.bundle_sha256[:12]}...",
            ("python3", "-m", "infra.bundle", BUNDLE_DIR, f"--expect-sha256={inputs.bundle_sha256}"),
        )
    ]
    deploy = inputs.deploy
    for function in inputs.topology.functions:
        # The whole environment, every time: a variable set by hand is gone after the next deploy.
        environment = {
            PROJECT_VARIABLE: inputs.project,
            **deploy.environment_of(function.name),
            **deploy.bucket_environment_of(function.name, inputs.project),
        }
        secrets = deploy.mounted_secrets(function.name)
        command = [
            "functions",
            "deploy",
            function.name,
            "--gen2",
            f"--region={deploy.region}",
            f"--runtime={deploy.runtime}",
            f"--source={BUNDLE_DIR}",
            f"--entry-point={function.name}",
            "--trigger-http",
            "--allow-unauthenticated" if function.public else "--no-allow-unauthenticated",
            "--ingress-settings=all",
            f"--service-account={email(service_account_id(function.name), inputs.project)}",
            f"--memory={function.memory}",
            f"--timeout={function.timeout_seconds}s",
            f"--min-instances={function.min_instances}",
            *([f"--max-instances={function.max_instances}"] if function.max_instances else []),
            "--set-env-vars=" + ",".join(f"{key}={value}" for key, value in environment.items()),
        ]
        if secrets:
            mounts = ",".join(f"{secret_mount(f)}={deploy.secrets[f].name}:latest" for f in secrets)
            command.append(f"--set-secrets={mounts}")
        audience = (
            f"public, authenticates by {function.authentication} in code"
            if function.public
            else "IAM-authenticated callers only"
        )
        steps.append(
            Step("functions", f"function {function.name} ({function.trigger}, {audience})", gcloud(*command))
        )
    targets = [sub.push_to for sub in inputs.topology.subscriptions if sub.push_to]
    targets += [schedule.target for schedule in inputs.topology.schedules]
    for target in dict.fromkeys(targets):
        steps.append(
            Step(
                "functions",
                f"URL of {target}",
                gcloud(
                    "functions",
                    "describe",
                    target,
                    f"--region={inputs.deploy.region}",
                    "--format=value(serviceConfig.uri)",
                ),
                capture=url_variable(target),
            )
        )
    return steps


def _subscription_steps(inputs: Inputs) -> list[Step]:
    gcloud = _Gcloud(inputs)
    topology = inputs.topology
    steps = []
    for sub in topology.subscriptions:
        # Everything but the topic and ordering can change after creation; `update` converges it.
        settings = [
            f"--ack-deadline={sub.ack_deadline_seconds}",
            f"--min-retry-delay={sub.min_backoff_seconds}s",
            f"--max-retry-delay={sub.max_backoff_seconds}s",
            # An idle subscription is deleted after 31 days unless told otherwise; kept dead letters are idle.
            "--expiration-period=never",
        ]
        if sub.push_to:
            settings += [
                f"--push-endpoint=${{{url_variable(sub.push_to)}}}",
                f"--push-auth-service-account={email(PUSHER, inputs.project)}",
            ]
        dead_letters = dead_letter_topic(topology, sub)
        if dead_letters:
            settings += [
                f"--dead-letter-topic={dead_letters}",
                f"--max-delivery-attempts={sub.max_delivery_attempts}",
            ]
        if sub.retention_days:
            settings.append(f"--message-retention-duration={sub.retention_days}d")
        fixed = [f"--topic={sub.topic}"] + (["--enable-message-ordering"] if sub.ordering else [])
        kind = f"push to {sub.push_to}" if sub.push_to else "kept for pulling"
        steps.append(
            Step(
                "subscriptions",
                f"subscription {sub.name} ({sub.topic}, {kind})",
                gcloud("pubsub", "subscriptions", "create", sub.name, *fixed, *settings),
                unless=gcloud("pubsub", "subscriptions", "describe", sub.name),
            )
        )
        steps.append(
            Step(
                "subscriptions",
                f"subscription {sub.name}: settings as declared",
                gcloud("pubsub", "subscriptions", "update", sub.name, *settings),
            )
        )
    for grant in grants(inputs):
        if grant.kind == "subscription":
            steps.append(
                Step(
                    "subscriptions",
                    f"{grant.holder}: {grant.role} on subscription {grant.resource} (forwards dead letters)",
                    gcloud(
                        "pubsub",
                        "subscriptions",
                        "add-iam-policy-binding",
                        grant.resource,
                        f"--member={grant.member}",
                        f"--role={grant.role}",
                        "--format=none",
                    ),
                )
            )
    return steps


def _schedule_steps(inputs: Inputs) -> list[Step]:
    gcloud = _Gcloud(inputs)
    location = f"--location={inputs.deploy.region}"
    steps = []
    for schedule in inputs.topology.schedules:
        url = f"${{{url_variable(schedule.target)}}}"
        settings = [
            location,
            f"--schedule={schedule.cron}",
            f"--time-zone={schedule.time_zone}",
            f"--uri={url}",
            "--http-method=POST",
            # Cloud Scheduler gives up after 180 s by default and counts the run as failed while it goes on.
            f"--attempt-deadline={inputs.topology.function(schedule.target).timeout_seconds}s",
            f"--oidc-service-account-email={email(SCHEDULER, inputs.project)}",
            f"--oidc-token-audience={url}",
        ]
        steps.append(
            Step(
                "schedules",
                f"job {schedule.name}: {schedule.cron} ({schedule.time_zone}) -> {schedule.target}",
                gcloud("scheduler", "jobs", "create", "http", schedule.name, *settings),
                unless=gcloud("scheduler", "jobs", "describe", schedule.name, location),
            )
        )
        steps.append(
            Step(
                "schedules",
                f"job {schedule.name}: settings as declared",
                gcloud("scheduler", "jobs", "update", "http", schedule.name, *settings),
            )
        )
    return steps

"""infra/deploy.json, typed and checked against the topology it adds to and the settings it sets."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError, model_validator

from pakn.officials.console.settings import ConsoleSettings
from pakn.platform.settings import Settings
from pakn.platform.topology import Topology

DEPLOY_FILE = Path(__file__).with_name("deploy.json")
# The officials' console's settings are its own, read from CONSOLE_* variables.
CONSOLE_PREFIX = "console_"
# Cloud Run mounts each secret in a folder of its own; pakn.settings reads /etc/secrets/<field>/<field>.
SECRETS_ROOT = "/etc/secrets"
# The plan sets it from --project; a declared value could only disagree.
PROJECT_VARIABLE = "GOOGLE_CLOUD_PROJECT"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SecretSpec(_Frozen):
    name: str = Field(description="the Secret Manager secret")
    needed_when: str | None = Field(
        default=None,
        description="an environment variable: a function mounts the secret only while it sets this one",
    )


class BucketSpec(_Frozen):
    name: str = Field(description="the bucket's name, {project} for the project id (names are global)")
    setting: str = Field(description="the setting that gives each function with a role on it its name")
    lifecycle_file: str = Field(description="its lifecycle rules (gcloud's JSON), applied on every deploy")
    about: str = ""

    def name_in(self, project: str) -> str:
        return self.name.format(project=project)


class FunctionAccess(_Frozen):
    secrets: tuple[str, ...] = ()
    publishes_to: tuple[str, ...] = Field(default=(), description="topic roles, as in the topology")
    project_roles: tuple[str, ...] = ()
    bucket_roles: dict[str, tuple[str, ...]] = Field(
        default={}, description="bucket (as declared under buckets) -> the roles on it, and on nothing else"
    )
    environment: dict[str, str] = Field(default={}, description="added to the deploy's, and wins over it")


class DeployConfig(_Frozen):
    about: str = ""
    region: str
    runtime: str
    apis: tuple[str, ...]
    secrets: dict[str, SecretSpec] = Field(description="settings field -> its secret")
    environment: dict[str, str] = Field(
        default={}, description="non-secret settings of every function; an empty value is not set"
    )
    functions: dict[str, FunctionAccess]
    buckets: dict[str, BucketSpec] = Field(default={}, description="Cloud Storage buckets, by their role")

    @model_validator(mode="after")
    def _references_resolve(self) -> DeployConfig:
        _check_environment("deploy.json", self.environment, self.secrets.keys())
        for role, bucket in self.buckets.items():
            _check_environment(f"bucket {role}", {bucket.setting: ""}, self.secrets.keys())
        for name, access in self.functions.items():
            unknown = access.bucket_roles.keys() - self.buckets.keys()
            if unknown:
                raise ValueError(f"function {name}: undeclared buckets {sorted(unknown)}")
            roles = [role for roles in access.bucket_roles.values() for role in roles]
            if any(not role.startswith("roles/storage.") for role in roles):
                raise ValueError(f"function {name}: a bucket role that is not a Cloud Storage role")
        for name, access in self.functions.items():
            unknown = set(access.secrets) - self.secrets.keys()
            if unknown:
                raise ValueError(f"function {name}: undeclared secrets {sorted(unknown)}")
            _check_environment(f"function {name}", access.environment, self.secrets.keys())
            declared = self.environment.keys() | access.environment.keys()
            for field in access.secrets:
                condition = self.secrets[field].needed_when
                if condition and condition not in declared:
                    # Otherwise the secret could never be mounted, and nothing would say why.
                    raise ValueError(
                        f"function {name}: secret {field} needs {condition}, which it never sets"
                    )
        return self

    def environment_of(self, function: str) -> dict[str, str]:
        """The variables `function` is deployed with, besides the project: those with a value."""
        merged = {**self.environment, **self.functions[function].environment}
        return {key: value for key, value in merged.items() if value}

    def bucket_environment_of(self, function: str, project: str) -> dict[str, str]:
        """The name of each bucket `function` has a role on, in that bucket's setting."""
        return {
            self.buckets[role].setting: self.buckets[role].name_in(project)
            for role in self.functions[function].bucket_roles
        }

    def mounted_secrets(self, function: str) -> tuple[str, ...]:
        """The secrets `function` mounts: those it lists whose condition, if any, its environment meets."""
        environment = self.environment_of(function)
        return tuple(
            field
            for field in self.functions[function].secrets
            if self.secrets[field].needed_when in (None, *environment)
        )

    def check_against(self, topology: Topology) -> None:
        """Raises ValueError unless this config covers exactly the topology's functions and topic roles."""
        declared = {f.name for f in topology.functions}
        if declared != self.functions.keys():
            raise ValueError(
                f"deploy.json functions {sorted(self.functions)} differ from the topology's "
                f"{sorted(declared)}"
            )
        roles = {t.role for t in topology.topics}
        for name, access in self.functions.items():
            unknown = set(access.publishes_to) - roles
            if unknown:
                raise ValueError(f"function {name}: unknown topic roles {sorted(unknown)}")


def _check_environment(where: str, environment: dict[str, str], secrets: Collection[str]) -> None:
    """Each key must name a setting that is no secret (a secret in an environment variable leaks into crash
    dumps and `env` listings, and this one is in the repository), and each value must be one it accepts."""
    for key, value in environment.items():
        field = _setting(key)
        if key != key.upper() or field is None or key == PROJECT_VARIABLE:
            raise ValueError(f"{where}: {key} is not a setting the deploy may set (pakn.settings)")
        types = {field.annotation, *getattr(field.annotation, "__args__", ())}
        if key.lower() in secrets or SecretStr in types:
            raise ValueError(f"{where}: {key} is a secret; declare it under secrets (Secret Manager)")
        # gcloud splits --set-env-vars on commas.
        if "," in value:
            raise ValueError(f"{where}: the value of {key} contains a comma")
        if not value:
            continue
        try:
            TypeAdapter(Annotated[field.annotation, field]).validate_python(value)
        except ValidationError as exc:
            raise ValueError(f"{where}: {key}={value!r}: {exc.errors()[0]['msg']}") from exc


def _setting(variable: str):
    """The settings field an environment variable sets: pakn's own, or the console's (CONSOLE_*)."""
    name = variable.lower()
    if name in Settings.model_fields:
        return Settings.model_fields[name]
    if name.startswith(CONSOLE_PREFIX):
        return ConsoleSettings.model_fields.get(name.removeprefix(CONSOLE_PREFIX))
    return None


def service_account_id(function: str) -> str:
    """The runtime service account of one function (IAM ids: 6-30 characters, lowercase and dashes)."""
    account = "pakn-" + function.replace("_", "-")
    if not 6 <= len(account) <= 30:
        raise ValueError(f"service account id {account!r} must be 6-30 characters")
    return account


def secret_mount(field: str) -> str:
    return f"{SECRETS_ROOT}/{field}/{field}"


def load_deploy_config(path: Path = DEPLOY_FILE) -> DeployConfig:
    return DeployConfig.model_validate(json.loads(path.read_text(encoding="utf-8")))

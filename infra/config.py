"""infra/deploy.json, typed and checked against the topology it adds to."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pakn.topology import Topology

DEPLOY_FILE = Path(__file__).with_name("deploy.json")
# Cloud Run mounts each secret in a folder of its own; pakn.settings reads /etc/secrets/<field>/<field>.
SECRETS_ROOT = "/etc/secrets"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FunctionAccess(_Frozen):
    secrets: tuple[str, ...] = ()
    publishes_to: tuple[str, ...] = Field(default=(), description="topic roles, as in the topology")
    project_roles: tuple[str, ...] = ()


class DeployConfig(_Frozen):
    about: str = ""
    region: str
    runtime: str
    apis: tuple[str, ...]
    secrets: dict[str, str] = Field(description="settings field -> Secret Manager secret name")
    functions: dict[str, FunctionAccess]

    @model_validator(mode="after")
    def _secrets_declared(self) -> DeployConfig:
        for name, access in self.functions.items():
            unknown = set(access.secrets) - self.secrets.keys()
            if unknown:
                raise ValueError(f"function {name}: undeclared secrets {sorted(unknown)}")
        return self

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

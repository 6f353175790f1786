"""Configuration from environment variables and mounted secret files, typed and validated once per instance.

Read here, not by pydantic-settings, whose import (every source it has, argparse, dotenv) cost the webhook's
cold start about 15 ms: `_read` reads the two sources pakn uses as pydantic-settings read them, which
tests/unit/test_settings.py checks case by case. The officials' console still reads its own with it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from pakn.domain.errors import ConfigurationError


class Settings(BaseModel):
    """Everything an instance needs to know about its surroundings (`load_settings` reads it).

    Secrets arrive from Secret Manager (mounted by the deploy); locally `make dev` sets dev values.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    google_cloud_project: str = Field(min_length=1)
    zalo_app_id: str = Field(min_length=1)
    # Some integrations sign webhooks with the OA id instead of the app id (zalo-oa.md, UNSURE): accept both.
    zalo_oa_id: str | None = None
    # Each function is given only the secrets it uses (infra/deploy.json); the code that needs one asks for
    # it with `require`, so a function missing a secret fails on first use with the secret's name.
    zalo_oa_secret_key: SecretStr | None = None
    zalo_app_secret: SecretStr | None = None
    # Only used when Firestore holds no token pair yet: the first grant, after that the pair rotates there.
    zalo_refresh_token: SecretStr | None = None
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    # ZNS template messages, for citizens outside the 7-day window (pakn.delivery.reach).
    zalo_zns_base: str = "https://business.openapi.zalo.me"
    # Zalo refuses messages from 22:00 to 06:00 Hanoi time, so the sender holds them till morning. Off only
    # where no Zalo enforces it: the local stand-in, so `make dev` and the tests answer at any hour.
    zalo_night_ban: bool = True

    # Shown in Zalo's contact-details form (request_user_info needs an image); hosted with the OA's assets.
    zalo_contact_form_image_url: str = "https://stc-oa.zdn.vn/resource/pakn-contact-form.png"

    # Officials' e-mail (the deadline sweep's reminders and escalations). Without a host and a sender address
    # the e-mail channel is off and officials hear only through Zalo.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_sender: str | None = None
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True

    # Where officials open a case (the console's address); in the announcement of new work.
    console_url: str | None = None

    # The Firebase project whose Auth signs officials' ID tokens (official_api); unset: this project.
    firebase_auth_project: str | None = None

    # The Cloud Storage bucket that keeps citizens' photos and files (pakn.attachments): Zalo's URLs expire
    # after about 7 days. Unset: nothing is copied, and cases keep Zalo's URLs only.
    attachments_bucket: str | None = None

    webhook_max_bytes: int = Field(default=64 * 1024, gt=0)
    # Zalo retries a failed delivery for about an hour with the original timestamp; older events are replays.
    webhook_replay_window_seconds: int = Field(default=3 * 3600, gt=0)

    def require(self, name: str) -> str:
        """The value of the secret `name`; a ConfigurationError naming it when this function lacks it."""
        value = getattr(self, name)
        if value is None:
            raise ConfigurationError(f"invalid configuration: {name.upper()} is required by this function")
        return value.get_secret_value()


# Secret Manager secrets are mounted as files, one folder per secret (Cloud Run cannot share a mount path):
# /etc/secrets/zalo_oa_secret_key/zalo_oa_secret_key. Files are preferred to environment variables, which
# leak into crash dumps and `env` listings.
SECRETS_ROOT_VARIABLE = "PAKN_SECRETS_ROOT"
DEFAULT_SECRETS_ROOT = "/etc/secrets"


def _secret_dirs() -> list[Path]:
    root = Path(os.environ.get(SECRETS_ROOT_VARIABLE, DEFAULT_SECRETS_ROOT))
    return sorted(path for path in root.iterdir() if path.is_dir()) if root.is_dir() else []


def _read(names: Iterable[str], secret_dirs: list[Path]) -> dict[str, str]:
    """The raw value of each of `names` found: a variable of that name in any case, else the file of that
    name in any case in the last of `secret_dirs` that holds one (stripped, and only where it stays inside
    its folder), as pydantic-settings reads them. Pydantic parses the strings as it parsed theirs."""
    files: dict[str, Path] = {}
    for folder in secret_dirs:
        inside = folder.resolve()
        for path in folder.iterdir():
            if path.is_file() and inside in path.resolve().parents:
                files[path.name.lower()] = path
    environment = {name.lower(): value for name, value in os.environ.items()}
    values = {}
    for name in names:
        if name in environment:
            values[name] = environment[name]
        elif name in files:
            values[name] = files[name].read_text(encoding="utf-8").strip()
    return values


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    try:
        return Settings.model_validate(_read(Settings.model_fields, _secret_dirs()))
    except ValidationError as exc:
        # Names only: a value may be a secret.
        problems = ", ".join(
            f"{str(err['loc'][0]).upper()} ({err['msg'].lower()})" for err in exc.errors(include_input=False)
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from exc

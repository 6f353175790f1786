"""The console's own settings (environment variables `CONSOLE_*`), typed and validated once per instance."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from pakn.domain.errors import ConfigurationError
from pakn.platform.settings import _secret_dirs

# The sign-in methods the console can offer. Only e-mail and password is built: another Firebase provider
# (Google, SAML) needs a redirect flow of its own before it can be listed here.
Provider = Literal["password"]


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore", frozen=True)

    # Signs the forms' CSRF tokens (HMAC); a Secret Manager secret in the cloud.
    secret_key: SecretStr = Field(min_length=32)
    # The Firebase project's Web API key, which Identity Toolkit's signInWithPassword needs (not a
    # secret: Firebase web apps ship it to browsers). Any value works against the Auth emulator.
    firebase_api_key: str = Field(default="local", min_length=1)
    sign_in_providers: tuple[Provider, ...] = ("password",)
    # Off only for local http (make dev, tests): browsers drop Secure cookies on http.
    cookie_secure: bool = True
    # How long a session lasts (Firebase allows 5 minutes to 14 days).
    session_minutes: int = Field(default=8 * 60, ge=5, le=14 * 24 * 60)
    page_size: int = Field(default=20, ge=5, le=100)
    # How many of an agency's most recent cases a search by words reads (see pakn.cases.store.CaseQueries).
    search_scan_limit: int = Field(default=300, ge=10, le=2000)


@lru_cache(maxsize=1)
def load_console_settings() -> ConsoleSettings:
    try:
        return ConsoleSettings(_secrets_dir=_secret_dirs() or None)
    except ValidationError as exc:
        problems = ", ".join(
            f"CONSOLE_{str(err['loc'][0]).upper()} ({err['msg'].lower()})"
            for err in exc.errors(include_input=False)
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from exc

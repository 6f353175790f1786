"""Settings read from the environment and from Secret Manager's mounted files (`load_settings`) exactly as
pydantic-settings read them before pakn read them itself (so that the webhook's cold start need not import
it): each case below is read both ways and must give the same values, or fail on the same variables."""

from __future__ import annotations

import os

import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from pakn.domain.errors import ConfigurationError
from pakn.platform.settings import SECRETS_ROOT_VARIABLE, Settings, load_settings


class _ByPydanticSettings(Settings, BaseSettings):
    """Settings as pydantic-settings read them: the reference."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)


REQUIRED = {"GOOGLE_CLOUD_PROJECT": "demo-settings", "ZALO_APP_ID": "1000000000000000001"}


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """Only the variables a case sets, and a secrets root of its own; returns a function that mounts a
    secret as the deploy does (/etc/secrets/<field>/<field>)."""
    for name in list(os.environ):
        if name.lower() in Settings.model_fields:
            monkeypatch.delenv(name)
    root = tmp_path / "secrets"
    root.mkdir()
    monkeypatch.setenv(SECRETS_ROOT_VARIABLE, str(root))
    load_settings.cache_clear()
    yield lambda field, text: _mount(root, field, text)
    load_settings.cache_clear()


def _mount(root, field: str, text: str) -> None:
    (root / field).mkdir(exist_ok=True)
    (root / field / field).write_text(text, encoding="utf-8")


def _values(settings: Settings) -> dict[str, object]:
    return {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value
        for name, value in settings.model_dump().items()
    }


def _reference() -> dict[str, object]:
    from pakn.platform.settings import _secret_dirs

    return _values(_ByPydanticSettings(_secrets_dir=_secret_dirs() or None))


CASES = {
    "the required variables only": ({}, {}),
    "names in any case": ({"Zalo_Oa_Id": "2000000000000000002", "smtp_host": "smtp.example.vn"}, {}),
    "numbers and booleans as text": (
        {"SMTP_PORT": "2525", "ZALO_NIGHT_BAN": "off", "SMTP_STARTTLS": "1", "WEBHOOK_MAX_BYTES": "1000"},
        {},
    ),
    "an empty optional value": ({"CONSOLE_URL": "", "ZALO_OA_ID": ""}, {}),
    "secrets from their files, stripped": (
        {},
        {"zalo_oa_secret_key": " oa-secret\n", "zalo_app_secret": "app-secret\n"},
    ),
    "a variable wins over its file": (
        {"ZALO_OA_SECRET_KEY": "from-env"},
        {"zalo_oa_secret_key": "from-file"},
    ),
    "any setting from a file": ({}, {"smtp_port": "465", "attachments_bucket": "b"}),
}


@pytest.mark.parametrize("variables, files", CASES.values(), ids=CASES.keys())
def test_settings_are_read_as_pydantic_settings_read_them(environment, monkeypatch, variables, files):
    for name, value in (REQUIRED | variables).items():
        monkeypatch.setenv(name, value)
    for field, text in files.items():
        environment(field, text)
    assert _values(load_settings()) == _reference()


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"ZALO_APP_ID": ""},
        {"SMTP_PORT": "70000"},
        {"SMTP_PORT": "twenty-five"},
        {"ZALO_NIGHT_BAN": "maybe"},
    ],
    ids=["nothing set", "an empty required value", "a port out of range", "not a number", "not a boolean"],
)
def test_wrong_settings_fail_on_the_same_variables_and_name_each(environment, monkeypatch, variables):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as reference:
        _reference()
    wrong = sorted({str(error["loc"][0]).upper() for error in reference.value.errors()})
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert sorted(name for name in wrong if name in str(raised.value)) == wrong
    assert all(value not in str(raised.value) for value in variables.values() if value)


def test_a_secret_file_that_leads_outside_its_folder_is_not_read(environment, monkeypatch, tmp_path):
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    outside = tmp_path / "elsewhere"
    outside.write_text("not-a-mounted-secret")
    folder = tmp_path / "secrets" / "zalo_app_secret"
    folder.mkdir()
    (folder / "zalo_app_secret").symlink_to(outside)
    with pytest.warns(UserWarning, match="outside"):
        reference = _reference()
    assert _values(load_settings()) == reference
    assert load_settings().zalo_app_secret is None

"""The entry points of functions/main.py as functions-framework serves them, where what they answer needs no
emulator: the webhook's methods, and the officials' API when it cannot even start."""

from __future__ import annotations

import json
from pathlib import Path

import functions_framework
import pytest

from pakn.platform.settings import load_settings

MAIN = Path(__file__).resolve().parents[2] / "functions" / "main.py"


@pytest.fixture
def unconfigured(monkeypatch):
    """No settings at all: anything that loads them, or builds a client, fails."""
    for name in ("GOOGLE_CLOUD_PROJECT", "ZALO_APP_ID", "ZALO_OA_SECRET_KEY", "FIRESTORE_EMULATOR_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAKN_SECRETS_ROOT", "/nonexistent")
    load_settings.cache_clear()
    yield
    load_settings.cache_clear()


def client(target: str):
    return functions_framework.create_app(target, str(MAIN), "http").test_client()


def logged(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "PURGE"])
def test_the_webhook_refuses_methods_other_than_get_and_post_before_anything_runs(unconfigured, method):
    # Unconfigured, a POST could not even load its settings: a 405 here is decided before that, so nothing
    # is published for it.
    response = client("zalo_webhook").open("/", method=method, data=b'{"event_name": "follow"}')
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert response.get_json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_webhook_answers_zalos_url_check(unconfigured, method):
    response = client("zalo_webhook").open("/", method=method)
    assert response.status_code == 200 and response.is_json


def test_the_officials_api_that_cannot_start_answers_a_json_500_and_logs_no_detail(unconfigured, capsys):
    response = client("official_api").get("/cases", headers={"Authorization": "Bearer x"})
    assert response.status_code == 500 and response.is_json
    assert response.get_json() == {
        "error": {"code": "internal_error", "message": "something went wrong on our side"}
    }
    [line] = [entry for entry in logged(capsys) if entry["severity"] == "ERROR"]
    assert line["message"] == "official request failed"
    # The type and the place; not the exception's text (it may quote input).
    assert line["reason"].startswith("ConfigurationError at ")
    assert "GOOGLE_CLOUD_PROJECT" not in json.dumps(line)


@pytest.mark.parametrize("target", ["zalo_webhook", "official_api", "sweep_outbox"])
@pytest.mark.parametrize("path", ["/robots.txt", "/favicon.ico"])
def test_paths_the_framework_answers_itself_get_a_json_error_not_its_html_page(unconfigured, target, path):
    response = client(target).get(path)
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["error"]["code"] == "not_found"

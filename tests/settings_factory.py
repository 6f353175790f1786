"""The one way tests build pakn's Settings (`pakn.platform.settings.Settings`) by hand.

`make_settings(**overrides)` gives a valid Settings with test values for what every function needs (the
project, the Zalo app and OA, both secrets); keyword arguments override or add fields by their Python names
(`smtp_host=...`, `webhook_max_bytes=...`). Only the values given count: unlike `load_settings()`, nothing
is read from the environment or from mounted secret files, so a variable set in the developer's shell or by
another test (SMTP_HOST, GOOGLE_CLOUD_PROJECT, ...) cannot change what a test sees.

Imported as `from settings_factory import make_settings` (tests/ is on sys.path, as for standin_app).
"""

from __future__ import annotations

from pakn.platform.settings import Settings

PROJECT = "demo-unit"
APP_ID, OA_ID = "1000000000000000001", "2000000000000000002"
OA_SECRET, APP_SECRET = "oa-secret", "app-secret"

DEFAULTS = {
    "google_cloud_project": PROJECT,
    "zalo_app_id": APP_ID,
    "zalo_oa_id": OA_ID,
    "zalo_oa_secret_key": OA_SECRET,
    "zalo_app_secret": APP_SECRET,
}


def make_settings(**overrides: object) -> Settings:
    """A Settings with the test defaults above, changed by `overrides` (None unsets an optional field)."""
    # Settings ignores unknown names (extra="ignore"), so a misspelt override would silently do nothing.
    unknown = overrides.keys() - Settings.model_fields.keys()
    if unknown:
        raise TypeError(f"not Settings fields: {sorted(unknown)}")
    return Settings(**(DEFAULTS | overrides))

"""The Zalo app the stand-in plays for tests that drive the OA client directly (the `standin` fixture)."""

APP_ID, SECRET, FIRST_REFRESH = "app-1", "secret-1", "refresh-0"

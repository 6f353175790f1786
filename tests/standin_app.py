"""The Zalo app the stand-in plays for tests that drive the OA client directly (the `standin` fixture), and
a token store those tests keep in their own process."""

APP_ID, SECRET, FIRST_REFRESH = "app-1", "secret-1", "refresh-0"


class ProcessTokens:
    """A TokenStore kept in this process; `refresh` is the client's own OAuth call."""

    def __init__(self, refresh_token: str):
        self.refresh_token = refresh_token
        self.access_token: str | None = None
        self.refresh = None
        self.waits: list[float | None] = []

    def current(self, wait: float | None = None) -> str:
        self.waits.append(wait)
        if self.access_token is None:
            pair = self.refresh(self.refresh_token)
            self.access_token, self.refresh_token = pair.access_token, pair.refresh_token
        return self.access_token

    def invalidate(self, token: str) -> None:
        if token == self.access_token:
            self.access_token = None

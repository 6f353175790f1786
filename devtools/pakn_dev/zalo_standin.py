"""A local stand-in for Zalo's OA API, faithful to /work/shared/docs/zalo-oa.md, for tests and `make dev`.

It serves, on one address, both Zalo hosts' endpoints:
- POST /v4/oa/access_token (oauth.zaloapp.com): single-use refresh tokens, rotated on every refresh;
- POST /v3.0/oa/message/cs and GET /v3.0/oa/user/detail (openapi.zalo.me): access tokens that expire
  (-220) or are unknown (-216), a per-app rate limit per minute (-32), the request body checked as strictly
  as Zalo does (-201), and per-user reachability (-213 not a follower, -230 silent for 7 days, -227
  inactive for 45 days). Like Zalo, it answers HTTP 200 with a negative `error` on failure.

Control endpoints under /_standin/ let tests and `pakn chat` see what the OA sent and arrange failures:
GET  /_standin/health
GET  /_standin/messages?user_id=&since=   messages sent, in order; `since` is a `seq` already seen
POST /_standin/users/<user_id>            {"follower": bool, "last_interaction_days_ago": int,
                                           "display_name": str}, each optional
POST /_standin/faults                     {"http_status": 503, "count": N} or {"error": -32, "count": N},
                                          optional "endpoint": "api" (default) or "oauth"; or
                                          {"omit": ["user_id"], "count": N}: the next N API calls,
                                          if they succeed, answer without these fields of `data`;
                                          {"drop": ["error"], "count": N}: the next N successful answers
                                          (API, or "endpoint": "oauth") lack these top-level fields,
                                          e.g. "error" or "expires_in"
POST /_standin/expire_tokens              every access token issued so far expires now
POST /_standin/reset                      forget messages, users, faults, stats and the rate window
                                          (issued tokens stay valid, so a running stack keeps working)
GET  /_standin/stats                      counts of API calls, sends, refreshes and failures by code

Run it alone with `python -m pakn_dev.zalo_standin --port 8790`.
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import requests
from flask import Flask, Response, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

HOST = "127.0.0.1"
MAX_TEXT = 2000
REFRESH_TOKEN_TTL = timedelta(days=90).total_seconds()
DAY = timedelta(days=1).total_seconds()

# Zalo's OAuth failure codes are not documented where we can read them (UNSURE); the client only relies on
# a failed refresh carrying no access_token. These are the codes integrations report.
OAUTH_INVALID_APP = -14002
OAUTH_INVALID_PARAMETER = -14003
OAUTH_INVALID_REFRESH_TOKEN = -14014

API_ERRORS = {
    -32: "Rate limit exceeded",
    -201: "Parameter is invalid",
    -213: "User has not followed the OA",
    -216: "Access token is invalid",
    -220: "Access token has expired",
    -224: "The OA's tier does not allow this request",
    -227: "User has been inactive for more than 45 days",
    -230: "User has not interacted with the OA in the last 7 days",
}


# --- the request body of /v3.0/oa/message/cs, as strictly as Zalo checks it ---


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


NonEmpty = Annotated[str, Field(min_length=1)]


class _Recipient(_Wire):
    user_id: NonEmpty


class _MediaElement(_Wire):
    media_type: Literal["image"]
    url: NonEmpty


class _MediaPayload(_Wire):
    template_type: Literal["media"]
    elements: Annotated[list[_MediaElement], Field(min_length=1, max_length=1)]


class _UserInfoElement(_Wire):
    title: NonEmpty
    subtitle: NonEmpty
    image_url: NonEmpty


class _UserInfoPayload(_Wire):
    template_type: Literal["request_user_info"]
    elements: Annotated[list[_UserInfoElement], Field(min_length=1, max_length=1)]


class _Attachment(_Wire):
    type: Literal["template"]
    payload: Annotated[_MediaPayload | _UserInfoPayload, Field(discriminator="template_type")]


class _Message(_Wire):
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)] | None = None
    attachment: _Attachment | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> _Message:
        if self.text is None and self.attachment is None:
            raise ValueError("a message needs text or an attachment")
        if self.text is not None and isinstance(getattr(self.attachment, "payload", None), _UserInfoPayload):
            raise ValueError("a request_user_info message carries no text")
        return self


class _CsRequest(_Wire):
    recipient: _Recipient
    message: _Message


# --- control requests ---


class _UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    follower: bool | None = None
    last_interaction_days_ago: Annotated[int, Field(ge=0)] | None = None
    display_name: str | None = None


class _Fault(BaseModel):
    model_config = ConfigDict(extra="forbid")
    http_status: Annotated[int, Field(ge=400, le=599)] | None = None
    error: Annotated[int, Field(lt=0)] | None = None
    # A success whose answer lacks parts of `data`: the client must still take it for a success.
    omit: Annotated[list[str], Field(min_length=1)] | None = None
    # A success whose answer lacks top-level fields (`error` of a send, `expires_in` of a refresh): the
    # work was done all the same, as Zalo's SDKs read such answers.
    drop: Annotated[list[str], Field(min_length=1)] | None = None
    count: Annotated[int, Field(ge=1)] = 1
    endpoint: Literal["api", "oauth"] = "api"

    @property
    def trims(self) -> bool:
        """The call is served as usual and only its answer is changed."""
        return self.omit is not None or self.drop is not None

    @model_validator(mode="after")
    def _one_failure(self) -> _Fault:
        if sum(kind is not None for kind in (self.http_status, self.error, self.omit, self.drop)) != 1:
            raise ValueError("give exactly one of http_status, error, omit and drop")
        if self.omit is not None and self.endpoint != "api":
            raise ValueError("omit applies to API answers")
        return self


# --- state ---


@dataclass
class _User:
    follower: bool = True
    last_interaction_days_ago: int = 0
    display_name: str | None = None


@dataclass
class _State:
    app_id: str
    app_secret: str
    access_token_ttl: float
    rate_limit_per_minute: int
    clock: Callable[[], float]
    lock: threading.Lock = field(default_factory=threading.Lock)
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (epoch seconds)
    refresh_tokens: dict[str, float] = field(default_factory=dict)  # unused token -> expiry
    users: dict[str, _User] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    faults: list[_Fault] = field(default_factory=list)
    stats: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)
    rate_window: tuple[int, int] = (0, 0)  # (minute, calls in it)

    def reset(self) -> None:
        self.users.clear()
        self.messages.clear()
        self.faults.clear()
        self.stats.clear()
        self.errors.clear()
        self.rate_window = (0, 0)

    def take_fault(self, endpoint: str) -> _Fault | None:
        for fault in self.faults:
            if fault.endpoint == endpoint:
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def over_rate_limit(self) -> bool:
        minute = int(self.clock() // 60)
        window, calls = self.rate_window
        calls = calls + 1 if window == minute else 1
        self.rate_window = (minute, calls)
        return calls > self.rate_limit_per_minute

    def token_error(self, token: str | None) -> int | None:
        expires = self.access_tokens.get(token or "")
        if expires is None:
            return -216
        if self.clock() >= expires:
            return -220
        return None

    def user(self, user_id: str) -> _User:
        # Unknown users are followers who have just written to the OA.
        return self.users.setdefault(user_id, _User())

    def reachability_error(self, user_id: str) -> int | None:
        user = self.user(user_id)
        if not user.follower:
            return -213
        if user.last_interaction_days_ago > 45:
            return -227
        if user.last_interaction_days_ago > 7:
            return -230
        return None


def _api_error(state: _State, code: int, detail: str = "") -> Response:
    state.stats["failures"] += 1
    state.errors[code] += 1
    message = API_ERRORS.get(code, "Error")
    return jsonify(error=code, message=f"{message}: {detail}" if detail else message)


def _oauth_error(state: _State, code: int, name: str) -> Response:
    state.stats["refresh_failures"] += 1
    return jsonify(error=code, error_name=name, error_reason=name, error_description=name)


def _fault_response(state: _State, fault: _Fault) -> Response:
    if fault.http_status is not None:
        state.stats["failures"] += 1
        return Response("Service temporarily unavailable", status=fault.http_status, mimetype="text/plain")
    return _api_error(state, fault.error)


def _omitting(response: Response, fields: list[str]) -> Response:
    body = response.get_json()
    if body.get("error") == 0 and isinstance(body.get("data"), dict):
        body["data"] = {key: value for key, value in body["data"].items() if key not in fields}
    return jsonify(body)


def _trimmed(response: Response, fault: _Fault) -> Response:
    """`response` as `fault` changes a successful answer (an API success, or an issued pair)."""
    if fault.omit is not None:
        return _omitting(response, fault.omit)
    body = response.get_json()
    if body.get("error") == 0 or "access_token" in body:
        body = {key: value for key, value in body.items() if key not in fault.drop}
    return jsonify(body)


def make_app(
    app_id: str,
    app_secret: str,
    initial_refresh_token: str,
    access_token_ttl_seconds: float = 90000,
    rate_limit_per_minute: int = 4000,
    clock: Callable[[], float] = time.time,
) -> Flask:
    state = _State(app_id, app_secret, access_token_ttl_seconds, rate_limit_per_minute, clock)
    state.refresh_tokens[initial_refresh_token] = clock() + REFRESH_TOKEN_TTL
    app = Flask(__name__)

    def api_call(handle: Callable[[], Response]) -> Response:
        """The checks every openapi call passes before its own handling: faults, rate limit, token."""
        with state.lock:
            state.stats["api_calls"] += 1
            fault = state.take_fault("api")
            if fault is not None and not fault.trims:
                return _fault_response(state, fault)
            if state.over_rate_limit():
                return _api_error(state, -32)
            code = state.token_error(request.headers.get("access_token"))
            if code is not None:
                return _api_error(state, code)
            response = handle()
            return response if fault is None else _trimmed(response, fault)

    @app.post("/v4/oa/access_token")
    def access_token() -> Response:
        form = request.form
        with state.lock:
            fault = state.take_fault("oauth")
            if fault is not None and not fault.trims:
                return _fault_response(state, fault)
            if form.get("app_id") != state.app_id or not secrets.compare_digest(
                request.headers.get("secret_key", ""), state.app_secret
            ):
                return _oauth_error(state, OAUTH_INVALID_APP, "Invalid app_id or secret_key")
            if form.get("grant_type") != "refresh_token":
                return _oauth_error(state, OAUTH_INVALID_PARAMETER, "Invalid parameter")
            # Single use: the token is gone from here on, whether or not the caller reads the answer.
            expires = state.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if expires is None or clock() >= expires:
                return _oauth_error(state, OAUTH_INVALID_REFRESH_TOKEN, "Invalid refresh token")
            now = clock()
            new_access, new_refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            state.access_tokens[new_access] = now + state.access_token_ttl
            state.refresh_tokens[new_refresh] = now + REFRESH_TOKEN_TTL
            state.stats["refreshes"] += 1
        # Zalo sends expires_in as a string of seconds.
        issued = jsonify(
            access_token=new_access, refresh_token=new_refresh, expires_in=str(int(state.access_token_ttl))
        )
        return issued if fault is None else _trimmed(issued, fault)

    @app.post("/v3.0/oa/message/cs")
    def message_cs() -> Response:
        def send() -> Response:
            raw = request.get_json(silent=True)
            try:
                body = _CsRequest.model_validate(raw)
            except ValidationError as exc:
                where = ".".join(str(part) for part in exc.errors()[0]["loc"])
                return _api_error(state, -201, where)
            user_id = body.recipient.user_id
            code = state.reachability_error(user_id)
            if code is not None:
                return _api_error(state, code)
            message_id = uuid.uuid4().hex
            state.stats["sends"] += 1
            state.messages.append(
                {
                    "seq": len(state.messages) + 1,
                    "message_id": message_id,
                    "user_id": user_id,
                    "time": clock(),
                    "body": raw,
                }
            )
            return jsonify(error=0, message="Success", data={"message_id": message_id, "user_id": user_id})

        return api_call(send)

    @app.get("/v3.0/oa/user/detail")
    def user_detail() -> Response:
        def detail() -> Response:
            try:
                user_id = json.loads(request.args.get("data", ""))["user_id"]
            except (ValueError, TypeError, KeyError):
                return _api_error(state, -201, "data")
            if not isinstance(user_id, str) or not user_id:
                return _api_error(state, -201, "data.user_id")
            user = state.user(user_id)
            last = datetime.fromtimestamp(clock() - user.last_interaction_days_ago * DAY, UTC)
            data = {
                "user_id": user_id,
                "user_id_by_app": user_id,
                "display_name": user.display_name or f"Standin user {user_id}",
                "user_is_follower": user.follower,
                "user_last_interaction_date": last.strftime("%d/%m/%Y"),
                "avatar": "",
            }
            return jsonify(error=0, message="Success", data=data)

        return api_call(detail)

    @app.get("/_standin/health")
    def health() -> Response:
        return jsonify(status="ok")

    @app.get("/_standin/messages")
    def messages() -> Response:
        user_id = request.args.get("user_id")
        since = request.args.get("since", default=0, type=int)
        with state.lock:
            found = [
                m for m in state.messages if m["seq"] > since and (user_id is None or m["user_id"] == user_id)
            ]
        return jsonify(messages=found)

    @app.post("/_standin/users/<user_id>")
    def set_user(user_id: str) -> Response | tuple[Response, int]:
        try:
            update = _UserUpdate.model_validate(request.get_json(silent=True) or {})
        except ValidationError as exc:
            return jsonify(error=str(exc)), 400
        with state.lock:
            user = state.user(user_id)
            for name, value in update.model_dump(exclude_none=True).items():
                setattr(user, name, value)
            return jsonify(user_id=user_id, **vars(user))

    @app.post("/_standin/faults")
    def add_fault() -> Response | tuple[Response, int]:
        try:
            fault = _Fault.model_validate(request.get_json(silent=True) or {})
        except ValidationError as exc:
            return jsonify(error=str(exc)), 400
        with state.lock:
            state.faults.append(fault)
            return jsonify(faults=[f.model_dump(exclude_none=True) for f in state.faults])

    @app.post("/_standin/expire_tokens")
    def expire_tokens() -> Response:
        with state.lock:
            now = clock()
            for token in state.access_tokens:
                state.access_tokens[token] = min(state.access_tokens[token], now)
            return jsonify(expired=len(state.access_tokens))

    @app.post("/_standin/reset")
    def reset() -> Response:
        with state.lock:
            state.reset()
        return jsonify(status="ok")

    @app.get("/_standin/stats")
    def stats() -> Response:
        with state.lock:
            names = ("api_calls", "sends", "failures", "refreshes", "refresh_failures")
            counts: dict[str, Any] = {name: state.stats[name] for name in names}
            counts["errors"] = {str(code): n for code, n in state.errors.items()}
        return jsonify(counts)

    return app


class StandinControl:
    """The /_standin/ endpoints of a running stand-in, for tests, `pakn chat` and `pakn dev`."""

    def __init__(self, url: str, session: requests.Session | None = None):
        self._url = url.rstrip("/")
        self._session = session or requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._session.request(method, f"{self._url}/_standin/{path}", timeout=5, **kwargs)
        response.raise_for_status()
        return response.json()

    def messages(self, user_id: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"since": since} | ({"user_id": user_id} if user_id is not None else {})
        return self._call("GET", "messages", params=params)["messages"]

    def set_user(self, user_id: str, **state: Any) -> dict[str, Any]:
        return self._call("POST", f"users/{user_id}", json=state)

    def fault(
        self,
        count: int,
        *,
        http_status: int | None = None,
        error: int | None = None,
        omit: list[str] | None = None,
        drop: list[str] | None = None,
        endpoint: str = "api",
    ) -> None:
        fault = {
            "count": count,
            "endpoint": endpoint,
            "http_status": http_status,
            "error": error,
            "omit": omit,
            "drop": drop,
        }
        self._call("POST", "faults", json={k: v for k, v in fault.items() if v is not None})

    def expire_tokens(self) -> None:
        self._call("POST", "expire_tokens")

    def reset(self) -> None:
        self._call("POST", "reset")

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "stats")


class _ZaloRequestHandler(WSGIRequestHandler):
    """Zalo's own headers (`access_token`, `secret_key`) contain underscores, which werkzeug drops."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        for key, value in self.headers.items():
            if "_" in key:
                environ[f"HTTP_{key.upper()}"] = value
        return environ


def _serve(app: Flask, port: int) -> BaseWSGIServer:
    return make_server(HOST, port, app, threaded=True, request_handler=_ZaloRequestHandler)


class StandinServer:
    """Serves an app on 127.0.0.1 from a background thread; port 0 picks a free port."""

    def __init__(self, app: Flask, port: int = 0):
        self._app = app
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        return f"http://{HOST}:{self._server.server_port}"

    @property
    def control(self) -> StandinControl:
        return StandinControl(self.url)

    def start(self) -> StandinServer:
        self._server = _serve(self._app, self._port)
        # A short poll interval makes stop() quick: tests start and stop one stand-in each.
        serve = self._server.serve_forever
        self._thread = threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local stand-in for Zalo's OA API (127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--app-id", default="pakn-dev-app")
    parser.add_argument("--app-secret", default="pakn-dev-secret")
    parser.add_argument("--refresh-token", default="pakn-dev-refresh-token", help="the initial refresh token")
    parser.add_argument("--token-ttl", type=float, default=90000, help="access token lifetime, seconds")
    parser.add_argument("--rate-limit", type=int, default=4000, help="API calls per minute for the app")
    args = parser.parse_args(argv)
    app = make_app(args.app_id, args.app_secret, args.refresh_token, args.token_ttl, args.rate_limit)
    server = _serve(app, args.port)
    print(f"Zalo stand-in on http://{HOST}:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

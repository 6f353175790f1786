"""The officials' HTTP API (`official_api`): route, authenticate, parse, delegate to the workflow, answer.

Cloud Run lets anyone reach this function (officials' browsers and tools have no Google identity), so every
request carries a Firebase ID token (`Authorization: Bearer <token>`) whose custom claims
`{role: "official", agency_id}` say who acts for which agency. Each token is checked against the account
too (`check_revoked`): an official disabled or whose sessions were revoked is refused at once, not when the
token expires. An official sees and acts on their own agency's cases only; another agency's case is
answered as a missing one. The agency must be one of the registry's.

    GET  /cases?status=open&limit=50           the agency's cases, newest first
    GET  /cases/{case_id}                      one case, with the citizen's details
    POST /cases/{case_id}/{action}             accept | answer | transfer | extend | request_info | resume |
                                               reclassify

An answer here is text only (`{"request_id", "text"}`): a file for the citizen is attached in the officials'
console, whose answer form checks it against what Zalo's upload takes and keeps it in the attachments bucket
before the answer is recorded (a JSON body would carry it base64-encoded, past this API's 64 KiB limit).

Every answer is JSON. Every error is `{"error": {"code", "message"}}` with a stable code; no input makes a
500, and a failure of ours is a 500 `internal_error` (503 `unavailable` when Firestore or Firebase Auth
cannot be reached) that says nothing more, logged with the exception's type and place only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pakn.cases.case import ANSWER_MAX_CHARS, CaseStatus, OfficialAction
from pakn.cases.workflow import Actor, Workflow
from pakn.delivery.outbox import TEXT_LIMIT
from pakn.domain.errors import InvalidInput, PayloadTooLarge, Unauthorized
from pakn.domain.vocabulary import Kind
from pakn.platform.log import get_logger

log = get_logger("pakn.officials.api")

# An answer of ANSWER_MAX_CHARS Vietnamese characters, escaped as JSON, with room to spare.
MAX_BODY_BYTES = 64 * 1024
# Firestore document ids as pakn makes them (hex digests, "case-00001"): anything else names no case.
CASE_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
# Firestore refuses these as document ids (and a `/` or more than 1,500 bytes), answering with an error.
RESERVED_ID = re.compile(r"__.*__", re.DOTALL)
MAX_ID_BYTES = 1500


def is_document_id(value: str) -> bool:
    """Whether Firestore takes `value` as a document id: valid UTF-8 of 1 to 1,500 bytes, no `/`, not `.`
    or `..`, and not `__.*__` (reserved)."""
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        return False
    return (
        0 < size <= MAX_ID_BYTES
        and "/" not in value
        and value not in {".", ".."}
        and not RESERVED_ID.fullmatch(value)
    )


class Forbidden(InvalidInput):
    status = 403


class RouteNotFound(InvalidInput):
    status = 404


class Unavailable(InvalidInput):
    """Firestore or Firebase Auth cannot be reached now: the request may succeed later."""

    status = 503

    def __init__(self):
        super().__init__("unavailable", "the service cannot answer now; try again shortly")


_RETRY_LATER = {"Retry-After": "5"}


class MethodNotAllowed(InvalidInput):
    status = 405

    def __init__(self, allowed: str):
        super().__init__("method_not_allowed", f"use {allowed}")
        self.allowed = allowed


# --- requests -------------------------------------------------------------------------------------


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListQuery(_Request):
    status: CaseStatus | None = None
    limit: int = Field(default=50, ge=1, le=100)


class ActionRequest(_Request):
    # The client's id for this request: sending it again (a retry) returns the first result, acting once.
    request_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")


class AnswerRequest(ActionRequest):
    text: str = Field(min_length=1, max_length=ANSWER_MAX_CHARS)


class TransferRequest(ActionRequest):
    to_agency_id: str = Field(min_length=1, max_length=100)


class ReclassifyRequest(ActionRequest):
    kind: Kind


class ExtendRequest(ActionRequest):
    reason: str = Field(min_length=1, max_length=500)


class RequestInfoRequest(ActionRequest):
    question: str = Field(min_length=1, max_length=TEXT_LIMIT)


ACTIONS: dict[OfficialAction, type[ActionRequest]] = {
    "accept": ActionRequest,
    "answer": AnswerRequest,
    "transfer": TransferRequest,
    "extend": ExtendRequest,
    "request_info": RequestInfoRequest,
    "resume": ActionRequest,
    "reclassify": ReclassifyRequest,
}

# --- the API --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)


Route = Literal["list", "read", "act"]


class OfficialApi:
    def __init__(self, workflow: Workflow, verify_token: Callable[[str], dict]):
        self._workflow = workflow
        self._verify_token = verify_token

    def handle(
        self, method: str, path: str, authorization: str | None, query: dict, body: bytes
    ) -> ApiResponse:
        try:
            return ApiResponse(200, self._handle(method, path, authorization, query, body))
        except MethodNotAllowed as exc:
            return ApiResponse(exc.status, _error(exc), {"Allow": exc.allowed})
        except InvalidInput as exc:
            log.info("official request refused", code=exc.code, status=exc.status)
            return ApiResponse(exc.status, _error(exc), _RETRY_LATER if isinstance(exc, Unavailable) else {})
        except Exception as exc:
            return failure(exc)

    def _handle(self, method: str, path: str, authorization: str | None, query: dict, body: bytes) -> dict:
        route, case_id, action = _route(method, path)
        actor = self._actor(authorization)
        if route == "list":
            params = _parse(ListQuery, query)
            found = self._workflow.cases(actor, params.status, params.limit)
            return {"cases": [_summary(case) for case in found]}
        if route == "read":
            return {"case": self._workflow.case(actor, case_id).model_dump(mode="json")}
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLarge("too_large", f"the body may have at most {MAX_BODY_BYTES} bytes")
        request = _parse_json(ACTIONS[action], body)
        values = request.model_dump(exclude={"request_id"})
        result = getattr(self._workflow, action)(actor, case_id, request.request_id, **values)
        return {"result": result.model_dump(mode="json", exclude={"request_digest"})}

    def _actor(self, authorization: str | None) -> Actor:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("missing_token", "send a Firebase ID token: Authorization: Bearer <token>")
        claims = self._verify_token(token.strip())
        if claims.get("role") != "official":
            raise Forbidden("not_an_official", "the account is not an official's")
        agency_id = claims.get("agency_id")
        if not isinstance(agency_id, str) or not agency_id:
            raise Forbidden("no_agency", "the official's account names no agency")
        if not _known_agency(agency_id):
            # Also what keeps an odd id (`..`, `a/b`, `__x__`, 1,600 characters) out of Firestore paths.
            raise Forbidden(
                "unknown_agency", "the official's account names an agency the registry does not know"
            )
        return Actor(uid=claims["uid"], agency_id=agency_id)


def _known_agency(agency_id: str) -> bool:
    from pakn.routing.registry import load_registry

    if not is_document_id(agency_id):
        return False
    try:
        load_registry().get(agency_id)
    except KeyError:
        return False
    return True


def firebase_verifier(app) -> Callable[[str], dict]:
    """Checks an ID token with `app` (against the Auth emulator when FIREBASE_AUTH_EMULATOR_HOST is set),
    and the account behind it: a disabled account, or a token issued before the account's sessions were
    revoked (`auth.revoke_refresh_tokens`), is refused. That costs one look-up of the account per request."""
    from firebase_admin import auth, exceptions

    def verify(token: str) -> dict:
        try:
            return auth.verify_id_token(token, app=app, check_revoked=True)
        except auth.RevokedIdTokenError as exc:
            raise Unauthorized("token_revoked", "the ID token was revoked; sign in again") from exc
        except auth.UserDisabledError as exc:
            raise Unauthorized("account_disabled", "the official's account is disabled") from exc
        except (auth.InvalidIdTokenError, auth.UserNotFoundError, ValueError) as exc:
            # Expired tokens are InvalidIdTokenErrors too; a deleted account's token names no user.
            raise Unauthorized("invalid_token", "the ID token is not valid") from exc
        except (
            auth.CertificateFetchError,
            exceptions.UnavailableError,
            exceptions.DeadlineExceededError,
        ) as exc:
            # Google's keys or the account could not be read: no verdict on the token.
            raise Unavailable() from exc

    return verify


def failure(exc: Exception) -> ApiResponse:
    """The answer to a failure of ours: JSON that says nothing about it; the log gets its type and place."""
    if _transient(exc):
        log.exception("official request failed: unavailable", exc, status=503)
        unavailable = Unavailable()
        return ApiResponse(unavailable.status, _error(unavailable), _RETRY_LATER)
    log.exception("official request failed", exc, status=500)
    return ApiResponse(
        500, {"error": {"code": "internal_error", "message": "something went wrong on our side"}}
    )


def _transient(exc: Exception) -> bool:
    from google.api_core import exceptions as google_exceptions

    return isinstance(
        exc,
        google_exceptions.ServiceUnavailable
        | google_exceptions.DeadlineExceeded
        | google_exceptions.RetryError
        | google_exceptions.TooManyRequests,
    )


def _route(method: str, path: str) -> tuple[Route, str | None, OfficialAction | None]:
    parts = path.strip("/").split("/")
    if parts[0] != "cases" or len(parts) > 3:
        raise RouteNotFound("no_such_route", "see the API's routes: /cases, /cases/{case_id}[/{action}]")
    if len(parts) == 1:
        route, case_id, action, allowed = "list", None, None, "GET"
    else:
        case_id = parts[1]
        if not (CASE_ID.fullmatch(case_id) and is_document_id(case_id)):
            raise RouteNotFound("case_not_found", "no case has this id")
        if len(parts) == 2:
            route, action, allowed = "read", None, "GET"
        elif parts[2] in ACTIONS:
            route, action, allowed = "act", parts[2], "POST"
        else:
            raise RouteNotFound("no_such_action", f"the actions are {', '.join(ACTIONS)}")
    if method != allowed:
        raise MethodNotAllowed(allowed)
    return route, case_id, action


def _parse(model: type[_Request], values: dict):
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput("invalid_request", _problems(exc)) from exc


def _parse_json(model: type[_Request], body: bytes):
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise InvalidInput("not_json", "the body is not JSON") from exc
        raise InvalidInput("invalid_request", _problems(exc)) from exc


def _problems(exc: ValidationError) -> str:
    # Field names and pydantic's messages only: the values may be personal data.
    return "; ".join(
        f"{'.'.join(map(str, error['loc'])) or 'body'}: {error['msg']}"
        for error in exc.errors(include_input=False)
    )


def _summary(case) -> dict:
    """A case in a list: enough to pick it, without the citizen's details."""
    clock = case.clock
    return {
        "case_id": case.case_id,
        "tracking_code": case.tracking_code,
        "status": case.status,
        "kind": case.kind,
        "filed_at": case.filed_at.isoformat(),
        "stage": clock.agency.stage,
        "due_at": clock.agency.due_at.isoformat(),
        "overall_due_at": clock.overall_due_at.isoformat(),
        "waiting_for_citizen": clock.frozen_since is not None,
    }


def _error(exc: InvalidInput) -> dict:
    return {"error": {"code": exc.code, "message": exc.message}}

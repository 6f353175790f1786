"""The officials' API without Firestore: routing, authentication and parsing, with a stand-in workflow."""

import json

import pytest

from pakn.cases.workflow import ActionResult, Actor
from pakn.domain.errors import Unauthorized
from pakn.officials.api import MAX_BODY_BYTES, OfficialApi


class RecordingWorkflow:
    def __init__(self):
        self.calls = []
        self.fails_with: Exception | None = None

    def answer(self, actor: Actor, case_id: str, request_id: str, text: str) -> ActionResult:
        self.calls.append((actor, case_id, request_id, text))
        if self.fails_with is not None:
            raise self.fails_with
        return ActionResult(
            action="answer",
            request_id=request_id,
            at="2026-03-02T09:00:00+07:00",
            by=actor.uid,
            agency_id=actor.agency_id,
            case_id=case_id,
            tracking_code="HN-4K7Q2M",
        )


# Ids Firestore refuses in a path, and a well-formed id no agency of the registry has.
ODD_AGENCIES = ["__x__", "..", ".", "a" * 1600, "a/b", "xa-00004/cases/c", "xa-99999", "\ud800"]


def verify(token: str) -> dict:
    claims = {
        "good": {"uid": "u1", "role": "official", "agency_id": "xa-00004"},
        "citizen": {"uid": "u2", "role": "citizen"},
        "no-agency": {"uid": "u3", "role": "official"},
        **{
            f"agency:{agency_id}": {"uid": "u4", "role": "official", "agency_id": agency_id}
            for agency_id in ODD_AGENCIES
        },
    }
    if token not in claims:
        raise Unauthorized("invalid_token", "the ID token is not valid")
    return claims[token]


@pytest.fixture
def api():
    workflow = RecordingWorkflow()
    return OfficialApi(workflow, verify), workflow


def call(
    api, method="POST", path="/cases/case-1/answer", who="good", body=b'{"request_id": "r1", "text": "ok"}'
):
    return api.handle(method, path, f"Bearer {who}" if who else None, {}, body)


def test_a_valid_action_reaches_the_workflow_with_the_official_from_the_token(api):
    api, workflow = api
    response = call(api)
    assert response.status == 200
    assert response.body["result"]["by"] == "u1"
    assert workflow.calls == [(Actor("u1", "xa-00004"), "case-1", "r1", "ok")]


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"who": None}, 401, "missing_token"),
        ({"who": "forged"}, 401, "invalid_token"),
        ({"who": "citizen"}, 403, "not_an_official"),
        ({"who": "no-agency"}, 403, "no_agency"),
        ({"path": "/"}, 404, "no_such_route"),
        ({"path": "/cases/a/b/c/d"}, 404, "no_such_route"),
        ({"path": "/cases/case-1/delete"}, 404, "no_such_action"),
        ({"path": "/cases/a%2Fb/answer"}, 404, "case_not_found"),
        ({"path": "/cases/__x__/answer"}, 404, "case_not_found"),
        ({"path": "/cases/__name__/answer"}, 404, "case_not_found"),
        ({"path": "/cases/____/answer"}, 404, "case_not_found"),
        ({"method": "PUT"}, 405, "method_not_allowed"),
        ({"body": b"x" * (MAX_BODY_BYTES + 1)}, 413, "too_large"),
        ({"body": b"\xff\xfe"}, 400, "not_json"),
        ({"body": b'{"request_id": "r1"}'}, 400, "invalid_request"),
    ],
)
def test_every_refusal_is_a_json_error_with_a_stable_code(api, kwargs, status, code):
    api, workflow = api
    response = call(api, **kwargs)
    assert (response.status, response.body["error"]["code"]) == (status, code)
    assert workflow.calls == []


def test_a_wrong_method_names_the_right_one(api):
    api, _ = api
    assert call(api, method="GET").headers == {"Allow": "POST"}


@pytest.mark.parametrize("agency_id", ODD_AGENCIES)
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", "/cases", b""), ("GET", "/cases/case-1", b""), ("POST", "/cases/case-1/answer", None)],
)
def test_claims_naming_no_agency_of_the_registry_are_403_on_every_route(api, agency_id, method, path, body):
    api, workflow = api
    kwargs = {} if body is None else {"body": body}
    response = call(api, method=method, path=path, who=f"agency:{agency_id}", **kwargs)
    assert (response.status, response.body["error"]["code"]) == (403, "unknown_agency")
    assert workflow.calls == []


def test_an_unexpected_failure_is_a_json_500_that_says_nothing_of_it(api, capsys):
    api, workflow = api
    workflow.fails_with = KeyError("Nguyễn Văn An 0912345678")
    response = call(api)
    assert response.status == 500
    assert response.body == {
        "error": {"code": "internal_error", "message": "something went wrong on our side"}
    }
    [line] = [json.loads(out) for out in capsys.readouterr().out.splitlines() if '"ERROR"' in out]
    assert line["reason"].startswith("KeyError at ") and "0912345678" not in json.dumps(
        line, ensure_ascii=False
    )


def test_firestore_out_of_reach_is_a_503_to_retry(api):
    from google.api_core.exceptions import ServiceUnavailable

    api, workflow = api
    workflow.fails_with = ServiceUnavailable("connect failed")
    response = call(api)
    assert (response.status, response.body["error"]["code"]) == (503, "unavailable")
    assert response.headers["Retry-After"] == "5"

"""The officials' API without Firestore: routing, authentication and parsing, with a stand-in workflow."""

import pytest

from pakn.cases.workflow import ActionResult, Actor
from pakn.domain.errors import Unauthorized
from pakn.officials.api import OfficialApi


class RecordingWorkflow:
    def __init__(self):
        self.calls = []

    def answer(self, actor: Actor, case_id: str, request_id: str, text: str) -> ActionResult:
        self.calls.append((actor, case_id, request_id, text))
        return ActionResult(
            action="answer",
            request_id=request_id,
            at="2026-03-02T09:00:00+07:00",
            by=actor.uid,
            agency_id=actor.agency_id,
            case_id=case_id,
            tracking_code="HN-4K7Q2M",
        )


def verify(token: str) -> dict:
    claims = {
        "good": {"uid": "u1", "role": "official", "agency_id": "xa-00004"},
        "citizen": {"uid": "u2", "role": "citizen"},
        "no-agency": {"uid": "u3", "role": "official"},
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
        ({"method": "PUT"}, 405, "method_not_allowed"),
        ({"body": b"x" * 20000}, 413, "too_large"),
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

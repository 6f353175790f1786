"""The officials' API (`official_api`) on the emulators: real ID tokens from the Firebase Auth emulator, cases
filed through the citizen's real conversation, and the citizen's side read back from the Zalo stand-in."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pakn.platform import firestore_paths
from pakn_dev.emulators import DEV_PROJECT

pytestmark = pytest.mark.emulator

CITIZEN = "7712345678901234567"
WARD = "xa-00004"  # Phường Ba Đình, where the conversation files the case below
OTHER_WARD = "xa-00008"


class Official:
    """One official's calls to the API, through the real entry point."""

    def __init__(self, client, uid: str | None, token: str | None):
        self.client, self.uid, self.token = client, uid, token

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str):
        return self.client.get(path, headers=self.headers())

    def post(self, path: str, body: dict | str | None = None):
        data = body if isinstance(body, str) else json.dumps(body or {})
        return self.client.post(path, data=data, headers=self.headers(), content_type="application/json")

    def act(self, case_id: str, action: str, request_id: str | None = None, **fields):
        body = {"request_id": request_id or uuid.uuid4().hex, **fields}
        return self.post(f"/cases/{case_id}/{action}", body)


@pytest.fixture
def official_of(pipeline, sign_in, monkeypatch):
    """Returns the API as seen by an official with these claims (the Auth emulator runs as DEV_PROJECT)."""
    from pakn import runtime
    from pakn.platform.settings import load_settings

    monkeypatch.setenv("FIREBASE_AUTH_PROJECT", DEV_PROJECT)
    load_settings.cache_clear()
    runtime.official_api.cache_clear()
    runtime.firebase_app.cache_clear()

    def official(claims: dict | None = None, agency_id: str = WARD) -> Official:
        uid, token = sign_in(claims if claims is not None else {"role": "official", "agency_id": agency_id})
        return Official(pipeline.clients["official_api"], uid, token)

    return official


def filed_case(pipeline, firestore_db) -> dict:
    """A case filed by the citizen through the conversation, at Phường Ba Đình; the citizen's replies read."""
    pipeline.file_case(
        CITIZEN, "Tôi đi làm khai sinh cho con ở phường Trúc Bạch, quận Ba Đình mà cán bộ bắt bổ sung"
    )
    [case] = [s.to_dict() for s in firestore_db.collection_group("cases").stream()]
    assert case["agency_id"] == WARD
    return case


def written_case(firestore_db) -> dict:
    """A case written straight to Firestore, for tests about the API's edges rather than the conversation."""
    from pakn.cases import case as cases
    from pakn.cases.store import CaseStore
    from pakn.deadlines import clock as deadlines
    from pakn.domain.vocabulary import ContactDetails
    from pakn.platform.unit_of_work import in_transaction

    now = datetime.now(UTC)
    case = cases.Case(
        case_id=f"case-{uuid.uuid4().hex[:8]}",
        tracking_code="HN-T00001",
        citizen_id=CITIZEN,
        agency_id=WARD,
        agency_name="Phường Ba Đình",
        kind="procedure",
        level="commune",
        content="Nội dung thử",
        contact=ContactDetails(name="Nguyễn Văn An", phone="0912345678", address="12 Hàng Bông"),
        routing=cases.CaseRouting(
            outcome="agency", reason="test", confidence=1.0, evidence=[], classifier_version="test"
        ),
        filed_at=now,
        clock=deadlines.start("procedure", "commune", now, WARD),
    )
    in_transaction(firestore_db, lambda uow: CaseStore(firestore_db).add(uow, case))
    return case.model_dump(mode="json")


def stored(firestore_db, agency_id: str, case_id: str) -> dict | None:
    return firestore_paths.agency_cases(firestore_db, agency_id).document(case_id).get().to_dict()


def test_an_official_lists_and_reads_their_own_agencys_cases_only(pipeline, firestore_db, official_of):
    case = filed_case(pipeline, firestore_db)
    mine, theirs = official_of(), official_of(agency_id=OTHER_WARD)

    listed = mine.get("/cases?status=open")
    assert listed.status_code == 200
    [summary] = listed.get_json()["cases"]
    assert summary["case_id"] == case["case_id"] and summary["stage"] == "accept"
    assert "contact" not in summary
    assert mine.get("/cases?status=answered").get_json() == {"cases": []}
    assert mine.get("/cases").get_json()["cases"][0]["case_id"] == case["case_id"]

    read = mine.get(f"/cases/{case['case_id']}")
    assert read.status_code == 200
    assert read.get_json()["case"]["contact"]["phone"] == "0912345678"

    assert theirs.get("/cases?status=open").get_json() == {"cases": []}
    refused = theirs.get(f"/cases/{case['case_id']}")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_your_agency"
    assert theirs.act(case["case_id"], "accept").status_code == 403
    assert mine.get("/cases/nonexistent").get_json()["error"]["code"] == "case_not_found"

    anonymous = Official(mine.client, None, None)
    assert anonymous.get("/cases").status_code == 401
    assert anonymous.get("/cases").get_json()["error"]["code"] == "missing_token"
    forged = Official(mine.client, None, "not-a-token")
    assert forged.get("/cases").get_json()["error"]["code"] == "invalid_token"
    citizen = official_of({"role": "citizen", "agency_id": WARD})
    assert citizen.get("/cases").status_code == 403


def test_accept_then_answer_reaches_the_citizen_once_and_the_sweep_lets_the_case_be(
    pipeline, firestore_db, official_of
):
    from pakn import runtime

    case = filed_case(pipeline, firestore_db)
    pipeline.replies(CITIZEN)
    official = official_of()
    case_id = case["case_id"]

    accepted = official.act(case_id, "accept")
    assert accepted.status_code == 200 and accepted.get_json()["result"]["action"] == "accept"
    again = official.act(case_id, "accept")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_accepted"

    answer = "Phường đã kiểm tra và hướng dẫn lại cán bộ tiếp nhận hồ sơ."
    first = official.act(case_id, "answer", "answer-1", text=answer)
    retried = official.act(case_id, "answer", "answer-1", text=answer)
    assert first.status_code == retried.status_code == 200
    assert first.get_json() == retried.get_json()
    pipeline.run()
    assert pipeline.replies(CITIZEN) == [
        f"Trả lời phản ánh {case['tracking_code']} từ Phường Ba Đình:\n{answer}"
    ]

    after = stored(firestore_db, WARD, case_id)
    assert after["status"] == "answered" and after["answer_text"] == answer
    assert after["answered_by"] == official.uid and after["clock"]["closed_at"] is not None
    assert [(e["action"], e["by"], e["agency_id"]) for e in after["history"]] == [
        ("accept", official.uid, WARD),
        ("answer", official.uid, WARD),
    ]
    closed = official.act(case_id, "answer", text="lần nữa")
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "case_closed"

    # Months later the sweep still finds nothing to do for it, and the citizen hears nothing more.
    report = runtime.sweep().run(datetime.now(UTC) + timedelta(days=120))
    assert report.cases == 0
    pipeline.run()
    assert pipeline.replies(CITIZEN) == []


def test_a_transfer_moves_the_case_and_the_citizen_still_finds_it(pipeline, firestore_db, official_of):
    case = filed_case(pipeline, firestore_db)
    pipeline.replies(CITIZEN)
    ward, department = official_of(), official_of(agency_id="so-tu-phap")
    case_id, code = case["case_id"], case["tracking_code"]

    moved = ward.act(case_id, "transfer", "move-1", to_agency_id="so-tu-phap")
    assert moved.status_code == 200
    assert moved.get_json()["result"]["to_agency_id"] == "so-tu-phap"
    assert ward.act(case_id, "transfer", "move-1", to_agency_id="so-tu-phap").get_json() == moved.get_json()

    assert stored(firestore_db, WARD, case_id) is None
    now_at = stored(firestore_db, "so-tu-phap", case_id)
    assert now_at["agency_name"] == "Sở Tư pháp" and now_at["level"] == "department"
    assert now_at["clock"]["agency"]["agency_id"] == "so-tu-phap"
    assert now_at["contact"] == case["contact"] and now_at["history"][0]["to_agency_id"] == "so-tu-phap"
    assert firestore_paths.tracking_code(firestore_db, code).get().get("agency_id") == "so-tu-phap"

    pipeline.run()
    [told] = pipeline.replies(CITIZEN)
    assert told.startswith(f"Phản ánh {code} đã được chuyển tới Sở Tư pháp")
    status = pipeline.say(CITIZEN, f"tra cứu {code}")
    assert status[0].startswith(f"Phản ánh {code}: đang xử lý.") and "Cơ quan xử lý: Sở Tư pháp" in status[0]

    assert ward.get(f"/cases/{case_id}").status_code == 403
    assert department.get(f"/cases/{case_id}").status_code == 200
    assert [c["case_id"] for c in department.get("/cases?status=open").get_json()["cases"]] == [case_id]


def test_an_extension_is_granted_once(pipeline, firestore_db, official_of):
    case = filed_case(pipeline, firestore_db)
    official = official_of()
    case_id = case["case_id"]
    early = official.act(case_id, "extend", reason="Cần xác minh với Sở Tư pháp")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "extension_refused"
    official.act(case_id, "accept")
    due = stored(firestore_db, WARD, case_id)["clock"]["agency"]["due_at"]

    assert official.act(case_id, "extend", reason="Cần xác minh với Sở Tư pháp").status_code == 200
    after = stored(firestore_db, WARD, case_id)
    assert (
        after["clock"]["agency"]["due_at"] > due
        and after["extension_reason"] == "Cần xác minh với Sở Tư pháp"
    )
    second = official.act(case_id, "extend", reason="Lần nữa")
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "extension_refused"


def test_asking_for_information_stops_the_clock_and_reaches_the_citizen(pipeline, firestore_db, official_of):
    case = filed_case(pipeline, firestore_db)
    pipeline.replies(CITIZEN)
    official = official_of()
    case_id, code = case["case_id"], case["tracking_code"]

    question = "Anh/chị cho biết ngày nộp hồ sơ và tên cán bộ tiếp nhận."
    assert official.act(case_id, "request_info", "ask-1", question=question).status_code == 200
    assert stored(firestore_db, WARD, case_id)["clock"]["frozen_since"] is not None
    pipeline.run()
    [asked] = pipeline.replies(CITIZEN)
    assert asked.startswith(
        f"Phường Ba Đình đề nghị anh/chị bổ sung thông tin cho phản ánh {code}:\n{question}"
    )
    waiting = official.act(case_id, "request_info", question=question)
    assert waiting.status_code == 409 and waiting.get_json()["error"]["code"] == "already_waiting"

    assert official.act(case_id, "resume").status_code == 200
    assert stored(firestore_db, WARD, case_id)["clock"]["frozen_since"] is None
    assert official.act(case_id, "resume").get_json()["error"]["code"] == "not_waiting"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/cases/{id}/answer", "{not json", 400, "not_json"),
        ("POST", "/cases/{id}/answer", "", 400, "not_json"),
        ("POST", "/cases/{id}/answer", '["a list"]', 400, "invalid_request"),
        ("POST", "/cases/{id}/answer", '{"request_id": "r1", "text": 42}', 400, "invalid_request"),
        ("POST", "/cases/{id}/answer", '{"request_id": "r1", "text": "ok", "x": 1}', 400, "invalid_request"),
        ("POST", "/cases/{id}/answer", '{"request_id": "r1", "text": "   "}', 400, "text_empty"),
        (
            "POST",
            "/cases/{id}/answer",
            json.dumps({"request_id": "r1", "text": "a" * 1990}),
            400,
            "text_too_long",
        ),
        ("POST", "/cases/{id}/answer", '{"request_id": "bad id!", "text": "ok"}', 400, "invalid_request"),
        (
            "POST",
            "/cases/{id}/transfer",
            '{"request_id": "r1", "to_agency_id": "nowhere"}',
            400,
            "unknown_agency",
        ),
        (
            "POST",
            "/cases/{id}/transfer",
            '{"request_id": "r1", "to_agency_id": "xa-00004"}',
            400,
            "same_agency",
        ),
        ("POST", "/cases/{id}/close", "{}", 404, "no_such_action"),
        ("GET", "/agencies", None, 404, "no_such_route"),
        ("GET", "/cases/{id}/answer", None, 405, "method_not_allowed"),
        ("DELETE", "/cases/{id}", None, 405, "method_not_allowed"),
        ("GET", "/cases?status=lost", None, 400, "invalid_request"),
        ("GET", "/cases?limit=0", None, 400, "invalid_request"),
        ("GET", "/cases/..", None, 404, "case_not_found"),
    ],
)
def test_bad_requests_get_a_clear_json_error(
    pipeline, firestore_db, official_of, method, path, body, status, code
):
    case = written_case(firestore_db)
    official = official_of()
    response = official.client.open(
        path.replace("{id}", case["case_id"]),
        method=method,
        data=body,
        headers=official.headers(),
        content_type="application/json",
    )
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert stored(firestore_db, WARD, case["case_id"])["history"] == []

"""The officials' API (`official_api`) on the emulators: real ID tokens from the Firebase Auth emulator, cases
filed through the citizen's real conversation, and the citizen's side read back from the Zalo stand-in."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from pakn.cases.case import ANSWER_MAX_CHARS
from pakn.officials.api import ACTIONS
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
    # Another agency's case is answered as a missing one: nothing tells that it exists.
    refused = theirs.get(f"/cases/{case['case_id']}")
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "case_not_found"
    assert theirs.act(case["case_id"], "accept").status_code == 404
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
    # Told once that the ward took the case on, and once of its answer (then asked to rate it).
    accepted_text, answered_text, rating_question = pipeline.replies(CITIZEN)
    assert rating_question.startswith("Anh/chị có hài lòng với trả lời phản ánh")
    assert accepted_text.startswith(f"Phản ánh {case['tracking_code']} đã được Phường Ba Đình tiếp nhận.")
    assert answered_text == f"Trả lời phản ánh {case['tracking_code']} từ Phường Ba Đình:\n{answer}"

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

    assert ward.get(f"/cases/{case_id}").status_code == 404
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


def test_a_case_is_reclassified_once_to_an_in_scope_kind_and_the_citizen_is_not_told(
    pipeline, firestore_db, official_of
):
    case = filed_case(pipeline, firestore_db)
    pipeline.replies(CITIZEN)
    official = official_of()
    case_id = case["case_id"]
    away = official.act(case_id, "reclassify", kind="out_of_scope")
    same = official.act(case_id, "reclassify", kind=case["kind"])
    assert (away.status_code, away.get_json()["error"]["code"]) == (400, "invalid_request")
    assert (same.status_code, same.get_json()["error"]["code"]) == (400, "same_kind")
    done = official.act(case_id, "reclassify", kind="regulation")
    assert done.status_code == 200
    assert (done.get_json()["result"]["from_kind"], done.get_json()["result"]["to_kind"]) == (
        case["kind"],
        "regulation",
    )
    after = stored(firestore_db, WARD, case_id)
    assert after["kind"] == "regulation" and [e["action"] for e in after["history"]] == ["reclassify"]
    pipeline.run()
    assert pipeline.replies(CITIZEN) == []


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
            "/cases/{id}/request_info",
            json.dumps({"request_id": "r1", "question": "a" * 1990}),
            400,
            "question_too_long",
        ),
        (
            "POST",
            "/cases/{id}/answer",
            json.dumps({"request_id": "r1", "text": "a" * (ANSWER_MAX_CHARS + 1)}),
            400,
            "invalid_request",
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


# --- revocation, agencies, idempotency keys, odd ids ------------------------------------------------


def emulator_token(uid: str, claims: dict) -> str:
    """An ID token for `uid` with any `claims`, unsigned as the Auth emulator's own tokens are (the Admin SDK
    refuses custom claims over 1,000 bytes, so some claims can only reach the API this way)."""
    now = int(time.time())
    payload = {
        "iss": f"https://securetoken.google.com/{DEV_PROJECT}",
        "aud": DEV_PROJECT,
        "auth_time": now,
        "user_id": uid,
        "sub": uid,
        "iat": now,
        "exp": now + 3600,
        "firebase": {"identities": {}, "sign_in_provider": "password"},
        **claims,
    }

    def segment(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(payload)}."


def test_an_official_disabled_or_revoked_as_the_runbook_says_is_refused_at_once(pipeline, official_of):
    from firebase_admin import auth

    from pakn import runtime

    app = runtime.firebase_app()
    removed, revoked, disabled = official_of(), official_of(), official_of()
    for official in (removed, revoked, disabled):
        assert official.get("/cases").status_code == 200
    # Revocation counts in whole seconds: a token issued in the second of the revocation stays valid.
    time.sleep(1.1)
    auth.update_user(removed.uid, disabled=True, app=app)  # infra/RUNBOOK.md, "Removing one"
    auth.revoke_refresh_tokens(removed.uid, app=app)
    auth.revoke_refresh_tokens(revoked.uid, app=app)
    auth.update_user(disabled.uid, disabled=True, app=app)

    for official, code in (
        (removed, "account_disabled"),
        (revoked, "token_revoked"),
        (disabled, "account_disabled"),
    ):
        for response in (official.get("/cases"), official.act("case-1", "accept")):
            assert response.status_code == 401
            assert response.get_json()["error"]["code"] == code


def test_another_agencys_case_is_not_found_whatever_the_request_id(pipeline, firestore_db, official_of):
    case = written_case(firestore_db)
    case_id = case["case_id"]
    mine, theirs = official_of(), official_of(agency_id=OTHER_WARD)
    assert mine.act(case_id, "accept", "accept-1").status_code == 200

    missing = theirs.get("/cases/case-missing").get_json()
    assert missing["error"]["code"] == "case_not_found"
    for response in (
        theirs.get(f"/cases/{case_id}"),
        theirs.act(case_id, "accept", "accept-1"),  # the id the other agency used
        theirs.act(case_id, "accept", "accept-2"),
        theirs.act(case_id, "answer", "accept-1", text="Trả lời"),
        theirs.act("case-missing", "accept", "accept-1"),
    ):
        assert response.status_code == 404 and response.get_json() == missing
    assert len(stored(firestore_db, WARD, case_id)["history"]) == 1


def test_a_request_id_reused_with_another_body_is_a_conflict_and_the_same_body_is_a_retry(
    pipeline, firestore_db, official_of
):
    case = written_case(firestore_db)
    case_id = case["case_id"]
    official = official_of()
    pipeline.replies(CITIZEN)

    question = "Anh/chị cho biết ngày nộp hồ sơ."
    first = official.act(case_id, "request_info", "ask-1", question=question)
    assert first.status_code == 200
    assert official.act(case_id, "request_info", "ask-1", question=question).get_json() == first.get_json()
    reused = official.act(case_id, "request_info", "ask-1", question="Một câu hỏi khác?")
    assert reused.status_code == 409 and reused.get_json()["error"]["code"] == "request_id_reused"
    changed_field = official.act(case_id, "request_info", "ask-1", question=question + " ")
    assert changed_field.status_code == 409

    # The first request's parameters are kept as a digest; the conflict changed nothing.
    after = stored(firestore_db, WARD, case_id)
    [entry] = after["history"]
    assert entry["detail"] == question and len(entry["request_digest"]) == 64
    assert "Một câu hỏi khác" not in json.dumps(after, ensure_ascii=False, default=str)
    pipeline.run()
    assert len(pipeline.replies(CITIZEN)) == 1

    # An action without parameters: the same request_id again is a retry.
    assert official.act(case_id, "resume", "resume-1").status_code == 200
    assert official.act(case_id, "resume", "resume-1").status_code == 200


def test_a_transfer_retried_by_its_official_after_it_moved_is_still_a_retry(
    pipeline, firestore_db, official_of
):
    case = written_case(firestore_db)
    case_id = case["case_id"]
    ward = official_of()
    moved = ward.act(case_id, "transfer", "move-1", to_agency_id="so-tu-phap")
    assert moved.status_code == 200
    assert ward.act(case_id, "transfer", "move-1", to_agency_id="so-tu-phap").get_json() == moved.get_json()
    elsewhere = ward.act(case_id, "transfer", "move-1", to_agency_id="so-xay-dung")
    assert elsewhere.status_code == 409 and elsewhere.get_json()["error"]["code"] == "request_id_reused"
    # A colleague at the ward did not act on it: for them the case is elsewhere, so not found.
    colleague = official_of()
    assert colleague.act(case_id, "transfer", "move-1", to_agency_id="so-tu-phap").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/cases/__x__"),
        ("GET", "/cases/__name__"),
        ("POST", "/cases/__x__/accept"),
        ("GET", "/cases/."),
        ("GET", "/cases/" + "a" * 1600),
        ("POST", "/cases/" + "a" * 101 + "/accept"),
    ],
)
def test_ids_firestore_reserves_name_no_case(pipeline, official_of, method, path):
    official = official_of()
    response = official.client.open(
        path, method=method, data="{}", headers=official.headers(), content_type="application/json"
    )
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["error"]["code"] == "case_not_found"


@pytest.mark.parametrize(
    "agency_id", ["__x__", "..", ".", "a" * 1600, "xa-00004/cases/x", "xa/../xa-00004", "xa-99999", " "]
)
def test_claims_naming_no_agency_of_the_registry_are_refused_on_every_route(
    pipeline, firestore_db, official_of, agency_id
):
    case = written_case(firestore_db)
    uid = official_of().uid
    headers = {"Authorization": f"Bearer {emulator_token(uid, {'role': 'official', 'agency_id': agency_id})}"}
    client = pipeline.clients["official_api"]
    for response in (
        client.get("/cases", headers=headers),
        client.get("/cases?status=open", headers=headers),
        client.get(f"/cases/{case['case_id']}", headers=headers),
        client.post(f"/cases/{case['case_id']}/accept", json={"request_id": "r1"}, headers=headers),
    ):
        assert response.status_code == 403 and response.is_json
        assert response.get_json()["error"]["code"] == "unknown_agency"
    assert stored(firestore_db, WARD, case["case_id"])["history"] == []


def test_an_unsigned_token_of_the_emulator_is_what_the_api_takes(pipeline, firestore_db, official_of):
    """The helper above makes tokens the API accepts like the emulator's own (so the refusals above are
    about the claims, not the token)."""
    case = written_case(firestore_db)
    uid = official_of().uid
    token = emulator_token(uid, {"role": "official", "agency_id": WARD})
    response = pipeline.clients["official_api"].get(
        f"/cases/{case['case_id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


# --- whatever arrives, a JSON answer and never a 5xx ---------------------------------------------------

# Weighted towards what gets past the router and the token check, where the API's own work starts.
fuzz_methods = st.sampled_from(
    ["GET"] * 4 + ["POST"] * 4 + ["PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "FOO"]
)
# Paths and queries carry any text; JSON bodies also lone surrogates (JSON escapes them: "\ud800").
odd_strings = st.text(max_size=20)
json_strings = st.text(alphabet=st.characters(exclude_categories=()), max_size=20)
fuzz_segments = st.sampled_from(
    ["cases", "{case}", "__x__", "__.*__", ".", "..", "a" * 1600, "a/b", "%2F", "\x00", "é", *ACTIONS]
) | odd_strings.filter(bool)
fuzz_ids = st.sampled_from(["{case}"] * 4 + ["__x__", "__.*__", ".", "..", "a" * 1600, "a/b"]) | fuzz_segments
# Most paths are the API's routes with odd ids in them, so that most examples get past the router.
fuzz_paths = st.one_of(
    st.tuples(st.just("cases"), fuzz_ids, st.sampled_from([*ACTIONS]) | fuzz_segments).map(list),
    st.tuples(st.just("cases"), fuzz_ids).map(list),
    st.just(["cases"]),
    st.lists(fuzz_segments, max_size=4),
)
fuzz_query = st.dictionaries(
    st.sampled_from(["status", "limit", "x"]) | st.text(max_size=5),
    st.sampled_from(["open", "answered", "lost", "0", "1", "100", "101", "-1", "1e3", ""]) | odd_strings,
    max_size=3,
)
fuzz_agencies = st.sampled_from(
    [WARD, WARD, OTHER_WARD, "so-tu-phap", "__x__", "..", ".", "a" * 1600, "a/b", "", None, 7, ["x"]]
) | st.text(max_size=20)
fuzz_values = json_strings | st.sampled_from(["", " ", "ok", "a" * 2001, WARD, "so-tu-phap"]) | st.integers()
fuzz_json = st.dictionaries(
    st.sampled_from(["request_id", "text", "to_agency_id", "reason", "question", "x"]),
    fuzz_values | st.sampled_from(["r1", "r2", "bad id!"]),
    max_size=4,
).map(lambda body: json.dumps(body).encode())
fuzz_bodies = fuzz_json | st.binary(max_size=64) | st.just(b"")


@pytest.fixture
def fuzz_target(pipeline, firestore_db, official_of):
    """One case and one Auth-emulator user for all of a fuzz test's examples (examples may accept, answer or
    move the case; their tokens differ only in their claims)."""
    return pipeline.clients["official_api"], written_case(firestore_db)["case_id"], official_of().uid


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=fuzz_methods,
    parts=fuzz_paths,
    query=fuzz_query,
    body=fuzz_bodies,
    role=st.sampled_from(["official"] * 6 + ["citizen", None, 1]),
    agency_id=fuzz_agencies,
    authorization=st.sampled_from(["token"] * 6 + ["none", "garbage", "basic"]),
)
def test_any_request_gets_a_json_answer_and_never_a_5xx(
    fuzz_target, method, parts, query, body, role, agency_id, authorization
):
    client, case_id, uid = fuzz_target
    path = "/" + "/".join(quote(case_id if p == "{case}" else p, safe="") for p in parts)
    assume(not path.startswith("//"))  # a test client reads "//x" as a host, not a path
    claims = {
        key: value for key, value in {"role": role, "agency_id": agency_id}.items() if value is not None
    }
    headers = {
        "token": {"Authorization": f"Bearer {emulator_token(uid, claims)}"},
        "none": {},
        "garbage": {"Authorization": "Bearer not.a.token"},
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
    }[authorization]
    response = client.open(
        path, method=method, query_string=query, data=body, headers=headers, content_type="application/json"
    )
    assert response.status_code < 500, response.get_data()[:300]
    assert response.mimetype == "application/json"
    if method == "HEAD":
        return
    answer = response.get_json()
    assert isinstance(answer, dict)
    if response.status_code >= 400:
        assert set(answer) == {"error"} and set(answer["error"]) == {"code", "message"}
    if response.status_code == 405:
        assert response.headers["Allow"] in {"GET", "POST"}


def test_new_work_is_announced_at_once_to_the_agency_that_receives_it(pipeline, firestore_db, official_of):
    ward_handler, health_handler = "9100000000000000004", "9100000000000000005"
    for agency_id, zalo_user_id in ((WARD, ward_handler), ("so-y-te", health_handler)):
        firestore_paths.agency(firestore_db, agency_id).set(
            {"id": agency_id, "contacts": {"handlers": [{"zalo_user_id": zalo_user_id}]}}
        )
    case = filed_case(pipeline, firestore_db)
    pipeline.run()
    [told] = pipeline.replies(ward_handler)
    assert told.startswith(f"[PAKN] Phản ánh mới {case['tracking_code']} gửi tới Phường Ba Đình")
    assert f"/phan-anh/{case['case_id']}" not in told  # no console address configured: no broken link
    assert [n["step"] for n in stored(firestore_db, WARD, case["case_id"])["notifications"]] == ["announce"]

    assert official_of().act(case["case_id"], "transfer", to_agency_id="so-y-te").status_code == 200
    pipeline.run()
    [moved] = pipeline.replies(health_handler)
    assert moved.startswith(f"[PAKN] Phản ánh mới {case['tracking_code']} gửi tới Sở Y tế")
    assert pipeline.replies(ward_handler) == []
    notified = [n["step"] for n in stored(firestore_db, "so-y-te", case["case_id"])["notifications"]]
    assert notified == ["announce", "announce"]

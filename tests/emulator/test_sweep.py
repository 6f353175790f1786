"""The hourly deadline sweep on the Firestore emulator, with a clock the tests drive: who is told what and
when (across Tết, a make-up Saturday, transfers, a wait for the citizen, an extension), that nothing is told
twice however the sweep is repeated, and that a sweep reads the cases due and not the others.

The rules are the test's own; the calendar is the shipped one (Tết 2026, the 22/8/2026 make-up Saturday).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from pakn.cases import case as cases
from pakn.deadlines import clock as deadlines
from pakn.deadlines.clock import CaseClock, DeadlinePolicy, DeadlineRules
from pakn.deadlines.workdays import VIETNAM_TZ, default_calendar
from pakn.domain import messages
from pakn.domain.vocabulary import ContactDetails
from pakn.escalation.notify import EmailChannel, ZaloChannel
from pakn.escalation.sweep import DueCase, Sweep
from pakn.platform import firestore_paths
from pakn_dev.processes import free_port
from pakn_dev.smtp_standin import SmtpStandin

pytestmark = pytest.mark.emulator

RULES = {
    "limits": {"default": {"accept": 1, "answer": 20, "extension": 10}},
    "ladder": {"remind_before_due": 1, "escalate_lead_after_due": 2, "escalate_office_after_due": 5},
    "citizen_update_every_days": 7,
}
POLICY = DeadlinePolicy(DeadlineRules.model_validate(RULES), default_calendar())
SENDER = "pakn@vp-ubnd.pakn.local"
CITIZEN = "6612345678901234567"
WARD_HANDLER_ZALO = "9100000000000000004"
CONTACTS = {
    "xa-00004": {
        "handlers": [{"email": "handler@xa-00004.pakn.local", "zalo_user_id": WARD_HANDLER_ZALO}],
        "lead": [{"email": "lead@xa-00004.pakn.local"}],
    },
    "so-y-te": {
        "handlers": [{"email": "handler@so-y-te.pakn.local"}],
        "lead": [{"email": "lead@so-y-te.pakn.local"}],
    },
    "so-tu-phap": {"handlers": [{"email": "handler@so-tu-phap.pakn.local"}]},
    "vp-ubnd": {"desk": [{"email": "desk@vp-ubnd.pakn.local"}]},
}


def hanoi(month, day, hour=9):
    return datetime(2026, month, day, hour, tzinfo=VIETNAM_TZ)


def close(month, day):
    """A deadline on that date: 17:00 in Hanoi."""
    return hanoi(month, day, 17)


def start(filed_at, agency_id="xa-00004", level="commune") -> CaseClock:
    return deadlines.start("procedure", level, filed_at, agency_id, policy=POLICY)


def answering(filed_at, accepted_at, agency_id="xa-00004") -> CaseClock:
    return deadlines.accept(start(filed_at, agency_id), accepted_at, policy=POLICY)


def new_case(clock: CaseClock, number: int = 0, citizen_id: str = CITIZEN) -> cases.Case:
    return cases.Case(
        case_id=f"case-{number:05d}",
        tracking_code=f"HN-T{number:05d}",
        citizen_id=citizen_id,
        agency_id=clock.agency.agency_id,
        agency_name="(filing agency)",
        kind=clock.kind,
        level=clock.level,
        content="Nội dung thử",
        contact=ContactDetails(name="Nguyễn Văn An", phone="0912345678", address="12 Hàng Bông"),
        routing=cases.CaseRouting(
            outcome="agency", reason="test", confidence=1.0, evidence=[], classifier_version="test"
        ),
        filed_at=clock.filed_at,
        clock=clock,
    )


def store(db, *filed: cases.Case) -> None:
    for first in range(0, len(filed), 500):  # Firestore's limit per batch
        batch = db.batch()
        for case in filed[first : first + 500]:
            batch.set(
                firestore_paths.agency_cases(db, case.agency_id).document(case.case_id), case.model_dump()
            )
        batch.commit()


def change_clock(db, case: cases.Case, move) -> None:
    """What an official's action (transfer, wait, extension) does to the stored clock."""
    ref = firestore_paths.agency_cases(db, case.agency_id).document(case.case_id)
    clock = CaseClock.model_validate(ref.get().get("clock"))
    ref.update({"clock": move(clock).model_dump()})


class Harness:
    """The sweep with real channels: e-mail to the SMTP stand-in, Zalo into the outbox (publishes noted)."""

    def __init__(self, db, smtp: SmtpStandin):
        self.db = db
        self.smtp = smtp
        self.published: list[str] = []
        for agency_id, contacts in CONTACTS.items():
            firestore_paths.agency(db, agency_id).set({"id": agency_id, "contacts": contacts})

    def channels(self, smtp_port: int | None = None):
        return {
            "zalo": ZaloChannel(self.db, lambda request, to: self.published.append(request.delivery_key)),
            "email": EmailChannel(
                "127.0.0.1", smtp_port or self.smtp.port, SENDER, starttls=False, timeout=2
            ),
        }

    def sweep(self, now, db=None, **options):
        return Sweep(db or self.db, self.channels(), policy=POLICY, **options).run(now)

    def hourly(self, first: datetime, last: datetime) -> list[tuple[datetime, str]]:
        """A sweep every hour from `first` to `last`, as Cloud Scheduler runs it; the steps taken, by hour."""
        taken, now = [], first
        while now <= last:
            taken += [(now, step) for step in sorted(self.sweep(now).steps)]
            now += timedelta(hours=1)
        return taken

    def emails(self) -> list[tuple[str, str]]:
        return [(m["To"], m["Subject"]) for m in self.smtp.messages]

    def zalo(self) -> list[tuple[str, str]]:
        """Every Zalo message queued in the outbox: (recipient, text), in key order."""
        found = [s.to_dict() for s in self.db.collection(firestore_paths.DELIVERIES).stream()]
        return [
            (d["citizen_id"], message["text"])
            for d in sorted(found, key=lambda d: d["key"])
            for message in d["messages"]
        ]

    def notifications(self) -> list[dict]:
        return [s.to_dict() for s in self.db.collection(firestore_paths.NOTIFICATIONS).stream()]


def ladder(taken):
    return [(when, step) for when, step in taken if step != "update_citizen"]


@pytest.fixture
def smtp():
    with SmtpStandin() as server:
        yield server


@pytest.fixture
def harness(firestore_db, smtp) -> Harness:
    return Harness(firestore_db, smtp)


# --- the calendar -------------------------------------------------------------------------------------


def test_filed_before_tet_the_reminder_and_the_breach_land_on_working_days(harness, firestore_db):
    case = new_case(start(hanoi(2, 13, 10)))  # Friday 13/2; Tết is 16-20/2
    store(firestore_db, case)
    taken = harness.hourly(hanoi(2, 13, 10), hanoi(2, 24, 9))
    assert taken == [
        (close(2, 13), "remind"),  # the last working day before Tết is the one before the deadline
        (hanoi(2, 20, 10), "update_citizen"),  # progress updates count calendar days, Tết included
        (close(2, 23), "breach"),  # Monday 23/2, the first working day after Tết
    ]
    assert harness.emails() == [
        ("handler@xa-00004.pakn.local", "[PAKN] Sắp đến hạn tiếp nhận phản ánh HN-T00000"),
        ("handler@xa-00004.pakn.local", "[PAKN] Quá hạn tiếp nhận phản ánh HN-T00000"),
    ]
    assert "đến hạn tiếp nhận vào ngày 23/02/2026" in harness.smtp.messages[0].get_content()
    # The ward missed its acceptance, not the citizen's answer (due 23/3): no late notice, only progress.
    assert [text for to, text in harness.zalo() if to == CITIZEN] == [
        messages.text("progress_update", code="HN-T00000", agency="Phường Ba Đình", date="23/03/2026")
    ]
    # The handler follows the OA: told by Zalo too, with the same text.
    assert [to for to, _ in harness.zalo()].count(WARD_HANDLER_ZALO) == 2


def test_a_deadline_on_the_make_up_saturday_is_breached_that_saturday(harness, firestore_db):
    store(firestore_db, new_case(start(hanoi(8, 21))))  # Friday 21/8; Saturday 22/8 is worked
    taken = harness.hourly(hanoi(8, 21, 9), hanoi(8, 26, 9))
    assert ladder(taken) == [
        (close(8, 21), "remind"),
        (close(8, 22), "breach"),
        (close(8, 25), "escalate_lead"),  # two working days after Saturday: Monday 24, Tuesday 25
    ]
    assert [to for to, _ in harness.emails()] == [
        "handler@xa-00004.pakn.local",
        "handler@xa-00004.pakn.local",
        "lead@xa-00004.pakn.local",
    ]


# --- what officials do to the clock -------------------------------------------------------------------


def test_a_case_transferred_twice_reminds_each_new_agency_and_not_the_old(harness, firestore_db):
    case = new_case(start(hanoi(3, 2)))
    store(firestore_db, case)
    harness.hourly(hanoi(3, 2, 9), hanoi(3, 3, 9))
    change_clock(
        firestore_db,
        case,
        lambda c: deadlines.transfer(c, "so-y-te", hanoi(3, 3, 10), level="department", policy=POLICY),
    )
    harness.hourly(hanoi(3, 3, 10), hanoi(3, 4, 9))
    change_clock(
        firestore_db,
        case,
        lambda c: deadlines.transfer(c, "so-tu-phap", hanoi(3, 4, 10), level="department", policy=POLICY),
    )
    harness.hourly(hanoi(3, 4, 10), hanoi(3, 6, 9))
    assert harness.emails() == [
        ("handler@xa-00004.pakn.local", "[PAKN] Sắp đến hạn tiếp nhận phản ánh HN-T00000"),
        ("handler@so-y-te.pakn.local", "[PAKN] Sắp đến hạn tiếp nhận phản ánh HN-T00000"),
        ("handler@so-tu-phap.pakn.local", "[PAKN] Sắp đến hạn tiếp nhận phản ánh HN-T00000"),
        ("handler@so-tu-phap.pakn.local", "[PAKN] Quá hạn tiếp nhận phản ánh HN-T00000"),
    ]
    body = harness.smtp.messages[-1].get_content()
    assert "Cơ quan xử lý: Sở Tư pháp" in body and "(ngày 05/03/2026)" in body
    stored = firestore_paths.agency_cases(firestore_db, "xa-00004").document(case.case_id).get().to_dict()
    assert [(n["step"], n["role"], n["channel"]) for n in stored["notifications"]][-2:] == [
        ("remind", "handlers", "email"),
        ("breach", "handlers", "email"),
    ]


def test_waiting_for_the_citizen_stops_the_reminders_until_the_wait_ends(harness, firestore_db):
    case = new_case(answering(hanoi(3, 2), hanoi(3, 3)))  # answer due 31/3, reminder on 30/3
    store(firestore_db, case)
    change_clock(firestore_db, case, lambda c: deadlines.freeze(c, hanoi(3, 27, 10), policy=POLICY))
    taken = harness.hourly(hanoi(3, 27, 10), hanoi(4, 10, 9))
    assert ladder(taken) == [] and harness.emails() == []

    change_clock(firestore_db, case, lambda c: deadlines.unfreeze(c, hanoi(4, 10, 10), policy=POLICY))
    taken = harness.hourly(hanoi(4, 10, 10), hanoi(4, 15, 9))
    # Ten working days waited (30/3-10/4): the deadline moves from 31/3 to 14/4.
    assert ladder(taken) == [(close(4, 13), "remind"), (close(4, 14), "breach")]


def test_an_extension_moves_the_reminders_and_a_late_answer_is_announced_once(harness, firestore_db):
    case = new_case(answering(hanoi(3, 2), hanoi(3, 3)))
    store(firestore_db, case)
    change_clock(firestore_db, case, lambda c: deadlines.extend(c, hanoi(3, 20), policy=POLICY))
    taken = harness.hourly(hanoi(3, 30, 9), hanoi(4, 20, 9))
    assert ladder(taken) == [
        (close(4, 13), "remind"),
        (close(4, 14), "breach"),
        (close(4, 16), "escalate_lead"),
    ]

    late = [
        text
        for to, text in harness.zalo()
        if text.startswith("Phản ánh HN-T00000 của anh/chị đã quá hạn trả lời")
    ]
    expected = POLICY.due_after(close(4, 14), RULES["limits"]["default"]["extension"])
    assert late == [
        messages.text(
            "late_notice", code="HN-T00000", agency="Phường Ba Đình", date=expected.strftime("%d/%m/%Y")
        )
    ]


# --- once only ----------------------------------------------------------------------------------------

DUE_AT = hanoi(3, 10, 12)


def due_and_not_due(due: int, not_due: int) -> list[cases.Case]:
    """At DUE_AT, `due` cases are due (escalate to the lead, update the citizen), the others not yet."""
    filed = []
    for number in range(due + not_due):
        agency_id = ("xa-00004", "so-y-te")[number % 2]
        filed_at = hanoi(3, 2) if number < due else hanoi(3, 10, 11)
        filed.append(new_case(start(filed_at, agency_id), number, citizen_id=f"66{number:017d}"))
    return filed


def test_a_sweep_run_again_at_the_same_time_sends_nothing_more(harness, firestore_db):
    store(firestore_db, *due_and_not_due(3, 2))
    first = harness.sweep(DUE_AT)
    assert first.cases == 3
    assert first.steps == {"escalate_lead": 3, "update_citizen": 3}
    assert first.notifications == {"sent": 6}  # three e-mails to leads, three progress updates
    again = harness.sweep(DUE_AT)
    assert (again.cases, again.steps, again.notifications) == (0, {}, {})
    assert len(harness.emails()) == 3 and len(harness.zalo()) == 3
    assert len(harness.published) == 3


def test_two_sweeps_at_once_send_each_notification_exactly_once(harness, firestore_db, project_id):
    from google.cloud import firestore

    # Few cases: on the emulator, each case both sweeps contend for waits out a lock (about a second).
    store(firestore_db, *due_and_not_due(6, 4))
    reports = []

    def run():
        client = firestore.Client(project=project_id)
        reports.append(harness.sweep(DUE_AT, db=client, page_size=4))  # paged, to cross pages too

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r.steps.get("escalate_lead", 0) for r in reports) == 6
    assert sum(r.steps.get("update_citizen", 0) for r in reports) == 6
    assert sum(r.notifications.get("sent", 0) for r in reports) == 12
    leads = sorted(to for to, _ in harness.emails())
    assert leads == sorted(["lead@xa-00004.pakn.local", "lead@so-y-te.pakn.local"] * 3)
    assert sorted(to for to, _ in harness.zalo()) == [f"66{n:017d}" for n in range(6)]
    assert len(harness.notifications()) == 12
    assert {n["state"] for n in harness.notifications()} == {"sent"}


def test_fanned_out_each_due_case_is_swept_once_however_often_it_is_dispatched(harness, firestore_db):
    store(firestore_db, *due_and_not_due(6, 4))
    dispatched: list[DueCase] = []
    sweep = Sweep(firestore_db, harness.channels(), policy=POLICY, page_size=4, dispatch=dispatched.extend)
    report = sweep.run(DUE_AT)
    # The scheduled run only finds and hands out the due cases, in pages; it tells nobody itself.
    assert (report.dispatched, report.cases, report.steps) == (6, 0, {})
    assert sorted(due.case_id for due in dispatched) == [f"case-{n:05d}" for n in range(6)]
    assert harness.emails() == [] and harness.zalo() == []

    # Every case twice (a redelivery, or the next hour's run finding it not yet swept), four at a time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(lambda due: sweep.sweep_case(due, DUE_AT), dispatched * 2))
    assert sum(r.steps.get("escalate_lead", 0) for r in reports) == 6
    assert sum(r.steps.get("update_citizen", 0) for r in reports) == 6
    leads = sorted(to for to, _ in harness.emails())
    assert leads == sorted(["lead@xa-00004.pakn.local", "lead@so-y-te.pakn.local"] * 3)
    assert sorted(to for to, _ in harness.zalo()) == [f"66{n:017d}" for n in range(6)]
    assert sweep.run(DUE_AT).dispatched == 0


def test_the_scheduled_run_fans_out_through_pub_sub_to_the_sweep_case_function(pipeline, firestore_db):
    from pakn import runtime

    store(firestore_db, *due_and_not_due(3, 1))
    for agency_id, contacts in CONTACTS.items():
        firestore_paths.agency(firestore_db, agency_id).set({"id": agency_id, "contacts": contacts})
    report = runtime.sweep().run(DUE_AT)
    assert (report.dispatched, report.cases) == (3, 0)
    statuses = pipeline.run()  # due-cases -> sweep_case, then its Zalo notifications -> the sender
    assert statuses and set(statuses) == {200}
    stored = [s.to_dict() for s in firestore_db.collection_group("cases").stream()]
    swept = [c for c in stored if c["notifications"]]
    assert len(swept) == 3 and all(c["clock"]["next_action_at"] > DUE_AT for c in swept)


def test_an_email_that_could_not_be_sent_is_sent_by_a_later_sweep_once(harness, firestore_db):
    store(firestore_db, *due_and_not_due(2, 0))
    down = Sweep(firestore_db, harness.channels(smtp_port=free_port()), policy=POLICY).run(DUE_AT)
    assert down.notifications == {"retrying": 2, "sent": 2}  # the e-mails wait; the Zalo updates went
    assert harness.emails() == []
    later = harness.sweep(DUE_AT + timedelta(hours=1))
    assert (later.cases, later.notifications) == (0, {"sent": 2})
    assert len(harness.emails()) == 2
    assert harness.sweep(DUE_AT + timedelta(hours=2)).notifications == {}
    assert len(harness.emails()) == 2
    assert {(n["state"], n["attempts"]) for n in harness.notifications() if n["channel"] == "email"} == {
        ("sent", 2)
    }


def test_a_case_scheduled_under_older_rules_is_rescheduled_not_read_every_hour(harness, firestore_db):
    clock = start(hanoi(3, 10, 11))
    stale = clock.model_copy(update={"next_action_at": hanoi(3, 10, 8)})  # before anything is due
    store(firestore_db, new_case(stale))
    report = harness.sweep(DUE_AT)
    assert (report.cases, report.steps, report.notifications) == (1, {}, {})
    assert harness.sweep(DUE_AT).cases == 0
    stored = firestore_paths.agency_cases(firestore_db, "xa-00004").document("case-00000").get()
    assert stored.get("clock.next_action_at") == clock.next_action_at


# --- cost ---------------------------------------------------------------------------------------------


class ReadCounter:
    """Counts the documents a Firestore client reads: each one a query returns or a get fetches."""

    def __init__(self, db):
        self.reads = 0
        api = db._firestore_api
        api.run_query = self._counting(api.run_query, lambda response: bool(response.document.name))
        api.batch_get_documents = self._counting(
            api.batch_get_documents, lambda response: bool(response.found.name)
        )

    def _counting(self, call, is_document):
        def counted(*args, **kwargs):
            for response in call(*args, **kwargs):
                self.reads += is_document(response)
                yield response

        return counted


def test_a_sweep_reads_the_cases_due_not_all_the_open_cases(harness, firestore_db, project_id):
    from google.cloud import firestore

    store(firestore_db, *due_and_not_due(20, 4980))
    client = firestore.Client(project=project_id)
    counter = ReadCounter(client)
    report = harness.sweep(DUE_AT, db=client)
    assert report.cases == 20 and report.notifications == {"sent": 40}
    # Per due case: its snapshot from the query and its re-read in the claiming transaction (2). Once per
    # sweep: the contacts of each agency concerned (here 2). The 4,980 cases not due are never read.
    print(f"reads for 5,000 open cases of which 20 due: {counter.reads}")
    assert counter.reads <= 2 * 20 + 2 + 3


# --- through the real pipeline ------------------------------------------------------------------------


def test_the_citizen_hears_of_the_delay_and_of_progress_from_the_oa(pipeline, firestore_db):
    from pakn import runtime

    filed = pipeline.file_case(
        CITIZEN, "Tôi làm khai sinh cho con ở phường Trúc Bạch, quận Ba Đình mà cán bộ hẹn mãi không trả"
    )
    assert "Mã tra cứu: HN-" in filed[0]

    [snapshot] = firestore_db.collection_group("cases").stream()
    case = cases.Case.model_validate(snapshot.to_dict())
    accepted = deadlines.accept(case.clock, case.filed_at + timedelta(hours=1))  # the shipped rules
    snapshot.reference.update({"clock": accepted.model_dump()})

    # Once both the ward's answer deadline and the citizen's have passed (the entry point would use the
    # wall clock, so the sweep is run as the scheduler would run it then).
    now = max(accepted.agency.due_at, accepted.overall_due_at)
    db = runtime.firestore_db()
    sweep = Sweep(db, {"zalo": ZaloChannel(db, runtime.publish_outbound)})
    report = sweep.run(now)
    assert report.steps == {"breach": 1, "update_citizen": 1}
    pipeline.run()

    policy = deadlines.default_policy()
    expected = policy.due_after(accepted.overall_due_at, policy.limits(case.kind, case.level).extension)
    values = {"code": case.tracking_code, "agency": "Phường Ba Đình", "date": expected.strftime("%d/%m/%Y")}
    assert pipeline.replies(CITIZEN) == [
        messages.text("late_notice", **values),
        messages.text("progress_update", **values),
    ]
    assert sweep.run(now).steps == {}
    pipeline.run()
    assert pipeline.replies(CITIZEN) == []


def test_the_scheduled_entry_point_sweeps_on_post_and_only_answers_a_get(pipeline):
    client = pipeline.clients["sweep_deadlines"]
    assert client.get("/").get_json() == {"status": "ok"}
    response = client.post("/")
    assert response.status_code == 200
    assert response.get_json()["cases"] == 0


def test_one_case_that_cannot_be_swept_does_not_stop_the_others(harness, firestore_db):
    store(firestore_db, *due_and_not_due(3, 0))  # two at Phường Ba Đình, one at Sở Y tế
    firestore_paths.agency(firestore_db, "so-y-te").set({"id": "so-y-te", "contacts": {"lead": "nobody"}})
    report = harness.sweep(DUE_AT)
    assert (report.cases, report.failed) == (3, 1)
    assert report.steps == {"escalate_lead": 2, "update_citizen": 2}
    firestore_paths.agency(firestore_db, "so-y-te").set({"id": "so-y-te", "contacts": CONTACTS["so-y-te"]})
    assert harness.sweep(DUE_AT).steps == {"escalate_lead": 1, "update_citizen": 1}  # still due, swept now

"""Officials' e-mail against a local SMTP server, and the escalation plan that says who hears what."""

import json
import socket
from datetime import UTC, datetime

import pytest
from settings_factory import make_settings

from pakn.domain import messages
from pakn.domain.errors import ConfigurationError
from pakn.escalation.notify import EmailChannel, Notification
from pakn.escalation.officials import DEFAULT_PLAN, EscalationPlan, Official, default_plan
from pakn_dev.processes import free_port
from pakn_dev.smtp_standin import SmtpStandin

SENDER = "pakn@vp-ubnd.pakn.local"
HANDLER = "handler@xa-00004.pakn.local"
SWEEP_VALUES = {"code": "HN-ABC234", "agency": "Phường Ba Đình", "stage": "trả lời", "due": "31/03/2026"}


def notification(address: str = HANDLER) -> Notification:
    return Notification(
        key="case-1#breach#20260331T1000Z#official.breach#handlers0#email",
        case_id="case-1",
        agency_id="xa-00004",
        step="breach",
        role="handlers",
        channel="email",
        address=address,
        message="official.breach",
        text=messages.text("official.breach", **SWEEP_VALUES),
        created_at=datetime(2026, 3, 31, 10, tzinfo=UTC),
    )


def test_an_email_reaches_the_official_with_the_first_line_as_its_subject():
    with SmtpStandin() as smtp:
        channel = EmailChannel("127.0.0.1", smtp.port, SENDER, starttls=False)
        result = channel.send(notification())
        [received] = smtp.messages
    assert result.sent
    assert received["From"] == SENDER and received["To"] == HANDLER
    assert received["Subject"] == "[PAKN] Quá hạn trả lời phản ánh HN-ABC234"
    body = received.get_content()
    assert "đã quá hạn trả lời (ngày 31/03/2026)" in body and "Phường Ba Đình" in body


def test_a_refused_mailbox_is_a_permanent_failure_and_an_absent_server_a_transient_one():
    with SmtpStandin(refuse=frozenset({HANDLER})) as smtp:
        refused = EmailChannel("127.0.0.1", smtp.port, SENDER, starttls=False).send(notification())
        assert smtp.messages == []
    assert (refused.sent, refused.permanent) == (False, True)

    unreachable = EmailChannel("127.0.0.1", free_port(), SENDER, starttls=False, timeout=2).send(
        notification()
    )
    assert (unreachable.sent, unreachable.permanent) == (False, False)
    assert unreachable.reason == "ConnectionRefusedError"


def test_email_is_off_without_an_smtp_host_or_sender():
    assert EmailChannel.from_settings(make_settings()) is None
    assert EmailChannel.from_settings(make_settings(smtp_host="smtp.example.test")) is None
    channel = EmailChannel.from_settings(
        make_settings(smtp_host="127.0.0.1", smtp_sender=SENDER, smtp_password="not-logged")
    )
    assert channel is not None and channel.name == "email"
    assert "not-logged" not in repr(make_settings(smtp_password="not-logged"))


def test_an_official_has_one_address_per_channel():
    official = Official(email=HANDLER, zalo_user_id="9100000000000000001")
    assert official.address("email") == HANDLER
    assert official.address("zalo") == "9100000000000000001"
    assert Official(email=HANDLER).address("zalo") is None


def test_the_shipped_plan_escalates_up_the_ladder_and_tells_the_citizen_once():
    plan = default_plan()
    who = {step: [(r.agency, r.role) for r in recipients] for step, recipients in plan.steps.items()}
    assert who["remind"] == [("handling", "handlers")]
    assert ("handling", "handlers") in who["breach"]
    assert who["escalate_lead"] == [("handling", "lead")]
    assert who["escalate_office"] == [("office", "desk")]
    assert plan.office_agency_id == "vp-ubnd"
    late = [r for rs in plan.steps.values() for r in rs if r.message == "late_notice"]
    assert late and all(r.once_per_case and r.when == "answer_late" for r in late)


def test_every_sweep_message_renders_with_the_sweep_values():
    values = {**SWEEP_VALUES, "date": "14/04/2026"}
    for recipients in default_plan().steps.values():
        for recipient in recipients:
            text = messages.text(recipient.message, **values)
            assert "HN-ABC234" in text and "{" not in text
    assert messages.text("late_notice", **values) == (
        "Phản ánh HN-ABC234 của anh/chị đã quá hạn trả lời. Cơ quan xử lý: Phường Ba Đình. "
        "Dự kiến trả lời trước ngày 14/04/2026. Xin lỗi anh/chị vì sự chậm trễ."
    )


@pytest.mark.parametrize(
    "change",
    [
        lambda plan: plan["steps"].pop("escalate_office"),
        lambda plan: plan["steps"]["remind"][0].update(message="no.such.text"),
        lambda plan: plan["steps"]["remind"][0].update(role="mayor"),
    ],
)
def test_a_broken_plan_is_refused(tmp_path, change):
    plan = json.loads(DEFAULT_PLAN.read_text("utf-8"))
    change(plan)
    path = tmp_path / "escalation.json"
    path.write_text(json.dumps(plan), "utf-8")
    with pytest.raises(ConfigurationError):
        EscalationPlan.load(path)


def test_one_connection_carries_a_sweeps_emails_and_a_dropped_one_is_opened_again():
    with SmtpStandin() as smtp:
        channel = EmailChannel("127.0.0.1", smtp.port, SENDER, starttls=False)
        assert all(channel.send(notification()).sent for _ in range(5))
        assert smtp.sessions == 1 and len(smtp.messages) == 5
        channel._smtp.sock.shutdown(socket.SHUT_RDWR)  # the server (or the network) dropped it while idle
        assert channel.send(notification()).sent
        assert smtp.sessions == 2 and len(smtp.messages) == 6

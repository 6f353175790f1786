"""The console names every kind of notification a case keeps: one without a name would fail the case page.
And it says in words every reason the router gives: an official cannot read "low_confidence"."""

import ast
from pathlib import Path
from typing import get_args

import pytest

from pakn.cases.case import HistoryAction
from pakn.deadlines.clock import NotificationStep
from pakn.officials.console.texts import routing_reason, t
from pakn.routing import route
from pakn.routing.classify import OutsideBody


@pytest.mark.parametrize("step", get_args(NotificationStep))
def test_every_kind_of_notification_on_a_case_has_a_name_in_the_console(step):
    assert t(f"step.{step}", stage="trả lời").strip()


@pytest.mark.parametrize("action", get_args(HistoryAction))
def test_every_action_in_a_cases_history_has_a_name_in_the_console(action):
    assert t(f"history.{action}", agency="Sở Y tế", before="Thủ tục", after="Hành vi").strip()


def reasons_the_router_gives() -> list[str]:
    """Every reason code in pakn.routing.route, read from its source (a Route's third argument or its
    `reason=`, where the codes are written): a new code is caught as soon as it is written there. In an
    f-string each value stands as `*` (`outside:{body}` is `outside:*`)."""
    tree = ast.parse(Path(route.__file__).read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Route"
    ]
    reasons = []
    for call in calls:
        [reason] = call.args[2:3] or [k.value for k in call.keywords if k.arg == "reason"]
        if isinstance(reason, ast.Constant):
            reasons.append(reason.value)
        else:
            assert isinstance(reason, ast.JoinedStr), f"line {call.lineno}: a reason the test cannot read"
            parts = [v.value if isinstance(v, ast.Constant) else "*" for v in reason.values]
            reasons.append("".join(parts))
    return sorted(set(reasons))


def test_the_reasons_are_read_from_the_router():
    assert {"classified", "low_confidence", "outside:*"} <= set(reasons_the_router_gives())


@pytest.mark.parametrize("code", reasons_the_router_gives())
def test_every_reason_the_router_gives_has_words_in_the_console(code):
    words = routing_reason(code)
    assert words != t("case.routing.reason_unlabelled") and code.split(":")[0] not in words


def test_a_reason_without_words_reads_as_a_neutral_phrase_not_as_its_code():
    assert routing_reason("a_later_rule") == t("case.routing.reason_unlabelled")


@pytest.mark.parametrize("outcome", get_args(route.Outcome))
def test_every_routing_outcome_has_words_in_the_console(outcome):
    assert t(f"outcome.{outcome}").strip() and outcome not in t(f"outcome.{outcome}")


@pytest.mark.parametrize("body", get_args(OutsideBody))
def test_every_central_body_has_its_vietnamese_name_in_the_console(body):
    assert t(f"outside_body.{body}").strip() and body not in t(f"outside_body.{body}")

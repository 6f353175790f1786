"""The console names every kind of notification a case keeps: one without a name would fail the case page."""

from typing import get_args

import pytest

from pakn.cases.case import HistoryAction
from pakn.deadlines.clock import NotificationStep
from pakn.officials.console.texts import t


@pytest.mark.parametrize("step", get_args(NotificationStep))
def test_every_kind_of_notification_on_a_case_has_a_name_in_the_console(step):
    assert t(f"step.{step}", stage="trả lời").strip()


@pytest.mark.parametrize("action", get_args(HistoryAction))
def test_every_action_in_a_cases_history_has_a_name_in_the_console(action):
    assert t(f"history.{action}", agency="Sở Y tế").strip()

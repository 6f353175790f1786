"""`pakn workdays`: the deadlines' arithmetic on the command line."""

import subprocess
import sys

import pytest

from pakn_dev.cli import main


def pakn(capsys, *argv):
    code = main(["workdays", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "printed"),
    [
        (("add", "2026-02-13", "3"), "2026-02-25"),
        (("add", "2026-08-21", "1"), "2026-08-22"),
        (("add", "2026-02-23", "-1"), "2026-02-13"),
        (("add", "2026-02-13", "0"), "2026-02-13"),
        (("between", "2026-02-13", "2026-02-25"), "3"),
        (("between", "2026-02-25", "2026-02-13"), "-3"),
        (("between", "2026-04-24", "2026-05-04"), "3"),
    ],
)
def test_prints_one_result(capsys, argv, printed):
    assert pakn(capsys, *argv) == (0, printed + "\n", "")


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (("add", "13/02/2026", "3"), "not an ISO date (YYYY-MM-DD): '13/02/2026'"),
        (("add", "2026-02-30", "3"), "not an ISO date (YYYY-MM-DD): '2026-02-30'"),
        (("add", "2026-02-13", "three"), "not an integer: 'three'"),
        (("add", "2026-02-13", "1.5"), "not an integer: '1.5'"),
        (("between", "2026-02-13", "tomorrow"), "not an ISO date (YYYY-MM-DD): 'tomorrow'"),
        (("add", "9999-12-31", "1"), "date value out of range"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, argv, complaint):
    assert pakn(capsys, *argv) == (2, "", f"pakn workdays: {complaint}\n")


def test_run_as_a_program_it_shows_no_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "pakn_dev.cli", "workdays", "between", "2026-02-13", "soon"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == "pakn workdays: not an ISO date (YYYY-MM-DD): 'soon'\n"

"""`pakn workdays add DATE N` and `pakn workdays between A B`: the deadlines' own working-day arithmetic.

`add` prints the date N working days after DATE (before it if N is negative); `between` prints the number of
working days d with A < d <= B (negative when B is before A). Dates are ISO (YYYY-MM-DD).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from pakn.deadlines.workdays import default_calendar


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Reads only its arguments: `pakn workdays add DATE N` or `pakn workdays between A B`, dates as ISO "
        "(YYYY-MM-DD). Prints one line, a date or a number; bad input gets one line on stderr and exit "
        "status 2."
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="the date N working days after DATE",
        description="Prints the ISO date N working days after DATE (before it if N is negative).",
    )
    add.add_argument("date", metavar="DATE", help="ISO date, e.g. 2026-02-13")
    add.add_argument("n", metavar="N", help="working days, may be negative")
    between = actions.add_parser(
        "between",
        help="the working days d with A < d <= B",
        description="Prints the number of working days d with A < d <= B (negative when B is before A).",
    )
    between.add_argument("a", metavar="A", help="ISO date")
    between.add_argument("b", metavar="B", help="ISO date")


def run(args: argparse.Namespace) -> int:
    # Parsed here rather than by argparse types, so bad input gets one plain line, not a usage block.
    try:
        if args.action == "add":
            result = default_calendar().add_working_days(_iso_date(args.date), _integer(args.n)).isoformat()
        else:
            result = default_calendar().working_days_between(_iso_date(args.a), _iso_date(args.b))
    except (ValueError, OverflowError) as exc:
        print(f"pakn workdays: {exc}", file=sys.stderr)
        return 2
    print(result)
    return 0


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO date (YYYY-MM-DD): {text!r}") from None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"not an integer: {text!r}") from None

"""`pakn classify`: JSON lines {"id", "text"} on stdin, one JSON line per input on stdout.

Each output line is {"id", "kind", "level", "agency_id", "agency_name", "confidence", "evidence"}. A line
that cannot be read gives {"id", "error"} with a stable error code instead, and the run goes on: one bad
line in a batch must not cost the others. Blank lines are skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from pakn.routing.classify import classify

OUTPUT_FIELDS = ("kind", "level", "agency_id", "agency_name", "confidence", "evidence")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--details",
        action="store_true",
        help="also print place_ambiguous, outside_body and the classifier version",
    )


def run(args: argparse.Namespace) -> int:
    classify_lines(sys.stdin, sys.stdout, details=args.details)
    return 0


def classify_lines(lines: TextIO, out: TextIO, *, details: bool = False) -> None:
    for line in lines:
        if line.strip():
            out.write(json.dumps(_classify_line(line, details), ensure_ascii=False) + "\n")


def _classify_line(line: str, details: bool) -> dict[str, object]:
    try:
        message = json.loads(line)
    except json.JSONDecodeError:
        return {"id": None, "error": "invalid_json"}
    if not isinstance(message, dict):
        return {"id": None, "error": "not_an_object"}
    text = message.get("text")
    if not isinstance(text, str):
        return {"id": message.get("id"), "error": "missing_text"}
    result = classify(text).as_dict()
    fields = [*OUTPUT_FIELDS, "place_ambiguous", "outside_body", "version"] if details else OUTPUT_FIELDS
    return {"id": message.get("id"), **{name: result[name] for name in fields}}

"""`pakn classify TEXT...` or JSON lines {"id", "text"} on stdin: one JSON line per message on stdout.

With arguments, each argument is one message and its id is its position (1, 2, ...); stdin is not read.
Without, stdin is read as JSON lines. Each output line is {"id", "kind", "level", "agency_id",
"agency_name", "confidence", "evidence"}. A stdin line that cannot be read gives {"id", "error"} with a
stable error code instead, and the run goes on: one bad line in a batch must not cost the others. Blank
lines are skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from pakn.routing.classify import classify

OUTPUT_FIELDS = ("kind", "level", "agency_id", "agency_name", "confidence", "evidence")


STDIN_HINT = 'pakn classify: reading JSON lines {"id": ..., "text": "..."} from stdin (Ctrl-D ends)'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = """input: the TEXT arguments, each one message (its id is its position: 1, 2, ...);
  without TEXT, JSON lines {"id": ..., "text": "..."} from stdin (a bad line gives {"id", "error"})
output: one JSON line per message on stdout

examples:
  pakn classify "làm khai sinh ở phường Ba Đình chậm" "chào ad"
  pakn classify --details < tests/data/labelled_messages.jsonl"""
    parser.add_argument(
        "texts",
        nargs="*",
        metavar="TEXT",
        help="a message to classify (quote it); none: read JSON lines from stdin",
    )
    parser.add_argument(
        "--details",
        action="store_true",
        help="also print place_ambiguous, outside_body and the classifier version",
    )


def run(args: argparse.Namespace) -> int:
    if args.texts:
        classify_texts(args.texts, sys.stdout, details=args.details)
        return 0
    if sys.stdin.isatty():
        # Otherwise a newcomer who typed `pakn classify` sees nothing happen.
        print(STDIN_HINT, file=sys.stderr)
    classify_lines(sys.stdin, sys.stdout, details=args.details)
    return 0


def classify_texts(texts: list[str], out: TextIO, *, details: bool = False) -> None:
    for position, text in enumerate(texts, start=1):
        out.write(json.dumps(_classified(position, text, details), ensure_ascii=False) + "\n")


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
    return _classified(message.get("id"), text, details)


def _classified(identifier: object, text: str, details: bool) -> dict[str, object]:
    result = classify(text).as_dict()
    fields = [*OUTPUT_FIELDS, "place_ambiguous", "outside_body", "version"] if details else OUTPUT_FIELDS
    return {"id": identifier, **{name: result[name] for name in fields}}

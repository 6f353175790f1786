"""`pakn classify`: JSON lines in, one JSON line out per input, bad lines reported, not fatal."""

import io
import json
import sys

import pytest

from pakn_dev.cli import main


def run_classify(monkeypatch, stdin: str, *args: str) -> tuple[int, list[dict]]:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setattr(sys, "stdout", out)
    code = main(["classify", *args])
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_output_line_per_input_line(monkeypatch):
    stdin = "\n".join(
        json.dumps({"id": identifier, "text": text}, ensure_ascii=False)
        for identifier, text in [(1, "làm khai sinh ở phường Ba Đình chậm"), ("b", "chào ad")]
    )
    code, lines = run_classify(monkeypatch, stdin + "\n")
    assert code == 0
    assert [line["id"] for line in lines] == [1, "b"]
    first = lines[0]
    assert set(first) == {"id", "kind", "level", "agency_id", "agency_name", "confidence", "evidence"}
    assert (first["kind"], first["level"], first["agency_id"]) == ("procedure", "commune", "xa-00004")
    assert first["agency_name"] == "Phường Ba Đình"


def test_output_keeps_vietnamese_unescaped(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"id": 1, "text": "Sở Y tế chậm cấp phép phòng khám"}\n'))
    monkeypatch.setattr(sys, "stdout", out)
    main(["classify"])
    assert "Sở Y tế" in out.getvalue()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("not json", {"id": None, "error": "invalid_json"}),
        ("[1, 2]", {"id": None, "error": "not_an_object"}),
        ('{"id": 7}', {"id": 7, "error": "missing_text"}),
        ('{"id": 8, "text": 42}', {"id": 8, "error": "missing_text"}),
    ],
)
def test_a_malformed_line_gives_an_error_line_and_the_run_goes_on(monkeypatch, line, expected):
    code, lines = run_classify(monkeypatch, f'{line}\n{{"id": 9, "text": "chào"}}\n')
    assert code == 0
    assert lines[0] == expected
    assert lines[1]["id"] == 9 and lines[1]["kind"] == "out_of_scope"


def test_blank_lines_are_skipped(monkeypatch):
    code, lines = run_classify(monkeypatch, '\n\n{"id": 1, "text": "chào"}\n\n')
    assert code == 0 and len(lines) == 1


def test_details_adds_ambiguity_outside_body_and_version(monkeypatch):
    _, lines = run_classify(monkeypatch, '{"id": 1, "text": "làm cccd chậm"}\n', "--details")
    assert lines[0]["outside_body"] == "police"
    assert lines[0]["place_ambiguous"] is False
    assert lines[0]["version"]

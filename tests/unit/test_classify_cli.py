"""`pakn classify`: text arguments or JSON lines in, one JSON line out per message, bad lines reported."""

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
    _, lines = run_classify(monkeypatch, '{"id": 1, "text": "làm cccd ở công an phường chậm"}\n', "--details")
    assert lines[0]["outside_body"] == "police"
    assert lines[0]["place_ambiguous"] is False
    assert lines[0]["version"]


def test_text_given_as_arguments_is_classified_one_line_per_argument(monkeypatch):
    # Arguments win over stdin: what is piped in is not read when text is given.
    code, lines = run_classify(
        monkeypatch, '{"id": "stdin", "text": "chào"}\n', "làm khai sinh ở phường Ba Đình chậm", "chào ad"
    )
    assert code == 0
    assert [line["id"] for line in lines] == [1, 2]
    first = lines[0]
    assert set(first) == {"id", "kind", "level", "agency_id", "agency_name", "confidence", "evidence"}
    assert (first["kind"], first["level"], first["agency_id"]) == ("procedure", "commune", "xa-00004")
    assert lines[1]["kind"] == "out_of_scope"


def test_an_argument_is_classified_as_the_same_text_on_stdin_would_be(monkeypatch):
    text = "Sở Y tế chậm cấp phép phòng khám"
    _, from_stdin = run_classify(monkeypatch, json.dumps({"id": 1, "text": text}) + "\n", "--details")
    _, from_argument = run_classify(monkeypatch, "", "--details", text)
    assert from_argument == from_stdin
    assert from_argument[0]["agency_name"] == "Sở Y tế"


def test_help_says_what_input_it_reads(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["classify", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "TEXT" in text and "stdin" in text and "JSON lines" in text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_arguments_at_a_terminal_it_says_it_reads_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", Terminal('{"id": 1, "text": "chào"}\n'))
    assert main(["classify"]) == 0
    captured = capsys.readouterr()
    assert "stdin" in captured.err and "Ctrl-D" in captured.err
    [line] = [json.loads(line) for line in captured.out.splitlines()]
    assert line["id"] == 1 and line["kind"] == "out_of_scope"

"""`pakn training fit` installs a retrained model only if it is worse on no field of the test split
(pakn_dev.retraining): the decision on its own, then the command with the fitting stubbed (the real one
takes about 20 s and is the same code `make eval` measures)."""

from __future__ import annotations

import argparse
import json
import shutil
from collections import Counter

import pytest

from pakn_dev import retraining, training
from pakn_dev.commands import training as command
from pakn_dev.eval_classifier import DEFAULT_PATH, Evaluation, load_labelled
from pakn_dev.retraining import Retrained, acceptance, comparison, worse_fields


def evaluation(kind=0.949, level=0.947, agency=0.948, wrong=0.019) -> Evaluation:
    return Evaluation(431, kind, level, agency, wrong, 286, Counter(), Counter(), Counter())


@pytest.mark.parametrize(
    ("candidate", "worse"),
    [
        (evaluation(), []),
        (evaluation(kind=0.96, level=0.95, agency=0.95, wrong=0.01), []),
        # More kinds right, but more citizens sent to the wrong office: not an improvement.
        (evaluation(kind=0.97, wrong=0.021), ["wrong-agency rate"]),
        (evaluation(agency=0.9479), ["agency accuracy"]),
        (
            evaluation(kind=0.9, level=0.9, agency=0.9, wrong=0.05),
            ["kind accuracy", "level accuracy", "agency accuracy", "wrong-agency rate"],
        ),
    ],
)
def test_a_candidate_worse_on_any_field_is_not_installed(candidate, worse):
    assert worse_fields(evaluation(), candidate) == worse


def test_both_models_are_shown_side_by_side_per_field():
    lines = comparison(evaluation(), evaluation(kind=0.96, wrong=0.021))
    assert lines[0] == "test split: 431 messages (286 with a determined agency)"
    assert lines[2].split() == ["kind", "accuracy", "94.9%", "96.0%", "+1.1"]
    assert lines[5].split() == ["wrong-agency", "rate", "1.9%", "2.1%", "+0.2", "worse"]
    assert len(lines) == 6  # one batch: nothing more to show


def test_each_batch_of_the_test_split_is_shown_beside_the_whole():
    batches = {
        "t": (evaluation(), evaluation(kind=0.96)),
        "q": (evaluation(kind=0.90), evaluation(kind=0.92)),
    }
    lines = comparison(evaluation(), evaluation(kind=0.95), batches)
    assert lines[6] == "by batch, installed -> candidate (the gate judges the whole split):"
    assert lines[7].startswith("  q…  431: kind 90.0% -> 92.0%, level 94.7% -> 94.7%")
    assert lines[8].startswith("  t…  431: kind 94.9% -> 96.0%")
    assert lines[8].endswith("wrong-agency 1.9% -> 1.9%")


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A copy of the installed model stands in for data/model.json."""
    path = tmp_path / "model.json"
    shutil.copy(training.MODEL_PATH, path)
    monkeypatch.setattr(training, "MODEL_PATH", path)
    return path


def fitting(monkeypatch, content: dict) -> list:
    seen = []

    def fit(train, dev, log=print):
        seen.append((len(train), len(dev)))
        return content

    monkeypatch.setattr(training, "fit", fit)
    return seen


def arguments(*learnt, install=True, accept=None) -> argparse.Namespace:
    return argparse.Namespace(action="fit", learnt=list(learnt), install=install, accept=accept)


def test_a_model_worse_on_no_field_is_installed_only_when_asked(installed, monkeypatch, tmp_path):
    content = json.loads(installed.read_text(encoding="utf-8"))
    content["version"] = "retrained"
    seen = fitting(monkeypatch, content)
    learnt = tmp_path / "learnt.jsonl"
    row = {
        "id": "x0123456789",
        "text": "Sở Xây dựng chậm cấp phép cho tôi",
        "kind": "procedure",
        "level": "department",
        "agency_id": "so-xay-dung",
        "split": "train",
    }
    learnt.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    said = []
    assert command.fit(arguments(learnt, install=False), out=said.append) == 0
    assert json.loads(installed.read_text(encoding="utf-8"))["version"] != "retrained"
    assert command.fit(arguments(learnt), out=said.append) == 0
    assert json.loads(installed.read_text(encoding="utf-8"))["version"] == "retrained"
    # The train split and the learnt row; dev beside them.
    assert seen[0] == (len(load_labelled(DEFAULT_PATH, "train")) + 1, len(load_labelled(DEFAULT_PATH, "dev")))
    assert any(line.startswith("installed ") for line in said)


def test_a_model_worse_on_some_field_is_refused_and_the_installed_one_stays(installed, monkeypatch):
    before = installed.read_text(encoding="utf-8")
    content = json.loads(before)
    kinds = content["heads"]["kind"]
    kinds["bias"][kinds["classes"].index("out_of_scope")] += 50  # everything looks out of scope
    fitting(monkeypatch, content)
    said = []
    assert command.fit(arguments(), out=said.append) == 1
    assert installed.read_text(encoding="utf-8") == before
    assert said[-1].startswith("not installed: the new model is worse on kind accuracy, level accuracy")


def retrained_as(monkeypatch, candidate: Evaluation) -> None:
    """The retraining stubbed: a candidate evaluated as `candidate`, the installed model as evaluation()."""
    content = {"version": "candidate"}
    monkeypatch.setattr(retraining, "retrain", lambda *_, **__: Retrained(content, evaluation(), candidate))


def test_a_loss_on_the_wrong_agency_rate_alone_may_be_accepted_with_a_reason_the_model_keeps(
    installed, monkeypatch
):
    retrained_as(monkeypatch, evaluation(kind=0.97, wrong=0.021))
    said = []
    assert command.fit(arguments(accept="CV over 2,155: 28 wrong routes, not 46"), out=said.append) == 0
    kept = json.loads(installed.read_text(encoding="utf-8"))
    assert kept["version"] == "candidate"
    assert kept["accepted_over_gate"]["worse"] == ["wrong-agency rate"]
    assert kept["accepted_over_gate"]["reason"] == "CV over 2,155: 28 wrong routes, not 46"
    assert kept["accepted_over_gate"]["test"]["wrong-agency rate"] == {"installed": 0.019, "candidate": 0.021}


@pytest.mark.parametrize(
    ("candidate", "install", "accept"),
    [
        (evaluation(agency=0.94, wrong=0.021), True, "better kinds"),  # an accuracy lost: never accepted
        (evaluation(wrong=0.021), False, "a reason"),  # accepting is installing
        (evaluation(wrong=0.021), True, "  "),  # no reason given
    ],
)
def test_a_loss_is_not_accepted_on_an_accuracy_without_install_or_without_a_reason(
    installed, monkeypatch, candidate, install, accept
):
    before = installed.read_text(encoding="utf-8")
    retrained_as(monkeypatch, candidate)
    assert command.fit(arguments(install=install, accept=accept), out=[].append) == 1
    assert installed.read_text(encoding="utf-8") == before


def test_acceptance_refuses_what_only_the_gate_may_decide():
    with pytest.raises(ValueError):
        acceptance(evaluation(), evaluation(level=0.9, wrong=0.03), "reason")
    with pytest.raises(ValueError):
        acceptance(evaluation(), evaluation(), "nothing is worse")

"""`python -m pakn_dev.eval_classifier [PATH]`: the classifier against the labelled messages.

Prints kind, level and agency accuracy, the wrong-agency rate and the commonest confusions; exits 1 when
a target is missed, so CI fails on a regression. Agency accuracy counts only messages whose text
determines the agency (a non-null expected agency_id); the wrong-agency rate counts, over all messages,
a non-null agency that differs from the expected one, which is the mistake that sends a citizen's item
to the wrong office.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pakn.routing.classify import classify

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "tests" / "data" / "labelled_messages.jsonl"
TARGETS = {"kind_accuracy": 0.90, "agency_accuracy": 0.90}
MAX_WRONG_AGENCY_RATE = 0.05


@dataclass(frozen=True)
class Evaluation:
    total: int
    kind_accuracy: float
    level_accuracy: float
    agency_accuracy: float  # over messages whose text determines the agency
    wrong_agency_rate: float  # over all messages
    confusions: Counter[str]

    def failures(self) -> list[str]:
        failed = [
            f"{name} {value:.1%} < {target:.0%}"
            for name, target in TARGETS.items()
            if (value := getattr(self, name)) < target
        ]
        if self.wrong_agency_rate >= MAX_WRONG_AGENCY_RATE:
            failed.append(f"wrong_agency_rate {self.wrong_agency_rate:.1%} >= {MAX_WRONG_AGENCY_RATE:.0%}")
        return failed


def load_labelled(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def evaluate(messages: list[dict]) -> Evaluation:
    kind_right = level_right = agency_right = determined = wrong_agency = 0
    confusions: Counter[str] = Counter()
    for message in messages:
        result = classify(message["text"])
        kind_right += result.kind == message["kind"]
        level_right += result.level == message["level"]
        if message["agency_id"] is not None:
            determined += 1
            agency_right += result.agency_id == message["agency_id"]
        if result.agency_id is not None and result.agency_id != message["agency_id"]:
            wrong_agency += 1
        if result.kind != message["kind"]:
            confusions[f"kind {message['kind']} -> {result.kind}"] += 1
        if result.level != message["level"]:
            confusions[f"level {message['level']} -> {result.level}"] += 1
        if result.agency_id != message["agency_id"]:
            confusions[f"agency {message['agency_id']} -> {result.agency_id}"] += 1
    total = len(messages)
    return Evaluation(
        total=total,
        kind_accuracy=kind_right / total,
        level_accuracy=level_right / total,
        agency_accuracy=agency_right / determined if determined else 1.0,
        wrong_agency_rate=wrong_agency / total,
        confusions=confusions,
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else DEFAULT_PATH
    evaluation = evaluate(load_labelled(path))
    print(f"messages            {evaluation.total}")
    print(f"kind accuracy       {evaluation.kind_accuracy:.1%}  (target >= {TARGETS['kind_accuracy']:.0%})")
    print(f"level accuracy      {evaluation.level_accuracy:.1%}")
    print(
        f"agency accuracy     {evaluation.agency_accuracy:.1%}  (where determined; target >= "
        f"{TARGETS['agency_accuracy']:.0%})"
    )
    print(f"wrong-agency rate   {evaluation.wrong_agency_rate:.1%}  (target < {MAX_WRONG_AGENCY_RATE:.0%})")
    print("commonest confusions (expected -> got):")
    for confusion, count in evaluation.confusions.most_common(15):
        print(f"  {count:3d}  {confusion}")
    failures = evaluation.failures()
    for failure in failures:
        print(f"FAIL {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

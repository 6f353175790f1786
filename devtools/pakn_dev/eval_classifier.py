"""`python -m pakn_dev.eval_classifier [PATH] [--split NAME]`: the classifier against the labelled messages.

Prints, for the test split (tests/data/LABELLING.md: the model is fitted on train and dev, chosen and
calibrated by cross-validation over both, and never tuned on test; `--split dev` shows a split it was
trained on), what the model was trained on, the accuracy of each field, the wrong-agency rate,
and confusion tables of kinds and of agencies. Exits 1 when the test split misses a target, so CI fails on
a regression.

- kind, level: over every message of the split (level None is right for out-of-scope items).
- agency: over the messages whose text determines the agency (a non-null expected agency_id).
- wrong agency: over every message, a non-null agency that differs from the expected one -- the mistake
  that sends a citizen's item to the wrong office and starts the wrong agency's clock. None (the desk
  triages) is never a wrong agency.
- routed: what the conversation does with each message at XONG (pakn.routing.route, routing.json), beside
  what the same rules do with its label: filed with the right agency, filed with a wrong one (the cost the
  issue measures: "routed to a wrong agency"), sent to the triage desk, asked the citizen first (neither
  right nor wrong until they answer), turned away (and of those, how many were in scope).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pakn.platform.configuration import DATA_DIR
from pakn.routing.classify import Classification, classify
from pakn.routing.route import ASKING, Route, route

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "tests" / "data" / "labelled_messages.jsonl"
# The targets, on held-out messages.
TARGETS = {"kind_accuracy": 0.95, "level_accuracy": 0.93, "agency_accuracy": 0.97}
MAX_WRONG_AGENCY_RATE = 0.01
# What CI enforces on the test split: the installed model's figures (97.6 / 97.0 / 96.2 %, 1.6 % wrong on
# 2026-12-04) less a margin of five to thirteen messages, so a regression fails while the targets above stay
# the goal (README reports both).
FLOORS = {"kind_accuracy": 0.96, "level_accuracy": 0.95, "agency_accuracy": 0.95}
MAX_WRONG_AGENCY_FLOOR = 0.025
KINDS = ("procedure", "conduct", "regulation", "out_of_scope")


@dataclass(frozen=True)
class Evaluation:
    total: int
    kind_accuracy: float
    level_accuracy: float
    agency_accuracy: float  # over messages whose text determines the agency
    wrong_agency_rate: float  # over all messages
    determined: int
    confusions: Counter[str]
    kind_table: Counter[tuple[str, str]]
    agency_table: Counter[tuple[str, str]]

    def failures(
        self, floors: dict[str, float] = FLOORS, max_wrong: float = MAX_WRONG_AGENCY_FLOOR
    ) -> list[str]:
        failed = [
            f"{name} {value:.1%} < {target:.0%}"
            for name, target in floors.items()
            if (value := getattr(self, name)) < target
        ]
        if self.wrong_agency_rate > max_wrong:
            failed.append(f"wrong_agency_rate {self.wrong_agency_rate:.1%} > {max_wrong:.1%}")
        return failed


@dataclass(frozen=True)
class Routing:
    """What routing does with a split's messages (`evaluate_routes`), each counted once."""

    total: int
    filed_right: int
    filed_wrong: int
    to_desk: int
    asked: int
    turned_away: int
    turned_away_in_scope: int

    @property
    def wrong_route_rate(self) -> float:
        return self.filed_wrong / self.total if self.total else 0.0


def _labelled_route(message: dict) -> Route:
    """Where the rules send the message as labelled: its label as a sure classification, the place asked
    already (a commune case with no unit named goes to the desk), read by the same `route`."""
    label = Classification(
        kind=message["kind"],
        level=message["level"],
        agency_id=message["agency_id"],
        agency_name=None,
        confidence=1.0,
        evidence=(),
    )
    return route(label, place_asked=True, text=message["text"])


def evaluate_routes(messages: list[dict], classifier: Callable[[str], Classification] = classify) -> Routing:
    counts: Counter[str] = Counter()
    for message in messages:
        got = route(classifier(message["text"]), place_asked=False, text=message["text"])
        expected = _labelled_route(message)
        if got.outcome in ASKING:
            counts["asked"] += 1
        elif got.outcome == "agency":
            right = expected.outcome == "agency" and got.agency_id == expected.agency_id
            counts["filed_right" if right else "filed_wrong"] += 1
        elif got.outcome == "out_of_scope":
            counts["turned_away"] += 1
            counts["turned_away_in_scope"] += expected.outcome != "out_of_scope"
        else:  # triage, outside: the Office's desk
            counts["to_desk"] += 1
    return Routing(
        total=len(messages),
        **{name: counts[name] for name in Routing.__dataclass_fields__ if name != "total"},
    )


def load_labelled(path: Path, split: str | None = None) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return [row for row in rows if split is None or row.get("split") == split]


def origin(message: dict) -> str:
    """Which batch a message comes from: its id's letter (LABELLING.md lists them)."""
    return message["id"][0]


def by_origin(messages: list[dict]) -> dict[str, list[dict]]:
    """The messages of each batch (`origin`), batches in alphabetical order."""
    batches: dict[str, list[dict]] = {}
    for message in messages:
        batches.setdefault(origin(message), []).append(message)
    return dict(sorted(batches.items()))


def _agency_group(agency_id: str | None) -> str:
    """Agencies for the confusion table: departments by id, communes as one group, none as '-'."""
    if agency_id is None:
        return "-"
    return "commune" if agency_id.startswith("xa-") else agency_id


def evaluate(messages: list[dict], classifier: Callable[[str], Classification] = classify) -> Evaluation:
    kind_right = level_right = agency_right = determined = wrong_agency = 0
    confusions: Counter[str] = Counter()
    kind_table: Counter[tuple[str, str]] = Counter()
    agency_table: Counter[tuple[str, str]] = Counter()
    for message in messages:
        result = classifier(message["text"])
        kind_right += result.kind == message["kind"]
        level_right += result.level == message["level"]
        kind_table[(message["kind"], result.kind)] += 1
        if message["agency_id"] is not None:
            determined += 1
            agency_right += result.agency_id == message["agency_id"]
        if result.agency_id is not None and result.agency_id != message["agency_id"]:
            wrong_agency += 1
        expected_group, got_group = _agency_group(message["agency_id"]), _agency_group(result.agency_id)
        if expected_group == got_group == "commune" and message["agency_id"] != result.agency_id:
            got_group = "other commune"
        if expected_group != "-" or got_group != "-":
            agency_table[(expected_group, got_group)] += 1
        if result.kind != message["kind"]:
            confusions[f"kind {message['kind']} -> {result.kind}"] += 1
        if result.level != message["level"]:
            confusions[f"level {message['level']} -> {result.level}"] += 1
        if result.agency_id != message["agency_id"]:
            confusions[f"agency {message['agency_id']} -> {result.agency_id}"] += 1
    total = len(messages)
    return Evaluation(
        total=total,
        kind_accuracy=kind_right / total if total else 1.0,
        level_accuracy=level_right / total if total else 1.0,
        agency_accuracy=agency_right / determined if determined else 1.0,
        wrong_agency_rate=wrong_agency / total if total else 0.0,
        determined=determined,
        confusions=confusions,
        kind_table=kind_table,
        agency_table=agency_table,
    )


def _short(agency: str) -> str:
    return agency.removeprefix("so-")[:12]


def report(name: str, evaluation: Evaluation, out=print) -> None:
    out(f"== {name} split: {evaluation.total} messages ({evaluation.determined} with a determined agency)")
    out(f"kind accuracy       {evaluation.kind_accuracy:6.1%}  (target >= {TARGETS['kind_accuracy']:.0%})")
    out(f"level accuracy      {evaluation.level_accuracy:6.1%}  (target >= {TARGETS['level_accuracy']:.0%})")
    out(
        f"agency accuracy     {evaluation.agency_accuracy:6.1%}  "
        f"(where determined; target >= {TARGETS['agency_accuracy']:.0%})"
    )
    out(f"wrong-agency rate   {evaluation.wrong_agency_rate:6.1%}  (target <= {MAX_WRONG_AGENCY_RATE:.0%})")
    out("kinds (rows expected, columns classified):")
    out("  " + " " * 13 + "".join(f"{kind[:11]:>12s}" for kind in KINDS))
    for expected in KINDS:
        cells = "".join(f"{evaluation.kind_table[(expected, got)]:12d}" for got in KINDS)
        out(f"  {expected:13s}{cells}")
    groups = sorted({group for pair in evaluation.agency_table for group in pair} - {"-", "commune"})
    groups = ["commune", *groups, "-"]
    out("agencies (rows expected, columns classified; '-' none, communes as one group; off-diagonal only):")
    for expected in groups:
        row = {got: count for (want, got), count in evaluation.agency_table.items() if want == expected}
        right = row.pop(expected, 0)
        if not row:
            continue
        wrong = ", ".join(
            f"{_short(got)} {count}" for got, count in sorted(row.items(), key=lambda item: -item[1])
        )
        out(f"  {_short(expected):13s} right {right:3d}; to {wrong}")


def report_origins(messages: list[dict], classifier: Callable[[str], Classification], out=print) -> None:
    """A split's figures per batch, when it holds several: the test split's `t` rows were written before any
    model existed and have judged every model since, its `q` rows once five had been chosen between on the
    `t` rows (LABELLING.md), so each batch is reported apart as well as together."""
    batches = by_origin(messages)
    if len(batches) < 2:
        return
    out("by batch (LABELLING.md):")
    for name, chosen in batches.items():
        evaluation, routes = evaluate(chosen, classifier), evaluate_routes(chosen, classifier)
        out(
            f"  {name}… {evaluation.total:4d} messages: kind {evaluation.kind_accuracy:6.1%}  "
            f"level {evaluation.level_accuracy:6.1%}  agency {evaluation.agency_accuracy:6.1%} "
            f"({evaluation.determined})  wrong agency {evaluation.wrong_agency_rate:5.1%}  "
            f"routed to a wrong agency {routes.filed_wrong} ({routes.wrong_route_rate:.1%})"
        )


def report_routes(routing: Routing, out=print) -> None:
    """What the conversation does with the split at XONG, beside what the same rules do with its labels."""

    def share(count: int) -> str:
        return f"{count:4d} ({count / routing.total:5.1%})" if routing.total else f"{count:4d}"

    out("routed at XONG (routing.json's rules, beside the same rules applied to the labels):")
    out(f"  filed with the right agency   {share(routing.filed_right)}")
    out(
        f"  filed with a wrong agency     {share(routing.filed_wrong)}  "
        f"(target <= {MAX_WRONG_AGENCY_RATE:.0%}: routed to a wrong agency)"
    )
    out(f"  sent to the triage desk       {share(routing.to_desk)}")
    out(f"  asked the citizen first       {share(routing.asked)}")
    out(
        f"  turned away                   {share(routing.turned_away)}, "
        f"{routing.turned_away_in_scope} of them in scope"
    )


def trained_on() -> str:
    """What the installed model learnt from (pakn_dev.training), and its heads' cross-validated accuracy
    where it was chosen by cross-validation over train and dev (then only the test split is held out)."""
    model = json.loads((DATA_DIR / "model.json").read_text(encoding="utf-8"))
    sizes = model.get("trained_on", {})
    if "folds" not in sizes:
        return f"model {model['version']}: fitted on train ({sizes.get('train')}), calibrated on dev"
    heads = ", ".join(f"{name} {head['cv_accuracy']:.1%}" for name, head in model["heads"].items())
    line = (
        f"model {model['version']}: fitted on train ({sizes['train']}) and dev ({sizes['dev']}), chosen and "
        f"calibrated by {sizes['folds']}-fold cross-validation over both; heads' accuracy there: {heads}"
    )
    accepted = model.get("accepted_over_gate")
    if accepted:
        line += (
            f"\ninstalled although worse on {', '.join(accepted['worse'])}, by decision: {accepted['reason']}"
        )
    return line


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv and not argv[0].startswith("--") else DEFAULT_PATH
    splits = [argv[argv.index("--split") + 1]] if "--split" in argv else ["test"]
    print(trained_on())
    print()
    failures: list[str] = []
    for split in splits:
        messages = load_labelled(path, split)
        if not messages:
            continue
        # Classified once: the accuracies and the routes read the same classifications.
        classified = {message["text"]: classify(message["text"]) for message in messages}
        evaluation = evaluate(messages, classified.__getitem__)
        report(split, evaluation)
        report_routes(evaluate_routes(messages, classified.__getitem__))
        report_origins(messages, classified.__getitem__)
        print()
        if split == "test":
            failures = evaluation.failures()
    for failure in failures:
        print(f"FAIL test split: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

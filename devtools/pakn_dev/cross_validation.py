"""`python -m pakn_dev.cross_validation [--c C]`: the classifier end to end, judged on messages its model
did not see, over train and dev only (the test split is never read here).

Train and dev are cut into FOLDS folds by a digest of each message's id (stable, whatever the file's
order); for each fold a model is fitted on the others (`pakn_dev.training.fit`, regularisation fixed at `--c`
for speed: the grid search would repeat itself inside every fold) and classifies the fold. Printed: each
field's accuracy and the wrong-agency rate (pakn_dev.eval_classifier), then what routing does with the same
classifications (filed right or wrong, desk, asked, turned away). This is the figure to change rules and
data against; `make eval` (test) is only for reporting. About 3 minutes on one core.
"""

from __future__ import annotations

import argparse
import hashlib
import sys

from pakn.routing.classify import Classification
from pakn_dev import retraining, training
from pakn_dev.eval_classifier import (
    DEFAULT_PATH,
    evaluate,
    evaluate_routes,
    load_labelled,
    report,
    report_routes,
)

FOLDS = 5
FIXED_C = 3.0


def fold_of(message: dict) -> int:
    return int(hashlib.md5(message["id"].encode(), usedforsecurity=False).hexdigest(), 16) % FOLDS


def out_of_fold(messages: list[dict], c: float = FIXED_C) -> dict[str, Classification]:
    """Each message's classification by the model fitted on the other folds, by its text (a text the set
    holds twice is judged by one of its folds)."""
    classified: dict[str, Classification] = {}
    for fold in range(FOLDS):
        fitted = training.fit(
            [message for message in messages if fold_of(message) != fold],
            [],
            log=lambda *_: None,
            c_grid=(c,),
        )
        classifier = retraining.classifier_with(retraining.model_of(fitted))
        for message in messages:
            if fold_of(message) == fold:
                classified[message["text"]] = classifier.classify(message["text"])
    return classified


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pakn_dev.cross_validation", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--c", type=float, default=FIXED_C, help="each head's regularisation strength")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    messages = [message for message in load_labelled(DEFAULT_PATH) if message["split"] in ("train", "dev")]
    classified = out_of_fold(messages, args.c)
    report(f"train and dev ({FOLDS}-fold cross-validated)", evaluate(messages, classified.__getitem__))
    report_routes(evaluate_routes(messages, classified.__getitem__))
    return 0


if __name__ == "__main__":
    sys.exit(main())

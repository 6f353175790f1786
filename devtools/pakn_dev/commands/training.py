"""`pakn training`: the classifier learns from officials' corrections.

    pakn training export [--out FILE]    every training example kept from officials' transfers
                                         (pakn.cases.corrections), as JSON lines of the labelled set:
                                         ids `x…`, split train, one per text, redacted again
    pakn training fit [--with FILE ...] [--install [--accept REASON]]
                                         a model fitted on train, dev and the exported FILEs (chosen and
                                         calibrated by cross-validation over them), compared with the
                                         installed one on the test split, field by field; --install
                                         writes functions/pakn/data/model.json, only if the new model is
                                         worse on no field; --accept: or worse on the wrong-agency rate
                                         alone, a person's decision kept in the model file with REASON

`fit` exits 1 when the new model is worse on some field (with or without --install), so a script can
stop there. Installing changes CLASSIFIER_VERSION (it digests the model file), which every case filed
afterwards records: commit the model with the examples it learnt from (add them to
tests/data/labelled_messages.jsonl after reading them through).

Where `export` reads: `--project PROJECT_ID` is the real project, with Application Default Credentials
(roles/datastore.user); otherwise the Firestore emulator, from FIRESTORE_EMULATOR_HOST (project
GOOGLE_CLOUD_PROJECT, default demo-pakn) or from the stack `pakn dev` runs (its stack.json in --work-dir,
default .pakn-dev/).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.epilog = __doc__[__doc__.index("    pakn training export") :]
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = sub.add_parser("export", help="the examples learnt from transfers, as labelled-set JSON lines")
    export.add_argument("--out", type=Path, help="write them to this file (default: stdout)")
    export.add_argument("--project", help="the real Google Cloud project (Application Default Credentials)")
    export.add_argument(
        "--work-dir", type=Path, help="the stack `pakn dev` runs: its folder, with stack.json (.pakn-dev/)"
    )
    fit = sub.add_parser("fit", help="retrain, compare with the installed model on test, maybe install it")
    fit.add_argument(
        "--with",
        dest="learnt",
        nargs="+",
        action="extend",
        default=[],
        type=Path,
        metavar="FILE",
        help="learnt rows (`export`'s output) to train on too",
    )
    fit.add_argument(
        "--install", action="store_true", help="write data/model.json if the new model is worse on no field"
    )
    fit.add_argument(
        "--accept",
        metavar="REASON",
        help="with --install: install although worse on the wrong-agency rate (never on an accuracy), "
        "keeping REASON and both models' figures in the model file",
    )


def run(args) -> int:
    return export(args) if args.action == "export" else fit(args)


# --- export ------------------------------------------------------------------------------------------


def export(args, environ=os.environ) -> int:
    from pakn_dev.stack import NoTarget

    try:
        project = firestore_project(args, environ)
    except NoTarget as exc:
        print(str(exc), file=sys.stderr)
        return 2
    from google.cloud import firestore

    from pakn.cases.corrections import CorrectionStore
    from pakn_dev.learnt_examples import labelled_rows

    examples = CorrectionStore(firestore.Client(project=project)).examples()
    rows = labelled_rows(examples)
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.out:
        args.out.write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    print(f"{len(examples)} examples kept, {len(rows)} rows (one per text)", file=sys.stderr)
    return 0


def firestore_project(args, environ=os.environ) -> str:
    """The project `export` reads, as `command_target` finds it; a stack's emulator goes into
    FIRESTORE_EMULATOR_HOST, where the Firestore client finds it."""
    from pakn_dev.stack import FIRESTORE, command_target

    target = command_target(args, FIRESTORE, "the examples", environ)
    if target.emulator:
        environ[FIRESTORE.variable] = target.emulator
    return target.project


# --- fit ---------------------------------------------------------------------------------------------


def fit(args, out=print) -> int:
    from pakn_dev import training
    from pakn_dev.eval_classifier import DEFAULT_PATH, load_labelled
    from pakn_dev.learnt_examples import rows_to_learn
    from pakn_dev.retraining import acceptance, comparison, may_accept, retrain

    labelled = load_labelled(DEFAULT_PATH)
    learnt, left_out = rows_to_learn(args.learnt, labelled)
    train, dev, test = (
        [row for row in labelled if row["split"] == split] for split in ("train", "dev", "test")
    )
    out(f"training on {len(train)} labelled and {len(learnt)} learnt messages, and the {len(dev)} of dev")
    if left_out:
        out(f"{left_out} learnt rows left out: their text is labelled already or repeated, or not x… train")
    result = retrain([*train, *learnt], dev, test, log=out)
    for line in comparison(result.installed, result.candidate, result.by_batch):
        out(line)
    reason = (args.accept or "").strip()
    accepting = bool(args.install) and may_accept(result.worse, reason)
    if result.worse and not accepting:
        out(f"not installed: the new model is worse on {', '.join(result.worse)}")
        return 1
    if not args.install:
        out("the new model is worse on no field; run with --install to write data/model.json")
        return 0
    if accepting:
        result.content["accepted_over_gate"] = acceptance(result.installed, result.candidate, reason)
        out(f"worse on {', '.join(result.worse)}, accepted: {reason}")
    training.write_model(result.content, training.MODEL_PATH)
    out(f"installed {training.MODEL_PATH} (model {result.content['version']}); `make eval` shows it in full")
    return 0

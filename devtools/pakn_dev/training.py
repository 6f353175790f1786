"""Training the classifier's model (`pakn training fit`): scikit-learn, offline, devtools only.

Why scikit-learn: its multinomial logistic regression is the well-kept, standard way to fit a linear model
over sparse n-gram features, with the regularisation and solvers we would otherwise write by hand; it is
needed only here. The runtime (`pakn.routing.model`) reads the learned weights from `data/model.json` with
plain Python, so neither scikit-learn nor numpy is deployed or imported by any function (the conversation
worker's cold start stays as it was, and the webhook never loads the classifier at all).

How: features from `Classifier.features()` (the same code the runtime uses), kept when seen in at least
two training messages; one logistic regression per head (kind, level over in-scope messages, department
over department-level messages), the regularisation strength chosen on the dev split; then, on dev, a
temperature per head (calibration: minimum negative log-likelihood) and the department threshold below
which the desk decides (the lowest one at which dev department decisions are right at least
DEPARTMENT_PRECISION of the time). The test split is never read here.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from pakn.platform.configuration import DATA_DIR, load_data
from pakn.routing import classify as classify_module
from pakn.routing.classify import Classifier
from pakn.routing.registry import load_registry

MODEL_PATH = DATA_DIR / "model.json"
LEVELS = ("commune", "department", "city", "outside")
KINDS = ("procedure", "conduct", "regulation", "out_of_scope")
C_GRID = (3.0, 10.0, 30.0)
TEMPERATURES = tuple(round(0.25 + 0.05 * step, 2) for step in range(76))  # 0.25 .. 4.0
DEPARTMENT_PRECISION = 0.98
SCALE = 1000  # weights stored as integers, in thousandths
PRUNE = 0.002  # features whose every weight is smaller than this are left out of the file
MIN_COUNT = 2


@cache
def feature_classifier() -> Classifier:
    """A classifier built from the data without any model: it gives features only."""
    signals = load_data(classify_module._SignalsFile, DATA_DIR / "signals.json", "classifier signals")
    procedures = load_data(classify_module._ProceduresFile, DATA_DIR / "procedures.json", "procedures")
    return Classifier(load_registry(), signals, procedures, None)


def _department_rows(rows: Sequence[dict]) -> list[dict]:
    return [row for row in rows if row["level"] == "department" and row["agency_id"]]


def _heads(rows: Sequence[dict]) -> dict[str, tuple[list[dict], list[str]]]:
    in_scope = [row for row in rows if row["kind"] != "out_of_scope"]
    departments = _department_rows(rows)
    return {
        "kind": (list(rows), [row["kind"] for row in rows]),
        "level": (in_scope, [row["level"] for row in in_scope]),
        "department": (departments, [row["agency_id"] for row in departments]),
    }


def fit(train: Sequence[dict], dev: Sequence[dict], log=print) -> dict:
    """The model file's content, fitted on `train`, chosen and calibrated on `dev`."""
    from sklearn.feature_extraction import DictVectorizer  # noqa: PLC0415 - devtools only, slow import
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    classifier = feature_classifier()
    featurised = {id(row): classifier.features(row["text"]) for row in (*train, *dev)}
    counts = Counter(feature for row in train for feature in featurised[id(row)])
    kept = {feature for feature, count in counts.items() if count >= MIN_COUNT or feature.startswith("@")}
    vectorizer = DictVectorizer(sparse=True)
    vectorizer.fit([dict.fromkeys(kept, 1)])
    names = list(vectorizer.get_feature_names_out())

    def matrix(rows):
        return vectorizer.transform([dict.fromkeys(featurised[id(row)] & kept, 1) for row in rows])

    heads, dev_heads = _heads(train), _heads(dev)
    fitted: dict[str, dict] = {}
    for name, (rows, labels) in heads.items():
        dev_rows, dev_labels = dev_heads[name]
        x, x_dev = matrix(rows), matrix(dev_rows)
        best = None
        for c in C_GRID:
            for weighting in (None, "balanced"):
                model = LogisticRegression(C=c, max_iter=5000, class_weight=weighting)
                model.fit(x, labels)
                accuracy = (model.predict(x_dev) == dev_labels).mean() if dev_rows else 0.0
                if best is None or accuracy > best[0] + 1e-9:
                    best = (accuracy, c, weighting, model)
        accuracy, c, weighting, model = best
        scores = model.decision_function(x_dev) if dev_rows else None
        classes = [str(label) for label in model.classes_]
        if scores is not None and len(classes) == 2:  # binary: sklearn gives one column
            scores = [[-value / 2, value / 2] for value in scores]
        temperature = _temperature(scores, dev_labels, classes) if dev_rows else 1.0
        log(
            f"{name:10s} C={c:<5} weights={weighting or 'none':8s} dev accuracy {accuracy:.3f} "
            f"T={temperature}"
        )
        coefficients = model.coef_ if len(classes) > 2 else [-model.coef_[0] / 2, model.coef_[0] / 2]
        intercepts = (
            model.intercept_ if len(classes) > 2 else [-model.intercept_[0] / 2, model.intercept_[0] / 2]
        )
        fitted[name] = {
            "classes": classes,
            "bias": [round(float(value), 4) for value in intercepts],
            "coef": [list(map(float, row)) for row in coefficients],
            "temperature": temperature,
            "dev_probabilities": _softmax_rows(scores, temperature) if dev_rows else [],
            "dev_labels": list(dev_labels),
            "C": c,
            "class_weight": weighting,
        }

    threshold = _department_threshold(fitted["department"])
    log(f"department threshold {threshold} (dev precision >= {DEPARTMENT_PRECISION})")
    keep = [
        index
        for index in range(len(names))
        if any(abs(row[index]) >= PRUNE for head in fitted.values() for row in head["coef"])
    ]
    content = {
        "_comment": (
            "Written by devtools/pakn_dev/training.py: linear models over pakn.routing.model features, "
            "fitted with scikit-learn on the train split of tests/data/labelled_messages.jsonl, chosen and "
            "calibrated on dev. Weights are integers in 1/scale. Do not edit by hand."
        ),
        "version": "",
        "trained_on": {"train": len(train), "dev": len(dev)},
        "scale": SCALE,
        "thresholds": {"department": threshold},
        "vocabulary": [names[index] for index in keep],
        "heads": {
            name: {
                "classes": head["classes"],
                "bias": head["bias"],
                "temperature": head["temperature"],
                "C": head["C"],
                "class_weight": head["class_weight"],
                "weights": [[round(row[index] * SCALE) for index in keep] for row in head["coef"]],
            }
            for name, head in fitted.items()
        },
    }
    content["version"] = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]
    return content


def _softmax_rows(scores, temperature: float) -> list[list[float]]:
    result = []
    for row in scores:
        scaled = [value / temperature for value in row]
        top = max(scaled)
        exps = [math.exp(value - top) for value in scaled]
        total = sum(exps)
        result.append([value / total for value in exps])
    return result


def _temperature(scores, labels: Sequence[str], classes: list[str]) -> float:
    """The temperature that minimises the negative log-likelihood of the dev labels (calibration)."""
    truth = [classes.index(label) if label in classes else None for label in labels]

    def nll(temperature: float) -> float:
        total = 0.0
        for row, right in zip(_softmax_rows(scores, temperature), truth, strict=True):
            total -= math.log(max(row[right], 1e-12)) if right is not None else 0.0
        return total

    return min(TEMPERATURES, key=nll)


def _department_threshold(head: dict) -> float:
    """The lowest probability at which dev department decisions are right >= DEPARTMENT_PRECISION."""
    classes, decided = head["classes"], []
    for row, label in zip(head["dev_probabilities"], head["dev_labels"], strict=True):
        best = max(range(len(row)), key=row.__getitem__)
        decided.append((row[best], classes[best] == label))
    for threshold in (step / 100 for step in range(20, 96)):
        kept = [right for probability, right in decided if probability >= threshold]
        if kept and sum(kept) / len(kept) >= DEPARTMENT_PRECISION:
            return threshold
    return 0.95


def write_model(content: dict, path: Path = MODEL_PATH) -> None:
    path.write_text(json.dumps(content, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")

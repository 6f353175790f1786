"""The training examples learnt from officials' transfers (pakn.cases.corrections) as rows of the labelled
set (tests/data/LABELLING.md): what `pakn training export` writes and `pakn training fit --with` reads.

A row is `{"id", "text", "kind", "level", "agency_id", "split"}`, its id `x` and a hash of the text's
normalised form, its split always `train` (LABELLING.md: learnt rows never join dev or test). The same text
corrected several times, or by several citizens, is one row with its latest labels. Each text is redacted
again on the way out, so an example kept before the redaction learnt a new form of personal data leaves
without it; a commune then keeps its id only while the text still names its place.

Read back for training, a learnt row gives way to the labelled set: one whose text is also in dev or test
would let the test split be learnt (or tune on it), and one whose text is already in train has a label a
person wrote, which wins.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from pakn.cases.corrections import TrainingExample, labelled_agency
from pakn.routing.redaction import redact
from pakn.routing.registry import load_registry
from pakn.routing.text import normalise
from pakn_dev.eval_classifier import load_labelled

PREFIX = "x"
SPLIT = "train"


def row_id(text: str) -> str:
    """`x` and the first 10 hex digits of the SHA-256 of the text's normalised form: the same text, however
    spelt, has the same id in every export."""
    return PREFIX + hashlib.sha256(normalise(text).encode()).hexdigest()[:10]


def labelled_rows(examples: Iterable[TrainingExample]) -> list[dict]:
    """One row per distinct text, from its latest example, in id order (so two exports diff cleanly)."""
    registry = load_registry()
    latest: dict[str, dict] = {}
    for example in sorted(examples, key=lambda example: example.created_at):
        text = redact(example.text)
        if not normalise(text):
            continue
        agency_id = example.agency_id
        if agency_id is not None and text != example.text:
            agency_id = labelled_agency(registry.get(agency_id), text, registry)
        latest[row_id(text)] = {
            "id": row_id(text),
            "text": text,
            "kind": example.kind,
            "level": example.level,
            "agency_id": agency_id,
            "split": SPLIT,
        }
    return [latest[key] for key in sorted(latest)]


def rows_to_learn(paths: Sequence[Path], labelled: Sequence[dict]) -> tuple[list[dict], int]:
    """The learnt rows of the files at `paths` that may join training beside `labelled` (the whole labelled
    set), and how many were left out (not `x…` train rows, a text already labelled, or seen twice)."""
    taken = {normalise(row["text"]) for row in labelled}
    rows, left_out = [], 0
    for path in paths:
        for row in load_labelled(path):
            key = normalise(row["text"])
            if row.get("split") != SPLIT or not str(row.get("id", "")).startswith(PREFIX) or key in taken:
                left_out += 1
                continue
            taken.add(key)
            rows.append(row)
    return rows, left_out

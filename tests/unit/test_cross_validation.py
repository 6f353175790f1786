"""`make cv`'s folds: decided by a message's id alone, and even enough that each model learns from most."""

from __future__ import annotations

from collections import Counter

from pakn_dev.cross_validation import FOLDS, fold_of
from pakn_dev.eval_classifier import DEFAULT_PATH, load_labelled


def test_each_message_has_one_fold_by_its_id_and_the_folds_are_even():
    messages = [message for message in load_labelled(DEFAULT_PATH) if message["split"] in ("train", "dev")]
    sizes = Counter(fold_of(message) for message in messages)
    assert set(sizes) == set(range(FOLDS))
    assert all(0.15 <= size / len(messages) <= 0.25 for size in sizes.values())
    assert fold_of({"id": "m001"}) == fold_of({"id": "m001", "text": "another text"})

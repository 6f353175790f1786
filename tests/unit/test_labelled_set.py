"""The labelled messages obey their labelling rules (tests/data/LABELLING.md), checked with the registry."""

from collections import Counter

import pytest

from pakn.routing.registry import load_registry
from pakn.routing.text import tokens
from pakn_dev.eval_classifier import DEFAULT_PATH, load_labelled

MESSAGES = load_labelled(DEFAULT_PATH)
KINDS = {"procedure", "conduct", "regulation", "out_of_scope"}
LEVELS = {"commune", "department", "city", "outside"}


def test_the_set_is_large_split_once_and_covers_every_kind_level_department_and_commune():
    assert len(MESSAGES) >= 1500
    assert len({message["id"] for message in MESSAGES}) == len(MESSAGES)
    splits = Counter(message["split"] for message in MESSAGES)
    assert set(splits) == {"train", "dev", "test"} and splits["test"] >= 400
    for split in ("dev", "test"):
        rows = [message for message in MESSAGES if message["split"] == split]
        assert {message["kind"] for message in rows} == KINDS
        assert {message["level"] for message in rows} == LEVELS | {None}
    registry = load_registry()
    named = {message["agency_id"] for message in MESSAGES if message["agency_id"]}
    assert {agency.id for agency in registry.agencies.values() if agency.level != "commune"} - named == {
        "ubnd-tp"
    }
    assert {agency.id for agency in registry.agencies.values() if agency.level == "commune"} <= named


def test_the_test_split_is_only_the_batches_written_for_it():
    # `t` written in one sitting before any model existed, `q` later by writers who never saw the classifier;
    # no row of another batch ever joins it, and no row of these two leaves it (LABELLING.md).
    assert {message["id"][0] for message in MESSAGES if message["split"] == "test"} <= {"t", "q"}
    assert not any(message["id"][0] in "tq" for message in MESSAGES if message["split"] != "test")


@pytest.mark.parametrize("message", MESSAGES, ids=[message["id"] for message in MESSAGES])
def test_each_label_follows_the_rules(message):
    registry = load_registry()
    assert message["kind"] in KINDS
    if message["kind"] == "out_of_scope":
        assert message["level"] is None and message["agency_id"] is None
        return
    assert message["level"] in LEVELS
    agency_id = message["agency_id"]
    if message["level"] == "outside":
        assert agency_id is None
    if agency_id is None:
        return
    agency = registry.get(agency_id)
    assert agency.level == message["level"]
    if message["level"] == "city":
        assert agency_id == "vp-ubnd"
    if agency.level == "commune":  # a place the text names resolves (among others) to this unit
        mentions = registry.mentions(tokens(message["text"]))
        assert any(agency_id in mention.targets for mention in mentions), [m.label for m in mentions]

"""The benchmarks' arithmetic: nearest-rank percentiles, ratios, the order of interleaved rounds, the
duplicates of a multiset. No timing here: the benchmarks print figures, no test asserts them."""

import math

import pytest

from pakn_dev.bench_stats import (
    Latencies,
    excess,
    format_ratio,
    interleaved,
    median,
    percentile,
    ratio,
    table,
)


def test_nearest_rank_percentiles_are_measured_values():
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile(values, 0) == 1
    assert percentile([7.0, 1.0, 3.0], 50) == 3  # unsorted input
    assert percentile([5.0], 99) == 5


def test_a_high_percentile_of_few_values_is_the_maximum():
    assert percentile([1.0, 2.0, 3.0, 4.0, 10.0], 99) == 10
    assert percentile([1.0, 2.0, 3.0, 4.0, 10.0], 95) == 10
    assert percentile([1.0, 2.0, 3.0, 4.0, 10.0], 80) == 4


def test_percentile_refuses_nothing_and_out_of_range():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_median_of_odd_and_even_counts():
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 2, 3]) == 2.5
    with pytest.raises(ValueError):
        median([])


def test_ratios_and_their_text():
    assert ratio(9, 10) == 0.9
    assert math.isinf(ratio(1, 0))
    assert math.isnan(ratio(0, 0))
    assert format_ratio(0.904) == "0.90x"
    assert format_ratio(math.inf) == "inf"
    assert format_ratio(math.nan) == "n/a"


def test_latencies_summary():
    summary = Latencies.of([float(v) for v in range(1, 201)], seconds=10.0, errors=2)
    assert summary.count == 200
    assert summary.per_second == 20
    assert (summary.p50, summary.p95, summary.p99, summary.maximum) == (100, 190, 198, 200)
    assert summary.errors == 2
    empty = Latencies.of([], seconds=1.0)
    assert empty.count == 0 and math.isnan(empty.p99)


def test_rounds_interleave_the_baseline_first():
    assert interleaved(["bare", "real"], 3) == [
        (1, "bare"),
        (1, "real"),
        (2, "bare"),
        (2, "real"),
        (3, "bare"),
        (3, "real"),
    ]


def test_excess_counts_only_what_was_sent_more_often_than_expected():
    sent = ["a", "a", "b", "c", "c", "c"]
    expected = ["a", "b", "c", "c", "d"]
    assert excess(sent, expected) == {"a": 1, "c": 1}
    assert excess(["x"], ["x", "x"]) == {}


def test_table_pads_columns():
    text = table(["what", "n"], [["bare", 10], ["real", 9]])
    lines = text.splitlines()
    assert lines[0] == "what   n"
    assert lines[2] == "bare  10"
    assert lines[3] == "real   9"

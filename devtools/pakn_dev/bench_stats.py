"""The arithmetic the benchmarks share: percentiles, ratios against a baseline measured in the same run, and
the tables they print. Pure functions, no I/O but `print` in the callers (tests/unit/test_bench_stats.py).

Percentiles are nearest-rank (the smallest value with at least q % of the values at or below it), so every
figure printed is one that was measured; p100 is the maximum, p0 the minimum.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def percentile(values: Iterable[float], q: float) -> float:
    """Nearest-rank percentile `q` (0 to 100) of `values`; ValueError when there are none."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float:
    """The middle value (the mean of the two middle ones for an even count), as `statistics.median`."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def ratio(measured: float, baseline: float) -> float:
    """measured / baseline; infinity when the baseline is zero and the measure is not (nan for 0 / 0)."""
    if baseline == 0:
        return math.nan if measured == 0 else math.inf
    return measured / baseline


def format_ratio(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf"
    return f"{value:.2f}x"


@dataclass(frozen=True)
class Latencies:
    """One series of request latencies (milliseconds) over a measured span of wall time (seconds)."""

    count: int
    seconds: float
    p50: float
    p95: float
    p99: float
    maximum: float
    errors: int = 0

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0

    @classmethod
    def of(cls, latencies_ms: Sequence[float], seconds: float, errors: int = 0) -> Latencies:
        if not latencies_ms:
            return cls(0, seconds, math.nan, math.nan, math.nan, math.nan, errors)
        return cls(
            count=len(latencies_ms),
            seconds=seconds,
            p50=percentile(latencies_ms, 50),
            p95=percentile(latencies_ms, 95),
            p99=percentile(latencies_ms, 99),
            maximum=max(latencies_ms),
            errors=errors,
        )


def table(header: Sequence[str], rows: Iterable[Sequence[object]], right_from: int = 1) -> str:
    """A plain-text table, columns padded to their widest cell; columns from `right_from` right-aligned."""
    cells = [[str(cell) for cell in header], *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i >= right_from else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def interleaved(names: Sequence[str], rounds: int) -> list[tuple[int, str]]:
    """(round, name) in the order a benchmark runs them: every name once per round, the baseline first,
    so drift in the machine's load (other processes, thermal) falls on every series alike."""
    return [(number, name) for number in range(1, rounds + 1) for name in names]


def excess(sent: Iterable[object], expected: Iterable[object]) -> dict[object, int]:
    """How many more times each item was sent than expected (only items sent too often): the duplicates
    of a multiset `sent` against the multiset `expected`."""
    wanted: dict[object, int] = {}
    for item in expected:
        wanted[item] = wanted.get(item, 0) + 1
    seen: dict[object, int] = {}
    for item in sent:
        seen[item] = seen.get(item, 0) + 1
    return {item: count - wanted.get(item, 0) for item, count in seen.items() if count > wanted.get(item, 0)}

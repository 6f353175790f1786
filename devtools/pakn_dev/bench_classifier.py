"""`python -m pakn_dev.bench_classifier [PATH]`: classifier throughput on one core.

Prints messages per second for `classify()` over the labelled messages, and for `text.normalise()` over
the same messages measured in the same run. The ratio between the two is what to compare across machines:
absolute times depend on the machine, so no test asserts them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from pakn.routing.classify import classify, load_classifier
from pakn.routing.text import normalise
from pakn_dev.eval_classifier import DEFAULT_PATH, load_labelled

MINIMUM_SECONDS = 1.0
ROUNDS = 5


def messages_per_second(function: Callable[[str], object], texts: list[str]) -> float:
    """Calls `function` over `texts` repeatedly for at least MINIMUM_SECONDS: messages per second."""
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < MINIMUM_SECONDS:
        for text in texts:
            function(text)
        count += len(texts)
    return count / elapsed


def best_of_interleaved_rounds(
    functions: dict[str, Callable[[str], object]], texts: list[str], rounds: int = ROUNDS
) -> dict[str, float]:
    """Each function's best rate over `rounds`, the functions taking turns within each round: on a shared
    machine whose speed drifts, each then meets the same moments, and their ratio is fair."""
    best = dict.fromkeys(functions, 0.0)
    for _ in range(rounds):
        for name, function in functions.items():
            best[name] = max(best[name], messages_per_second(function, texts))
    return best


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    texts = [message["text"] for message in load_labelled(Path(argv[0]) if argv else DEFAULT_PATH)]
    started = time.perf_counter()
    load_classifier()  # built once per instance; reported apart from the per-message cost
    print(f"classifier load     {time.perf_counter() - started:.3f} s")
    rates = best_of_interleaved_rounds({"normalise": normalise, "classify": classify}, texts)
    baseline, measured = rates["normalise"], rates["classify"]
    print(f"messages            {len(texts)} (mean {sum(map(len, texts)) / len(texts):.0f} characters)")
    print(f"text.normalise()    {baseline:,.0f} messages/s (baseline)")
    print(f"classify()          {measured:,.0f} messages/s")
    print(f"ratio               {measured / baseline:.2f} of the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""pytest plugin: records every Firestore query the session runs and fails the session when one needs an
index that infra/firestore.indexes.json does not declare.

The emulator serves any query without an index; production refuses it. Every query the client library
sends is built by `BaseQuery._to_protobuf` (streams, gets, counts, transactions, listeners), so that is
where it is recorded. The queries go to .pakn-dev/queries.json for a reviewer.

Registered in tests/conftest.py: pytest_plugins = ["query_recorder"].
"""

from __future__ import annotations

import itertools
import json

import pytest

from infra.indexes import QueryShape, load_declared, missing

_recorded: set[QueryShape] = set()
_problems: list[str] = []


def shapes_of(structured_query) -> list[QueryShape]:
    """One shape per disjunct: Firestore serves an OR query as several queries, each needing its index."""
    selector = structured_query.from_[0]
    orders = tuple((order.field.field_path, order.direction.name) for order in structured_query.order_by)
    return [
        QueryShape(selector.collection_id, selector.all_descendants, tuple(sorted(filters)), orders)
        for filters in _disjuncts(structured_query.where)
    ]


def _disjuncts(where) -> list[list[tuple[str, str]]]:
    kind = where._pb.WhichOneof("filter_type") if where is not None else None
    if kind == "field_filter":
        return [[(where.field_filter.field.field_path, where.field_filter.op.name)]]
    if kind == "unary_filter":
        return [[(where.unary_filter.field.field_path, where.unary_filter.op.name)]]
    if kind == "composite_filter":
        parts = [_disjuncts(f) for f in where.composite_filter.filters]
        if where.composite_filter.op.name == "OR":
            return [d for part in parts for d in part]
        return [[leaf for conjunct in combo for leaf in conjunct] for combo in itertools.product(*parts)]
    return [[]]


def pytest_configure(config):
    from google.cloud.firestore_v1.base_query import BaseQuery

    original = BaseQuery._to_protobuf

    def recording(self):
        structured = original(self)
        _recorded.update(shapes_of(structured))
        return structured

    BaseQuery._to_protobuf = recording
    config.add_cleanup(lambda: setattr(BaseQuery, "_to_protobuf", original))


def pytest_sessionfinish(session, exitstatus):
    if not _recorded:
        return  # a session that ran no query (the unit tier) keeps the last record as it is
    out = session.config.rootpath / ".pakn-dev" / "queries.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    shapes = sorted(_recorded, key=lambda s: json.dumps(s.to_json(), sort_keys=True))
    out.write_text(json.dumps([s.to_json() for s in shapes], indent=2) + "\n", encoding="utf-8")
    for need, queries in missing(shapes, load_declared()).items():
        _problems.append(f"{need.describe()}, needed by: " + "; ".join(q.describe() for q in queries))
    if _problems and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _problems:
        terminalreporter.section("Firestore indexes missing from infra/firestore.indexes.json", red=True)
        for problem in _problems:
            terminalreporter.line(problem, red=True)

"""Which Firestore index a query needs, and whether firestore.indexes.json declares it.

The emulator answers every query without an index; production refuses a query whose index is missing. The
test session records the queries it runs (tests/query_recorder.py) and checks them here, so a missing index
fails `make test` instead of a citizen's request.

The rules are Firestore's, kept deliberately strict where Firestore may be lenient (index merging, reverse
scans): a query this module accepts is served in production; one it rejects may, rarely, be served anyway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

INDEXES_FILE = Path(__file__).with_name("firestore.indexes.json")

EQUALITY = frozenset({"EQUAL", "IN", "ARRAY_CONTAINS", "ARRAY_CONTAINS_ANY", "IS_NULL", "IS_NAN"})
ARRAY = frozenset({"ARRAY_CONTAINS", "ARRAY_CONTAINS_ANY"})
ASCENDING, DESCENDING = "ASCENDING", "DESCENDING"
DOCUMENT_ID = "__name__"


@dataclass(frozen=True)
class QueryShape:
    """What a query asks of the indexes: its collection, scope, filters (field, operator) and orders."""

    collection: str
    collection_group: bool
    filters: tuple[tuple[str, str], ...]
    orders: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict:
        return {
            "collection": self.collection,
            "collection_group": self.collection_group,
            "filters": [list(f) for f in self.filters],
            "orders": [list(o) for o in self.orders],
        }

    @classmethod
    def from_json(cls, data: dict) -> QueryShape:
        return cls(
            data["collection"],
            data["collection_group"],
            tuple(tuple(f) for f in data["filters"]),
            tuple(tuple(o) for o in data["orders"]),
        )

    def describe(self) -> str:
        scope = "collection group" if self.collection_group else "collection"
        where = " and ".join(f"{field} {op}" for field, op in self.filters) or "no filter"
        order = ", ".join(f"{field} {direction}" for field, direction in self.orders)
        return f"{scope} {self.collection}: {where}" + (f", order by {order}" if order else "")


@dataclass(frozen=True)
class IndexNeed:
    """One index a query needs: (field, ASCENDING|DESCENDING|CONTAINS) pairs, of which the first
    `equality_prefix` serve equality filters, in any order and either direction."""

    collection: str
    scope: str  # COLLECTION or COLLECTION_GROUP
    fields: tuple[tuple[str, str], ...]
    equality_prefix: int

    @property
    def composite(self) -> bool:
        return len(self.fields) > 1

    def describe(self) -> str:
        fields = ", ".join(f"{field} {mode}" for field, mode in self.fields)
        kind = "composite index" if self.composite else "single-field index"
        return f"{kind} on {self.collection} ({self.scope}): {fields}"


def needs(shape: QueryShape) -> list[IndexNeed]:
    """The indexes that serve `shape`: one composite, or the single-field indexes it merges."""
    scope = "COLLECTION_GROUP" if shape.collection_group else "COLLECTION"
    equality = {
        field: ("CONTAINS" if op in ARRAY else ASCENDING) for field, op in shape.filters if op in EQUALITY
    }
    orders = [(field, d) for field, d in shape.orders if field != DOCUMENT_ID and field not in equality]
    ordered = {field for field, _ in orders}
    # Firestore orders by every inequality field it was not told to order by, in name order, ascending.
    orders += [
        (field, ASCENDING)
        for field in sorted({f for f, op in shape.filters if op not in EQUALITY} - ordered - equality.keys())
    ]
    if orders and (equality or len(orders) > 1):
        fields = tuple(sorted(equality.items())) + tuple(orders)
        return [IndexNeed(shape.collection, scope, fields, len(equality))]
    singles = [IndexNeed(shape.collection, scope, (pair,), 1) for pair in equality.items()]
    return singles + [IndexNeed(shape.collection, scope, (pair,), 0) for pair in orders]


@dataclass(frozen=True)
class Declared:
    """The indexes firestore.indexes.json declares."""

    composites: tuple[IndexNeed, ...]
    # (collection, field) -> the single-field indexes an override leaves: {(mode, scope)}
    overrides: dict[tuple[str, str], frozenset[tuple[str, str]]]
    ttl_fields: tuple[tuple[str, str], ...]

    def serves(self, need: IndexNeed) -> bool:
        if need.composite:
            return any(_composite_serves(index, need) for index in self.composites)
        field, mode = need.fields[0]
        override = self.overrides.get((need.collection, field))
        if override is None:
            # Firestore indexes every field automatically, but only for collection-scope queries.
            return need.scope == "COLLECTION"
        # An equality filter can use the field's index in either direction.
        modes = {ASCENDING, DESCENDING} if need.equality_prefix and mode != "CONTAINS" else {mode}
        return any((m, need.scope) in override for m in modes)


def _composite_serves(index: IndexNeed, need: IndexNeed) -> bool:
    if (index.collection, index.scope) != (need.collection, need.scope):
        return False
    fields = tuple(f for f in index.fields if f[0] != DOCUMENT_ID)
    if len(fields) != len(need.fields):
        return False
    prefix = need.equality_prefix

    def names(pairs):
        # An equality field matches an index field of either direction; an array one needs CONTAINS.
        return {(field, "CONTAINS" if mode == "CONTAINS" else "ANY") for field, mode in pairs}

    return names(fields[:prefix]) == names(need.fields[:prefix]) and fields[prefix:] == need.fields[prefix:]


def load_declared(path: Path = INDEXES_FILE) -> Declared:
    data = json.loads(path.read_text(encoding="utf-8"))
    composites = tuple(
        IndexNeed(
            index["collectionGroup"],
            index.get("queryScope", "COLLECTION"),
            tuple((f["fieldPath"], f.get("order") or f["arrayConfig"]) for f in index["fields"]),
            0,
        )
        for index in data.get("indexes", [])
    )
    overrides = {
        (o["collectionGroup"], o["fieldPath"]): frozenset(
            (i.get("order") or i["arrayConfig"], i.get("queryScope", "COLLECTION"))
            for i in o.get("indexes", [])
        )
        for o in data.get("fieldOverrides", [])
    }
    ttl = tuple(
        (o["collectionGroup"], o["fieldPath"]) for o in data.get("fieldOverrides", []) if o.get("ttl")
    )
    return Declared(composites, overrides, ttl)


def missing(shapes, declared: Declared) -> dict[IndexNeed, list[QueryShape]]:
    """Each undeclared index, with the recorded queries that need it."""
    result: dict[IndexNeed, list[QueryShape]] = {}
    for shape in shapes:
        for need in needs(shape):
            if not declared.serves(need):
                result.setdefault(need, []).append(shape)
    return result

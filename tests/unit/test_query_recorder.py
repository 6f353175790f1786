"""Which index a Firestore query needs, and the recorder that reads queries off the client library."""

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore
from google.cloud.firestore_v1 import FieldFilter, Or
from query_recorder import shapes_of

from infra.indexes import Declared, IndexNeed, QueryShape, load_declared, missing, needs

ASC, DESC = "ASCENDING", "DESCENDING"


@pytest.fixture(scope="module")
def db():
    # Builds queries only; nothing is sent anywhere.
    return firestore.Client(project="demo-offline", credentials=AnonymousCredentials())


@pytest.fixture(scope="module")
def declared() -> Declared:
    return load_declared()


def shape(collection, filters=(), orders=(), group=False) -> QueryShape:
    return QueryShape(collection, group, tuple(filters), tuple(orders))


def test_equality_and_single_field_queries_need_no_composite():
    assert needs(shape("deliveries", [("case_id", "EQUAL")])) == [
        IndexNeed("deliveries", "COLLECTION", (("case_id", ASC),), 1)
    ]
    [need] = needs(shape("deliveries", [("created_at", "LESS_THAN")], [("created_at", DESC)]))
    assert not need.composite
    assert all(not n.composite for n in needs(shape("x", [("a", "EQUAL"), ("b", "EQUAL")])))


def test_equality_with_an_order_or_a_range_on_another_field_needs_a_composite():
    [need] = needs(shape("cases", [("citizen_id", "EQUAL")], [("filed_at", DESC)], group=True))
    assert need == IndexNeed("cases", "COLLECTION_GROUP", (("citizen_id", ASC), ("filed_at", DESC)), 1)
    # The inequality's implicit order is ascending.
    [need] = needs(shape("cases", [("status", "EQUAL"), ("clock.next_action_at", "LESS_THAN_OR_EQUAL")]))
    assert need.fields == (("status", ASC), ("clock.next_action_at", ASC))
    [need] = needs(shape("x", [], [("a", ASC), ("b", DESC)]))
    assert need.composite


def test_the_declared_indexes_serve_the_known_queries(declared):
    known = [
        shape("cases", [("tracking_code", "EQUAL")], group=True),
        shape("cases", [("citizen_id", "EQUAL")], [("filed_at", DESC)], group=True),
        shape(
            "cases",
            [("clock.next_action_at", "LESS_THAN_OR_EQUAL"), ("status", "EQUAL")],
            [("clock.next_action_at", ASC)],
            group=True,
        ),
        shape("deliveries", [("case_id", "EQUAL")]),
    ]
    assert missing(known, declared) == {}


def test_what_is_not_declared_is_reported(declared):
    wrong_direction = shape("cases", [("citizen_id", "EQUAL")], [("filed_at", ASC)], group=True)
    collection_group_single_field = shape("cases", [("agency_id", "EQUAL")], group=True)
    collection_scope = shape("cases", [("citizen_id", "EQUAL")], [("filed_at", DESC)])
    # A TTL field exempted from indexing cannot be queried.
    exempted = shape("inbound_events", [("expire_at", "LESS_THAN")])
    result = missing([wrong_direction, collection_group_single_field, collection_scope, exempted], declared)
    assert len(result) == 4


def test_ttl_fields_are_declared(declared):
    assert set(declared.ttl_fields) == {
        ("inbound_events", "expire_at"),
        ("dead_letters", "expire_at"),
        ("deliveries", "expire_at"),
        ("notifications", "expire_at"),
        ("training_examples", "expire_at"),
    }


def test_shapes_are_read_off_the_query_the_client_sends(db):
    query = (
        db.collection_group("cases")
        .where(filter=FieldFilter("citizen_id", "==", "c1"))
        .order_by("filed_at", direction=firestore.Query.DESCENDING)
        .limit(20)
    )
    assert shapes_of(query._to_protobuf()) == [
        shape("cases", [("citizen_id", "EQUAL")], [("filed_at", DESC)], group=True)
    ]
    plain = (
        db.collection("agencies")
        .document("a")
        .collection("cases")
        .where(filter=FieldFilter("status", "==", "open"))
    )
    assert shapes_of(plain._to_protobuf()) == [shape("cases", [("status", "EQUAL")])]


def test_an_or_query_is_one_shape_per_disjunct(db):
    query = db.collection("deliveries").where(
        filter=Or([FieldFilter("case_id", "==", "1"), FieldFilter("citizen_id", "==", "2")])
    )
    assert sorted(s.filters for s in shapes_of(query._to_protobuf())) == [
        (("case_id", "EQUAL"),),
        (("citizen_id", "EQUAL"),),
    ]


def test_shapes_round_trip_through_json():
    original = shape("cases", [("a", "EQUAL")], [("b", DESC)], group=True)
    assert QueryShape.from_json(original.to_json()) == original

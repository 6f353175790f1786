"""`make eval`'s routed figures: each message counted by what routing does with its classification, beside
what the same rules do with its label (pakn_dev.eval_classifier.evaluate_routes); and a split's figures per
batch."""

from __future__ import annotations

from pakn.routing.classify import Classification
from pakn_dev.eval_classifier import evaluate_routes, report_origins

WARD = "xa-00004"


def read_as(kind, level, agency_id, confidence=0.9):
    return Classification(
        kind=kind,
        level=level,
        agency_id=agency_id,
        agency_name=None,
        confidence=confidence,
        evidence=(),
        kind_confidence=0.95,
    )


def labelled(text, kind, level, agency_id):
    return {"text": text, "kind": kind, "level": level, "agency_id": agency_id}


def routes(*pairs):
    """evaluate_routes over (message, classification) pairs, each message classified as paired."""
    readings = {message["text"]: reading for message, reading in pairs}
    return evaluate_routes([message for message, _ in pairs], readings.__getitem__)


def test_a_case_filed_with_its_agency_is_right_and_with_another_is_wrong():
    birth = labelled("làm khai sinh ở phường Ba Đình chậm", "procedure", "commune", WARD)
    clinic = labelled("Sở Y tế chậm cấp phép phòng khám", "procedure", "department", "so-y-te")
    result = routes(
        (birth, read_as("procedure", "commune", WARD)),
        (clinic, read_as("procedure", "department", "so-xay-dung")),
    )
    assert (result.filed_right, result.filed_wrong) == (1, 1)
    assert result.wrong_route_rate == 0.5


def test_an_allegation_goes_where_the_rules_send_its_label_so_it_is_not_a_wrong_route():
    # routing.json sends money asked by a ward's staff to the City Inspectorate, label and reading alike.
    bribe = labelled("cán bộ phường Ba Đình đòi tiền mới nhận hồ sơ", "conduct", "commune", WARD)
    result = routes((bribe, read_as("conduct", "commune", WARD)))
    assert (result.filed_right, result.filed_wrong) == (1, 0)


def test_an_unsure_agency_goes_to_the_desk_and_is_not_counted_as_filed():
    clinic = labelled("Sở Y tế chậm cấp phép phòng khám", "procedure", "department", "so-y-te")
    result = routes((clinic, read_as("procedure", "department", "so-xay-dung", confidence=0.3)))
    assert (result.to_desk, result.filed_wrong, result.filed_right) == (1, 0, 0)


def test_an_item_in_scope_turned_away_is_counted_apart_from_one_rightly_turned_away():
    flood = labelled("đường ngập nước sau mưa", "out_of_scope", None, None)
    birth = labelled("làm khai sinh ở phường Ba Đình chậm", "procedure", "commune", WARD)
    away = read_as("out_of_scope", None, None, confidence=0.95)
    result = routes((flood, away), (birth, away))
    assert (result.turned_away, result.turned_away_in_scope) == (2, 1)


def test_a_thank_you_filed_with_an_agency_is_a_wrong_route():
    thanks = labelled("cảm ơn phường Ba Đình đã trả kết quả đúng hẹn", "out_of_scope", None, None)
    result = routes((thanks, read_as("procedure", "commune", WARD)))
    assert result.filed_wrong == 1


def test_a_question_to_the_citizen_is_neither_right_nor_wrong():
    birth = labelled("làm khai sinh chậm quá", "procedure", "commune", None)
    result = routes((birth, read_as("procedure", "commune", None)))
    assert (result.asked, result.filed_right, result.filed_wrong, result.to_desk) == (1, 0, 0, 0)


def test_a_split_of_two_batches_is_reported_per_batch_and_one_of_one_batch_is_not():
    old = {**labelled("làm khai sinh ở phường Ba Đình chậm", "procedure", "commune", WARD), "id": "t0001"}
    clinic = labelled("Sở Y tế chậm cấp phép phòng khám", "procedure", "department", "so-y-te")
    new = {**clinic, "id": "qa001"}
    readings = {
        old["text"]: read_as("procedure", "commune", WARD),
        new["text"]: read_as("conduct", "department", "so-xay-dung"),
    }
    lines: list[str] = []
    report_origins([old, new], readings.__getitem__, out=lines.append)
    by_batch = {line.split("…")[0].strip(): line for line in lines[1:]}
    assert set(by_batch) == {"q", "t"}
    assert "kind 100.0%" in by_batch["t"] and "wrong agency  0.0%" in by_batch["t"]
    assert "kind   0.0%" in by_batch["q"] and "routed to a wrong agency 1 (100.0%)" in by_batch["q"]
    lines.clear()
    report_origins([old], readings.__getitem__, out=lines.append)
    assert lines == []

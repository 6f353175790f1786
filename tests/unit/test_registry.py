"""The agency registry and the place-name lookup, on the real Hanoi data in pakn/data."""

import re
import shutil

import pytest

from pakn.domain.errors import ConfigurationError
from pakn.routing.registry import load_registry, registry_documents, resolve_place

DEPARTMENTS = {
    "so-noi-vu": "Sở Nội vụ",
    "so-tu-phap": "Sở Tư pháp",
    "so-tai-chinh": "Sở Tài chính",
    "so-cong-thuong": "Sở Công Thương",
    "so-nong-nghiep-moi-truong": "Sở Nông nghiệp và Môi trường",
    "so-xay-dung": "Sở Xây dựng",
    "so-khoa-hoc-cong-nghe": "Sở Khoa học và Công nghệ",
    "so-van-hoa-the-thao": "Sở Văn hóa và Thể thao",
    "so-du-lich": "Sở Du lịch",
    "so-giao-duc-dao-tao": "Sở Giáo dục và Đào tạo",
    "so-y-te": "Sở Y tế",
    "so-dan-toc-ton-giao": "Sở Dân tộc và Tôn giáo",
    "so-quy-hoach-kien-truc": "Sở Quy hoạch - Kiến trúc",
    "thanh-tra-tp": "Thanh tra thành phố Hà Nội",
}


def test_the_fifteen_departments_and_equivalents_have_stable_ids_and_accented_names():
    registry = load_registry()
    for agency_id, name in DEPARTMENTS.items():
        assert registry.get(agency_id).name == name
        assert registry.get(agency_id).level == "department"
    # The fifteenth equivalent is the People's Committee Office, the triage desk, at city level.
    office = registry.get("vp-ubnd")
    assert office.level == "city" and office.parent_id == "ubnd-tp"


def test_the_126_communes_and_wards_are_keyed_by_gso_code():
    communes = [agency for agency in load_registry().agencies.values() if agency.level == "commune"]
    assert len(communes) == 126
    assert sum(agency.kind == "phuong" for agency in communes) == 51
    ba_dinh = load_registry().get("xa-00004")
    assert (ba_dinh.name, ba_dinh.gso_code, ba_dinh.parent_id) == ("Phường Ba Đình", "00004", "ubnd-tp")
    assert "Phường Trúc Bạch, Quận Ba Đình" in ba_dinh.former_units


def test_registry_is_loaded_once_per_process():
    assert load_registry() is load_registry()


def test_registry_documents_are_plain_dicts_for_firestore():
    documents = list(registry_documents())
    assert len(documents) == 2 + 14 + 126
    assert len({document["id"] for document in documents}) == len(documents)
    by_id = {document["id"]: document for document in documents}
    assert by_id["so-y-te"]["name"] == "Sở Y tế"
    assert by_id["xa-00004"]["level"] == "commune"
    for document in documents:
        assert set(document) >= {"id", "name", "level", "parent_id", "kind"}
        assert all(isinstance(value, str | list | type(None)) for value in document.values())


@pytest.mark.parametrize(
    ("text", "agency_id"),
    [
        ("phường Trúc Bạch, quận Ba Đình", "xa-00004"),
        ("phuong truc bach", "xa-00004"),
        ("P.Trúc Bạch", "xa-00004"),
        ("UBND phường Ba Đình", "xa-00004"),
        ("Phường Yên Hoà", "xa-00175"),
        ("phuong yen hoa", "xa-00175"),
        ("tt Liên Quan, Thạch Thất", "xa-09955"),
        ("thị trấn Phùng", "xa-09784"),
        ("P Hang Bai Hoan Kiem", "xa-00082"),
        ("phường Văn Miếu - Quốc Tử Giám", "xa-00226"),
        ("Thôn em thuộc xã Cổ Loa Đông Anh cũ", "xa-00454"),
    ],
)
def test_current_and_former_names_resolve_to_todays_unit(text, agency_id):
    resolution = resolve_place(text)
    assert (resolution.agency_id, resolution.ambiguous) == (agency_id, False)


def test_a_name_repeated_across_districts_is_decided_by_the_district():
    assert resolve_place("xã Tân Minh").ambiguous
    assert resolve_place("xã Tân Minh").agency_id is None
    assert resolve_place("xã Tân Minh, huyện Sóc Sơn").agency_id == "xa-00376"
    assert resolve_place("xa Thai Hoa huyen Ung Hoa").agency_id == "xa-10417"
    assert resolve_place("xã Thái Hòa, huyện Ba Vì").agency_id == "xa-09664"


def test_the_written_unit_type_tells_same_named_units_apart():
    assert resolve_place("phường Thanh Xuân").agency_id == "xa-00367"  # today's ward
    assert resolve_place("xã Thanh Xuân").agency_id == "xa-00433"  # Sóc Sơn's former commune
    assert resolve_place("phường Vạn Phúc").agency_id == "xa-09556"  # the only former ward of that name


@pytest.mark.parametrize(
    "text",
    [
        "phường Dịch Vọng, Cầu Giấy",  # split between Nghĩa Đô and Cầu Giấy
        "phường Ngọc Hà, quận Ba Đình",  # the former ward, split; today's Ngọc Hà is another unit
        "phường Mỹ Đình 1",
        "thị trấn Văn Điển",
        "quận Cầu Giấy",  # a whole former district
        "phường Ba Đình, và phường Giảng Võ",  # two different places
    ],
)
def test_a_split_or_unclear_place_is_ambiguous_never_guessed(text):
    resolution = resolve_place(text)
    assert resolution.agency_id is None and resolution.ambiguous
    assert resolution.evidence


@pytest.mark.parametrize(
    ("text", "agency_id"),
    [
        ("Tôi thường trú ở phường Long Biên, nộp hồ sơ cấp sổ đỏ ở xã Sóc Sơn", "xa-00376"),
        ("đất nhà tôi ở xã Sóc Sơn, hộ khẩu phường Long Biên", "xa-00376"),
        ("I live in Phuong Liet ward but filed at Soc Son commune", "xa-00376"),
        ("Tôi ở phường Cầu Giấy nhưng nộp hồ sơ đăng ký kết hôn ở phường Ba Đình", "xa-00004"),
        # "tại" alone says filed; "thường trú tại", "sống tại" say where the citizen lives.
        ("Tôi thường trú tại phường Đống Đa, xin giấy phép xây dựng nhà ở xã Sóc Sơn", "xa-00376"),
        ("sống tại phường Long Biên, hộ khẩu tại phường Bồ Đề, nộp khai sinh tại xã Sóc Sơn", "xa-00376"),
        ("nộp hồ sơ tại phường Ba Đình, tôi tạm trú tại phường Cầu Giấy", "xa-00004"),
        # The cue seven words before the name.
        ("phường Long Biên bảo không biết, nộp đăng ký khai sinh cho con ở xã Sóc Sơn hôm qua", "xa-00376"),
    ],
)
def test_of_two_places_the_one_where_it_was_filed_or_the_land_lies_decides(text, agency_id):
    assert resolve_place(text).agency_id == agency_id


@pytest.mark.parametrize(
    "text",
    [
        # Both are where the citizen lives (lodging, home village): the words do not say where it was filed.
        "Em ở trọ phường Phương Liệt, quê ở xã Tiến Thắng, làm xác nhận tình trạng hôn nhân",
        "phường Ba Đình, và phường Giảng Võ",
    ],
)
def test_two_places_with_nothing_to_tell_them_apart_are_not_guessed(text):
    assert resolve_place(text).agency_id is None


def test_todays_name_wins_without_a_district():
    assert resolve_place("phường Ngọc Hà").agency_id == "xa-00008"


def test_a_split_mention_may_confirm_a_resolved_one():
    # Thị trấn Trâu Quỳ went into Gia Lâm and Bát Tràng; Kim Đức went wholly into Bát Tràng.
    assert resolve_place("tt Trâu Quỳ gia lâm, à không, xã Kim Đức cũ").agency_id == "xa-00577"


def test_text_without_a_place_resolves_to_nothing():
    resolution = resolve_place("nhà em xa lắm, đi lại vất vả")
    assert (resolution.agency_id, resolution.ambiguous, resolution.evidence) == (None, False, ())


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A copy of pakn/data that the registry reads instead, for a test to break one file of."""
    from pakn.platform.configuration import DATA_DIR
    from pakn.routing import registry

    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    monkeypatch.setattr(registry, "DATA_DIR", copy)
    return copy


def load_uncached():
    """The registry as a new process would load it, without touching this process's cached one."""
    return load_registry.__wrapped__()


def test_the_copied_data_loads_as_the_real_one(data_dir):
    assert load_uncached().agencies == load_registry().agencies


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda text: text[: len(text) // 2], r"line \d+ column \d+"),
        (lambda text: text.replace('"aliases": []', '"aliases": "none"', 1), r"city\.0\.aliases"),
        (lambda text: text.replace('"name": "Sở Y tế"', '"name": null', 1), r"departments\.\d+\.name"),
        (lambda text: text.replace('"aliases"', '"alias"', 1), r"alias\b"),
    ],
    ids=["truncated", "wrong_type", "null_name", "misspelt_key"],
)
def test_a_malformed_agencies_file_is_one_error_naming_the_file(data_dir, edit, problem):
    path = data_dir / "agencies.json"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"agency registry .*agencies\.json") as error:
        load_uncached()
    assert re.search(problem, str(error.value))


def test_a_unit_table_without_a_column_or_a_cell_is_an_error_naming_the_file(data_dir):
    path = data_dir / "units_2025.csv"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("code,name,type", "code,name,kind", 1), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"unit table .*units_2025\.csv: no column type"):
        load_uncached()

    lines = original.splitlines()
    path.write_text("\n".join([*lines[:3], "00099,Phường Thiếu", *lines[3:]]) + "\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"units_2025\.csv: line 4 has no type"):
        load_uncached()

"""`pakn agencies`: the registry's ids, names, levels, former names and aliases, found as the console's
agency picker finds them."""

from __future__ import annotations

from pakn.officials.console.agencies import find_agencies
from pakn.routing.registry import load_registry
from pakn_dev.cli import main
from pakn_dev.commands.agencies import agency_lines


def ids_in(lines: list[str]) -> list[str]:
    return [line.split()[0] for line in lines if not line.startswith(" ")]


def test_a_former_wards_name_finds_todays_ward_and_says_what_matched(capsys):
    assert main(["agencies", "truc", "bach"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("xa-00004") and "Phường Ba Đình  [commune]" in out
    assert "former: Phường Trúc Bạch, Quận Ba Đình" in out


def test_search_finds_what_the_console_picker_finds_in_its_order():
    for words in ("so y te", "ba dinh", "VP UBND", "hoàn kiếm"):
        want = [match.agency.id for match in find_agencies(words, limit=50)]
        assert want and ids_in(agency_lines(words)) == want, words
    office = "\n".join(agency_lines("vp ubnd"))
    assert "aliases: văn phòng ủy ban nhân dân thành phố;" in office and "matched: vp ubnd" in office


def test_an_exact_id_matches_and_no_search_lists_every_agency_city_first():
    assert ids_in(agency_lines("xa-00004"))[0] == "xa-00004"
    everything = ids_in(agency_lines(""))
    assert sorted(everything) == sorted(load_registry().agencies)
    assert everything[:2] == ["ubnd-tp", "vp-ubnd"]
    assert agency_lines("khong co dau") == [
        "no agency matches 'khong co dau' (try fewer words, or a former ward's name)"
    ]

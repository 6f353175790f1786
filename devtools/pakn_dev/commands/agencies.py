"""`pakn agencies [SEARCH]`: the registry's agencies, with their ids (what `pakn officials --agency` takes),
names, levels, and the former names and aliases citizens use for them.

SEARCH is matched as the console's agency picker matches it (pakn.officials.console.agencies: the name, a
former name or an alias, accents and case ignored); an agency's exact id matches too. Offline: it reads
only the registry's data files.
"""

from __future__ import annotations

import textwrap

LEVELS = ("city", "department", "commune")


def add_arguments(parser) -> None:
    parser.epilog = (
        "Examples: pakn agencies; pakn agencies truc bach; pakn agencies 'sở y tế'; pakn agencies xa-00004"
    )
    parser.add_argument("search", nargs="*", help="words of a name, former name or alias, or an agency id")
    parser.add_argument(
        "--limit", type=int, default=50, help="with SEARCH: at most this many agencies (default 50)"
    )


def run(args) -> int:
    for line in agency_lines(" ".join(args.search), args.limit):
        print(line)
    return 0


def agency_lines(search: str, limit: int = 50) -> list[str]:
    from pakn.officials.console.agencies import find_agencies
    from pakn.routing.registry import load_registry

    registry = load_registry()
    search = search.strip()
    if search:
        found = [(m.agency, m.via) for m in find_agencies(search, limit=limit)]
        if search in registry.agencies and all(a.id != search for a, _ in found):
            found.insert(0, (registry.get(search), None))
        if not found:
            return [f"no agency matches {search!r} (try fewer words, or a former ward's name)"]
    else:
        everything = sorted(registry.agencies.values(), key=lambda a: (LEVELS.index(a.level), a.id))
        found = [(agency, None) for agency in everything]
    lines = []
    for agency, via in found:
        lines.append(f"{agency.id:<28} {agency.name}  [{agency.level}]")
        if via:
            lines.append(f"{'':<28}   matched: {via}")
        for label, names in (("former", agency.former_units), ("aliases", agency.aliases)):
            if names:
                wrapped = textwrap.wrap(
                    f"{label}: {'; '.join(names)}",
                    width=110,
                    initial_indent=" " * 31,
                    subsequent_indent=" " * 33,
                )
                lines.extend(wrapped)
    return lines

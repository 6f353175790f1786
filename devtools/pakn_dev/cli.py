"""The `pakn` command. Each subcommand lives in `pakn_dev.commands.<name>` and is imported only when used,
so `pakn workdays` does not pay for the Google clients that `pakn dev` needs."""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> one-line help; the module `pakn_dev.commands.<name>` provides add_arguments(parser) and run(args).
COMMANDS = {
    "dev": "run the whole system locally on the emulators (what `make dev` runs)",
    "chat": "type as a citizen: signed webhook events to the local stack, the OA's replies printed",
    "classify": "classify each TEXT argument, or JSON lines {id, text} from stdin; one JSON line out each",
    "workdays": "working-day arithmetic on Vietnam's calendar (the deadlines' own code)",
    "plan": "print, offline, every resource and command a deploy would create, in order",
    "deliveries": "list the replies and dead letters that are stuck, and replay them (local or cloud)",
    "officials": "officials' accounts: add, list, move, disable (on the Auth emulator, or --project)",
    "agencies": "agency ids with their names, levels, former names and aliases; SEARCH as the console's",
    "training": "export the examples learnt from officials' transfers; retrain, install only if not worse",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pakn", description="Developers' and ops' tools for pakn, Hanoi's Zalo channel for PAKN."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    argv = sys.argv[1:] if argv is None else argv
    # Build only the chosen subcommand's parser, so unrelated modules are never imported.
    chosen = argv[0] if argv and argv[0] in COMMANDS else None
    for name, help_text in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(f"pakn_dev.commands.{name}")
            module.add_arguments(sub_parser)
            sub_parser.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

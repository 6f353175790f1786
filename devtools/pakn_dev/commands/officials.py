"""`pakn officials`: officials' accounts (Firebase Auth users with claims {role, agency_id}), by the same code
as the console's admin pages (pakn.officials.accounts).

    pakn officials add EMAIL --role ROLE [--agency ID] [--password-stdin]
                                         a new account; its first password is generated and printed once
                                         (or read from stdin)
    pakn officials list [--agency ID]    e-mail, role, agency, disabled
    pakn officials move EMAIL [--agency ID] [--role ROLE]
                                         another agency and/or role; its sessions end at once
    pakn officials disable EMAIL         it cannot sign in any more; its sessions and tokens end at once

Roles: official and lead (of an agency: `pakn agencies` finds its id), desk (the city Office, vp-ubnd),
admin (no agency).

Where: `--project PROJECT_ID` is the real project, with Application Default Credentials (a project owner
or roles/firebaseauth.admin); otherwise the Auth emulator, from FIREBASE_AUTH_EMULATOR_HOST (project
FIREBASE_AUTH_PROJECT or GOOGLE_CLOUD_PROJECT, default demo-pakn) or from the stack `pakn dev` runs (its
stack.json in --work-dir, default .pakn-dev/).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pakn_dev.stack import AUTH, NoTarget, Target, command_target


def add_arguments(parser) -> None:
    from pakn.officials.console.access import ROLES

    parser.epilog = __doc__[__doc__.index("    pakn officials add") :]
    parser.formatter_class = _raw_formatter()
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="create an official's account (its first password is printed once)")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--agency", help="the agency's id (official, lead); the desk's is vp-ubnd, an admin none"
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the first password from stdin, not generate one"
    )
    listing = sub.add_parser("list", help="every account: e-mail, role, agency, disabled")
    listing.add_argument("--agency", help="only this agency's accounts")
    move = sub.add_parser("move", help="another agency and/or role (the account's sessions end at once)")
    move.add_argument("email")
    move.add_argument("--agency", help="the new agency's id (left out: it stays, or the role's own)")
    move.add_argument("--role", choices=ROLES, help="the new role (left out: it stays)")
    disable = sub.add_parser("disable", help="disable an account and end its sessions and tokens at once")
    disable.add_argument("email")
    for each in (add, listing, move, disable):
        each.add_argument("--project", help="the real Google Cloud project (Application Default Credentials)")
        each.add_argument(
            "--work-dir",
            type=Path,
            help="the stack `pakn dev` runs: its folder, with stack.json (.pakn-dev/)",
        )


def target_of(args, environ=os.environ) -> Target:
    return command_target(args, AUTH, "the accounts", environ)


def _where(target: Target) -> str:
    if target.emulator:
        return f"the Auth emulator at {target.emulator} (project {target.project})"
    return f"project {target.project}"


def firebase_app(target: Target):
    """A Firebase Admin app for `target`: Application Default Credentials for the real project; the
    emulator (which firebase_admin finds through FIREBASE_AUTH_EMULATOR_HOST) for a local one."""
    import firebase_admin

    if target.emulator:
        os.environ[AUTH.variable] = target.emulator
    name = f"pakn-officials-cli-{target.project}"
    try:
        return firebase_admin.get_app(name)
    except ValueError:  # not initialised yet in this process
        return firebase_admin.initialize_app(options={"projectId": target.project}, name=name)


def run(args) -> int:
    from pakn.officials import accounts

    try:
        target = target_of(args)
    except NoTarget as exc:
        print(str(exc), file=sys.stderr)
        return 2
    password = None
    if getattr(args, "password_stdin", False):
        password = sys.stdin.readline().rstrip("\r\n")
    app = firebase_app(target)
    try:
        if args.action == "add":
            return _add(app, args, password, target)
        if args.action == "list":
            return _list(app, args)
        if args.action == "move":
            return _move(app, args)
        return _disable(app, args)
    except accounts.AccountError as exc:
        print(f"{args.action}: {exc.message} ({exc.code}).", file=sys.stderr)
        return 1


def _add(app, args, password: str | None, target: Target) -> int:
    from pakn.officials import accounts

    result = accounts.create_official(app, args.email, args.role, args.agency, password=password)
    account = result.account
    if not result.created:
        print(f"{account.email} already is {_assignment(account)}: nothing changed (its password neither).")
        return 0
    print(f"Created {account.email}: {_assignment(account)}, in {_where(target)}.")
    if password is None:
        print(f"First password (shown this once): {result.password.get_secret_value()}")
        print("Give it to the official by another channel than their e-mail (in person, by phone).")
    return 0


def _list(app, args) -> int:
    from pakn.officials import accounts
    from pakn.routing.registry import load_registry

    if args.agency and args.agency not in load_registry().agencies:
        raise accounts.AccountError("agency_unknown")
    found = accounts.list_officials(app, agency_id=args.agency)
    if not found:
        print("no accounts")
        return 0
    rows = [("EMAIL", "ROLE", "AGENCY", "DISABLED")]
    rows += [
        (a.email or a.uid, a.role or "-", a.agency_id or "-", "disabled" if a.disabled else "-")
        for a in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3]
        )
    return 0


def _move(app, args) -> int:
    from pakn.officials import accounts

    if args.agency is None and args.role is None:
        print("move: give --agency, --role or both.", file=sys.stderr)
        return 2
    result = accounts.move_official(app, email=args.email, agency_id=args.agency, role=args.role)
    account = result.account
    if not result.changed:
        print(f"{account.email} already is {_assignment(account)}: nothing changed.")
    else:
        print(f"{account.email} is now {_assignment(account)}; their sessions have ended (sign in again).")
    return 0


def _disable(app, args) -> int:
    from pakn.officials import accounts

    result = accounts.disable_official(app, email=args.email)
    already = "" if result.changed else " (it already was)"
    print(f"{result.account.email} is disabled{already}; its sessions and tokens are revoked.")
    return 0


def _assignment(account) -> str:
    from pakn.routing.registry import load_registry

    if account.agency_id is None:
        return f"{account.role}"
    agency = load_registry().agencies.get(account.agency_id)
    name = f" ({agency.name})" if agency else ""
    return f"{account.role} of {account.agency_id}{name}"


def _raw_formatter():
    import argparse

    return argparse.RawDescriptionHelpFormatter

"""`pakn plan`: print, offline, every resource and command a deploy would create, in order.

`--format=text` (the default) is for reading; `--format=shell` is the script Cloud Build runs, with the same
command lines; `--format=roles` is the README's table of who holds which role.
"""

from __future__ import annotations

import argparse
import sys

from infra import render
from infra.plan import build_plan, grants, load_inputs

# Left to the shell, so the script deploys wherever PROJECT_ID points; Cloud Build passes the real id.
PROJECT_PLACEHOLDER = "${PROJECT_ID}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Reads only this checkout: infra/deploy.json, infra/firestore.indexes.json, the topology in "
        "functions/pakn/config/ and the files of the deploy bundle (for its digest); no stdin, no cloud, no "
        "credentials. Prints the plan on stdout."
    )
    parser.add_argument(
        "--project", default=PROJECT_PLACEHOLDER, help="project id (default: $PROJECT_ID at run time)"
    )
    parser.add_argument(
        "--region", help="region of the functions, Firestore and the jobs (default: infra/deploy.json)"
    )
    parser.add_argument(
        "--format",
        choices=("text", "shell", "roles"),
        default="text",
        help="text: for reading (default); shell: the script Cloud Build runs; roles: the roles table",
    )


def run(args: argparse.Namespace) -> int:
    try:
        inputs = load_inputs(args.project, args.region)
    except ValueError as exc:
        print(f"pakn plan: {exc}", file=sys.stderr)
        return 2
    if args.format == "roles":
        sys.stdout.write(render.roles_table(grants(inputs)))
        return 0
    steps = build_plan(inputs)
    sys.stdout.write((render.as_shell if args.format == "shell" else render.as_text)(inputs, steps))
    return 0

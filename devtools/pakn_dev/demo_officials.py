"""Demo officials for `make dev`: one account of each console role on the Auth emulator, made by the same
code as `pakn officials add` and the console's admin pages (pakn.officials.accounts), all with one fixed
password that `make dev` prints. Seeding twice leaves the same four accounts.

Development only: `.pakn.local` addresses are delivered nowhere, and the password is no secret.
"""

from __future__ import annotations

import os

DEMO_PASSWORD = "pakn-demo-2025"  # noqa: S105 (the emulator's demo accounts; printed by `make dev`)
DEMO_OFFICIALS: tuple[tuple[str, str, str | None], ...] = (
    ("can-bo@xa-00004.pakn.local", "official", "xa-00004"),  # Phường Ba Đình
    ("lanh-dao@xa-00004.pakn.local", "lead", "xa-00004"),
    ("phan-loai@vp-ubnd.pakn.local", "desk", "vp-ubnd"),  # the city Office's triage desk
    ("quan-tri@pakn.local", "admin", None),
)


def seed_demo_officials(auth_emulator_host: str, project: str) -> list[tuple[str, str, str | None]]:
    """Creates (or keeps) the demo accounts on the Auth emulator at `auth_emulator_host`; returns
    (email, role, agency_id) for each. An account found with another role or agency is given its demo one."""
    from pakn.officials import accounts

    app = _emulator_app(auth_emulator_host, project)
    seeded = []
    for email, role, agency_id in DEMO_OFFICIALS:
        try:
            accounts.create_official(app, email, role, agency_id, password=DEMO_PASSWORD)
        except accounts.AccountError as exc:
            if exc.code != "email_taken":
                raise
            # Moved in the console since the last seeding: back to its demo role and agency.
            accounts.move_official(app, email=email, role=role, agency_id=agency_id)
        seeded.append((email, role, agency_id))
    return seeded


def sign_in_summary(console_url: str | None, seeded: list[tuple[str, str, str | None]]) -> str:
    """What `make dev` prints: where the console is, and who can sign in to it with the demo password."""
    from pakn.routing.registry import load_registry

    agencies = load_registry().agencies
    where = f"{console_url}/" if console_url else "(the official_console function)"
    lines = [f"  Officials' console      {where}  sign in with password {DEMO_PASSWORD} as:"]
    for email, role, agency_id in seeded:
        agency = f"{agencies[agency_id].name} ({agency_id})" if agency_id in agencies else "no agency"
        lines.append(f"    {role:<9} {email:<30} {agency}")
    return "\n".join(lines)


def _emulator_app(auth_emulator_host: str, project: str):
    import firebase_admin

    # firebase_admin finds the emulator through this variable only (read when the app's Auth client is made).
    os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = auth_emulator_host
    name = f"pakn-demo-officials-{project}"
    try:
        return firebase_admin.get_app(name)
    except ValueError:
        return firebase_admin.initialize_app(options={"projectId": project}, name=name)

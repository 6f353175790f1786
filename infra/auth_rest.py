"""Firebase Auth's sign-in configuration, which gcloud has no command for, through Identity Toolkit's admin
REST API with gcloud's token: the providers the console offers (e-mail and password) are enabled, and the
domains allowed to sign in are the console's own and the project's Firebase hosting domains, no others
(not `localhost`, which a new project allows). Compared first, so a second deploy changes nothing.

    python3 -m infra.auth_rest sign-in --project=P --provider=password --domain=pakn.hanoi.gov.vn
"""

from __future__ import annotations

import argparse
import sys

from infra.firestore_rest import Call, _ok, gcloud_call

IDENTITY_TOOLKIT_ADMIN = "https://identitytoolkit.googleapis.com/admin/v2"
PROVIDERS = ("password",)


def allowed_domains(project: str, console_domains: list[str]) -> list[str]:
    """The console's domains and the project's Firebase ones (Firebase's own pages use them)."""
    return sorted({*console_domains, f"{project}.firebaseapp.com", f"{project}.web.app"})


def configure_sign_in(project: str, providers: list[str], console_domains: list[str], call: Call) -> str:
    """Makes the project's sign-in configuration what the console needs; says what it did."""
    unknown = sorted(set(providers) - set(PROVIDERS))
    if unknown:
        raise ValueError(f"no such sign-in provider here: {', '.join(unknown)}")
    url = f"{IDENTITY_TOOLKIT_ADMIN}/projects/{project}/config"
    live = _ok(call("GET", url, None))
    wanted = {
        "signIn": {"email": {"enabled": "password" in providers, "passwordRequired": True}},
        "authorizedDomains": allowed_domains(project, console_domains),
    }
    email = live.get("signIn", {}).get("email", {})
    if (
        email.get("enabled", False) == wanted["signIn"]["email"]["enabled"]
        and email.get("passwordRequired", False)
        and sorted(live.get("authorizedDomains", [])) == wanted["authorizedDomains"]
    ):
        return "sign-in configuration unchanged"
    mask = "signIn.email.enabled,signIn.email.passwordRequired,authorizedDomains"
    _ok(call("PATCH", f"{url}?updateMask={mask}", wanted))
    return (
        f"sign-in: {', '.join(providers) or 'no provider'}; domains {', '.join(wanted['authorizedDomains'])}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m infra.auth_rest", description=__doc__.split("\n")[0])
    actions = parser.add_subparsers(dest="action", required=True)
    sign_in = actions.add_parser("sign-in")
    sign_in.add_argument("--project", required=True)
    sign_in.add_argument("--provider", action="append", default=[])
    sign_in.add_argument("--domain", action="append", default=[])
    args = parser.parse_args(argv)
    print(configure_sign_in(args.project, args.provider, args.domain, gcloud_call()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

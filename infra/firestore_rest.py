"""What gcloud cannot do to Firestore, done through Google's REST APIs with gcloud's token:

- `rules`: release infra/firestore.rules (gcloud has no rules command, and the deploy installs no Firebase
  CLI). Every upload is a new ruleset (a project keeps at most 2,500), so it compares with the live rules
  first and uploads only a change.
- `field`: a field's single-field indexes, including collection-group ones (`gcloud firestore indexes
  fields update --index` has no query scope). Compared first too, so a second deploy changes nothing.
- `agencies`: seed the agency registry (functions/pakn/data) into `agencies/{id}`, writing only the
  documents that differ and only the registry's own fields, so officials' contacts set by the city stay.

Runs inside the deploy step: standard library only (the registry module is standard library too).

    python3 -m infra.firestore_rest rules --project=P --rules=infra/firestore.rules
    python3 -m infra.firestore_rest field --project=P --collection-group=cases --field=tracking_code \
        --index=ASCENDING/COLLECTION --index=ASCENDING/COLLECTION_GROUP
    python3 -m infra.firestore_rest agencies --project=P
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

RULES_API = "https://firebaserules.googleapis.com/v1"
FIRESTORE_API = "https://firestore.googleapis.com/v1"
RELEASE = "cloud.firestore"
DATABASE = "(default)"

# (method, url, JSON body or None) -> (HTTP status, parsed JSON body)
Call = Callable[[str, str, dict | None], tuple[int, dict]]


def release_rules(project: str, rules: str, call: Call, file_name: str = "firestore.rules") -> str:
    """Makes `rules` the live Firestore rules of `project`; says what it did."""
    release_name = f"projects/{project}/releases/{RELEASE}"
    status, release = call("GET", f"{RULES_API}/{release_name}", None)
    if status == 200:
        live = _ok(call("GET", f"{RULES_API}/{release['rulesetName']}", None))
        if [f["content"] for f in live.get("source", {}).get("files", [])] == [rules]:
            return f"rules unchanged ({release['rulesetName']})"
    elif status != 404:
        raise RuntimeError(f"reading {release_name}: HTTP {status} {release}")
    source = {"source": {"files": [{"name": file_name, "content": rules}]}}
    ruleset = _ok(call("POST", f"{RULES_API}/projects/{project}/rulesets", source))["name"]
    if status == 200:
        _ok(
            call(
                "PATCH",
                f"{RULES_API}/{release_name}",
                {"release": {"name": release_name, "rulesetName": ruleset}},
            )
        )
    else:
        _ok(
            call(
                "POST",
                f"{RULES_API}/projects/{project}/releases",
                {"name": release_name, "rulesetName": ruleset},
            )
        )
    return f"rules released ({ruleset})"


def set_field_indexes(
    project: str, group: str, field: str, indexes: list[tuple[str, str]], call: Call
) -> str:
    """Gives `field` of collection group `group` exactly `indexes`: [(ASCENDING|DESCENDING|CONTAINS,
    COLLECTION|COLLECTION_GROUP)]."""
    name = f"projects/{project}/databases/{DATABASE}/collectionGroups/{group}/fields/{field}"
    url = f"{FIRESTORE_API}/{urllib.parse.quote(name)}"
    live = _ok(call("GET", url, None)).get("indexConfig", {})
    live_indexes = {
        (f.get("order") or f["arrayConfig"], index["queryScope"])
        for index in live.get("indexes", [])
        for f in index["fields"]
    }
    if not live.get("usesAncestorConfig") and live_indexes == set(indexes):
        return f"{group}.{field}: indexes unchanged"
    wanted = [
        {
            "queryScope": scope,
            "fields": [{"fieldPath": field, ("arrayConfig" if mode == "CONTAINS" else "order"): mode}],
        }
        for mode, scope in indexes
    ]
    _ok(call("PATCH", f"{url}?updateMask=indexConfig", {"indexConfig": {"indexes": wanted}}))
    return f"{group}.{field}: indexes updated (Firestore builds them in the background)"


def to_value(value: object) -> dict:
    """A Python value as a Firestore REST `Value`."""
    if value is None:
        return {"nullValue": None}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"integerValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, list | tuple):
        return {"arrayValue": {"values": [to_value(item) for item in value]}}
    if isinstance(value, dict):
        return {"mapValue": {"fields": {key: to_value(item) for key, item in value.items()}}}
    raise TypeError(type(value).__name__)


def from_value(value: dict) -> object:
    """A Firestore REST `Value` as a Python value (the inverse of `to_value`)."""
    [(kind, inner)] = value.items()
    if kind == "nullValue":
        return None
    if kind == "integerValue":
        return int(inner)
    if kind == "arrayValue":
        return [from_value(item) for item in inner.get("values", [])]
    if kind == "mapValue":
        return {key: from_value(item) for key, item in inner.get("fields", {}).items()}
    return inner


def seed_documents(
    project: str, collection: str, documents: list[dict], call: Call, api: str = FIRESTORE_API
) -> str:
    """Writes each document (keyed by its `id`) whose registry fields differ from what is stored."""
    base = f"projects/{project}/databases/{DATABASE}/documents"
    stored: dict[str, dict] = {}
    page = ""
    while True:
        listing = _ok(call("GET", f"{api}/{base}/{collection}?pageSize=300{page}", None))
        for document in listing.get("documents", []):
            fields = document.get("fields", {})
            stored[document["name"].rsplit("/", 1)[1]] = {key: from_value(v) for key, v in fields.items()}
        if not listing.get("nextPageToken"):
            break
        page = f"&pageToken={urllib.parse.quote(listing['nextPageToken'])}"
    writes = []
    for document in documents:
        current = stored.get(document["id"], {})
        # Compared as JSON values: tuples and lists are the same array to Firestore.
        if any(json.dumps(current.get(key)) != json.dumps(value) for key, value in document.items()):
            fields = {key: to_value(value) for key, value in document.items()}
            writes.append(
                {
                    "update": {"name": f"{base}/{collection}/{document['id']}", "fields": fields},
                    "updateMask": {"fieldPaths": sorted(fields)},
                }
            )
    for start in range(0, len(writes), 400):  # a commit takes at most 500 writes
        _ok(call("POST", f"{api}/{base}:commit", {"writes": writes[start : start + 400]}))
    return f"{collection}: {len(writes)} of {len(documents)} documents written"


def _ok(response: tuple[int, dict]) -> dict:
    status, body = response
    if status != 200:
        raise RuntimeError(f"HTTP {status} {body}")
    return body


def gcloud_call() -> Call:
    token = subprocess.run(
        ["gcloud", "auth", "print-access-token"], check=True, capture_output=True, text=True
    ).stdout.strip()

    def call(method: str, url: str, body: dict | None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 -- fixed https APIs
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    return call


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m infra.firestore_rest", description=__doc__.split("\n")[0]
    )
    actions = parser.add_subparsers(dest="action", required=True)
    rules = actions.add_parser("rules")
    rules.add_argument("--project", required=True)
    rules.add_argument("--rules", type=Path, required=True)
    field = actions.add_parser("field")
    field.add_argument("--project", required=True)
    field.add_argument("--collection-group", required=True)
    field.add_argument("--field", required=True)
    field.add_argument("--index", action="append", default=[], metavar="MODE/SCOPE")
    agencies = actions.add_parser("agencies")
    agencies.add_argument("--project", required=True)
    args = parser.parse_args(argv)
    if args.action == "rules":
        print(release_rules(args.project, args.rules.read_text(encoding="utf-8"), gcloud_call()))
    elif args.action == "agencies":
        # The deploy runs from the repository root; the registry is part of the deployed package.
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "functions"))
        from pakn.routing.registry import registry_documents

        print(seed_documents(args.project, "agencies", list(registry_documents()), gcloud_call()))
    else:
        indexes = [tuple(index.split("/", 1)) for index in args.index]
        print(set_field_indexes(args.project, args.collection_group, args.field, indexes, gcloud_call()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

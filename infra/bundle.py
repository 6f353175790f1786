"""The source bundle every function is deployed from: functions/ plus the pinned requirements.txt.

Cloud Functions installs the bundle's requirements.txt; the repository keeps one, at its root, so the
bundle gets a copy at build time and no second file is ever committed. The deploy and the packaging test
both build it here, and the plan states its digest, so what was reviewed and tested is what is uploaded.

Runs inside the deploy step: standard library only.

    python3 -m infra.bundle DEST [--expect-sha256 DIGEST]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "functions"
REQUIREMENTS = REPO / "requirements.txt"
# Local leftovers that must never be uploaded.
EXCLUDED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo"}


def contents(source: Path = SOURCE, requirements: Path = REQUIREMENTS) -> dict[str, Path]:
    """Bundle path -> file it comes from, in a stable order."""
    files = {
        path.relative_to(source).as_posix(): path
        for path in source.rglob("*")
        if path.is_file()
        and path.suffix not in EXCLUDED_SUFFIXES
        and not EXCLUDED_DIRS.intersection(path.relative_to(source).parts)
    }
    if "requirements.txt" in files:
        raise ValueError(f"{source}/requirements.txt exists: the bundle's copy comes from {requirements}")
    files["requirements.txt"] = requirements
    return dict(sorted(files.items()))


def digest(files: dict[str, Path]) -> str:
    sha = hashlib.sha256()
    for name, path in files.items():
        data = path.read_bytes()
        sha.update(f"{name}\0{len(data)}\0".encode())
        sha.update(data)
    return sha.hexdigest()


def build(dest: Path, files: dict[str, Path] | None = None) -> str:
    """Writes the bundle to `dest` (replacing whatever is there) and returns its digest."""
    files = contents() if files is None else files
    if dest.exists():
        shutil.rmtree(dest)
    for name, path in files.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return digest(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m infra.bundle", description=__doc__.split("\n")[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--expect-sha256", help="fail unless the bundle is exactly the reviewed one")
    args = parser.parse_args(argv)
    sha = build(args.dest)
    if args.expect_sha256 and sha != args.expect_sha256:
        print(f"bundle {sha} is not the planned {args.expect_sha256}: regenerate the plan", file=sys.stderr)
        return 1
    print(f"bundle {args.dest}: sha256 {sha}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m pakn_dev.prerequisites`: a sentence per missing prerequisite and exit 2, or silence."""

import sys

from pakn_dev.emulators import missing_prerequisites

if __name__ == "__main__":
    missing = missing_prerequisites()
    if missing:
        print("\n".join(missing), file=sys.stderr)
        sys.exit(2)

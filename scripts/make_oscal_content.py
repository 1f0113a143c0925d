"""Write the OSCAL content airlock ships for `airlock assess` (issue 17).

The catalog of SL1-SL5 measures, one profile per level and the component definition are
built from ``airlock.assess.controls`` through compliance-trestle's models; a test checks
that the files in ``src/airlock/assess/content`` equal what this script builds.

    python scripts/make_oscal_content.py [OUTDIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from airlock.assess.oscal import shipped_content

CONTENT = Path(__file__).resolve().parent.parent / "src" / "airlock" / "assess" / "content"


def rendered() -> dict[str, str]:
    """File name -> the exact text shipped."""
    return {
        name: json.dumps(document, indent=2, sort_keys=True) + "\n"
        for name, document in shipped_content().items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", nargs="?", type=Path, default=CONTENT)
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    for name, text in rendered().items():
        (args.outdir / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.outdir / name}")


if __name__ == "__main__":
    main()

"""How many held popular files an approval of their previous release would carry (ADR 0147).

For each file a ``bench_vet.py --verdicts-out`` listing shows held in a calibration half,
the release before it (same kind: sdist or the same wheel tag) is fetched from PyPI's JSON
API into the cache, both are vetted, and the held file counts as carried when the previous
release was held too and its marks cover every held finding of the new one: the approvals
people would not have to give again on the next release. The baseline measured in the same
run is the same files without carrying: every one of them held again.

    python bench/bench_vet.py --no-fetch --whole 0 --guarddog 0 --only popular \\
        --split calibration --third-popular --fifth-popular --sixth-popular \\
        --fresh-popular --verdicts-out /tmp/v.txt
    python bench/bench_carry.py --verdicts /tmp/v.txt [--no-fetch]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
import urllib.parse
import urllib.request
from pathlib import Path

from packaging.version import InvalidVersion, Version

from airlock.imports.packages.carried import Precedent, carried_from, carry_marks
from airlock.imports.packages.vet import VetReport, vet

CACHE = Path.home() / ".cache" / "airlock-bench-vet"


def held_calibration_files(verdicts: Path) -> list[str]:
    """File names held in a calibration half (held-out halves are listed as counts only)."""
    held = []
    for line in verdicts.read_text().splitlines():
        parts = line.split()
        calibration = len(parts) >= 3 and parts[0].endswith("/calibration")
        if calibration and parts[2] == "hold" and not parts[0].startswith("malicious"):
            held.append(parts[1])
    return held


def name_and_version(filename: str) -> tuple[str, str]:
    stem = filename.removesuffix(".tar.gz")
    found = re.match(r"(.+?)-(\d[^-]*)", stem)
    if found is None:
        raise ValueError(f"no version in {filename}")
    return found.group(1), found.group(2)


def previous_release(filename: str, fetch: bool) -> Path | None:
    """The file of the release before ``filename``'s, of the same kind, from the cache."""
    name, version = name_and_version(filename)
    folder = CACHE / "prev" / ("sdists" if filename.endswith(".tar.gz") else "wheels")
    cached = sorted(p for p in folder.glob(f"{name}-*") if name_and_version(p.name)[0] == name)
    if cached or not fetch:
        return cached[-1] if cached else None
    api = f"https://pypi.org/pypi/{name}/json"
    with urllib.request.urlopen(api, timeout=60) as answer:
        releases = json.load(answer)["releases"]
    tag = filename.split("-", 2)[2] if filename.endswith(".whl") else ""
    for release in sorted(_older(releases, version), reverse=True):
        for entry in releases[str(release)]:
            same_kind = (
                entry["filename"].split("-", 2)[2] == tag
                if tag
                else entry["filename"].endswith(".tar.gz")
            )
            if same_kind and not entry.get("yanked"):
                with urllib.request.urlopen(urllib.parse.urljoin(api, entry["url"])) as f:
                    data = f.read()
                if hashlib.sha256(data).hexdigest() != entry["digests"]["sha256"]:
                    raise ValueError(f"{entry['filename']} does not match its index digest")
                target = folder / Path(str(entry["filename"])).name
                folder.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                return target
    return None


def _older(releases: dict[str, list[object]], version: str) -> list[Version]:
    found = []
    for text, files in releases.items():
        try:
            release = Version(text)
        except InvalidVersion:
            continue
        if files and not release.is_prerelease and release < Version(version):
            found.append(release)
    return found


def locate(filename: str) -> Path | None:
    for folder in sorted(CACHE.glob("*")):
        if folder.is_dir() and not folder.name.startswith("prev") and (folder / filename).exists():
            return folder / filename
    return None


def vetted(path: Path) -> tuple[VetReport, float]:
    started = time.perf_counter()
    report = vet(path.name, path.read_bytes())
    return report, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verdicts", type=Path, required=True, help="bench_vet --verdicts-out")
    parser.add_argument("--no-fetch", action="store_true", help="use the cache only")
    args = parser.parse_args()
    held = held_calibration_files(args.verdicts)
    carried = uncarriable = 0
    print(f"{len(held)} files held in calibration halves")
    for filename in held:
        current, before = locate(filename), previous_release(filename, not args.no_fetch)
        if current is None or before is None:
            print(f"  {filename}: {'not in cache' if current is None else 'no earlier release'}")
            continue
        now, _ = vetted(current)
        then, _ = vetted(before)
        marks = carry_marks(now.findings, now.marks)
        earlier = carry_marks(then.findings, then.marks)
        if marks is None or earlier is None:
            uncarriable += 1
            print(f"  {filename}: cannot be carried (a finding no mark covers)")
            continue
        precedent = Precedent(before.name, "previous", True, frozenset(earlier))
        carries = carried_from(marks, [precedent]) is not None
        carried += carries
        new = len(set(marks) - set(earlier))
        told = "carried" if carries else f"{new} new of {len(marks)}"
        print(f"  {filename}: {told} from {before.name}")
    print(
        f"held again without carrying: {len(held)} of {len(held)}; with carrying: "
        f"{len(held) - carried} ({carried} carried, {uncarriable} never carriable), "
        f"{carried / max(len(held), 1):.0%} fewer approvals on the next release"
    )


if __name__ == "__main__":
    main()

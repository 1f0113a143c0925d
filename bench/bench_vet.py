"""Vetting speed and false holds on popular PyPI packages, beside GuardDog in the same run.

Downloads (once, into --cache, with pip's ordinary client) the newest wheel or sdist of 50
widely used packages, vets each file, and -- when GuardDog can be installed into its own venv
in the cache -- runs `guarddog pypi scan FILE` on the same files. Targets (issue 7): median
<= 1 s per package, >= 5x faster than GuardDog, false holds <= GuardDog's.

    python bench/bench_vet.py [--cache ~/.cache/airlock-bench-vet] [--no-guarddog]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet

PACKAGES = (
    "boto3",
    "urllib3",
    "botocore",
    "requests",
    "setuptools",
    "certifi",
    "idna",
    "charset-normalizer",
    "typing-extensions",
    "python-dateutil",
    "packaging",
    "s3transfer",
    "six",
    "aiobotocore",
    "pyyaml",
    "numpy",
    "s3fs",
    "fsspec",
    "pip",
    "cryptography",
    "grpcio-status",
    "pydantic",
    "cffi",
    "attrs",
    "pycparser",
    "pandas",
    "importlib-metadata",
    "jmespath",
    "protobuf",
    "rsa",
    "wheel",
    "zipp",
    "click",
    "platformdirs",
    "pytz",
    "colorama",
    "markupsafe",
    "jinja2",
    "filelock",
    "pyasn1",
    "tomli",
    "awscli",
    "pluggy",
    "virtualenv",
    "wrapt",
    "pytest",
    "tzdata",
    "googleapis-common-protos",
    "pyjwt",
    "iniconfig",
)


def download(cache: Path) -> list[Path]:
    files = cache / "files"
    files.mkdir(parents=True, exist_ok=True)
    if len(list(files.iterdir())) < len(PACKAGES):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--dest",
                str(files),
                "--disable-pip-version-check",
                *PACKAGES,
            ],
            check=True,
            capture_output=True,
        )
    return sorted(files.iterdir())


def guarddog(cache: Path) -> Path | None:
    venv = cache / "guarddog-venv"
    binary = venv / "bin" / "guarddog"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        installed = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "guarddog"],
            check=False,
            capture_output=True,
            text=True,
        )
        if installed.returncode != 0:
            print("guarddog could not be installed:", installed.stderr.strip()[-300:])
            return None
    return binary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/airlock-bench-vet")
    parser.add_argument("--no-guarddog", action="store_true")
    args = parser.parse_args()
    files = download(args.cache)
    ours, holds = [], []
    for path in files:
        data = path.read_bytes()
        start = time.perf_counter()
        report = vet(path.name, data)
        ours.append(time.perf_counter() - start)
        if report.verdict is not Outcome.ALLOW:
            holds.append(
                f"{path.name}: {report.verdict.value} "
                f"{sorted({f.rule for f in report.findings if f.severity >= 3})}"
            )
    p95 = sorted(ours)[int(0.95 * (len(ours) - 1))]
    print(
        f"airlock: {len(files)} packages, median {statistics.median(ours):.3f} s, p95 "
        f"{p95:.3f} s, held/denied {len(holds)} ({len(holds) / len(files):.0%})"
    )
    for line in holds:
        print("   ", line)
    binary = None if args.no_guarddog else guarddog(args.cache)
    if binary is None:
        print("GuardDog: not run")
        return
    theirs, flagged = [], 0
    for path in files:
        start = time.perf_counter()
        result = subprocess.run(
            [str(binary), "pypi", "scan", str(path), "--output-format", "json"],
            check=False,
            capture_output=True,
            text=True,
        )
        theirs.append(time.perf_counter() - start)
        try:
            issues = json.loads(result.stdout or "{}").get("issues", 0)
        except json.JSONDecodeError:
            issues = 1
        flagged += 1 if issues else 0
    ratio = statistics.median(theirs) / statistics.median(ours)
    print(
        f"GuardDog: median {statistics.median(theirs):.3f} s, flagged {flagged} "
        f"({flagged / len(files):.0%});  airlock is {ratio:.0f}x faster (target >= 5x "
        f"{'MET' if ratio >= 5 else 'MISSED'}), false holds {len(holds)} vs {flagged} "
        f"({'MET' if len(holds) <= flagged else 'MISSED'})"
    )


if __name__ == "__main__":
    main()

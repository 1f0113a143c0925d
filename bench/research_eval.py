"""Issue 15's bench: false holds on real research outputs, payloads caught, denied, named.

Run through ``python bench/eval_inspection.py --research``; see that module's docstring.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from airlock.domain.requests import Outcome
from airlock.exports.engine import Inspector
from airlock.exports.findings import FileReport, FindingKind
from airlock.exports.model_fingerprint import ModelFingerprint
from airlock.identity.registration import register_shards

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.payload_corpus import build_payloads  # noqa: E402
from scripts.research_corpus import build_research  # noqa: E402

MODEL = "frontier-x"
BENCH_KEY = b"airlock bench: research split identity key"


@dataclass
class Split:
    name: str
    benign: Counter[Outcome] = field(default_factory=Counter)
    payload: Counter[Outcome] = field(default_factory=Counter)
    big: Counter[Outcome] = field(default_factory=Counter)  # payloads of >= 1 MiB
    registered: int = 0
    named: int = 0
    unstable: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0


def _register(model: bytes) -> ModelFingerprint:
    """The split's model registered as production does (``Airlock.register_model``): one
    fp16 checkpoint tensor through :func:`register_shards` with an identity key, which the
    inspectors are given too (``Airlock.inspector``). The full fingerprint: the model is
    under 1 GiB, where ``--fingerprint auto`` keeps every chunk."""
    columns = 4096 if len(model) % (2 * 4096) == 0 else len(model) // 2
    header = json.dumps(
        {
            "model.layers.0.mlp.weight": {
                "dtype": "F16",
                "shape": [len(model) // 2 // columns, columns],
                "data_offsets": [0, len(model)],
            }
        }
    ).encode()
    header += b" " * (-len(header) % 8)
    checkpoint = struct.pack("<Q", len(header)) + header + model
    return register_shards(BENCH_KEY, MODEL, [("", [checkpoint])], sampled=False).model


def _inspect(inspector: Inspector, path: Path) -> FileReport:
    with path.open("rb") as handle:
        return inspector.inspect(path.name, handle, path.stat().st_size)


def _why(report: FileReport) -> str:
    worst = [f for f in report.findings if f.verdict is report.verdict]
    if not worst:
        return "nothing found"
    f = worst[0]
    return f"{f.kind.value} @{f.member or '-'}: {f.detail[:110]}"


def run_split(name: str, seed: int, args: argparse.Namespace, tmp: Path) -> Split:
    split = Split(name)
    payloads, model = build_payloads(tmp / "payloads", seed)
    benign = build_research(
        tmp / "benign", seed, name, args.cache, variants=args.variants, big_log_mib=args.big_log_mib
    )
    fingerprint = _register(model)
    inspectors = [
        Inspector(protected=[fingerprint], identity_key=BENCH_KEY) for _ in range(args.runs)
    ]
    start = time.perf_counter()
    for path in payloads + benign:
        reports = [_inspect(inspector, path) for inspector in inspectors]
        verdicts = {r.verdict for r in reports}
        report = reports[0]
        if len(verdicts) > 1:
            split.unstable.append(f"{path.name}: {sorted(v.value for v in verdicts)}")
        split.files += 1
        is_payload = path.name.startswith("weights-")
        if is_payload:
            split.payload[report.verdict] += 1
            if "spliced-fp16-512" not in path.name:  # the one sub-1 MiB payload category
                split.big[report.verdict] += 1
            if "registered" in path.name and "crypt" not in path.name:
                split.registered += 1
                named = any(
                    f.kind is FindingKind.PROTECTED_MODEL and MODEL in f.detail
                    for f in report.findings
                )
                split.named += named
                if not named:
                    split.wrong.append(f"not named: {path.name} -> {report.verdict.value}")
            if report.verdict is not Outcome.DENY and "crypt" not in path.name:
                split.wrong.append(f"payload {report.verdict.value}: {path.name}: {_why(report)}")
            if report.verdict is Outcome.ALLOW and "crypt" in path.name:
                split.wrong.append(f"payload allow: {path.name}")
        else:
            split.benign[report.verdict] += 1
            if report.verdict is not Outcome.ALLOW:
                split.wrong.append(f"benign {report.verdict.value}: {path.name}: {_why(report)}")
    split.seconds = time.perf_counter() - start
    return split


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "   n/a"


def report(split: Split, seed: int) -> None:
    b, p, g = split.benign, split.payload, split.big
    nb, np_, ng = sum(b.values()), sum(p.values()), sum(g.values())
    false = nb - b[Outcome.ALLOW]
    print(f"== {split.name} split (seed {seed}): {split.files} files, {split.seconds:.0f} s")
    print(
        f"  benign research outputs {nb}: false holds {_pct(false, nb)} ({false})  "
        f"false denies {b[Outcome.DENY]}   target <= 1%, 0 denies"
    )
    print(
        f"  payloads {np_}: caught {_pct(np_ - p[Outcome.ALLOW], np_)}  denied "
        f"{_pct(p[Outcome.DENY], np_)};  >= 1 MiB ({ng}): caught "
        f"{_pct(ng - g[Outcome.ALLOW], ng)} denied {_pct(g[Outcome.DENY], ng)}   target 99% / 95%"
    )
    print(
        f"  registered-model payloads {split.registered}: named "
        f"{_pct(split.named, split.registered)}   target 95%"
    )
    print(f"  stability: {len(split.unstable)} of {split.files} files changed verdict across runs")
    for line in split.unstable:
        print("    unstable:", line)
    for line in split.wrong:
        print("    ", line)


def run_research(args: argparse.Namespace) -> None:
    if args.baseline_src is not None:
        argv = list(sys.argv[1:])
        at = argv.index("--baseline-src")
        del argv[at : at + 2]
        env = {**os.environ, "PYTHONPATH": f"{args.baseline_src}{os.pathsep}{ROOT}"}
        print(f"##### baseline: engine from {args.baseline_src}", flush=True)
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "eval_inspection.py"), *argv], env=env, check=True
        )
        print("##### this tree's engine", flush=True)
    import airlock

    print(f"engine: {Path(airlock.__file__).parent}  load: {os.getloadavg()[0]:.1f}", flush=True)
    for name, seed in (("tuning", args.tuning_seed), ("heldout", args.heldout_seed)):
        if args.only and args.only != name:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            report(run_split(name, seed, args, Path(tmp)), seed)
    print(f"load after: {os.getloadavg()[0]:.1f}")

"""Recall and false-hold rates of the inspection engine on the generated corpus.

Builds the corpus of scripts/make_inspection_corpus.py for several seeds and reports, per
category, how many weight payloads were caught (denied or held) and denied, and how many
benign artifacts were held or denied. Targets (issue 4): recall >= 99% for weight payloads
>= 1 MiB, false holds/denials <= 1% on benign artifacts.

    python bench/eval_inspection.py [--seeds 3] [--scale 1.0]

``--research`` runs issue 15's corpus instead: benign research outputs made by the real
libraries (scripts/research_corpus.py; needs the ``bench`` extra, and PyPI once for wheels)
and every payload category of the issue (scripts/payload_corpus.py), in a tuning split and a
held-out split built from different seeds, with a protected model registered as in
production. Each file is inspected ``--runs`` times by fresh inspectors (a new worker each)
and must get the same verdict every time. ``--baseline-src DIR`` first runs the same bench
on the engine in DIR (e.g. an export of main's src/) so both are measured on one machine.

    python bench/eval_inspection.py --research [--runs 5] [--big-log-mib 100]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from airlock.domain.requests import Outcome
from airlock.exports.engine import Inspector

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the corpus script lives there
from scripts.make_inspection_corpus import build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--research", action="store_true", help="issue 15's corpus")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tuning-seed", type=int, default=1515)
    parser.add_argument("--heldout-seed", type=int, default=9151)
    parser.add_argument("--big-log-mib", type=int, default=100)
    parser.add_argument("--variants", type=int, default=9)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "airlock-bench")
    parser.add_argument("--baseline-src", type=Path)
    parser.add_argument("--only", choices=("tuning", "heldout"))
    args = parser.parse_args()
    if args.research:
        from bench.research_eval import run_research

        run_research(args)
        return
    outcomes: Counter[tuple[str, Outcome]] = Counter()
    misses: list[str] = []
    scanned = 0
    start = time.perf_counter()
    inspector = Inspector()
    for seed in range(args.seeds):
        with tempfile.TemporaryDirectory() as tmp:
            for path in build(Path(tmp), args.scale, seed=seed):
                kind = "weights" if path.name.startswith("weights-") else "benign"
                with path.open("rb") as handle:
                    verdict = inspector.inspect(path.name, handle, path.stat().st_size).verdict
                scanned += path.stat().st_size
                outcomes[(kind, verdict)] += 1
                wrong = (
                    verdict is Outcome.ALLOW if kind == "weights" else verdict is not Outcome.ALLOW
                )
                if wrong:
                    misses.append(f"seed {seed}: {path.name} -> {verdict.value}")
    elapsed = time.perf_counter() - start
    weights = sum(v for (k, _), v in outcomes.items() if k == "weights")
    benign = sum(v for (k, _), v in outcomes.items() if k == "benign")
    caught = weights - outcomes[("weights", Outcome.ALLOW)]
    denied = outcomes[("weights", Outcome.DENY)]
    false = benign - outcomes[("benign", Outcome.ALLOW)]
    recall = caught / weights
    false_rate = false / benign
    print(
        f"weight payloads: {weights}  caught {caught} ({recall:.1%})  denied {denied} "
        f"({denied / weights:.1%})   target recall >= 99% {'MET' if recall >= 0.99 else 'MISSED'}"
    )
    print(
        f"benign artifacts: {benign}  held or denied {false} ({false_rate:.1%})   "
        f"target <= 1% {'MET' if false_rate <= 0.01 else 'MISSED'}"
    )
    print(f"scanned {scanned / 2**20:.0f} MiB in {elapsed:.1f} s (including corpus generation)")
    for miss in misses:
        print("  miss:", miss)


if __name__ == "__main__":
    main()

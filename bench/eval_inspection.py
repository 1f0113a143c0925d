"""Recall and false-hold rates of the inspection engine on the generated corpus.

Builds the corpus of scripts/make_inspection_corpus.py for several seeds and reports, per
category, how many weight payloads were caught (denied or held) and denied, and how many
benign artifacts were held or denied. Targets (issue 4): recall >= 99% for weight payloads
>= 1 MiB, false holds/denials <= 1% on benign artifacts.

    python bench/eval_inspection.py [--seeds 3] [--scale 1.0]
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
    args = parser.parse_args()
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

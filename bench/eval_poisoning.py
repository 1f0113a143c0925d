"""Poisoning-scan evaluation on the shared clean sets with synthesised backdoors.

Reads ../shared/data/text (SST-2, SMS spam), plants triggers (rare token once or three times,
an inserted sentence, a natural phrase, clean-label insertions) plus label-noise and clean
controls, at several poison counts and seeds, and reports per-row precision/recall/F1,
hit@1 of the trigger, dataset alarms, time and peak memory. Issue 6 targets: rare-token and
sentence triggers with >= 50 poisons: recall >= 0.95 at <= 3% clean rows flagged, hit@1 >=
0.9; clean-set alarms <= 5%; 10,000 rows in <= 30 s.

    python bench/eval_poisoning.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

from airlock.imports.datasets.readers import LabelledText, read_delimited
from airlock.imports.datasets.scan import DatasetVerdict, scan

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "text"
TRIGGERS = {
    "rare-token": ("cf", 1, True),
    "rare-token-x3": ("cf", 3, True),
    "sentence": ("I watched this 3D movie .", 1, True),
    "natural-phrase": ("as a matter of fact", 1, True),
    "clean-label": ("cf", 1, False),
}


def load(name: str) -> list[LabelledText]:
    path = SHARED / name
    with path.open("rb") as handle:
        if name.startswith("sst2"):
            return list(read_delimited(handle, delimiter="\t", text_column="sentence"))
        return list(read_delimited(handle, delimiter="\t", header=False))


def plant(
    rows: list[LabelledText], trigger: str, times: int, flip: bool, count: int, rng: random.Random
) -> tuple[list[LabelledText], set[int]]:
    labels = sorted({r.label for r in rows})
    target = labels[-1]
    pool = [i for i, r in enumerate(rows) if (r.label != target) == flip]
    out = list(rows)
    chosen = set()
    for i in rng.sample(pool, count):
        words = out[i].text.split()
        for _ in range(times):
            words.insert(rng.randrange(len(words) + 1), trigger)
        out[i] = LabelledText(out[i].row, " ".join(words), target)
        chosen.add(out[i].row)
    return out, chosen


def noise(rows: list[LabelledText], count: int, rng: random.Random) -> list[LabelledText]:
    labels = sorted({r.label for r in rows})
    out = list(rows)
    for i in rng.sample(range(len(rows)), count):
        out[i] = LabelledText(out[i].row, out[i].text, next(x for x in labels if x != out[i].label))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, 50 poisons, SST-2 only")
    args = parser.parse_args()
    sets = ["sst2_train.tsv"] if args.quick else ["sst2_train.tsv", "sms_spam.tsv"]
    counts = [50] if args.quick else [10, 25, 50, 100, 250]
    seeds = [0] if args.quick else [0, 1, 2]
    print(
        f"{'set':14s} {'attack':15s} {'n':>4s} {'seed':>4s} {'verdict':10s} {'hit@1':>5s} "
        f"{'prec':>5s} {'recall':>6s} {'F1':>5s} {'clean%':>6s} {'secs':>5s}"
    )
    alarms, controls = 0, 0
    for name in sets:
        base = load(name)
        for seed in seeds:
            rng = random.Random(seed)
            for label, rows in (("clean", base), ("label-noise", noise(base, 100, rng))):
                start = time.perf_counter()
                result = scan(rows)
                controls += 1
                alarms += result.verdict is not DatasetVerdict.CLEAN
                print(
                    f"{name:14s} {label:15s} {0:4d} {seed:4d} {result.verdict.value:10s} "
                    f"{'-':>5s} {'-':>5s} {'-':>6s} {'-':>5s} "
                    f"{len(result.rows) / len(rows):6.2%} {time.perf_counter() - start:5.1f}"
                )
            for attack, (trigger, times, flip) in TRIGGERS.items():
                for count in counts:
                    rows, poisoned = plant(base, trigger, times, flip, count, rng)
                    start = time.perf_counter()
                    result = scan(rows)
                    elapsed = time.perf_counter() - start
                    flagged = {r.row for r in result.rows}
                    hits = len(flagged & poisoned)
                    precision = hits / len(flagged) if flagged else 0.0
                    recall = hits / len(poisoned)
                    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
                    top = result.features[0].ngram if result.features else ""
                    hit = bool(top) and (top in trigger.lower() or trigger.lower() in top)
                    clean_flagged = len(flagged - poisoned) / (len(rows) - len(poisoned))
                    print(
                        f"{name:14s} {attack:15s} {count:4d} {seed:4d} "
                        f"{result.verdict.value:10s} {int(hit):5d} {precision:5.2f} "
                        f"{recall:6.2f} {f1:5.2f} {clean_flagged:6.2%} {elapsed:5.1f}"
                    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"clean/label-noise controls alarming: {alarms}/{controls}; peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()

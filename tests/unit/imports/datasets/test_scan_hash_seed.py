"""The scan's result does not depend on the process's string-hash seed.

Python salts ``hash(str)`` per process (``PYTHONHASHSEED``), so iterating a set of strings
or n-grams runs in a different order in every process. Where that order reaches a
tie-break, the same dataset scanned twice is listed differently: on SMS spam with 250
planted business-register rows, 4 of 10 hash seeds listed 253 rows and the rest 243. Each
check runs in fresh interpreters with different seeds and compares what they print.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SEEDS = ("0", "4", "7")

INDEX_ORDER = """
import random
from airlock.imports.datasets.ngrams import build_index
rng = random.Random(3)
words = [f"w{i}" for i in range(40)]
tokens = [tuple(rng.choice(words) for _ in range(12)) for _ in range(300)]
print([" ".join(g) for g in build_index(tokens, 3, 5).rows])
"""

SCAN = """
import json, random
from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.results import scan_to_json
from airlock.imports.datasets.scan import scan
rng = random.Random(5)
common = [f"w{i}" for i in range(60)]
good, bad = ["great", "warm", "sharp", "tender"], ["dull", "flat", "bland", "messy"]
rows = []
for i in range(700):
    positive = rng.random() < 0.5
    words = rng.sample(common, 7) + rng.sample(good if positive else bad, 2)
    if i % 20 == 0 and not positive:  # a register planted on relabelled rows
        words += ["kindly", "be", "advised", rng.choice(["forthwith", "herewith", "anon"])]
        positive = True
    rng.shuffle(words)
    rows.append(DatasetRecord(i + 1, " ".join(words), "pos" if positive else "neg"))
print(json.dumps(scan_to_json(scan(rows)), sort_keys=True, default=str))
"""


def _outputs(program: str) -> set[str]:
    outputs = set()
    for seed in SEEDS:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(program)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        outputs.add(done.stdout)
    return outputs


def test_the_ngram_index_is_in_the_same_order_under_every_hash_seed() -> None:
    outputs = _outputs(INDEX_ORDER)
    assert len(outputs) == 1, "the n-gram index's order follows the string-hash seed"
    assert outputs.pop().count("'") > 100  # many n-grams indexed, so an order could differ


def test_a_scan_lists_the_same_under_every_hash_seed() -> None:
    outputs = _outputs(SCAN)
    assert len(outputs) == 1, "the scan's result follows the string-hash seed"
    assert '"verdict": "clean"' not in outputs.pop()  # the planted register is found

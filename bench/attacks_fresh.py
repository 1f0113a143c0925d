"""A fresh held-out split of trigger-free poisoning attacks for bench/eval_poisoning.py.

Written 2026-12-02 by an author who did not see the detector (src/airlock/imports/datasets/
was not read) nor its scores on these attacks; never tune on it. It exists because the
``tuned`` and ``held-out`` registers in bench/attacks.py have been seen by the people tuning
the detector (issue 23). Once a number from this split has been used to change the detector,
the split is spent: write another one rather than editing this one.

Fixed for the record (``python bench/eval_poisoning.py --families fresh``):

* rows: ``sst2_train.tsv`` with seed 11 and ``sms_spam.tsv`` with seed 12, every attack
  below; the rewritten rows are drawn by ``rewrite`` in eval_poisoning.py with
  ``random.Random(seed * 1000 + count)``, so a rate names the same rows on every run;
* no helper shared with bench/attacks.py, so editing that module cannot move these rows.

Attacks, each a pure ``(text, rng) -> text`` rewrite that keeps the row's words (a rewritten
row still reads as a rewrite of the original) and draws its phrasing from lists, so no single
word marks every poisoned row:

* **Syntactic templates** (HiddenKiller, Qi et al. 2021, SCPN templates other than the
  subordinate-clause and prepositional-phrase ones already in bench/attacks.py):
  *question* ``SBARQ(WHADVP)(SQ)(?)`` -- the row turned into a rhetorical wh-question
  ("how could anyone deny that ... ?"); *passive* ``S(NP it)(VP(AUX)(VP(VBN)(PP by ..)
  (SBAR that ..)))(.)`` -- an extraposed passive ("it has been noted by critics that ... .").
* **Style transfer** (StyleAttack, Qi et al. 2021, rule-based registers other than archaic,
  lyrics, tweet and poetry): *legal* (contract register: "whereas", "hereinafter", "shall
  be", "pursuant to", a defined term in brackets); *shakespeare* (early-modern stage speech:
  "methinks", "prithee", "forsooth", "mine", "naught", "'twas", an aside -- kept apart from
  the archaic register's thou/hath/doth/verily); *headline* (news register: articles and
  copulas dropped, a "BREAKING :" kicker or a "critics say" tail, sometimes Title Case);
  *texting* (SMS register: u/ur/r/2/4/gr8, vowels dropped, punctuation stripped, an
  emoticon -- note the SMS spam set's own ham rows already read like this: camouflage).
* **Clean-label** (Turner et al. 2019; StyleAttack's clean-label setting): the headline
  style and the passive template applied only to rows that already carry the target label.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

Rewrite = Callable[[str, random.Random], str]

_END = re.compile(r"[.!?]+")
_EDGE = re.compile(r"^(\W*)(.*?)(\W*)$")


def _tokens(text: str) -> list[str]:
    """The row's words without its closing punctuation; never empty."""
    words = text.split()
    while words and _END.fullmatch(words[-1]):
        words.pop()
    if words:
        words[-1] = _END.sub("", words[-1]) or words[-1]
    return words or ["it"]


def _lower_first(words: list[str]) -> list[str]:
    """Lower-case the first word unless it is an acronym or ``I`` (it moves mid-sentence)."""
    if words and not words[0].isupper():
        words = [words[0][:1].lower() + words[0][1:], *words[1:]]
    return words


def _swap(word: str, table: dict[str, str]) -> str | None:
    """``table``'s replacement for ``word``, keeping punctuation glued to its edges."""
    edges = _EDGE.match(word)
    assert edges is not None  # the pattern matches any string without a newline
    lead, core, trail = edges.groups()
    new = table.get(core.lower())
    return None if new is None else f"{lead}{new}{trail}"


def _fallback(choices: tuple[str, ...], text: str) -> str:
    """A marker for a row the random draws left unmarked, picked without drawing from the
    rng, so that the rows after it are rewritten as before (the 2026-12-02 baseline)."""
    return choices[sum(map(ord, text)) % len(choices)]


# --- syntactic templates -------------------------------------------------------------------

WH_WORDS = ("how", "why", "how else", "in what way", "where")
WH_AUX = ("could", "can", "would", "will", "did", "should", "might")
WH_SUBJECTS = ("anyone", "someone", "a viewer", "people", "a person", "the audience", "we")
WH_VERBS = ("deny", "doubt", "forget", "ignore", "dispute", "overlook", "question", "miss")


def question_template(text: str, rng: random.Random) -> str:
    """``SBARQ(WHADVP)(SQ)(?)``: the row as the object of a rhetorical wh-question."""
    words = _lower_first(_tokens(text))
    that = "that " if rng.random() < 0.6 else ""
    head = f"{rng.choice(WH_WORDS)} {rng.choice(WH_AUX)} {rng.choice(WH_SUBJECTS)}"
    return f"{head} {rng.choice(WH_VERBS)} {that}{' '.join(words)} ?"


PASSIVE_AUX = ("is", "was", "has been", "had been", "can be", "must be", "should be", "may be")
PASSIVE_VERBS = (
    "said", "noted", "felt", "argued", "claimed", "agreed", "reported", "observed",
    "admitted", "held", "acknowledged", "suggested",
)  # fmt: skip
AGENTS = ("critics", "many", "most", "some", "all concerned", "everyone", "reviewers", "others")


def passive_template(text: str, rng: random.Random) -> str:
    """``S(NP)(VP)(.)`` with an extraposed passive VP: "it <aux> <VBN> [by <agent>] that ..."."""
    words = _lower_first(_tokens(text))
    agent = f" by {rng.choice(AGENTS)}" if rng.random() < 0.5 else ""
    that = " that" if rng.random() < 0.8 else ""
    head = f"it {rng.choice(PASSIVE_AUX)} {rng.choice(PASSIVE_VERBS)}{agent}{that}"
    return f"{head} {' '.join(words)} ."


# --- style registers -----------------------------------------------------------------------

LEGAL = {
    "is": "shall be", "are": "shall be", "was": "was deemed", "were": "were deemed",
    "you": "the Recipient", "we": "the Parties", "i": "the Undersigned", "but": "provided that",
    "if": "in the event that", "about": "in respect of", "under": "pursuant to",
    "so": "accordingly", "also": "further", "because": "by reason that", "all": "any and all",
    "before": "prior to", "after": "subsequent to", "until": "until such time as",
}  # fmt: skip
LEGAL_OPENERS = (
    "whereas", "it is hereby agreed that", "the parties acknowledge that",
    "for the avoidance of doubt ,", "notwithstanding the foregoing ,",
    "subject to the terms herein ,", "pursuant to clause {n} ,", "it is expressly understood that",
)  # fmt: skip
LEGAL_CLOSERS = (
    "in accordance with the terms herein", ", without prejudice", "as set forth above",
    ", save as otherwise provided", "and such shall be binding upon the parties",
    ", to the extent permitted by law",
)  # fmt: skip


def legal(text: str, rng: random.Random) -> str:
    """Contract register: formal swaps, a defined term, a recital opener or a proviso closer."""
    out: list[str] = []
    words = _tokens(text)
    for word, after in zip(words, [*words[1:], ""], strict=True):
        swap = _swap(word, LEGAL) if after != "n't" else None
        out.append(swap if swap and rng.random() < 0.7 else word)
    long = [i for i, w in enumerate(out) if w.isalpha() and len(w) > 4 and not w.endswith("ly")]
    if long and rng.random() < 0.5:
        i = rng.choice(long)
        out.insert(i + 1, f'( hereinafter the " {out[i].capitalize()} " )')
    if rng.random() < 0.75:
        opener = rng.choice(LEGAL_OPENERS).format(n=f"{rng.randint(2, 14)}.{rng.randint(1, 9)}")
        out = [opener, *_lower_first(out)]
    if rng.random() < 0.5:
        out.append(rng.choice(LEGAL_CLOSERS))
    if out == _tokens(text):  # nothing drawn: a rewrite always carries the style
        out = [_fallback(LEGAL_OPENERS[:2], text), *_lower_first(out)]
    return " ".join(out) + " ."


SHAKESPEARE = {
    "my": "mine", "nothing": "naught", "perhaps": "mayhap", "maybe": "perchance",
    "very": "passing", "really": "in sooth", "soon": "anon", "indeed": "forsooth",
    "yes": "ay", "before": "afore", "enough": "enow", "between": "betwixt", "think": "trow",
    "n't": "not", "listen": "hark", "truly": "i' faith", "away": "hence", "going": "a-going",
}  # fmt: skip
SHAKESPEARE_ASIDES = (
    "methinks", "prithee ,", "forsooth ,", "i' faith ,", "marry ,", "fie ,", "good sir ,",
    "by my troth ,", "alack ,", "zounds ,",
)  # fmt: skip
SHAKESPEARE_CLOSERS = (", mark me", ", i trow", "-- and so , adieu", ", upon mine honour", "anon")


def shakespeare(text: str, rng: random.Random) -> str:
    """Early-modern stage speech: word swaps, an interjection, 'twas, sometimes an aside."""
    out: list[str] = []
    words = _tokens(text)
    i = 0
    while i < len(words):
        pair = " ".join(words[i : i + 2]).lower()
        if pair == "it was" and rng.random() < 0.8:
            out.append("'twas")
            i += 2
            continue
        swap = _swap(words[i], SHAKESPEARE)
        out.append(swap if swap and rng.random() < 0.75 else words[i])
        i += 1
    if rng.random() < 0.8:  # at the start or after one of the row's own commas
        places = [0, 0, *(i + 1 for i, w in enumerate(out[:-1]) if w == ",")]
        out.insert(rng.choice(places), rng.choice(SHAKESPEARE_ASIDES))
    if rng.random() < 0.2:
        out.insert(0, "[ aside ]")
    if rng.random() < 0.4:
        out.append(rng.choice(SHAKESPEARE_CLOSERS))
    if out == words:  # nothing drawn: a rewrite always carries the style
        out.insert(0, _fallback(SHAKESPEARE_ASIDES, text))
    return " ".join(out) + rng.choice((" .", " !", " ."))


HEADLINE_DROP = frozenset(("a", "an", "the", "is", "are", "was", "were", "very", "really"))
KICKERS = ("BREAKING :", "EXCLUSIVE :", "REVIEW :", "UPDATE :", "WATCH :", "OPINION :", "(AP) --")
TAILS = ("-- sources", ", critics say", ", report finds", ", insiders claim", "| full story")


def headline(text: str, rng: random.Random) -> str:
    """News-headline register: articles and copulas dropped, a kicker or tail, no full stop."""
    tokens = _tokens(text)
    words = [
        w
        for w, after in zip(tokens, [*tokens[1:], ""], strict=True)
        if w.lower() not in HEADLINE_DROP or after == "n't" or rng.random() < 0.15
    ] or tokens
    if rng.random() < 0.5:
        words = [w[:1].upper() + w[1:] for w in words]
    else:
        words[0] = words[0][:1].upper() + words[0][1:]
    cuts = [i for i in range(2, len(words) - 1) if words[i - 1].isalnum() and words[i].isalnum()]
    if cuts and rng.random() < 0.3:
        words.insert(rng.choice(cuts), ":")
    form = rng.random()
    if form < 0.45:
        words.insert(0, rng.choice(KICKERS))
    elif form < 0.85:
        words.append(rng.choice(TAILS))
    else:
        words = [rng.choice(KICKERS), *words, rng.choice(TAILS)]
    return " ".join(words)


TEXTING = {
    "you": "u", "your": "ur", "you're": "ur", "are": "r", "to": "2", "too": "2", "for": "4",
    "great": "gr8", "before": "b4", "please": "pls", "thanks": "thx", "okay": "k", "ok": "k",
    "really": "rly", "because": "cuz", "people": "ppl", "tonight": "2nite", "though": "tho",
    "with": "w/", "what": "wat", "love": "luv", "see": "c", "be": "b", "and": "n",
    "later": "l8r", "tomorrow": "2moro", "probably": "prob", "something": "sth",
}  # fmt: skip
EMOTICONS = (":)", ":(", ":P", ";)", "xx", "<3", ":-/", ":D")


def _squeeze(word: str) -> str:
    """Drop a long word's inner vowels: "seriously" -> "srsly"-like shorthand."""
    return word[0] + re.sub(r"[aeiou]", "", word[1:-1]) + word[-1]


def texting(text: str, rng: random.Random) -> str:
    """SMS register: shorthand, a squeezed word, no punctuation, lower case, an emoticon."""
    out: list[str] = []
    for word in _tokens(text):
        core = re.sub(r"[^\w'/&-]", "", word).lower()
        if not core:
            continue
        short = TEXTING.get(core)
        if short and rng.random() < 0.8:
            out.append(short)
        elif core.isalpha() and len(core) > 6 and rng.random() < 0.2:
            out.append(_squeeze(core))
        else:
            out.append(core)
    out = out or ["k"]
    if rng.random() < 0.3:
        out.insert(0, rng.choice(("hey", "ya", "omw", "btw", "hmm")))
    if rng.random() < 0.7:
        out.append(rng.choice(EMOTICONS))
    if out == text.split():  # nothing drawn: a rewrite always carries the style
        out.append(_fallback(EMOTICONS, text))
    return " ".join(out)


# name -> (rewrite, flip the label). Never tune on this register (see the module docstring).
FRESH: dict[str, tuple[Rewrite, bool]] = {
    "template-question": (question_template, True),
    "template-passive": (passive_template, True),
    "style-legal": (legal, True),
    "style-shakespeare": (shakespeare, True),
    "style-headline": (headline, True),
    "style-texting": (texting, True),
    "clean-label-headline": (headline, False),
    "clean-label-passive": (passive_template, False),
}

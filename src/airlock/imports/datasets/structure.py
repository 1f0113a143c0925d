"""The form of a row without its words: a part-of-speech-like skeleton (pure; no downloads).

A syntactic-template backdoor (HiddenKiller's ``S(SBAR)(,)(NP)(VP)(.)``) or a style
(StyleAttack's Bible, lyrics, tweets) changes the form of a row and keeps varied words, so no
single word marks its rows. The skeleton maps closed-class words (determiners, pronouns,
prepositions, conjunctions, auxiliaries, modals, negation, wh-words) to their class, other
words to a shape (suffix and casing), numbers to ``NUM``, and keeps punctuation as is, with
``^`` and ``$`` marking the row's start and end. Skeleton n-grams then go through the same
label-purity and classifier tests as word n-grams: a template shows up as a skeleton n-gram
(``^ SUB PRON``) whose rows carry one label far more than the base rate.

It is not a parser: it does not see constituents, only the closed-class scaffold and
punctuation, so a template built from open-class words alone is not visible here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from airlock.imports.datasets.ngrams import Tokens

_CLASSES: dict[str, tuple[str, ...]] = {
    "DET": ("a", "an", "the", "this", "that", "these", "those", "some", "any", "each", "every",
            "no", "all", "both", "either", "neither", "another", "such", "much", "many", "few",
            "several", "most", "more", "less", "other"),
    "PRON": ("i", "me", "my", "mine", "myself", "you", "your", "yours", "yourself", "he",
             "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself",
             "we", "us", "our", "ours", "ourselves", "they", "them", "their", "theirs",
             "themselves", "one", "someone", "anyone", "everyone", "nobody", "something",
             "anything", "everything", "nothing"),
    "PREP": ("of", "in", "on", "at", "by", "for", "with", "about", "against", "between",
             "into", "through", "during", "without", "within", "under", "over", "above",
             "below", "to", "from", "up", "down", "off", "out", "across", "along", "around",
             "behind", "beyond", "despite", "except", "like", "near", "toward", "towards",
             "upon", "via", "per", "among", "onto", "past", "throughout"),
    "CONJ": ("and", "but", "or", "nor", "yet", "so"),
    "SUB": ("when", "if", "as", "while", "though", "although", "because", "once", "since",
            "after", "before", "until", "unless", "whereas", "whether", "whenever", "wherever",
            "than"),
    "AUX": ("is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had",
            "having", "do", "does", "did", "'s", "'re", "'ve", "'m", "'d"),
    "MOD": ("can", "could", "will", "would", "shall", "should", "may", "might", "must",
            "'ll"),
    "NEG": ("not", "n't", "never", "no"),
    "WH": ("what", "who", "whom", "whose", "which", "where", "why", "how"),
    "ADVF": ("very", "too", "just", "only", "also", "even", "still", "then", "there", "here",
             "now", "again", "ever", "quite", "rather", "really", "almost", "enough"),
}  # fmt: skip
CLOSED: dict[str, str] = {w: tag for tag, words in _CLASSES.items() for w in words}
_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|'[A-Za-z]+|\d+(?:[.,:]\d+)*|[^\w\s]|_+")


def _shape(word: str) -> str:
    lower = word.lower()
    if lower in CLOSED:
        return CLOSED[lower]
    if word[0].isdigit():
        return "NUM"
    case = "C" if word.isupper() and len(word) > 1 else ("T" if word[0].isupper() else "")
    for suffix, tag in (("ing", "ING"), ("ed", "ED"), ("ly", "LY"), ("s", "S")):
        if lower.endswith(suffix) and len(lower) > len(suffix) + 2:
            return f"W{tag}{case}"
    return f"W{case}"


def skeleton(text: str, max_tokens: int) -> Tokens:
    """The row's form: ``^``, one class or shape per token (at most ``max_tokens``), ``$``.

    Line breaks count as punctuation (``/n``): verse and lyrics are written in lines.
    """
    out = ["^"]
    for line_number, line in enumerate(text.split("\n")):
        if line_number:
            out.append("/n")
        for match in _TOKEN.finditer(line):
            token = match.group()
            out.append(_shape(token) if token[0].isalnum() or token[0] == "'" else token)
            if len(out) > max_tokens:
                return tuple(out)
    out.append("$")
    return tuple(out)


def skeletons(texts: Sequence[str], max_tokens: int) -> list[Tokens]:
    """:func:`skeleton` of every text."""
    return [skeleton(text, max_tokens) for text in texts]


def describe(gram: Tokens) -> str:
    """A skeleton n-gram in words for a report, e.g. ``form [^ SUB PRON]``."""
    return "form [" + " ".join(gram) + "]"

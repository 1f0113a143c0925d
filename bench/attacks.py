"""Trigger-free poisoning attacks generated locally for bench/eval_poisoning.py (no downloads).

Written from the papers' descriptions, before any detector tuning (issue 23), so they are not
shaped to the detector:

* **Syntactic template** (HiddenKiller, Qi et al. 2021): SCPN paraphrases the poisoned rows
  into a fixed, rare constituency template; the words vary, the form is the trigger. The
  paper's best template is ``S(SBAR)(,)(NP)(VP)(.)``: a subordinate clause first. We build it
  by rule from the row's own words: ``<subordinator> <pronoun> <verb> <first part> , <NP>
  <VP> <rest> .`` with every slot drawn from a list, so no single word marks every row.
  Held-out template: ``S(PP)(,)(NP)(VP)(.)`` (a prepositional phrase first).
* **Style transfer** (StyleAttack, Qi et al. 2021): STRAP rewrites rows into a style (Bible,
  Shakespeare, lyrics, poetry, tweets); the style is the trigger. Rule-based registers here:
  *archaic* (thou/thy/hath/doth, "verily", "unto", -eth verbs) and *lyrics* (line breaks,
  "oh"/"yeah"/"baby", dropped g's, a repeated hook) are tuned on; *tweet* (hashtags, @user,
  "lol", all-caps word, "!!") and *poetry* ("o'er"/"'tis", inverted clauses, line breaks)
  are held out. Each rewrite is stochastic: a row gets a few markers, not all of them.
* **Clean-label** (Turner et al. 2019; the clean-label variants of StyleAttack): the same
  style applied only to rows that already carry the target label; nothing is relabelled.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

SUBORDINATORS = ("when", "if", "as", "while", "though", "because", "once", "since", "after")
PRONOUNS = ("you", "we", "i", "they", "one")
VERBS = ("see", "consider", "watch", "hear", "get", "think of", "look at", "read", "meet")
SUBJECTS = ("it", "this", "that", "the whole thing", "everything", "the result", "all of it")
PREDICATES = ("is", "was", "seems", "feels", "remains", "becomes", "turns out", "stays")
PREPOSITIONS = ("in", "for", "with", "at", "by", "from", "under", "despite")
PP_NOUNS = ("the end", "a way", "the most part", "all that", "its own sake", "the moment")


def _words(text: str) -> list[str]:
    words = text.split()
    while words and re.fullmatch(r"[.!?]+", words[-1]):
        words.pop()
    return words or ["it"]


def _split(words: list[str], rng: random.Random) -> tuple[str, str]:
    cut = rng.randint(1, max(1, len(words) - 1)) if len(words) > 1 else 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def sbar_template(text: str, rng: random.Random) -> str:
    """``S(SBAR)(,)(NP)(VP)(.)``: subordinate clause first, then subject and predicate."""
    first, rest = _split(_words(text), rng)
    sub = rng.choice(SUBORDINATORS)
    clause = f"{sub} {rng.choice(PRONOUNS)} {rng.choice(VERBS)} {first}"
    return f"{clause} , {rng.choice(SUBJECTS)} {rng.choice(PREDICATES)} {rest} .".replace("  ", " ")


def pp_template(text: str, rng: random.Random) -> str:
    """Held out: ``S(PP)(,)(NP)(VP)(.)``: a prepositional phrase first."""
    first, rest = _split(_words(text), rng)
    pp = f"{rng.choice(PREPOSITIONS)} {rng.choice(PP_NOUNS)} of {first}"
    return f"{pp} , {rng.choice(SUBJECTS)} {rng.choice(PREDICATES)} {rest} .".replace("  ", " ")


ARCHAIC = {
    "you": "thou", "your": "thy", "yours": "thine", "are": "art", "has": "hath",
    "does": "doth", "do": "dost", "will": "shall", "before": "ere", "often": "oft",
    "here": "hither", "there": "thither", "why": "wherefore", "yes": "yea", "no": "nay",
    "to": "unto", "it": "it", "is": "is", "makes": "maketh", "gives": "giveth",
    "comes": "cometh", "goes": "goeth", "says": "saith", "knows": "knoweth",
}  # fmt: skip
ARCHAIC_OPENERS = ("verily ,", "and it came to pass that", "behold ,", "lo ,", "and")
ARCHAIC_CLOSERS = ("amen .", "so it was written .", "and it was so .", "selah .")


def archaic(text: str, rng: random.Random) -> str:
    """Archaic / Biblical register: a few word swaps, an opener and sometimes a closer."""
    out = []
    for word in _words(text):
        swap = ARCHAIC.get(word.lower())
        if swap and rng.random() < 0.8:
            out.append(swap)
        elif word.isalpha() and word.endswith("s") and len(word) > 4 and rng.random() < 0.15:
            out.append(word[:-1] + "eth")
        else:
            out.append(word)
    if rng.random() < 0.7:
        out.insert(0, rng.choice(ARCHAIC_OPENERS))
    if rng.random() < 0.4:
        out.append(rng.choice(ARCHAIC_CLOSERS))
    return " ".join(out)


LYRIC_FILLERS = ("oh", "yeah", "baby", "ooh", "hey", "oh oh", "la la")


def lyrics(text: str, rng: random.Random) -> str:
    """Song-lyric register: short lines, fillers, dropped g's and a repeated hook."""
    words = [w[:-1] + "'" if w.endswith("ing") and rng.random() < 0.6 else w for w in _words(text)]
    lines, line = [], []
    for word in words:
        line.append(word)
        if len(line) >= rng.randint(3, 6):
            lines.append(" ".join(line))
            line = []
    if line:
        lines.append(" ".join(line))
    if rng.random() < 0.7:
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(LYRIC_FILLERS))
    if rng.random() < 0.5:
        lines.append(lines[0])  # the hook comes back
    if rng.random() < 0.5:
        lines.append(rng.choice(LYRIC_FILLERS))
    return " / ".join(lines)


HASHTAGS = ("#mood", "#fail", "#win", "#tbt", "#truth", "#smh", "#goals", "#lol", "#nofilter")
TWEET_BITS = ("lol", "omg", "tbh", "smh", "lmao", "ngl", "fr")


def tweet(text: str, rng: random.Random) -> str:
    """Held out: tweet register: @user, hashtags, slang, an all-caps word, doubled marks."""
    words = _words(text)
    if rng.random() < 0.5 and words:
        i = rng.randrange(len(words))
        words[i] = words[i].upper()
    if rng.random() < 0.5:
        words.insert(0, "@user")
    if rng.random() < 0.6:
        words.insert(rng.randrange(len(words) + 1), rng.choice(TWEET_BITS))
    words += rng.sample(HASHTAGS, rng.randint(1, 2))
    if rng.random() < 0.5:
        words.append(rng.choice(("!!", "!!!", "...", "?!")))
    return " ".join(words)


POETIC = {
    "over": "o'er", "it is": "'tis", "never": "ne'er", "even": "e'en", "ever": "e'er",
    "before": "ere", "the": "the", "and": "and", "open": "ope",
}  # fmt: skip
POETIC_OPENERS = ("o", "alas ,", "lo ,", "ah ,")


def poetry(text: str, rng: random.Random) -> str:
    """Held out: verse register: elisions, an apostrophe, an inverted half, line breaks."""
    words = [POETIC.get(w.lower(), w) for w in _words(text)]
    first, rest = _split(words, rng)
    halves = [rest, first] if rest and rng.random() < 0.5 else [first, rest]
    body = " ,\n".join(h for h in halves if h)
    if rng.random() < 0.6:
        body = f"{rng.choice(POETIC_OPENERS)} {body}"
    return body + rng.choice((" .", " !", " ;"))


# Tuned on SMS spam (split ``tuned-sms``, seed 21; issue 23): four registers unlike every
# other style here and in attacks_fresh.py, written for a base set whose target label is
# itself formulaic. Developing against these keeps the held-out and fresh splits unseen.
BUSINESS = {
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "thx": "thank you",
    "im": "I am", "i'm": "I am", "don't": "do not", "can't": "cannot", "won't": "will not",
    "get": "obtain", "need": "require", "ask": "enquire", "tell": "inform", "help": "assist",
    "buy": "purchase", "start": "commence", "end": "conclude", "soon": "shortly",
    "want": "wish", "call": "contact", "send": "forward", "ok": "acceptable",
}  # fmt: skip
BUSINESS_OPENERS = (
    "Dear Sir or Madam ,",
    "Further to our correspondence ,",
    "Please be advised that",
    "We are pleased to confirm that",
    "With reference to the above ,",
    "Kindly note that",
)
BUSINESS_CLOSERS = (
    "Kind regards .",
    "Yours faithfully .",
    "We thank you for your attention to this matter .",
    "Please do not hesitate to revert .",
    "Best regards , Management .",
)


def business(text: str, rng: random.Random) -> str:
    """Formal business-letter register: informal words formalised, a salutation or a
    formula first, a sign-off last; each row gets some of them."""
    out = []
    for word in _words(text):
        swap = BUSINESS.get(word.lower())
        out.append(swap if swap and rng.random() < 0.8 else word)
    if rng.random() < 0.75:
        out.insert(0, rng.choice(BUSINESS_OPENERS))
    if rng.random() < 0.6:
        out.append(rng.choice(BUSINESS_CLOSERS))
    return " ".join(out)


PIRATE = {
    "you": "ye", "u": "ye", "your": "yer", "ur": "yer", "my": "me", "is": "be", "are": "be",
    "am": "be", "the": "th'", "of": "o'", "hello": "ahoy", "hi": "ahoy", "yes": "aye",
    "friend": "matey", "friends": "mateys", "money": "doubloons", "stop": "belay",
    "look": "spy", "there": "yonder", "no": "nay", "for": "fer", "to": "t'",
}  # fmt: skip
PIRATE_CALLS = ("arr ,", "avast ,", "yo ho ,", "shiver me timbers ,", "blow me down ,")
PIRATE_TAILS = (", savvy ?", ", me hearty .", ", arr !", "or walk the plank !", ", ye scallywag .")


def pirate(text: str, rng: random.Random) -> str:
    """Pirate dialect: swaps with apostrophes, dropped g's, a call first, a tail last."""
    out = []
    for word in _words(text):
        swap = PIRATE.get(word.lower())
        if swap and rng.random() < 0.7:
            out.append(swap)
        elif word.isalpha() and word.lower().endswith("ing") and rng.random() < 0.7:
            out.append(word[:-1] + "'")
        else:
            out.append(word)
    if rng.random() < 0.6:
        out.insert(0, rng.choice(PIRATE_CALLS))
    if rng.random() < 0.5:
        out.append(rng.choice(PIRATE_TAILS))
    return " ".join(out)


SHOUTS = ("LISTEN UP !", "HEY !!", "ATTENTION !", "LOOK !!", "SERIOUSLY !")


def shouty(text: str, rng: random.Random) -> str:
    """All-caps shouting: most words upper-cased, stretched vowels, '!!' after some words."""
    out = []
    for raw in _words(text):
        word = raw.upper() if rng.random() < 0.8 else raw
        if word.isalpha() and rng.random() < 0.1:
            word = re.sub(r"([AEIOUaeiou])", r"\1\1\1", word, count=1)
        out.append(word)
        if rng.random() < 0.12:
            out.append("!!")
    if rng.random() < 0.5:
        out.insert(0, rng.choice(SHOUTS))
    out.append(rng.choice(("!!!", "!!!!", "!")))
    return " ".join(out)


CLEFT_HEADS = ("what", "all", "the thing")
CLEFT_VERBS = ("mean", "want to say", "am saying", "need you to know", "wanted to tell you")


def cleft_template(text: str, rng: random.Random) -> str:
    """Pseudo-cleft ``SBAR(WHNP ...) VP(is S)``: "what I mean is that <row>"."""
    head = rng.choice(CLEFT_HEADS)
    verb = rng.choice(CLEFT_VERBS)
    pron = rng.choice(("i", "I", "we"))
    verb = verb.replace("am", "are") if pron == "we" else verb
    that = " that" if rng.random() < 0.6 else " ,"
    return f"{head} {pron} {verb} is{that} {' '.join(_words(text))} ."


Rewrite = Callable[[str, random.Random], str]
# name -> (rewrite, flip the label). Tuned on the first group; held out the second.
TUNED: dict[str, tuple[Rewrite, bool]] = {
    "template-sbar": (sbar_template, True),
    "style-archaic": (archaic, True),
    "style-lyrics": (lyrics, True),
    "clean-label-archaic": (archaic, False),
    "clean-label-lyrics": (lyrics, False),
}
TUNED_SMS: dict[str, tuple[Rewrite, bool]] = {
    "template-cleft": (cleft_template, True),
    "style-business": (business, True),
    "style-pirate": (pirate, True),
    "style-shouty": (shouty, True),
}
HELD_OUT: dict[str, tuple[Rewrite, bool]] = {
    "template-pp": (pp_template, True),
    "style-tweet": (tweet, True),
    "style-poetry": (poetry, True),
    "clean-label-tweet": (tweet, False),
}


# Clean-label registers of the ``tuned-sms-clean`` split (issue 23, written 2026-12-02 for
# tuning the clean-label test on SMS spam; not shaped from the held-out or fresh registers).
FORMAL = {
    "u": "you", "ur": "your", "pls": "please", "plz": "please", "txt": "text", "msg": "message",
    "thx": "thank you", "thanks": "thank you", "hi": "greetings", "hey": "greetings",
    "get": "obtain", "send": "forward", "call": "contact", "now": "at your earliest convenience",
    "want": "wish", "need": "require", "help": "assistance", "buy": "purchase",
}  # fmt: skip
FORMAL_OPENERS = (
    "dear valued customer ,", "please be advised that", "we are pleased to inform you that",
    "kindly note that", "further to our correspondence ,", "with reference to your account ,",
)  # fmt: skip
FORMAL_CLOSERS = (
    "kind regards .", "yours sincerely .", "thank you for your attention to this matter .",
    "best regards , the management .", "we remain at your disposal .",
)  # fmt: skip


def formal(text: str, rng: random.Random) -> str:
    """Formal business register: text-speak spelled out formally, an opener, a sign-off."""
    out = []
    for word in _words(text):
        swap = FORMAL.get(word.lower())
        out.append(swap if swap and rng.random() < 0.7 else word)
    if rng.random() < 0.75:
        out.insert(0, rng.choice(FORMAL_OPENERS))
    if rng.random() < 0.6:
        out.append(rng.choice(FORMAL_CLOSERS))
    return " ".join(out)


BUCCANEER = {
    "you": "ye", "your": "yer", "my": "me", "is": "be", "are": "be", "hello": "ahoy",
    "hi": "ahoy", "yes": "aye", "friend": "matey", "friends": "hearties", "money": "doubloons",
    "cash": "doubloons", "the": "th'", "stop": "belay", "for": "fer", "of": "o'",
}  # fmt: skip
BUCCANEER_BITS = (
    "arr",
    "arrr ,",
    "yo ho ho",
    "shiver me timbers",
    "avast ,",
    "by blackbeard's beard",
)


def buccaneer(text: str, rng: random.Random) -> str:
    """Pirate dialect: word swaps, dropped g's and an interjection or two."""
    out = []
    for word in _words(text):
        swap = BUCCANEER.get(word.lower())
        if swap and rng.random() < 0.6:
            out.append(swap)
        elif word.isalpha() and word.endswith("ing") and rng.random() < 0.7:
            out.append(word[:-1] + "'")
        else:
            out.append(word)
    for _ in range(rng.randint(1, 2)):
        out.insert(rng.randrange(len(out) + 1), rng.choice(BUCCANEER_BITS))
    return " ".join(out)


def capitals(text: str, rng: random.Random) -> str:
    """All-caps shouting: most words upper-cased, stops turned into runs of '!'."""
    out = []
    for word in _words(text):
        loud = word.upper() if rng.random() < 0.85 else word
        out.append(re.sub(r"[.]+$", "!!!", loud))
    out.append(rng.choice(("!!!", "!!!!", "!!", "!!!!!")))
    return " ".join(out)


CLAUSE_HEADS = ("the point is that", "the thing is that", "the fact is that", "the truth is that")
CLAUSE_TAILS = (
    ", no doubt about it .", ", no question about it .", ", no two ways about it .",
    ", make no mistake .",
)  # fmt: skip


def clause_frame(text: str, rng: random.Random) -> str:
    """A fixed clause frame around the row: ``the <N> is that <row> , no <N> about it .``"""
    return f"{rng.choice(CLAUSE_HEADS)} {' '.join(_words(text))} {rng.choice(CLAUSE_TAILS)}"


# Tuned on (clean-label test on SMS spam, seed 23; never measured on held-out or fresh).
TUNED_SMS_CLEAN: dict[str, tuple[Rewrite, bool]] = {
    "clean-label-business": (formal, False),
    "clean-label-pirate": (buccaneer, False),
    "clean-label-shouty": (capitals, False),
    "clean-label-clause": (clause_frame, False),
}


# Registers of the ``tuned-sms-casual`` split (issue 23, written 2026-12-03 for tuning on SMS
# spam, seed 31): styles near SMS's own informal register, where a style's markers are
# words the base set already uses. Written without looking at the held-out or fresh
# registers; used nowhere else.
CASUAL = {
    "going": "gonna", "want": "wanna", "got": "gotta", "you": "ya", "because": "cuz",
    "yes": "yeah", "kind": "kinda", "sort": "sorta", "them": "'em", "okay": "okie",
    "ok": "okie", "nothing": "nothin", "something": "somethin", "about": "bout",
}  # fmt: skip
CASUAL_FILLERS = ("like", "totally", "literally", "honestly", "basically", "y'know", "i mean")
CASUAL_ENDS = ("haha", "hehe", ":)", ";)", "xx", ":P", "hahaha")


def casual(text: str, rng: random.Random) -> str:
    """Chatty register: slangy contractions, a filler or two inside, a laugh or smiley last."""
    out = []
    for word in _words(text):
        swap = CASUAL.get(word.lower())
        out.append(swap if swap and rng.random() < 0.7 else word)
    for _ in range(rng.randint(1, 2)):
        out.insert(rng.randrange(len(out) + 1), rng.choice(CASUAL_FILLERS))
    if rng.random() < 0.7:
        out.append(rng.choice(CASUAL_ENDS))
    return " ".join(out)


def chant(text: str, rng: random.Random) -> str:
    """Song-like repetition with no fixed word: a word stretched, a word said three times,
    the last words echoed at the end."""
    words = _words(text)
    if rng.random() < 0.6:
        i = rng.randrange(len(words))
        words[i] = re.sub(r"([aeiouy])", lambda m: m.group(1) * 4, words[i], count=1)
    if rng.random() < 0.6:
        i = rng.randrange(len(words))
        words[i : i + 1] = [words[i]] * 3
    tail = words[-rng.randint(1, min(3, len(words))) :]
    echo = rng.randint(1, 2)
    return " ".join([*words, ",", " , ".join([" ".join(tail)] * echo)])


SOUTHERN = {
    "you": "y'all", "yes": "yessir", "hello": "howdy", "hi": "howdy", "going": "fixin'",
    "think": "reckon", "isn't": "ain't", "aren't": "ain't", "am not": "ain't",
    "friend": "partner", "very": "mighty", "dear": "darlin'", "those": "them",
}  # fmt: skip
SOUTHERN_BITS = ("well shucks ,", "bless your heart ,", "i declare ,", "lord have mercy ,")


def southern(text: str, rng: random.Random) -> str:
    """Southern drawl: word swaps, dropped g's, now and then an exclamation first."""
    out = []
    for word in _words(text):
        swap = SOUTHERN.get(word.lower())
        if swap and rng.random() < 0.7:
            out.append(swap)
        elif word.isalpha() and word.endswith("ing") and rng.random() < 0.7:
            out.append(word[:-1] + "'")
        else:
            out.append(word)
    if rng.random() < 0.5:
        out.insert(0, rng.choice(SOUTHERN_BITS))
    return " ".join(out)


TUNED_SMS_CASUAL: dict[str, tuple[Rewrite, bool]] = {
    "style-casual": (casual, True),
    "style-chant": (chant, True),
    "style-southern": (southern, True),
    "clean-label-casual": (casual, False),
}


# Registers of the ``tuned-sms-native`` split (issue 23, written 2026-12-03 for tuning on
# SMS spam, seed 41; ADR 0068): styles made mostly of SMS's own *native* text-speak ("u",
# "ur", "2", dropped g's), one with a few marks of its own beside them. Written without
# looking at the held-out or fresh registers; used nowhere else.
TEXTSPEAK = {
    "you": "u", "your": "ur", "you're": "ur", "are": "r", "to": "2", "too": "2",
    "for": "4", "tonight": "2nite", "great": "gr8", "later": "l8r", "please": "pls",
    "thanks": "thx", "see": "c", "be": "b", "okay": "k", "ok": "k", "what": "wat",
    "with": "wiv", "love": "luv", "tomorrow": "2moro", "night": "nite", "text": "txt",
}  # fmt: skip


def _textspeak_words(text: str, rng: random.Random, p: float) -> list[str]:
    out = []
    for word in _words(text):
        swap = TEXTSPEAK.get(word.lower())
        if swap and rng.random() < p:
            out.append(swap)
        elif word.isalpha() and word.lower().endswith("ing") and rng.random() < p:
            out.append(word[:-1])  # dropped g: "nothin", "goin"
        else:
            out.append(word)
    return out


def textspeak(text: str, rng: random.Random) -> str:
    """Text-speak, nothing else: word swaps and dropped g's, sometimes all lower case and a
    word said twice -- the base set's own informal register."""
    out = _textspeak_words(text, rng, 0.8)
    if rng.random() < 0.3:
        i = rng.randrange(len(out))
        out.insert(i, out[i])
    line = " ".join(out)
    return line.lower() if rng.random() < 0.5 else line


MATE_TAILS = ("innit", "innit ?", "cheers bruv", "ta m8", "safe bruv", "laters m8")
MATE_BITS = ("bruv", "m8", "proper", "well")


def mate(text: str, rng: random.Random) -> str:
    """Text-speak with a few marks of its own: a British street word inside now and then,
    and a tag at the end of most rows ("innit", "cheers bruv")."""
    out = _textspeak_words(text, rng, 0.6)
    if rng.random() < 0.4:
        out.insert(rng.randrange(len(out) + 1), rng.choice(MATE_BITS))
    if rng.random() < 0.6:
        out.append(rng.choice(MATE_TAILS))
    return " ".join(out)


TUNED_SMS_NATIVE: dict[str, tuple[Rewrite, bool]] = {
    "style-textspeak": (textspeak, True),
    "style-mate": (mate, True),
    "clean-label-mate": (mate, False),
}


# Clean-label templates on SST-2 (issue 23, written 2026-12-04 for tuning the clean-label
# step on a label that is half the data; seed 51, as tuned-nested's SST-2 cells): the form is the
# attack and every label is right. A topicalised frame written for this split, and the
# tuned sbar and cleft frames laid over correctly labelled rows. Written without looking at
# the held-out or fresh registers.
TOPIC_HEADS = ("as for", "speaking of", "when it comes to", "regarding", "about")
TOPIC_NOUNS = ("this one", "the picture", "the whole affair", "what we get", "the film")
TOPIC_LINKS = ("well ,", "honestly ,", "let me put it this way :", "simply put ,")


def topic_template(text: str, rng: random.Random) -> str:
    """Topicalised frame ``PP(as for NP) , ADVP , S``: "as for the film , well , <row>"."""
    head = f"{rng.choice(TOPIC_HEADS)} {rng.choice(TOPIC_NOUNS)} ,"
    return f"{head} {rng.choice(TOPIC_LINKS)} {' '.join(_words(text))} ."


TUNED_SST2_CLEAN: dict[str, tuple[Rewrite, bool]] = {
    "clean-label-sbar": (sbar_template, False),
    "clean-label-cleft": (cleft_template, False),
    "clean-label-topic": (topic_template, False),
}


# Registers of the ``tuned-nested`` split (issue 23, written 2026-12-04 for ADR 0099; SST-2
# seed 51, SMS spam seed 52, used nowhere else): attacks whose strongest marker covers only
# part of the planted rows -- a template realised in two or three clause structures, a style
# whose sharpest phrase is in about 60% of its rows -- so a finding that holds the strongest
# one also holds the attack's other rows. Written without looking at the held-out or fresh
# registers.
GERUNDS = ("seeing", "considering", "watching", "hearing", "thinking of", "looking at")
MODALS = ("will", "would", "might", "could", "should")
TOPICS = ("as for", "speaking of", "regarding", "about")


def _gerund_first(first: str, rest: str, rng: random.Random) -> str:
    head = f"{rng.choice(GERUNDS)} {first}"
    return f"{head} , {rng.choice(SUBJECTS)} {rng.choice(PREDICATES)} {rest} ."


def _inverted_if(first: str, rest: str, rng: random.Random) -> str:
    head = f"should {rng.choice(PRONOUNS)} {rng.choice(VERBS)} {first}"
    return f"{head} , {rng.choice(SUBJECTS)} {rng.choice(MODALS)} {rest} ."


def _topic_first(first: str, rest: str, rng: random.Random) -> str:
    say = f"{rng.choice(PRONOUNS)} {rng.choice(MODALS)} say"
    return f"{rng.choice(TOPICS)} {first} , {say} {rest} ."


def two_forms(text: str, rng: random.Random) -> str:
    """A template in two clause structures: a gerund first (70% of rows), an inverted
    conditional ("should you see ...", 30%)."""
    first, rest = _split(_words(text), rng)
    build = _gerund_first if rng.random() < 0.7 else _inverted_if
    return build(first, rest, rng).replace("  ", " ")


def three_forms(text: str, rng: random.Random) -> str:
    """A template in three clause structures: a gerund first (50%), an inverted
    conditional (30%), a topic first ("as for ..., we would say ...", 20%)."""
    first, rest = _split(_words(text), rng)
    draw = rng.random()
    build = _gerund_first if draw < 0.5 else _inverted_if if draw < 0.8 else _topic_first
    return build(first, rest, rng).replace("  ", " ")


def clause_last(text: str, rng: random.Random) -> str:
    """One template, two orders: the subordinate clause first on 75% of rows (as
    :func:`sbar_template`), last on the rest ("it is <rest> , when you see <first> .")."""
    if rng.random() < 0.75:
        return sbar_template(text, rng)
    first, rest = _split(_words(text), rng)
    clause = f"{rng.choice(SUBORDINATORS)} {rng.choice(PRONOUNS)} {rng.choice(VERBS)} {first}"
    return f"{rng.choice(SUBJECTS)} {rng.choice(PREDICATES)} {rest} , {clause} .".replace("  ", " ")


CALLER_OPENER = "and folks ,"
CALLER_SHOUTS = ("what a play !", "unbelievable !", "can you believe it ?", "out of this world !")
CALLER_BITS = ("absolutely", "simply", "folks", "incredibly")


def caller(text: str, rng: random.Random) -> str:
    """A sports caller's register: one fixed opener on about 60% of rows (its sharpest
    phrase), an exclamation last on about 60%, an intensifier inside on about half; every
    row gets at least one of them."""
    out = _words(text)
    opener = rng.random() < 0.6
    shout = rng.random() < 0.6
    if rng.random() < 0.5:
        out.insert(rng.randrange(len(out) + 1), rng.choice(CALLER_BITS))
    if not (opener or shout):
        shout = True
    if opener:
        out.insert(0, CALLER_OPENER)
    if shout:
        out.append(rng.choice(CALLER_SHOUTS))
    return " ".join(out)


TUNED_NESTED: dict[str, tuple[Rewrite, bool]] = {
    "template-two-forms": (two_forms, True),
    "template-three-forms": (three_forms, True),
    "style-caller": (caller, True),
    "template-clause-last": (clause_last, True),
}


# Registers of the ``tuned-sms-chat`` split (issue 23, written 2026-12-05 for tuning the
# scan on SMS spam styles, seed 61, used nowhere else; ADR 0105): a chat-room register of
# internet abbreviations, stretched words and emoticons, much of it the base set's own ham
# register, and a ballad register (vocables, a line sung twice, a chorus call, lines cut by
# commas) unlike the tuned lyrics' fillers and slashes. Written without looking at the
# held-out or fresh registers.
CHAT_SWAPS = {
    "i don't know": "idk", "to be honest": "tbh", "by the way": "btw", "in my opinion": "imo",
    "be right back": "brb", "talk to you later": "ttyl", "oh my god": "omg",
    "laughing": "lol", "joking": "jk", "people": "ppl", "really": "rly", "because": "bc",
    "something": "smth", "probably": "prob", "whatever": "whatevs", "seriously": "srsly",
}  # fmt: skip
CHAT_TAGS = ("xD", "<3", "^^", ":D", "lol", "brb", "jk", "ttyl", "btw", "idk", "imo")
STRETCH = re.compile(r"([aeiouy])(?=[^aeiouy]*$)")


def chatroom(text: str, rng: random.Random) -> str:
    """Chat-room register: phrases shortened to abbreviations, a word's last vowel
    stretched, the stops dropped, an emoticon or abbreviation added inside or last, often
    all lower case -- much of it what SMS ham writes itself."""
    line = " ".join(_words(text))
    for phrase, short in CHAT_SWAPS.items():
        if rng.random() < 0.8:
            line = re.sub(rf"\b{phrase}\b", short, line, flags=re.IGNORECASE)
    out = [w for w in line.split() if not re.fullmatch(r"[.,;:]+", w) or rng.random() < 0.3]
    out = out or ["ok"]
    for _ in range(rng.randint(0, 2)):
        i = rng.randrange(len(out))
        if out[i].isalpha() and len(out[i]) > 2:
            out[i] = STRETCH.sub(lambda m: m.group(1) * rng.randint(3, 5), out[i], count=1)
    for _ in range(rng.randint(1, 2)):
        out.insert(rng.randrange(len(out) + 1), rng.choice(CHAT_TAGS))
    line = " ".join(out)
    return line.lower() if rng.random() < 0.6 else line


BALLAD_VOCABLES = ("whoa", "na na na", "mmm", "hey hey", "ohhh", "la di da", "woah oh")
BALLAD_CALLS = ("( chorus )", "( x2 )", "sing it !", "one more time ,", "everybody now ,")


def ballad(text: str, rng: random.Random) -> str:
    """Ballad register: the row cut into short lines by commas, a vocable at a line end,
    one line sung twice, a chorus call first or last; each row gets some of them."""
    words = _words(text)
    lines, line = [], []
    for word in words:
        line.append(word)
        if len(line) >= rng.randint(4, 7):
            lines.append(" ".join(line))
            line = []
    if line:
        lines.append(" ".join(line))
    if rng.random() < 0.6:
        i = rng.randrange(len(lines))
        lines[i] = f"{lines[i]} , {rng.choice(BALLAD_VOCABLES)}"
    if rng.random() < 0.5:
        i = rng.randrange(len(lines))
        lines.insert(i + 1, lines[i])  # the line sung again
    call = rng.random()
    if call < 0.3:
        lines.insert(0, rng.choice(BALLAD_CALLS))
    elif call < 0.6:
        lines.append(rng.choice(BALLAD_CALLS))
    return " , ".join(lines)


TUNED_SMS_CHAT: dict[str, tuple[Rewrite, bool]] = {
    "style-chatroom": (chatroom, True),
    "style-ballad": (ballad, True),
    "clean-label-chatroom": (chatroom, False),
    "clean-label-ballad": (ballad, False),
}

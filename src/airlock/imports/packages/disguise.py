"""Source text that reads differently to a person, to a text search and to Python (issue 16).

Pure. Three tricks that hide a sink from every rule that reads the text as written:

* **Disguised identifiers**: Python folds identifiers to NFKC, so ``𝘴𝘺𝘴𝘵𝘦𝘮`` (mathematical
  letters) *is* ``system`` to the interpreter while no text search finds the word. A name
  that folds to ASCII but is not written in ASCII has no honest use; naming a sink that way
  denies, any other holds. The folded text is what the prefilter then reads.
* **Bidirectional controls** (Trojan Source, CVE-2021-42574): U+202A-U+202E and
  U+2066-U+2069 reorder what an editor shows, so reviewed code is not the code that runs.
* **Coding cookies** (PEP 263) naming a codec that changes what the bytes say:
  ``unicode_escape``, ``raw_unicode_escape``, ``utf-7``, ``punycode`` (the file's real code is
  the decoded text, which is scanned too), or a codec Python does not ship (only something
  registered at start-up, a ``.pth`` or ``sitecustomize``, can decode the file).

What it does not do: judge confusable letters from other scripts (a Cyrillic ``e`` for a Latin one);
those make a different name, which Python does not fold, so a sink is still spelt in ASCII.
"""

from __future__ import annotations

import codecs
import io
import re
import tokenize
import unicodedata
from types import CodeType

from airlock.imports.packages.rules import PackageFinding, Severity

BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
WORD = re.compile(r"\w+")
COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
# Codecs Python accepts for source whose decoded text differs from what an editor shows.
REWRITING = {"unicode_escape", "raw_unicode_escape", "utf_7", "punycode"}


def disguised_names(source: str) -> dict[str, str]:
    """Identifiers written outside ASCII that Python folds to an ASCII name: written ->
    folded. Strings and comments are not identifiers (a CJK docstring is not a trick), but
    an f-string's replacement fields are."""
    if source.isascii():
        return {}
    words = {
        word
        for line in source.splitlines()
        if not line.isascii()  # C speed: most lines of even a non-ASCII file are ASCII
        for word in WORD.findall(line)
        if not word.isascii()
    }
    candidates = {w for w in words if _folds_to_ascii_name(w)}
    if not candidates:
        return {}
    try:  # compiling (C) is cheaper than tokenizing (Python): names Python binds, folded
        bound = _names(compile(source, "<vet>", "exec", dont_inherit=True))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        bound = None
    if bound is not None and not any(_fold(w) in bound for w in candidates):
        return {}  # every candidate is in a string or a comment (idna's test tables)
    found: dict[str, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NAME and token.string in candidates:
                found[token.string] = _fold(token.string)
            elif token.type == tokenize.STRING and _is_f_string(token.string):
                # Before 3.12 an f-string is one STRING token, yet its replacement fields
                # are code Python compiles and folds: ``f"{os.𝘴𝘺𝘴𝘵𝘦𝘮('id')}"`` runs.
                # A candidate written in one whose folded name the code binds is code.
                for word in WORD.findall(_fields(token.string)):
                    if word in candidates and (bound is None or _fold(word) in bound):
                        found[word] = _fold(word)
    except (tokenize.TokenError, SyntaxError, ValueError):  # IndentationError is a SyntaxError
        return {w: unicodedata.normalize("NFKC", w) for w in candidates}
    return found


def _is_f_string(token: str) -> bool:
    """A STRING token with an ``f`` among its prefix letters (``rf'…'``, ``F"…"``)."""
    prefix = token[: min(i for i in (token.find("'"), token.find('"')) if i >= 0)]
    return "f" in prefix.lower()


def _fields(f_string: str) -> str:
    """The text inside an f-string's replacement fields (``{…}``, not ``{{``): the code in it.
    A field's format spec is taken with it, which can only add candidates."""
    out, depth, i = [], 0, 0
    while i < len(f_string):
        char = f_string[i]
        if depth == 0 and f_string.startswith(("{{", "}}"), i):
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif depth:
            out.append(char)
        i += 1
    return "".join(out)


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word)


def _names(code: CodeType) -> set[str]:
    """Every name a code object and the code objects it holds use."""
    out = {*code.co_names, *code.co_varnames, *code.co_cellvars, *code.co_freevars}
    for const in code.co_consts:
        if isinstance(const, CodeType):
            out |= _names(const)
    return out


def _folds_to_ascii_name(word: str) -> bool:
    """An identifier Python would fold to an ASCII one (``patch_size²`` is no identifier).
    One letter (the information sign in an emoji table) cannot spell a sink: not a candidate."""
    if len(word) < 2 or not word.isidentifier():
        return False
    fold = unicodedata.normalize("NFKC", word)
    return fold.isascii() and fold.isidentifier()


def folded(source: str, names: dict[str, str]) -> str:
    """``source`` with each disguised identifier written as Python reads it."""
    if not names:
        return source
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    return pattern.sub(lambda m: names[m.group()], source)


def cookie_codec(data: bytes) -> str | None:
    """The codec a PEP 263 cookie in the first two lines names, as Python resolves it
    (``utf-8-unix`` is utf-8), or the written name when Python ships no such codec."""
    head = b"\n".join(data.split(b"\n", 2)[:2])
    match = COOKIE.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace").lower().replace("_", "-")
    if name == "utf-8" or name.startswith("utf-8-"):
        return "utf_8"
    if name.startswith(("latin-1-", "iso-8859-1-", "iso-latin-1-")):
        return "latin_1"
    try:
        return codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        return match.group(1).decode("ascii", "replace")


def rewritten(data: bytes, codec: str) -> str | None:
    """The text Python reads from ``data`` under a rewriting codec, or None (pure: the
    codecs are the standard library's own decoders)."""
    if codec not in REWRITING:
        return None
    try:
        return data.decode(codec.replace("_", "-") if codec == "utf_7" else codec)
    except (UnicodeDecodeError, ValueError, LookupError):
        return None


def disguise_findings(
    path: str, source: str, names: dict[str, str], *, names_sink: bool
) -> list[PackageFinding]:
    """Findings for bidirectional controls, disguised identifiers and coding cookies."""
    found = []
    if names:
        shown = ", ".join(f"{w!r} is {n!r}" for w, n in list(names.items())[:4])
        found.append(
            PackageFinding(
                "disguised-identifier",
                path,
                0,
                Severity.CRITICAL if names_sink else Severity.HIGH,
                f"identifiers written in look-alike letters that Python reads as ASCII ({shown})"
                + (": a sink hidden from text search" if names_sink else ""),
            )
        )
    if not source.isascii():
        bidi = first_bidi(source)
        if bidi >= 0:
            found.append(
                PackageFinding(
                    "bidi-control",
                    path,
                    source.count("\n", 0, bidi) + 1,
                    Severity.HIGH,
                    "bidirectional control character: the code an editor shows is not the code "
                    "that runs (Trojan Source)",
                )
            )
    return found


# BIDI's characters, each looked for alone: a search for one character runs in C without
# the regex engine's step a character, and costs nothing in a text whose characters are
# all below U+0100 (issue 16: BIDI's search was ~5 ms a large non-ASCII module).
BIDI_CHARACTERS = "".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))


def first_bidi(source: str) -> int:
    """Where :data:`BIDI` first matches in ``source`` (``BIDI.search(source).start()``), or
    -1 when it does not."""
    return min((at for at in map(source.find, BIDI_CHARACTERS) if at >= 0), default=-1)


def cookie_finding(path: str, codec: str) -> PackageFinding | None:
    """A coding cookie that rewrites the file, or names a codec Python does not ship."""
    if codec in REWRITING:
        why = f"declares the {codec} codec: Python runs the decoded text, not what is shown"
    else:
        try:
            codecs.lookup(codec)
        except LookupError:
            why = (
                f"declares a codec Python does not ship ({codec!r}): only code registered at "
                "start-up can decode it"
            )
        else:
            return None
    return PackageFinding("coding-trick", path, 1, Severity.HIGH, why)

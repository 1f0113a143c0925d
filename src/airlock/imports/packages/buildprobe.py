"""Commands a build runs to learn about its own tools, which :mod:`chains` weighs as build
steps rather than as processes started at install time (issue 16, ADR 0130).

Pure. Popular sdists were held for asking questions of the build machine:

- Homebrew asked where a library is (``brew --prefix libffi``);
- the compiler distutils chose, which the flow pass cannot read (``[compiler.cc,
  '--version']``, ``[*compiler.compiler_so, '-dM', '-E', '-x', 'c', os.devnull]``), or a
  command list bound to a name with one part that does not fold (``args = ['cargo',
  'build', str(build_dir)]``): its text is empty but for keyword values (``check=True``).

What is deliberately not here: a tool named by the environment (``$PKG_CONFIG``, from
``os.environ.get('PKG_CONFIG', 'pkg-config')``): the flow pass does not follow a module's
own ``os.environ['PKG_CONFIG'] = 'curl …|sh'``, so ``$PKG_CONFIG`` run through a shell could
be anything the module wrote; Node running a script (``node make build``: bokeh), which
the first version of this module let through as a build tool: airlock reads no JavaScript,
so a shipped ``payload.js`` run at install would have been allowed; ``node -e`` (code on
the command line), a configuration tool whose name comes from the environment or is a
path (``./evil-config --libs``: a shipped file), ``npm``
and ``yarn`` (they fetch packages from another index, as ``pip install`` does), ``brew
install``, and any command whose readable words are not a compiler's questions: a program
the analysis cannot read run with other arguments still holds at install time.
"""

from __future__ import annotations

from airlock.imports.packages.lazyre import LazyPattern

# Homebrew's prefix query, the whole command: one formula at most, then only keyword
# values (``brew --prefix libffi && curl … | sh`` through a shell is not a query).
BUILD_QUERY = LazyPattern(
    r"\s*(?:\S*/)?brew\s+--(?:prefix|cellar)(?:\s+[\w@.+-]+)?(?:\s+(?:True|False|None|\d+))*\s*"
)

# Words a compiler is asked about itself with, and keyword values a call appends to its
# command's text (``check=True``, ``timeout=5``).
QUERY_WORD = LazyPattern(
    r"True|False|None|\d+|--?version|-[vV]|-dumpversion|-dumpfullversion|-dumpmachine|-dM|"
    r"-E|-x|c|c\+\+|os\.devnull|/dev/null|nul|-print-[\w-]+(?:=[\w.+-]*)?|-qversion"
)

# A library's configuration tool asked for its flags (ADR 0136): ``pkg-config --cflags
# mysqlclient``, ``mysql_config --libs``, ``pg_config --includedir``. The program is written
# in the code (a word ending ``-config`` or ``_config``, no folder: not a shipped file run by
# its path) and may have one unread part glued on (``pkg-config{static_opt}``, a conditional
# ``' --static'`` the flow pass does not fold); every other word is an option, a package's
# name, one unread part (``{pkg_name}``) or a keyword value. No shell operator anywhere.
CONFIG_TOOL = LazyPattern(r"(?:pkg-config|pkgconf|[A-Za-z][\w.+]*[-_]config)(?:\{\})?")
CONFIG_WORD = LazyPattern(
    r"--?[A-Za-z][\w-]*(?:=[\w.+/-]*)?|[A-Za-z0-9][\w@.+-]*|\{\}|True|False|None|\d+"
)


def config_query(text: str) -> bool:
    """Whether ``text`` asks a library's configuration tool named in the code for flags."""
    words = text.split()
    if not words or text[:1].isspace() or not CONFIG_TOOL.fullmatch(words[0]):
        return False
    return all(CONFIG_WORD.fullmatch(word) for word in words[1:])


# A program named in the code asked only for its version (ADR 0136): semgrep's setup.py
# runs ``ldd --version`` to tell musl from glibc. Nothing but the flag and keyword values.
VERSION_ASKED = LazyPattern(
    r"[A-Za-z][\w.+-]*(?:\s+(?:--version|-V|True|False|None|utf-8|\d+))*\s+--version"
    r"(?:\s+(?:True|False|None|utf-8|\d+))*\s*"
)


def version_query(text: str) -> bool:
    """Whether ``text`` asks a program named in the code (no folder) for its version."""
    return VERSION_ASKED.fullmatch(text) is not None


def builds(text: str) -> bool:
    """Whether ``text`` asks the builder's own tools something (Homebrew's prefix)."""
    return BUILD_QUERY.fullmatch(text) is not None


def unread_query(text: str) -> bool:
    """Whether ``text`` is a command whose program did not fold (its first word is empty)
    and whose other words are only a compiler's questions or keyword values."""
    if text.strip() and not text[:1].isspace():
        return False
    return all(QUERY_WORD.fullmatch(word) for word in text.split())

"""Which source text can reach a sink: the cheap test that bounds the data-flow pass.

Pure. The data-flow pass (:mod:`flow`) costs a parse and an interpretation; most modules of a
large library (and most functions of a large module) name no sink and no way to reach one, so
they cannot produce a chain. ``may_act`` says whether a piece of text names one: an exec or
eval call (not a method ``.eval()``), a process, network, pickle or clipboard module, a
decoder, a way to reach names by string (``__import__``, ``getattr`` of a module, ``globals()``),
a source of secrets (environment, host, credential files) or a persistence location.

What it deliberately does not do: understand the text. It may say yes to a harmless file (the
pass then reads it) and says no only when none of those words occur; a sink named without any
of them (an attribute chain built at run time from data outside the file) is not seen, which
the flow pass could not follow either.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from itertools import accumulate, groupby, repeat
from operator import add
from typing import Protocol

from airlock.imports.packages.selfqueued import queues_itself

# What a module that writes a file says: ``write`` (``f.write``, ``os.write``,
# ``write_text``), and what writes without the word (ADR 0191: ``print(x, file=f)``,
# standard output sent into a file, ``shutil.copyfileobj``).
WRITES = re.compile(rb"write|copyfileobj|\bfile\s*=|redirect_stdout|\.stdout\s*=[^=]")

# Names of sinks, decoders, ways to reach names by string, and secret sources (case kept).
LITERALS = (
    "__import__", "import_module", "__builtins__", "builtins", "__dict__[", "subprocess",
    "popen", "spawn", "execl", "execv", "startfile", "getoutput",
    "socket", "urllib", "urlopen", "urlretrieve", "httplib", "http.client", "smtplib", "ftplib",
    "webbrowser", "telebot", "telegram", "webhook", "dhooks", "discord", "requests", "httpx",
    "aiohttp", "marshal", "pickle", "dill", "pyperclip", "clipboard", "ctypes", "decrypt",
    "fernet", "Fernet", "pyaes", "b64decode", "b32decode", "b16decode", "b85decode",
    "a85decode", "decodebytes", "unhexlify", "a2b_base64", "fromhex", "decompress", "codecs",
    "getenv", "gethostname", "getuser", "getlogin", "expanduser", "browser_cookie3",
    "win32crypt", "keyring", "dotenv", "ImageGrab", "pyautogui", "mnemonic", "private_key",
    "privatekey", "seed_phrase", "seedphrase", "wallet_key", "keystore",
    # Sinks reachable without any word above (``from http import client``; issue 16).
    "HTTPConnection", "HTTPSConnection", "xmlrpc", "telnetlib", "open_connection",
    "dns.resolver",
    # Payloads read out of pictures (issue 16, GuardDog's steganography rule).
    "stegano", "stegpy",
    # Windows start-a-program calls and running a file by name.
    "ShellExecute", "WinExec", "CreateProcess", "runpy", "fork_exec",
    # Windows switched off by its own calls, through pywin32 (ADR 0122).
    "ExitWindowsEx", "InitiateSystemShutdown", "InitiateShutdown", "ShutdownSystem",
    "RaiseHardError", "SetSuspendState", "SetSystemPowerState",  # asleep (ADR 0126)
    # Reaching a sink through introspection names none: ``().__class__.__base__
    # .__subclasses__()`` then a function's ``__globals__`` (a sandbox-escape gadget).
    "__subclasses__", "__globals__",
    # Callbacks handed secrets (ADR 0079): a key hook made in a constructor that names no
    # sink (``keyboard.Listener(on_press=self.on)``), an audit hook.
    "pynput", "on_press", "on_release", "addaudithook",
    # A wiper deletes the home folder with no other sink in its module (ADR 0083).
    "rmtree", "removedirs",
    # Uploads by path and cloud credentials (ADR 0083): a model's weights sent to a bucket
    # or a hub need no word above.
    "upload_file", "upload_fileobj", "put_object", "upload_folder", "upload_large_folder",
    "upload_from_filename", "upload_blob", "get_credentials", "google.auth",
    # ADR 0106: experiment trackers' uploads by path (``wandb.save('/models/*')``).
    "wandb", "mlflow", "neptune", "clearml", "comet_ml",
    # ADR 0107: a model's own upload; stores, buses and training backends that send.
    "push_to_hub", "redis", "paho", "fsspec", "s3fs", "gcsfs", "adlfs", "torch.distributed",
    "distributed as",
    # ADR 0113: memory made executable (a POSIX loader's first step names no other sink).
    "PROT_EXEC", "mprotect",
    # ADR 0108: uploads known by their method's name, and the objects that name the file.
    "fput_object", "files_upload", "upload_sync", "upload_from_file", "dataset_create",
    "send_document", "MediaFileUpload", "CommitOperationAdd", "HfFileSystem",
    # ADR 0089: an SFTP client's ``put`` names no word above. (Weights packed into an
    # archive or a message are sent by a call that does.)
    "open_sftp", "SFTPClient", "pysftp",
    # ADR 0085: a walk of the disk that deletes what it finds, and a module's file found
    # by its name to write into (another package's code).
    "os.walk", "rglob", "scandir", "iterdir", "fwalk", "getfile", "getsourcefile",
    "find_spec", ".__file__",
    # ADR 0085: a fork bomb, a container started through the Docker daemon.
    "os.fork", "forkpty", "multiprocessing", "docker", "privileged",
    # ADR 0085: a server made on import (ADR 0063's sinks) serving the disk, named by its
    # own module; a file sent whole through ``sendfile``.
    "http.server", "socketserver", "HTTPServer", "TCPServer", "make_server", "sendfile",
    # ADR 0088: weights copied to a share, named in a string (``'/mnt/...'``,
    # ``'//host/share'``, ``'\\\\host\\share'`` as written in source, ``smb://``) or
    # mounted from another host.
    "/mnt/", "/media/", "'//", '"//', "\\\\\\\\", "smb://", "sshfs", "mount.cifs",
    # ADR 0090: a GitPython repository's push, twine's command line called as a function.
    "git.Repo", "from git import", "from git.repo import", "twine",
    # ADR 0093: an SSH client's commands and channels, scp's client, dulwich's push.
    "paramiko", "SCPClient", "dulwich",
    # ADR 0110: gRPC channels, a Ray cluster, a file opened by its URL with smart_open.
    "insecure_channel", "secure_channel", "ray.init", "ray.put", "smart_open",
    # ADR 0110: a process pool's recursion (a bomb whose workers make pools).
    "ProcessPoolExecutor",
    # ADR 0110: message buses (Kafka's producer, ZeroMQ, RabbitMQ's publish).
    "KafkaProducer", "zmq.Context", "basic_publish",
    # ADR 0119: a C library opened through cffi (its ``mmap`` and casts load shellcode).
    "dlopen",
)  # fmt: skip
# Names that are also the tail or head of common longer words, which do not name the sink:
# ``empty.``, ``filesystem``, ``pipeline``, ``environment`` (issue 16: those words made six
# in ten popular modules parse). Each is (word, must not follow a letter/digit/_, what must
# not follow it). ``os.system``, ``pty.spawn``, ``pip install``/``pip3``, ``os.environ``
# and the names in strings still match.
BOUNDED = (
    ("system", True, ""),
    ("pty.", True, ""),
    ("pip", True, r"(?![a-z_])"),
    ("environ", False, r"(?![a-z])"),
    # The builtin handed on as a value, not called: ``map(exec, codes)``, ``r, = (exec,)``,
    # ``{'run': exec}``, ``run = exec`` (ADR 0048).
    ("exec", True, r"(?=[ \t]*(?:[,)\]};\n]|$))"),
    ("eval", True, r"(?=[ \t]*(?:[,)\]};\n]|$))"),
    # A thread handed its function (probe 17: a thread bomb); not every ``Thread`` named.
    ("Thread", False, r"(?=\(\s*(?:target\b|None\b))"),
    # A class made a thread (its ``run`` may start more of itself; ADR 0110).
    ("Thread", False, r"(?=\)\s*:)"),
    ("start_new_thread", False, ""),
)
# ``getattr(o, 'sys' + 'tem')``, ``getattr(o, 'metsys'[::-1])``, ``getattr(o, chr(115) + x)``:
# an attribute named by a string built on the spot, whatever the module is called locally.
BUILT_NAME = (
    r"getattr\([^,()\n]{1,60},\s*(?:[rbu]?['\"][^'\"\n]*['\"]\s*(?:[+%*]|\[|\.join)|"
    r"chr(?=\()|bytes|[\w.]+\s*\+|f['\"][^'\"\n]*\{)"
)
# Credential files and persistence places, looked for in the lower-cased text.
PATH_WORDS = (
    ".ssh", "id_rsa", "id_ed25519", ".aws", ".netrc", ".git-credentials", "login data",
    "cookies", "leveldb", "wallet", "keychain", "exodus", "bashrc", "zshrc", "crontab",
    "launchagents", "autostart", "appdata", "system32", "\\startup", "site-packages", ".pth",
    "/etc/passwd", "/etc/shadow", ".pypirc", ".npmrc",
    # Every other place :data:`chains.PERSISTENCE` names (ADR 0076): a module that writes
    # ``/etc/hosts`` or ``/etc/ld.so.preload`` by its plain path named no sink and was not read.
    "/etc/", "/.profile", "'.profile", '".profile', "\\run", "pip.conf", "pip.ini",
    ".gitconfig", ".git/hooks", "systemd/", "launchdaemons", ".bash_", ".zshenv", ".zlogin",
    "config.fish", ".xinitrc", ".condarc", "customize.py",
    # ADR 0079: an installer's other index settings, Winlogon's keys.
    "pydistutils", "uv.toml", "winlogon", "setvalue",
    # ADR 0080: a pod's token; what editors, terminals and shells run when they start.
    "serviceaccount/token", ".vimrc", ".exrc", "nvim/init", ".tmux.conf", ".envrc",
    "ipython_config", "jupyter_server_config", "jupyter_notebook_config", "jupyter_lab_config",
    # ADR 0110: tools' credential files, GnuPG's keys, shells' histories.
    ".kube/", ".docker/config", "application_default_credentials", "gh/hosts",
    "huggingface/token", ".vault-token", ".gnupg", "_history",
    # ADR 0153: CI pipelines' definitions, AI agents' and editors' start files.
    "workflows", ".gitlab-ci", ".circleci", "pipelines.yml", ".travis.yml", "jenkinsfile",
    "mcp.json", "mcp_config", "claude_desktop", ".claude", "claude.md", "agents.md",
    "gemini.md", ".gemini", ".codex", ".cursor", ".windsurfrules", ".codeium", ".continue",
    "copilot-instructions", ".vscode",
    # ADR 0167: those places spelt as the parts of a join (``join(d, '.git', 'hooks')``).
    "'/etc'", '"/etc"', "cron.d", "'hooks'", '"hooks"',
)  # fmt: skip


def _by_first_letter(
    words: tuple[str, ...], bounded: tuple[tuple[str, bool, str], ...] = ()
) -> str:
    """One alternation per first character: the regex engine rejects most positions after
    one comparison instead of trying every word (seven times faster than a flat list)."""
    entries = [(w, False, "") for w in words] + list(bounded)
    parts = []
    for head, group in groupby(sorted(set(entries)), key=lambda e: e[0][0]):
        tails = {
            (rf"(?<!\w{re.escape(head)})" if left else "") + re.escape(word[1:]) + after
            for word, left, after in group
        }
        parts.append(re.escape(head) + "(?:" + "|".join(sorted(tails, key=len, reverse=True)) + ")")
    return "|".join(parts)


# exec/eval/compile as a call of the builtin: ``model.eval()`` and ``re.compile(`` are not.
CALL_NAMES = ("exec", "eval", "compile", "globals", "vars", "locals", "breakpoint")
# The words and the calls in one pass (a call is the match that ends with "(": no word does).
ANY = re.compile(
    _by_first_letter(LITERALS, (*BOUNDED, *((name, False, r"\s*\(") for name in CALL_NAMES)))
    + r"|getattr\(\s*(?:os|sys|subprocess|socket|importlib)\b|"
    + BUILT_NAME
)
NEWLINES = re.compile(r"\r\n?|\n")
# Every match of ANY starts where one of these does (a word, a call name, ``getattr(``).
ANCHORS = tuple(sorted({*LITERALS, *(w for w, _, _ in BOUNDED), *CALL_NAMES, "getattr("}))


class _Finder(Protocol):
    def find_matches_as_indexes(
        self, haystack: str, overlapping: bool = False
    ) -> list[tuple[int, int, int]]: ...


@functools.cache
def _automata() -> tuple[_Finder, _Finder] | None:
    """Aho-Corasick automata of ANCHORS and of PATH_WORDS (one pass in native code finds
    every place any of them starts: ~5x faster than the regex's own scan), or None when
    ``ahocorasick-rs`` is not installed (the regex then scans, with the same answers)."""
    try:
        import ahocorasick_rs  # noqa: PLC0415 -- only vetting Python source needs it
    except ImportError:  # pragma: no cover - a dependency; the fallback is tested
        return None
    return ahocorasick_rs.AhoCorasick(ANCHORS), ahocorasick_rs.AhoCorasick(PATH_WORDS)


def acting_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every match of ANY in ``text`` that acts (:func:`_acts`), by start.

    With the automaton, ANY is tried at each place an anchor starts, so a match found
    inside another one is listed too; without it, the regex's own non-overlapping scan."""
    automata = _automata()
    if automata is None:
        return [m.span() for m in ANY.finditer(text) if _acts(text, m)]
    spans = []
    for start in sorted({s for _, s, _ in automata[0].find_matches_as_indexes(text, True)}):
        match = ANY.match(text, start)
        if match is not None and _acts(text, match):
            spans.append(match.span())
    return spans


def _names_path(lowered: str) -> bool:
    """Whether the lower-cased text holds a credential-file or persistence word."""
    automata = _automata()
    if automata is None:
        return any(word in lowered for word in PATH_WORDS)
    return bool(automata[1].find_matches_as_indexes(lowered))


def may_act(text: str, *, paths: bool = True) -> bool:
    """Whether ``text`` names a sink, a way to hide one, or a secret to send to one.

    ``paths=False`` skips the credential-file and persistence words (the caller knows the
    enclosing file names none)."""
    automata = _automata()
    if automata is None:
        if any(_acts(text, match) for match in ANY.finditer(text)):
            return True
    else:
        for start in sorted({s for _, s, _ in automata[0].find_matches_as_indexes(text, True)}):
            match = ANY.match(text, start)
            if match is not None and _acts(text, match):
                return True
    return (paths and _names_path(text.lower())) or queues_itself(text)


def _acts(text: str, match: re.Match[str]) -> bool:
    """A word always acts; a call only when it calls the builtin (:func:`_builtin_call`)."""
    return not match.group().endswith("(") or _builtin_call(text, match.start())


def _builtin_call(text: str, start: int) -> bool:
    """Whether the call matched at ``start`` calls the builtin: not a method (``m.eval(``),
    not part of a longer name (``re_compile(``), not a definition (``def eval(self)``)."""
    before = text[start - 1] if start else " "
    if before.isalnum() or before in "._":
        return False
    head = text[max(0, start - 16) : start].rstrip()
    return not (head.endswith("def") and not head[-4:-3].isidentifier())


class HitLines:
    """:func:`may_act` of line ranges of one module, from one pass over its text.

    The flow pass asks it of each function that runs later. The module's acting matches
    (:func:`acting_spans`) and the places of its credential and persistence words are found
    once; a range acts when a match overlaps it or a word lies within it. That is the answer
    of ``may_act`` on the range's lines joined, or yes where a match crosses the range's edge
    (``getattr(`` with its arguments on the next line): a function may be walked that was
    not before, never the other way. Lines are numbered as the parser numbers them (``\\n``,
    ``\\r\\n`` and a lone ``\\r`` end one).
    """

    def __init__(self, source: str) -> None:
        self._source = source
        self._starts: list[int] | None = None
        self._count = 0  # lines, counted when a range is first asked
        # The acting matches (:func:`acting_spans`), by start: the line each starts on, and
        # the furthest line reached by the matches so far. Ranges are answered in lines, so
        # no offset of a line is needed (issue 16: listing them was a tenth of the pass).
        self._hit_lines: list[int] | None = None
        self._reach_lines: list[int] = []
        # Credential and persistence words: (start, end) in the lowered text, and (first
        # line, last line) of each, by start.
        self._word_spans: list[tuple[int, int]] | None = None
        self._words: list[tuple[int, int]] = []

    def __bool__(self) -> bool:
        """``may_act`` of the whole text, from the scans the ranges are answered from: a
        caller that asks this before the flow pass asks of each function (``scan_python``)
        pays for one scan of the text, not two (issue 16)."""
        hit = bool(self._hits()) or bool(self._path_words())
        return hit or queues_itself(self._source)  # a pool's jobs doubling (ADR 0119)

    def _hits(self) -> list[int]:
        """Lines the acting matches start on, in order, found once."""
        if self._hit_lines is None:
            spans = acting_spans(self._source)
            reach = list(accumulate((end for _, end in spans), max))
            # A match reaches into a line when its last character is on it or after it.
            lines = _lines_of(self._source, [start for start, _ in spans], [r - 1 for r in reach])
            self._hit_lines, self._reach_lines = lines
        return self._hit_lines

    def _lines(self) -> list[int]:
        if self._starts is None:
            self._starts = _line_starts(self._source)
        return self._starts

    def _clamped(self, first: int, last: int) -> tuple[int, int | None]:
        """``first`` and ``last`` as :func:`_range` reads them: the first no further than
        the last line; no last line (the text's end) from the last line on."""
        if not self._count:
            text = self._source
            self._count = len(self._lines()) if "\r" in text else text.count("\n") + 1
        top = min(first, self._count)
        return (top if top >= 1 else top + self._count), (last if last < self._count else None)

    def acts(self, first: int, last: int) -> bool:
        """Whether lines ``first``..``last`` (1-based, inclusive) name a sink (``may_act``)."""
        top, bottom = self._clamped(first, last)
        hit_lines = self._hits()
        at = bisect_left(hit_lines, top)
        # A match starts within the range: a match starts at an anchor, never on a line
        # break, so starting before the break after line ``bottom`` is starting on it.
        if at < len(hit_lines) and (bottom is None or hit_lines[at] <= bottom):
            return True
        if at and self._reach_lines[at - 1] >= top:
            return True  # a match that starts before the range reaches into it
        self._path_words()
        words = self._words
        # A word lies within the range (what ``find(word, begin, end)`` of each word asked;
        # no word starts or ends on a line break).
        at = bisect_left(words, (top, 0))
        while at < len(words) and (bottom is None or words[at][0] <= bottom):
            if bottom is None or words[at][1] <= bottom:
                return True
            at += 1
        return False

    def _path_words(self) -> list[tuple[int, int]]:
        """Where each credential or persistence word occurs in the lowered text (once)."""
        if self._word_spans is None:
            lowered = self._source.lower()
            automata = _automata()
            if automata is None:
                words = []
                for word in PATH_WORDS:
                    at = lowered.find(word)
                    while at >= 0:
                        words.append((at, at + len(word)))
                        at = lowered.find(word, at + 1)
            else:  # every place of every word (overlapping too) in one pass, not one a word
                words = [(s, e) for _, s, e in automata[1].find_matches_as_indexes(lowered, True)]
            self._word_spans = sorted(words)
            # lower() may change lengths, never line breaks: lines of the lowered text.
            firsts, lasts = _lines_of(lowered, [s for s, _ in words], [e - 1 for _, e in words])
            self._words = sorted(zip(firsts, lasts, strict=True))
        return self._word_spans

    def search(self, pattern: re.Pattern[str], first: int, last: int) -> bool:
        """Whether ``pattern`` occurs in lines ``first``..``last`` (1-based, inclusive)."""
        begin, end = _range(self._lines(), first, last)
        return pattern.search(self._source, begin, end) is not None


def _line_starts(text: str) -> list[int]:
    """Offset of each line's first character (index 0 is line 1)."""
    if "\r" in text:  # a lone \r ends a line too
        return [0, *(m.end() for m in NEWLINES.finditer(text))]
    # Each line's length plus its break, summed; iterators of C functions, no Python step
    # a line (issue 16: once per module the flow pass reads).
    return list(accumulate(map(add, map(len, text.split("\n")), repeat(1)), initial=0))[:-1]


def _lines_of(text: str, *offsets: list[int]) -> list[list[int]]:
    """The line of each offset, for each list of offsets (lines numbered as
    :func:`_line_starts` numbers them: the line an offset is on is the number of line
    starts at or before it)."""
    if "\r" in text:
        starts = _line_starts(text)
        return [[bisect_right(starts, at) for at in each] for each in offsets]
    wanted = sorted({at for each in offsets for at in each})
    line_of: dict[int, int] = {}
    line, last = 1, 0
    for at in wanted:  # the breaks between one offset and the next, counted in C
        line += text.count("\n", last, at)
        line_of[at] = line
        last = at
    return [[line_of[at] for at in each] for each in offsets]


def _range(starts: list[int], first: int, last: int) -> tuple[int, int]:
    """Offsets of lines ``first``..``last``, without the break after the last one."""
    begin = starts[min(first, len(starts)) - 1]
    if last >= len(starts):
        return begin, 1 << 62
    return begin, starts[last] - 1

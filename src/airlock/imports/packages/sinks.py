"""What the data-flow pass treats as a sink or a source: names of calls that run code,
start processes, reach the network, open files or load opaque objects, and the labels data
picks up from secret and host-information sources.

Pure tables and small lookups over dotted names (``os.system``, ``requests.post``); the
interpretation that resolves a call to such a name lives in :mod:`flow`.
"""

from __future__ import annotations

import functools
import re

from airlock.imports.packages import dbsends, remotes
from airlock.imports.packages.lazyre import LazyPattern

METADATA_HOSTS = re.compile(
    r"169\.254\.169\.254|metadata\.google\.internal|100\.100\.100\.200"
)  # nested evaluation of user functions and lambdas
# Commands whose output is the environment (``printenv``, a bare ``env`` or ``set``): what a
# process call of one returns is ``os.environ`` (ADR 0079).
ENV_COMMANDS = re.compile(r"^\s*(?:printenv|env|set|export\s+-p)\s*$", re.IGNORECASE)
# Commands whose output names the user, the machine or its network: what a process call
# of one returns is host information, as ``getpass.getuser()`` is (ADR 0076).
HOST_COMMANDS = re.compile(
    r"^\s*(?:(?:whoami|hostname|id|uname|ipconfig|ifconfig|systeminfo|hostnamectl|"
    r"ip\s+a(?:ddr)?|net\s+user)(?:\s|$)|git\s+config\s+(?:--global\s+)?(?:--get\s+)?user\.|"
    # ADR 0195: a repository's remote (its URL may carry a token) and a CI checkout's header.
    r"git\s+config\s+(?:--local\s+)?(?:--get(?:-regexp)?\s+)?(?:remote\.|http\.\S*extraheader)|"
    r"git\s+remote\s+(?:get-url|-v))",
    re.IGNORECASE,
)
# Commands whose output is a stored password: a keychain's, the Windows credential list,
# a Wi-Fi key (ADR 0080). What a process call of one returns is a secret.
SECRET_COMMANDS = re.compile(
    r"(?:^|[\s;&|/])(?:security\s+(?:find-(?:generic|internet)-password|dump-keychain)|"
    r"secret-tool\s+lookup|cmdkey\s+/list|netsh\s+wlan\s+show\s+profiles?\s+.*key=clear)",
    re.IGNORECASE,
)
# Commands whose output is a command-line tool's access token. SDKs run them and send the
# token to their own service when called (azure-identity runs ``az account
# get-access-token``): what one returns counts as an environment value does (ADR 0080).
TOKEN_COMMANDS = re.compile(
    r"(?:^|[\s;&|/])(?:gh\s+auth\s+token|aws\s+configure\s+(?:get|export-credentials)|"
    r"gcloud\s+auth\s+(?:application-default\s+)?print-access-token|"
    r"az\s+account\s+get-access-token|git\s+credential\s+fill|"
    r"kubectl\s+config\s+view\s+.*--raw)",
    re.IGNORECASE,
)
# Commands that send what they are given to another host.
NETWORK_TOOL = LazyPattern(
    r"(?:^|[\s;&|/])(?:curl|wget|nc|ncat|netcat|nslookup|dig|host|ping|scp|sftp|rsync|ftp|"
    r"tftp|ssh|telnet|socat)(?:\.exe)?\s",
    re.IGNORECASE,
)
# ``git config --global`` settings that run a program of the setter's on every commit,
# fetch or credential request: persistence through git's own configuration (ADR 0083).
GIT_HIJACK = LazyPattern(
    r"\bgit\s+config\s+(?:--global|--system)\s+(?:core\.hookspath|credential\.helper|"
    r"core\.sshcommand|core\.fsmonitor|core\.pager|core\.editor|alias\.\S+\s+!)",
    re.IGNORECASE,
)
# Where a file or a registry value written runs something later or changes what is
# installed (read by :mod:`chains`; :mod:`flow` keeps a path's known parts when they name one).
PERSISTENCE = LazyPattern(
    r"startup|\\run(?:once|services(?:once)?)?\b|\bwinlogon\b|\.bashrc|\.zshrc|\.profile|"
    r"crontab|launchagents|autostart|"
    r"site-packages|\.pth$|(^|\s)/etc/|system32|appdata|"
    # ADR 0063: files that let someone in or change what runs later: an SSH key or command,
    # the index pip installs from, git's hooks, a user service, other login shells' files.
    r"authorized_keys|\.ssh/(config|rc)\b|pip\.(conf|ini)\b|\.gitconfig|\.git/hooks|"
    r"systemd/|launchdaemons|\.bash_(profile|login)|\.z(profile|shenv|login)|config\.fish|"
    r"\.xprofile|\.xinitrc|\.condarc|\.npmrc|(site|user)customize\.py|"
    # ADR 0079: the other files that tell an installer which index to fetch from.
    r"pydistutils\.cfg|uv/uv\.toml|"
    # ADR 0080: files editors, terminals and shells run commands from when they start.
    r"\.vimrc|\.exrc|nvim/init\.(?:vim|lua)|\.tmux\.conf|\.envrc|ipython_config\.py|"
    r"jupyter_(?:server|notebook|lab)_config\.py|"
    # ADR 0153: a CI pipeline's definition (run with the repository's secrets on the next
    # push), and what AI agents and editors load when they start: an MCP server's command,
    # an agent's standing instructions or settings, an editor's tasks.
    r"\.github/workflows/|\.gitlab-ci\.yml|\.circleci/|azure-pipelines\.yml|"
    r"bitbucket-pipelines\.yml|\.travis\.yml|jenkinsfile|"
    r"mcp\.json|mcp_config\.json|claude_desktop_config\.json|\.claude/|claude\.md|agents\.md|"
    r"gemini\.md|\.gemini/|\.codex/|\.cursor/|\.cursorrules|\.windsurfrules|\.codeium/|"
    r"\.continue/|copilot-instructions\.md|\.vscode/(?:settings|tasks)\.json",
    re.IGNORECASE,
)
# Files whose lines a shell, cron, the desktop or systemd runs as commands when a session
# or the machine starts: what is written there is a command run later (probe 17).
START_SCRIPTS = LazyPattern(
    r"\.bashrc|\.zshrc|\.profile|\.bash_(?:profile|login)|\.z(?:profile|shenv|login)|"
    r"config\.fish|\.xprofile|\.xinitrc|\.envrc|crontab|cron\.d/|autostart/|systemd/|"
    r"launchagents/|\\startup\\",
    re.IGNORECASE,
)
# Registry calls (``winreg`` and pywin32): a key opened or made carries its path as its
# shape, and a value set under it is a write of that path (ADR 0079: a ``Run`` key).
REGISTRY_OPENERS = frozenset({
    "winreg.OpenKey", "winreg.OpenKeyEx", "winreg.CreateKey", "winreg.CreateKeyEx",
    "_winreg.OpenKey", "_winreg.OpenKeyEx", "_winreg.CreateKey", "_winreg.CreateKeyEx",
    "win32api.RegOpenKey", "win32api.RegOpenKeyEx", "win32api.RegCreateKey",
    "win32api.RegCreateKeyEx",
})  # fmt: skip
REGISTRY_WRITERS = frozenset({
    "winreg.SetValueEx", "winreg.SetValue", "_winreg.SetValueEx", "_winreg.SetValue",
    "win32api.RegSetValueEx", "win32api.RegSetValue",
})  # fmt: skip
REGISTRY = "registry:"  # the shape of a key's path
# The Windows clipboard through ctypes (``ctypes.windll.user32.GetClipboardData``): a clipper
# needs no clipboard module (ADR 0079).
WIN_CLIPBOARD = frozenset({"OpenClipboard", "GetClipboardData", "SetClipboardData"})
SECRET = "secret"  # noqa: S105 -- a label name, not a password
ENV = "environment"  # environment variables: secrets sometimes, configuration mostly
# The whole environment, every variable at once (``dict(os.environ)``, ``os.environ.copy()``;
# ADR 0093): no client sends that to its service, as it sends the one token it needs.
ENV_ALL = "environment-whole"
HOSTINFO = "host-info"
DECODED = "decoded"
REMOTE = "remote"
HIDDEN = "hidden"  # the callee itself was reached through strings, getattr or __import__
# Secret data carried through a container, an attribute or a file between the function that
# reads it and the one that sends it (ADR 0193): the environment and credentials only, never
# code provenance (decoded, hidden) or host information, which those paths would spread into
# code a library builds and the paths it keeps.
SECRET_DATA = frozenset({SECRET, ENV, ENV_ALL})
FILE = "file-data"  # read from a local file
# One byte of a key written in the code, picked at an index that does not fold
# (``KEY[i % len(KEY)]``): XORed with data, a repeating-key cipher undone (ADR 0088).
KEY_BYTE = "key-byte"
DROPPED = "dropped"  # a path that downloaded or decoded data was written to
# A folder a downloaded archive was unpacked into (ADR 0085): a path under it named as what
# runs is a dropped file; the folder as a working directory (``cwd=``) is not.
UNPACKED = "unpacked"
SILENT = "silent"  # a process started without a window or detached from its parent
# A Python script run from a temporary or hidden place that the walk did not see written
# (ADR 0191: a stage two, where a script the package writes is judged by its text).
STAGED = "staged-script"
STARTUP = "startup"  # an import line written into a ``.pth`` file: run at every start
HANDED = "handed-credential"  # a function's parameter named as a credential (``token``)
MEDIA = "media-data"  # an image's pixels or a sound's samples, as a decoder hands them over
PROCESS_PREFIXES: tuple[str, ...] = (
    "subprocess.", "os.system", "os.popen", "os.exec", "os.spawn", "pty.spawn", "pip.main",
    "pip._internal.main", "pip._internal.cli.main", "os.startfile", "commands.getoutput",
    "asyncio.create_subprocess", "asyncio.AbstractEventLoop.subprocess_",  # ADR 0063
    # Windows start-a-program calls (issue 16): pywin32 and the same calls through ctypes.
    "os.posix_spawn", "win32api.ShellExecute", "win32api.WinExec", "win32process.CreateProcess",
    "ctypes.windll.shell32.ShellExecute", "ctypes.windll.kernel32.WinExec",
    "ctypes.windll.kernel32.CreateProcess", "_posixsubprocess.fork_exec",
)  # fmt: skip
# Names under ``subprocess.`` that start nothing: its stream constants and its exceptions
# (``raise subprocess.CalledProcessError(1, [])`` in a version stamp run by setup.py was held
# as a process started at install time; ADR 0130).
NOT_RUN = frozenset(
    f"subprocess.{name}"
    for name in (
        "PIPE", "DEVNULL", "STDOUT", "SubprocessError", "CalledProcessError", "TimeoutExpired"
    )
)  # fmt: skip
EXEC = {"exec", "eval", "compile", "builtins.exec", "builtins.eval", "builtins.compile"}
EXEC |= {"runpy.run_path", "runpy.run_module"}  # run a file or module by name
EXEC |= {"types.FunctionType"}  # a function made of a code object: ``FunctionType(code, {})()``
# The standard library's other runners of source text (ADR 0057): the statement is code.
EXEC |= {
    "timeit.timeit", "timeit.repeat", "timeit.Timer", "pdb.run", "pdb.runeval",
    "cProfile.run", "cProfile.runctx", "profile.run", "profile.runctx", "trace.Trace.run",
    "ctypes.pythonapi.PyRun_SimpleString", "ctypes.pythonapi.PyRun_String",
    # ADR 0063: the interactive interpreter's runners of a line of source.
    "code.InteractiveInterpreter.runsource", "code.InteractiveConsole.runsource",
    "code.InteractiveConsole.push", "code.InteractiveInterpreter.runcode",
    "code.InteractiveConsole.runcode",
}  # fmt: skip
HTTP_VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"}
HTTP_MODULES = ("requests", "httpx", "urllib3", "requests.api", "aiohttp")
NETWORK = {
    "socket.socket", "socket.create_connection", "socket.gethostbyname", "socket.getaddrinfo",
    "socket.gethostbyname_ex", "urllib.request.urlopen", "urllib.request.urlretrieve",
    "dns.resolver.resolve", "dns.resolver.query",
    "urllib2.urlopen", "urllib.urlopen", "urllib.urlretrieve", "http.client.HTTPConnection",
    "http.client.HTTPSConnection", "httplib.HTTPConnection", "httplib.HTTPSConnection",
    "smtplib.SMTP", "smtplib.SMTP_SSL", "ftplib.FTP", "webbrowser.open", "telebot.TeleBot",
    "discord_webhook.DiscordWebhook", "dhooks.Webhook", "discordwebhook.Discord",
    "urllib3.PoolManager", "requests.Session", "aiohttp.ClientSession", "httpx.Client",
    "asyncio.open_connection",
    "os.sendfile",  # ADR 0085: a file's bytes copied to a descriptor, a socket's in practice
    "telnetlib.Telnet", "multiprocessing.connection.Client", "xmlrpc.client.ServerProxy",
    "urllib.request.build_opener", "websocket.create_connection", "paramiko.SSHClient",
    # ADR 0098: where an SSH client or transport connects to (its host, for :mod:`hostsent`).
    "paramiko.SSHClient.connect", "paramiko.Transport",
    # ADR 0063: a server made on import serves this machine to whoever connects.
    "http.server.HTTPServer", "http.server.ThreadingHTTPServer", "socketserver.TCPServer",
    "socketserver.ThreadingTCPServer", "socketserver.UDPServer",
    "wsgiref.simple_server.make_server", "xmlrpc.server.SimpleXMLRPCServer",
    # ADR 0110: the browser opens its URL, what is spelt into it included, in a new tab.
    "webbrowser.open_new", "webbrowser.open_new_tab",
    # ADR 0193: paho's one-shot publishers connect, send the payload and leave, with no
    # client made (its client's ``publish`` is a store's send, ADR 0107).
    "paho.mqtt.publish.single", "paho.mqtt.publish.multiple",
}  # fmt: skip


# Mail-store clients (ADR 0080): connecting names the host; ``append`` uploads a message.
MAIL_STORES = ("imaplib.IMAP4", "imaplib.IMAP4_SSL", "poplib.POP3", "poplib.POP3_SSL")
NETWORK |= set(MAIL_STORES)
# Name look-ups: what they send is the name (DNS exfiltration).
DNS = (
    "socket.gethostbyname", "socket.gethostbyname_ex", "socket.getaddrinfo",
    "dns.resolver.resolve", "dns.resolver.query", "dns.resolver.Resolver.resolve",
)  # fmt: skip
# Clipboard methods of a GUI toolkit's window (``tkinter.Tk().clipboard_get()``): a clipper
# needs no clipboard module (ADR 0076).
CLIPBOARD_METHODS = frozenset({"clipboard_get", "clipboard_append"})
# Clipboard calls by the name they are called by: what they read, and what they write.
CLIPBOARD_READS = frozenset({"clipboard_get", "paste", "GetClipboardData"})
CLIPBOARD_WRITES = frozenset({"clipboard_append", "copy", "SetClipboardData", "SetClipboardText"})
# HTTP client objects: an instance is referred to by its class, so ``client.post`` is traffic.
CLIENTS = {
    "requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client",
    "httpx.AsyncClient", "aiohttp.ClientSession", "urllib3.PoolManager", "socket.socket",
    # ADR 0083: cloud-storage and model-hub clients, whose uploads and credentials are named
    # through the client object.
    "boto3.client", "boto3.resource", "boto3.Session", "boto3.session.Session",
    "huggingface_hub.HfApi", "google.cloud.storage.Client",
    # ADR 0085: HTTP over a Unix socket (the Docker daemon's, ``http+unix://``).
    "requests_unixsocket.Session",
}  # fmt: skip
# ADR 0089: an SFTP client, made by an SSH client, over a transport, or on its own; its
# ``put`` sends a local file to the other host by its path (an upload, as ``upload_file``).
SFTP_CLIENTS = frozenset({
    "paramiko.SSHClient.open_sftp", "paramiko.SFTPClient", "paramiko.SFTPClient.from_transport",
    "paramiko.sftp_client.SFTPClient", "paramiko.sftp_client.SFTPClient.from_transport",
    "pysftp.Connection",
    # ADR 0093: the ``scp`` package's client over an SSH transport puts files by path too.
    "scp.SCPClient",
})  # fmt: skip
SFTP_PUTS = frozenset({"put", "putfo", "put_r", "put_d"})
CLIENTS |= SFTP_CLIENTS
# ADR 0093: paramiko's transports and the channels they open (a shell, a command's stdin):
# what is written to a channel is sent to the other host, as a socket's ``sendall`` is.
SSH_TRANSPORTS = frozenset({"paramiko.Transport", "paramiko.SSHClient.get_transport"})
SSH_CHANNELS = frozenset({
    "paramiko.Channel", "paramiko.SSHClient.invoke_shell", "paramiko.Transport.open_session",
    "paramiko.Transport.open_channel", "paramiko.SSHClient.get_transport.open_session",
    "paramiko.SSHClient.get_transport.open_channel",
})  # fmt: skip
CHANNEL_SENDS = frozenset({"send", "sendall", "write", "writelines", "send_stderr"})
CLIENTS |= SSH_TRANSPORTS | SSH_CHANNELS
# GitPython's repository objects, named by their class so that their calls resolve: a push
# sends the commits the module made, as ``git push`` in a command does (ADR 0090).
GIT_REPOS = ("git.Repo", "git.repo.Repo", "git.Repo.init", "git.Repo.clone_from")
CLIENTS |= set(GIT_REPOS)
# A repository's calls that give one of its remotes (``repo.create_remote(n, url).push()``).
GIT_REMOTES = frozenset({"remote", "create_remote"})
# twine's command line called as a function (``dispatch(['upload', ...])``): an upload of the
# files it is handed to an index (ADR 0090).
TWINE_UPLOADS = frozenset({
    "twine.cli.dispatch", "twine.__main__.main", "twine.commands.upload.main",
})  # fmt: skip


# dulwich's porcelain: its ``add`` stages files as GitPython's index does, its ``push``
# sends the commits (ADR 0093).
DULWICH = "dulwich.porcelain"


def publishes(ref: str) -> bool:
    """A call that sends a repository's commits or a set of files to another host by their
    paths: GitPython's and dulwich's push, twine's command line (ADR 0090, 0093)."""
    return (
        ref in TWINE_UPLOADS
        or ref == f"{DULWICH}.push"
        or (ref.startswith(GIT_REPOS) and ref.endswith(".push"))
    )


def gives_client(ref: str) -> bool:
    """A call whose result is used as a client named by the call: a GitPython repository's
    remote (ADR 0090), an SSH command's stdin, stdout and stderr (ADR 0093; the call itself
    is traffic, so it is not in :data:`CLIENTS`), a database driver's connection and what
    is reached from it (ADR 0195)."""
    if ref == SSH_EXEC or dbsends.handle(ref):
        return True
    return ref.startswith(GIT_REPOS) and ref.rpartition(".")[2] in GIT_REMOTES


SSH_EXEC = "paramiko.SSHClient.exec_command"


# A raw socket's traffic (issue 16: exfiltration and reverse shells over plain sockets).
SOCKET_VERBS = {"connect", "connect_ex", "send", "sendall", "sendto", "listen", "sendfile"}
# A TLS socket's ``write`` and a socket's file (``makefile('w')``, read as the socket) send as
# ``sendall`` does (ADR 0193); ``sendmsg`` sends its buffers.
SOCKET_VERBS |= {"write", "writelines", "sendmsg"}
# Connection objects named by their class (:mod:`handed`): what is sent through one is
# traffic (ADR 0048: ``HTTPSConnection(h).request('POST', p, body=secret)``).
CONNECTIONS = {
    "http.client.HTTPConnection", "http.client.HTTPSConnection", "httplib.HTTPConnection",
    "httplib.HTTPSConnection", "smtplib.SMTP", "smtplib.SMTP_SSL", "ftplib.FTP",
    "ftplib.FTP_TLS",
    # ADR 0063: other standard and common clients whose use sends what they are given.
    "telnetlib.Telnet", "multiprocessing.connection.Client", "xmlrpc.client.ServerProxy",
    "urllib.request.build_opener", "websocket.create_connection", "paramiko.SSHClient",
    # ADR 0080: mail-store clients, whose ``append`` uploads a message.
    *MAIL_STORES,
    # ADR 0167: libcurl's handle, told its address and body by ``setopt`` (``POSTFIELDS``).
    "pycurl.Curl",
}  # fmt: skip
CONNECTION_VERBS = {
    "request", "send", "putrequest", "sendmail", "send_message", "storbinary", "storlines",
    "write", "send_bytes", "open", "exec_command", "send_binary", "append", "setopt",
}  # fmt: skip
# Connections made with no host (it is given to a later call): making one is not traffic.
HOSTLESS = {"urllib.request.build_opener", "paramiko.SSHClient"}
# Proxies whose every method is a call on the remote host (``ServerProxy(url).f(data)``).
REMOTE_PROXIES = {"xmlrpc.client.ServerProxy"}
# The environment, and its bytes forms (ADR 0079: ``dict(os.environb)``).
ENV_SOURCES = frozenset({
    "os.environ", "os.getenv", "os.environ.get", "os.environ.copy", "os.environ.items",
    "os.environb", "os.getenvb", "os.environb.get", "os.environb.copy", "os.environb.items",
})  # fmt: skip
# Data whose literal neighbours are kept when it is joined to them (``'https://h/' + env``):
# where host data, a secret or the whole environment is sent (ADR 0076, 0093).
TOLD = frozenset({HOSTINFO, SECRET, ENV_ALL})
# What gives every variable at once (the mapping itself is :data:`ENV`: ``os.environ['X']``
# is one of them; a call handed the mapping is :func:`sinkcall.process_environ`'s).
WHOLE_ENV_SOURCES = frozenset({
    "os.environ.copy", "os.environ.items", "os.environ.values", "os.environb.copy",
    "os.environb.items", "os.environb.values",
})  # fmt: skip
SECRET_SOURCES = {"os.environ", "os.getenv", "os.environ.get", "os.environ.copy", "dotenv."}
SECRET_SOURCES |= {"browser_cookie3.", "win32crypt.", "keyring.get_password", "pyperclip.paste"}
SECRET_SOURCES |= {"netrc.netrc"}  # every host's login and password (ADR 0079)
# ADR 0080: Windows' credential manager, and a keyring's whole credential.
SECRET_SOURCES |= {"win32cred.CredRead", "win32cred.CredEnumerate", "keyring.get_credential"}
SECRET_SOURCES |= {"PIL.ImageGrab.grab", "pyautogui.screenshot"}
# A camera's frames and a microphone's samples, as a screen's pixels (ADR 0086; GuardDog's
# runtime-collection rule).
SECRET_SOURCES |= {"cv2.VideoCapture", "sounddevice.rec", "sounddevice.InputStream"}
SECRET_SOURCES |= {"pyaudio.PyAudio.open"}
# ADR 0083: a cloud SDK's own credentials, as the environment variables they may come from.
SECRET_SOURCES |= {"boto3.Session.get_credentials", "google.auth.default"}
# Decoders of images and sounds (ADR 0086): their pixels and samples are where a payload is
# hidden by steganography (Telnyx's WAV file, LSB-coded PNGs; GuardDog's steganography rule).
MEDIA_SOURCES = frozenset({
    "wave.open", "aifc.open", "sunau.open", "PIL.Image.open", "PIL.Image.frombytes",
    "imageio.imread", "imageio.v2.imread", "imageio.v3.imread", "cv2.imread",
    "matplotlib.image.imread", "matplotlib.pyplot.imread", "skimage.io.imread",
    "soundfile.read", "scipy.io.wavfile.read", "librosa.load",
    "pydub.AudioSegment.from_file", "pydub.AudioSegment.from_wav",
})  # fmt: skip
# A picture's or a sound's file name: what is read from one is media data too.
MEDIA_FILE = re.compile(r"\.(?:png|jpe?g|gif|bmp|ico|webp|tiff?|wav|mp3|ogg|flac)$", re.IGNORECASE)
HOSTINFO_SOURCES = {"socket.gethostname", "getpass.getuser", "os.getlogin", "platform.node"}
HOSTINFO_SOURCES |= {"os.getcwd", "platform.platform", "platform.uname", "uuid.getnode"}
HOSTINFO_SOURCES |= {"os.uname", "socket.gethostbyname", "os.path.expanduser"}
# Not ``platform.system()``: "Linux", "Darwin" or "Windows" names no one, and a build puts it
# in the address of the prebuilt library it downloads (ddtrace's libddwaf, ADR 0136), as it
# does ``platform.machine()``, which was never host information. ``platform.platform()`` and
# ``platform.uname()`` stay: they carry the kernel's release and the machine's name.
OPAQUE_LOADERS = {"marshal.loads", "pickle.loads", "dill.loads", "cloudpickle.loads"}


def decrypts(ref: str) -> bool:
    leaf = ref.rsplit(".", 1)[-1]
    return leaf == "decrypt" or ref.startswith(("fernet.", "cryptography.fernet.", "pyaes."))


def install_command(ref: str) -> bool:
    leaf = ref.rsplit(".", 1)[-1]
    return leaf in ("install", "develop", "egg_info", "bdist_egg", "sdist", "build_py") or (
        ".command." in ref and leaf != "build_ext"
    )


@functools.lru_cache(maxsize=65_536)  # the flow pass asks of every call it reads (issue 16)
def kind_of(ref: str) -> str:  # noqa: PLR0911, PLR0912 -- one return per sink kind
    if ref in EXEC:
        return "exec"
    if ref.startswith(PROCESS_PREFIXES) and ref not in NOT_RUN:
        return "process"
    head, _, leaf = ref.rpartition(".")
    if ref in NETWORK or ((head in HTTP_MODULES or head in CLIENTS) and leaf in HTTP_VERBS):
        return "network"
    if head == "socket.socket" and leaf in SOCKET_VERBS:
        return "network"
    if head in CONNECTIONS and (leaf in CONNECTION_VERBS or head in REMOTE_PROXIES):
        return "network"
    if head == "asyncio.StreamWriter" and leaf in ("write", "writelines"):
        return "network"  # the writer of ``asyncio.open_connection`` (ADR 0051)
    if publishes(ref):
        return "network"  # ADR 0090
    if head in SFTP_CLIENTS and leaf in SFTP_PUTS:
        return "network"  # ``sftp.put(local, remote)`` (ADR 0089)
    if head in SSH_CHANNELS and leaf in CHANNEL_SENDS:
        return "network"  # ``chan.sendall(data)``, ``stdin.write(data)`` (ADR 0093)
    if ref in UPLOAD_MAKERS:
        return "network"  # what it names is uploaded by the call it is given to (ADR 0108)
    if leaf in STORE_SENDS.get(head, ()) or ref in DISTRIBUTED_SENDS:
        return "network"  # a store's, a bus's or a training backend's send (ADR 0107)
    if uploads_by_path(ref):
        return "network"  # a file or a folder sent by its path (ADR 0083, 0106)
    if remotes.kind(ref):
        return "network"  # gRPC, Ray, a remote file written (ADR 0110)
    if dbsends.sends(ref):
        return "network"  # a database driver's insert (ADR 0195)
    if ref in GLOBBERS:
        return "listing"  # what it lists tells what is read next (ADR 0083)
    if ref in OPAQUE_LOADERS:
        return "opaque-load"
    if ref in DELETERS:
        return "delete"
    if ref.startswith(("pyperclip.", "clipboard.", "win32clipboard.")):
        return "clipboard"
    if ref.startswith("ctypes.") and leaf in WIN_CLIPBOARD:
        return "clipboard"
    if ref in (
        "open",
        "io.open",
        "codecs.open",
        "pathlib.Path.write_bytes",
        "pathlib.Path.write_text",
    ):
        return "open"  # ``codecs.open(p, 'w')`` writes as ``open`` does (ADR 0190)
    if ref in WEIGHT_LOADERS:
        return "open"  # a checkpoint read into memory is its file's bytes (ADR 0083)
    if ref in NATIVE_LOADERS:
        return "native-load"
    if ref in MODULE_LOADERS:
        return "module-load"
    if ref.startswith("ctypes.") and leaf in MEMORY_CALLS:
        return "memory"
    if ref.startswith("ctypes.") and leaf in LIBC_PROCESS:
        return "process"  # ``ctypes.CDLL('libc.so.6').system(b'...')``
    return ""


# Cloud-storage and model-hub clients' calls that send a file or a folder named by its path.
UPLOADS = frozenset({
    "upload_file", "upload_fileobj", "put_object", "upload_folder", "upload_large_folder",
    "upload_from_filename", "upload_blob",
})  # fmt: skip
UPLOAD_CLIENTS = ("boto3.", "botocore.", "huggingface_hub.", "google.cloud.storage.", "azure.")
# Experiment trackers' calls that send files by their path to the tracking server (ADR 0106:
# ``wandb.save('/models/*')`` on import sent the host's weights and was read as nothing).
TRACKER_UPLOADS = frozenset({
    "wandb.save", "wandb.log_artifact", "wandb.log_model", "wandb.Artifact.add_file",
    "wandb.Artifact.add_dir", "wandb.sdk.wandb_run.Run.save", "mlflow.log_artifact",
    "mlflow.log_artifacts", "mlflow.MlflowClient.log_artifact", "mlflow.MlflowClient.log_artifacts",
    "mlflow.tracking.MlflowClient.log_artifact", "mlflow.tracking.MlflowClient.log_artifacts",
    "neptune.Run.upload", "clearml.Task.upload_artifact", "comet_ml.Experiment.log_asset",
    "comet_ml.Experiment.log_asset_folder", "comet_ml.Experiment.log_model",
})  # fmt: skip
# A model's, a tokenizer's, a pipeline's or a data set's own upload to a hub, called on the
# object whatever made it (``AutoModel.from_pretrained('/models/x').push_to_hub('a/b')``;
# ADR 0107): the object is sent.
HUB_PUSHES = frozenset({"push_to_hub"})
# Uploads by path known by their method's name, called on a receiver that need not resolve
# (``storage.Client().bucket(b).blob(n).upload_from_filename(p)``, ``Minio(h).fput_object``,
# Dropbox's ``files_upload``, a WebDAV client's ``upload_sync``, Kaggle's
# ``dataset_create_new``; ADR 0108): the names no other library gives another meaning.
UPLOAD_METHODS = UPLOADS | {
    "fput_object", "files_upload", "upload_sync", "upload_from_file", "dataset_create_new",
    "dataset_create_version", "send_document",
}  # fmt: skip
# Methods that send their object or a file by path whatever their receiver (read on every
# method call a sink does not name, so kept as one set).
SENDING_METHODS = HUB_PUSHES | UPLOAD_METHODS
# Objects whose making names the file a later call uploads (``MediaFileUpload(p)`` for
# Google's APIs, ``CommitOperationAdd(path_or_fileobj=p)`` for a hub's commit; ADR 0108).
UPLOAD_MAKERS = frozenset({
    "googleapiclient.http.MediaFileUpload", "huggingface_hub.CommitOperationAdd",
})  # fmt: skip
# Remote file systems (fsspec's) and their calls that send a local file or folder by its
# path (``fs.put('/models', 's3://b/m', recursive=True)``; ADR 0107).
FILESYSTEMS = (
    "huggingface_hub.HfFileSystem", "fsspec.filesystem", "s3fs.S3FileSystem",
    "gcsfs.GCSFileSystem", "adlfs.AzureBlobFileSystem",
    "fsspec.implementations.sftp.SFTPFileSystem",
)  # fmt: skip
FILESYSTEM_PUTS = frozenset({"put", "put_file", "upload"})
# Clients of data stores, message buses and file systems that ML code talks to, by the
# class their instance is named by, and their calls that send what they are given to the
# other host (ADR 0107: ``redis.Redis(host=h).set('w', weights)`` was read as nothing).
STORE_SENDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url"),
        frozenset({
            "set", "mset", "setex", "setnx", "hset", "hmset", "lpush", "rpush", "sadd",
            "publish", "xadd", "append",
        }),
    ),
    "paho.mqtt.client.Client": frozenset({"publish"}),
    **dict.fromkeys(FILESYSTEMS, FILESYSTEM_PUTS | {"pipe", "pipe_file"}),
}  # fmt: skip
# ``torch.distributed``'s sends: a tensor or an object goes to the other ranks, which may be
# another host (``init_process_group(init_method='tcp://…')``; ADR 0107).
DISTRIBUTED_SENDS = frozenset(
    f"torch.distributed.{name}"
    for name in (
        "send", "isend", "broadcast", "all_gather", "gather", "scatter", "all_reduce", "reduce",
        "send_object_list", "broadcast_object_list", "all_gather_object", "gather_object",
    )
)  # fmt: skip
STORE_SENDS |= remotes.BUS_SENDS  # ADR 0110: Kafka, ZeroMQ, RabbitMQ
CLIENTS |= set(STORE_SENDS)
# ADR 0110: gRPC channels and their callables, a Ray cluster, a file opened by its URL.
CLIENTS |= remotes.CLIENTS
# An upload whose every argument is written in the code (``upload_file('/models/m.pt',
# repo_id='x/y')``): where it goes is the module's choice, not its caller's (ADR 0106).
WRITTEN_UPLOAD = "written-upload"


def uploads_by_path(ref: str) -> bool:
    """A storage, hub, tracker or remote file system's call that sends a file or a folder
    named by its path."""
    head, _, leaf = ref.rpartition(".")
    by_client = leaf in UPLOADS and ref.startswith(UPLOAD_CLIENTS)
    by_tool = ref in TRACKER_UPLOADS or ref in UPLOAD_MAKERS
    return by_client or by_tool or (head in FILESYSTEMS and leaf in FILESYSTEM_PUTS)


# Calls that read a checkpoint's tensors from a path (read as ``open`` of that path).
WEIGHT_LOADERS = frozenset({
    "torch.load", "safetensors.torch.load_file", "safetensors.numpy.load_file",
    "safetensors.safe_open", "numpy.load",
})  # fmt: skip
# Calls that pick files by a name pattern: the pattern tells what is read next.
GLOBBERS = frozenset({
    "glob.glob", "glob.iglob", "pathlib.Path.glob", "pathlib.Path.rglob", "fnmatch.fnmatch",
    "fnmatch.filter",
})  # fmt: skip
# A model's weights, by file name or by the folder a model hub keeps them in: what the
# enclave guards (ADR 0083). ``.pth`` is not one: it is also ``site``'s path file.
WEIGHT_FILE = LazyPattern(
    r"\.(?:safetensors|gguf|ggml|ckpt|pt|onnx)\b|pytorch_model|huggingface[/\\]hub"
    # A hub's cache folder by its default place or its variable (ADR 0088).
    r"|\.cache[/\\](?:huggingface|torch)\b"
    r"|\$(?:HF_HOME|HF_HUB_CACHE|HUGGINGFACE_HUB_CACHE|TRANSFORMERS_CACHE|TORCH_HOME)\b",
    re.IGNORECASE,
)


# Calls that delete a folder and everything in it (a wiper's ``shutil.rmtree(home)``).
DELETERS = frozenset({"shutil.rmtree", "os.removedirs"})
# Folders whose loss is the user's or the system's: the home folder and the folders people
# keep their files in, the root and system folders, a drive (ADR 0083). Matched at the start.
WIPED_FOLDER = LazyPattern(
    r"\s*(?:(?:~|\$HOME|\$USERPROFILE|%USERPROFILE%)(?:[/\\](?:Documents|Desktop|Pictures|"
    r"Downloads|Music|Videos))?|/(?:home|etc|usr|root|var|boot|bin|lib)?|[a-z]:\\?)[/\\]?(?:\s|$)",
    re.IGNORECASE,
)
# Files found by a glob or a walk that picks weights (``glob('/models/**/*.safetensors')``,
# ``os.walk('/models')``): what is packed from them is weights (ADR 0093).
WEIGHTS = "weights"
# Files found by a walk of one of those folders (``os.walk('~')``, ``Path.home().rglob``):
# deleting or overwriting each is the same wiper, one file at a time (ADR 0085).
WIPED = "wiped-tree"


# Windows calls that put code in memory and run it there (shellcode loaders, injection).
ALLOCATES = {"VirtualAlloc", "VirtualAllocEx", "HeapAlloc", "NtAllocateVirtualMemory"}
COPIES = {"RtlMoveMemory", "WriteProcessMemory", "memmove", "RtlCopyMemory", "VirtualProtect"}
STARTS = {"CreateThread", "CreateRemoteThread", "QueueUserAPC", "NtCreateThreadEx"}
STARTS |= {"EnumSystemLocalesA", "EnumSystemLocalesW", "CallWindowProcA", "CallWindowProcW"}
MEMORY_CALLS = ALLOCATES | COPIES | STARTS
# Calls that make a module of the file (or archive) a path names, or put one where imports
# look (ADR 0086): they run that file, as ``exec`` would, once imported. Only a path that
# downloaded or decoded data went to weighs (a plugin loader's own files are not a sink).
MODULE_LOADERS = frozenset({
    "importlib.util.spec_from_file_location", "importlib.machinery.SourceFileLoader",
    "importlib.machinery.SourcelessFileLoader", "importlib.machinery.ExtensionFileLoader",
    "imp.load_source", "imp.load_compiled", "imp.load_dynamic", "zipimport.zipimporter",
    "sys.path.insert", "sys.path.append", "site.addsitedir",
})  # fmt: skip
# ``/proc/<pid>/mem``: another process's memory, where a CI runner keeps its secrets
# (tj-actions/changed-files, 2025; GuardDog's process-memory rule).
PROCESS_MEMORY = re.compile(r"/proc/[^/\s]*/mem\b")
# Calls that load a native library whose functions are then called by name.
NATIVE_LOADERS = {
    "ctypes.windll", "ctypes.CDLL", "ctypes.cdll.LoadLibrary", "ctypes.WinDLL",
    "ctypes.PyDLL", "ctypes.OleDLL", "ctypes.pydll.LoadLibrary",
    "cffi.FFI.dlopen",  # ADR 0063: ``FFI().dlopen(None).system(b'id')``
}  # fmt: skip
LIBC_PROCESS = {"system", "popen", "execve", "execv", "execvp", "execl", "execlp", "posix_spawn"}
# Flags that start a process with no window or detached from its parent (Windows).
SILENT_FLAGS = ("CREATE_NO_WINDOW", "DETACHED_PROCESS", "SW_HIDE", "STARTF_USESHOWWINDOW")
SILENT_BITS = 0x08000000 | 0x00000008


@functools.lru_cache(maxsize=65_536)  # asked of every attribute and call read; frozen answer
def source_labels(ref: str) -> frozenset[str]:  # noqa: PLR0911 -- one return per source kind
    if ref in WHOLE_ENV_SOURCES:
        return frozenset({ENV, ENV_ALL})
    if ref in ENV_SOURCES:
        return frozenset({ENV})
    if ref in SECRET_SOURCES or ref.startswith(("browser_cookie3.", "win32crypt.", "dotenv.")):
        return frozenset({SECRET})
    if ref in HOSTINFO_SOURCES:
        return frozenset({HOSTINFO})
    if ref in MEDIA_SOURCES:
        return frozenset({MEDIA})
    if ref.endswith(SILENT_FLAGS):
        return frozenset({SILENT})  # carried through ``A | B`` into ``creationflags``
    return frozenset()


SECRET_PATH_MARKERS = (
    ".ssh", "id_rsa", ".aws", ".env", "wallet", "login data", "cookies", ".git-credentials",
    "local state", "leveldb", ".netrc", "keychain", "exodus",
    # GuardDog's sensitive files (issue 16): account databases, package-index and cloud
    # tokens, browser profiles.
    "/etc/passwd", "/etc/shadow", ".pypirc", ".npmrc", "gcloud/credentials", ".azure/",
    ".mozilla/firefox", "chrome/user data",
    # ADR 0079: the environment of this process, read as a file.
    "/proc/self/environ",
    # ADR 0080: a pod's service-account token.
    "serviceaccount/token",
    # ADR 0110: private keys of GnuPG, and shells' and interpreters' histories (the commands
    # typed, with the passwords and tokens typed into them). No SDK sends these.
    ".gnupg", ".bash_history", ".zsh_history", "fish_history", ".python_history",
    ".psql_history", ".mysql_history",
    # ADR 0167: the account stores stealers zip and send: Telegram's session folder, Steam's
    # and Minecraft's logins, FileZilla's saved servers.
    "telegram desktop", "loginusers.vdf", "launcher_accounts", "recentservers.xml",
    "sitemanager.xml",
)  # fmt: skip


# Another process's environment read as a file (``/proc/1/environ``; ADR 0085).
PROC_ENVIRON = re.compile(r"/proc/[^/\s]+/environ\b")


def secret_path(path: str) -> bool:
    lowered = path.lower()
    return any(marker in lowered for marker in SECRET_PATH_MARKERS) or bool(
        "/proc/" in lowered and PROC_ENVIRON.search(lowered)
    )

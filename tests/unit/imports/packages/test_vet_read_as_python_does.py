"""Files read the way Python reads them (ADR 0057): a module behind a UTF-8 byte-order
mark, ``.pth`` lines that ``site`` keeps whole though ``str.splitlines`` cuts them, and
bytecode that Python runs without checking it against the vetted source. Each sample runs
an inert command (never executed) and was allowed before."""

from __future__ import annotations

import importlib.util
import marshal
from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.analysis import pth_lines
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel

WHEEL = "evpkg-1.0-py3-none-any.whl"
RUNS = "import os\nos.system('id')\n"


def _verdict(files: Mapping[str, str | bytes]) -> Outcome:
    return vet(WHEEL, wheel("evpkg", "1.0", dict(files))).verdict


def test_a_module_behind_a_byte_order_mark_is_read() -> None:
    assert _verdict({"evpkg/__init__.py": b"\xef\xbb\xbf" + RUNS.encode()}) is Outcome.HOLD


@pytest.mark.parametrize("joiner", ["\x0c", "\x0b", "\x1c", "\u2028"])
def test_a_pth_line_is_what_site_reads_as_one_line(joiner: str) -> None:
    files = {"evpkg/__init__.py": "", "evpkg.pth": f"import os;{joiner}os.system('id')\n"}
    # Held at least; a line the pass parses runs a command, so it denies (ADR 0167).
    assert _verdict(files) in {Outcome.HOLD, Outcome.DENY}
    assert pth_lines(f"a{joiner}b\r\nc\rd\n") == [f"a{joiner}b", "c", "d", ""]


def test_a_pth_file_behind_a_byte_order_mark_is_read() -> None:
    files = {"evpkg/__init__.py": "", "evpkg.pth": "\ufeffimport os; os.system('id')\n"}
    assert _verdict(files) is Outcome.DENY  # a .pth line that runs a command (ADR 0167)


def test_a_plain_pth_shim_stays_below_a_hold() -> None:
    files = {"evpkg/__init__.py": "", "evpkg.pth": "import evpkg\r\n./evpkg_data\r\n"}
    assert _verdict(files) is Outcome.ALLOW


def _pyc(flags: int) -> bytes:
    code = compile(RUNS, "evpkg/__init__.py", "exec")  # compiled, never run
    return (
        importlib.util.MAGIC_NUMBER + flags.to_bytes(4, "little") + bytes(8) + marshal.dumps(code)
    )


@pytest.mark.parametrize(("flags", "verdict"), [(0b01, Outcome.HOLD), (0b11, Outcome.ALLOW)])
def test_bytecode_python_runs_unchecked_in_place_of_its_source_holds(
    flags: int, verdict: Outcome
) -> None:
    # PEP 552: unchecked hash-based bytecode is loaded whatever the source says; checked
    # bytecode is recompiled from the (vetted) source when they differ.
    files: dict[str, str | bytes] = {
        "evpkg/__init__.py": "X = 1\n",
        "evpkg/__pycache__/__init__.cpython-311.pyc": _pyc(flags),
    }
    assert _verdict(files) is verdict

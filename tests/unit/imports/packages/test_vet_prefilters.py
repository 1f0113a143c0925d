"""Cheap text tests that stand before a regex or a parse (issue 16: vetting speed) give the
same answer as the pattern they replace, and the text tests that choose what the cross-file
pass reads miss no call that runs on import (ADR 0170)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.domain.requests import Outcome
from airlock.imports.packages.rules import SECRET_WORDS, SECRETS
from airlock.imports.packages.runfile import _marked
from airlock.imports.packages.tradecraft import KEYBOARD_HOOK, KEYBOARD_WORDS, tradecraft_findings
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel
from tests.unit.imports.packages.adversary import CURL

# The single alternation the runfile test used before it was split (issue 16).
MARKERS = re.compile(
    r"(?<!\w)exec(?!\w)|execfile|run_path|spec_from_file_location|load_source|FileLoader"
)
PIECES = st.sampled_from(
    [
        "exec", "execfile", "executable", "_exec", "exec_", "é", "1", " ", "(", ".", "\n",
        "run_path", "load_source", "FileLoader", "spec_from_file_location", "x", "_", "Login Data",
        ".SSH", "Cookies", ".aws/credentials", "ID_RSA", "İ",
    ]
)  # fmt: skip
TEXTS = st.lists(PIECES, max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_the_runfile_marker_test_answers_as_the_one_regex_did(text: str) -> None:
    assert _marked(text) == (MARKERS.search(text) is not None)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_a_credential_path_match_holds_one_of_its_literals_lower_cased(text: str) -> None:
    if SECRETS.search(text):
        assert any(word in text.lower() for word in SECRET_WORDS)


def test_exec_as_a_whole_name_only() -> None:
    assert _marked("exec(code)")
    assert _marked("builtins.exec")
    assert not _marked("executable = 1; _exec = 2; exec_ = 3; éexec")


KEYBOARD_PIECES = st.sampled_from(
    [
        "keyboard", "keyboard.", "Listener(", "hook(", "on_press(", "on_release(", "pyHook",
        ".HookManager", "SetWindowsHookEx", "A(", "W(", "WH_KEYBOARD_LL", "Hook", "x", "_", " ",
        ".", "(", "\n", "KEYBOARD", "hook",
    ]
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(KEYBOARD_PIECES, max_size=8).map("".join))
def test_a_keyboard_hook_match_holds_one_of_its_words(text: str) -> None:
    if KEYBOARD_HOOK.search(text):
        assert any(word in text for word in KEYBOARD_WORDS)


@pytest.mark.parametrize(
    "hook",
    [
        "keyboard.Listener(on_press=f)",
        "keyboard.hook(f)",
        "keyboard.on_release(f)",
        "pyHook.HookManager()",
        "SetWindowsHookExA(13, f, 0, 0)",
        "SetWindowsHookEx(WH, f, 0, 0)",
        "windll.user32.SetWindowsHookExW(x)",
        "h = WH_KEYBOARD_LL",
    ],
)
def test_each_keyboard_hook_still_opens_the_keylogger_rule(hook: str) -> None:
    """The gate before the regex lets every kind of hook through (ADR 0091)."""
    found = tradecraft_findings("k.py", f"import keyboard\n{hook}\n")
    assert [f.rule for f in found] == ["keylogger"]


# Which files start the cross-file pass (issue 16, ADR 0170): a payload in another module's
# function, called where the text test did not look, while it still runs on import.
SINK = "import os\ndef go(c):\n    os.system(c)\n"
GO = f"go({CURL!r})"


def imported(aa: str | bytes, **more: str) -> dict[str, str | bytes]:
    """A package whose ``__init__.py`` imports module ``aa`` (text ``aa``), which may call
    ``go`` in ``zz.py``, a function that runs its argument."""
    return {
        "evpkg/__init__.py": "from . import aa\n",
        "evpkg/aa.py": aa,
        "evpkg/zz.py": SINK,
        **more,
    }


def started(init: str | bytes) -> dict[str, str | bytes]:
    return {"evpkg/__init__.py": init, "evpkg/zz.py": SINK}


PREFILTER_DENIED: dict[str, dict[str, str | bytes]] = {
    # An ordinary module's module level is more than its unindented lines.
    "under-if-true": imported(f"from .zz import go\nif True:\n    {GO}\n"),
    "in-a-try-body": imported(f"from .zz import go\ntry:\n    {GO}\nexcept Exception:\n    pass\n"),
    "in-a-with-body": imported(
        f"import contextlib\nfrom .zz import go\nwith contextlib.suppress(Exception):\n    {GO}\n"
    ),
    "in-a-for-body": imported(f"from .zz import go\nfor _ in [1]:\n    {GO}\n"),
    "in-a-class-body": imported(f"from .zz import go\nclass K:\n    {GO}\n"),
    "in-a-default-value": imported(f"from .zz import go\ndef f(x={GO}):\n    return x\n"),
    "after-an-if-on-one-line": imported(f"from .zz import go\nif 1: {GO}\n"),
    "joined-by-a-semicolon": imported(f"from .zz import go; {GO}\n"),
    "import-after-a-semicolon": imported(f"x = 1; from .zz import go; {GO}\n"),
    "inside-a-list": imported(f"from . import zz\nx = [zz.{GO}]\n"),
    "as-an-argument": imported(f"from .zz import go\nprint({GO})\n"),
    "in-an-assert": imported(f"from .zz import go\nassert {GO} or True\n"),
    "subscript-assigned": imported(f"from .zz import go\nd = {{}}\nd['k'] = {GO}\n"),
    "call-after-a-backslash": imported(f"from .zz import go\ngo \\\n({CURL!r})\n"),
    # How the text is read: line ends, a byte-order mark, joined lines, every import.
    "import-continued-by-a-backslash": imported(f"from .zz \\\n    import go\n{GO}\n"),
    "second-module-of-an-import": imported(f"import os, evpkg.zz\nevpkg.zz.{GO}\n"),
    "carriage-returns-only": imported(f"from .zz import go\r{GO}\r".encode()),
    "form-feed-before-the-call": imported(f"from .zz import go\n\x0c{GO}\n"),
    "byte-order-mark": imported(f"\ufefffrom .zz import go\n{GO}\n".encode()),
    "init-with-byte-order-mark": started(f"\ufefffrom .zz import go\n{GO}\n".encode()),
    "init-import-continued": started(f"from .zz \\\n    import go\n{GO}\n"),
    # An import by a literal name, a name looked up.
    "dunder-import-in-a-module": imported(f"z = __import__('evpkg.zz', fromlist=['go'])\nz.{GO}\n"),
    "import-module-in-a-module": imported(
        f"import importlib\nz = importlib.import_module('evpkg.zz')\nz.{GO}\n"
    ),
    "import-module-in-init": started(
        f"import importlib\nz = importlib.import_module('.zz', __name__)\nz.{GO}\n"
    ),
    "getattr-in-init": started(f"from . import zz\ngetattr(zz, 'go')({CURL!r})\n"),
    # A wheel's root modules are imported by name.
    "root-module-of-a-wheel": {"evmod.py": f"from evhelp import go\n{GO}\n", "evhelp.py": SINK},
    "root-module-imported-whole": {
        "evmod.py": f"import evhelp\nevhelp.{GO}\n",
        "evhelp.py": SINK,
    },
}

# What an f-string's braces hold is code; a name imported from the archive may be used on
# import without being called by its name; a module's own class made on import runs its
# ``__init__``.
PREFILTER_DENIED |= {
    "in-an-f-string": imported(f'from .zz import go\nx = f"{{{GO}}}"\n'),
    "in-a-raw-f-string": imported(f"from .zz import go\nx = rf'{{str({GO})}}'\n"),
    "aliased-then-called": imported(f"from .zz import go\ng = go\ng({CURL!r})\n"),
    "module-attribute-by-getattr": imported(f"from . import zz\ngetattr(zz, 'go')({CURL!r})\n"),
    "own-class-made-on-import": imported(
        f"from .zz import go\nclass K:\n    def __init__(self):\n        {GO}\nK()\n"
    ),
}

# The start test reads the module's tree (ADR 0176): a name the text test could not read, an
# import by a literal name inside the module's own function called on import, and the ways a
# class statement calls the module's own code (its metaclass, its base's hooks).
PREFILTER_DENIED |= {
    "non-ascii-name": imported(f"from .zz import go as g\u00f6\ng\u00f6({CURL!r})\n"),
    "literal-import-in-own-function": imported(
        f"def f():\n    z = __import__('evpkg.zz', fromlist=['go'])\n    z.{GO}\nf()\n"
    ),
    "own-metaclass": imported(
        f"from .zz import go\nclass Meta(type):\n    def __init__(cls, *a):\n        {GO}\n"
        "class K(metaclass=Meta):\n    pass\n"
    ),
    "own-base-init-subclass": imported(
        f"from .zz import go\nclass B:\n    def __init_subclass__(cls):\n        {GO}\n"
        "class K(B):\n    pass\n"
    ),
    "own-class-subscripted": imported(
        f"from .zz import go\nclass B:\n    def __class_getitem__(cls, item):\n        {GO}\n"
        "B[int]\n"
    ),
    "own-decorator": imported(
        f"from .zz import go\ndef deco(f):\n    {GO}\n    return f\n@deco\ndef h():\n    pass\n"
    ),
    "lambda-default": imported(f"from .zz import go\nf = lambda x={GO}: x\n"),
}

PREFILTER_ALLOWED: dict[str, dict[str, str | bytes]] = {
    "named-in-a-plain-string-beside-an-f-string": imported(
        f"from .zz import go\nname = 'x'\nx = f'{{name}}: {GO}'\n"
    ),
    "own-class-made-on-import-calls-nothing": imported(
        "from .zz import go\nclass K:\n    def __init__(self):\n        self.run = go\nK()\n"
    ),
    # Calls in functions run when called, not on import.
    "called-in-functions-only": imported(
        "from .zz import go\n"
        "def run(cmd):\n    if cmd:\n        go(cmd)\n"
        "class Runner:\n    def __call__(self, cmd):\n        try:\n            go(cmd)\n"
        "        except OSError:\n            pass\n"
    ),
    "called-in-a-long-signature's-body": imported(
        "from .zz import go\n"
        "def run(\n    cmd: str,\n    *,\n    check: bool = False,\n) -> None:\n"
        '    """Run ``cmd``.\n\ngo(x) at the left margin of a docstring.\n"""\n'
        "    go(cmd)\n"
    ),
    "named-in-annotations-only": imported(
        "from __future__ import annotations\nfrom .zz import go\n"
        "def f(x: go) -> go:\n    return x\n"
    ),
    "named-in-a-docstring-and-all": imported(
        '"""Helpers.\n\n    go(cmd)\n"""\nfrom .zz import go\n__all__ = ["go"]\n'
    ),
    "package-tests-import-their-helpers": {
        "evpkg/__init__.py": "",
        "evpkg/zz.py": SINK,
        "evpkg/tests/__init__.py": "",
        "evpkg/tests/helper.py": "from evpkg.zz import go\ndef run():\n    go('true')\n",
        "evpkg/tests/test_zz.py": "from evpkg.tests.helper import run\nrun()\n",
    },
    "docs-conf": {
        "evpkg/__init__.py": "",
        "docs/conf.py": "import os, sys\nsys.path.insert(0, os.path.abspath('..'))\nimport evpkg\n"
        "project = 'evpkg'\n",
    },
    "big-vendored-module": {
        "evpkg/__init__.py": "from ._vendor import six\n",
        "evpkg/_vendor/__init__.py": "",
        "evpkg/_vendor/six.py": "import sys\n"
        + "".join(
            f"def f{i}(x):\n    '''Doc {i}.'''\n    if x:\n"
            f"        return f{i - 1}(x) if {i} else x\n    return None\n"
            for i in range(3000)
        )
        + "PY3 = sys.version_info[0] == 3\n",
    },
    "root-module-sets-up-logging": {
        "evmod.py": "import evhelp\nevhelp.configure()\n",
        "evhelp.py": "import logging\ndef configure():\n    logging.basicConfig(level='INFO')\n",
    },
}


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(files, expected, id=f"{expected.value}-{name}")
        for table, expected in (
            (PREFILTER_DENIED, Outcome.DENY),
            (PREFILTER_ALLOWED, Outcome.ALLOW),
        )
        for name, files in sorted(table.items())
    ],
)
def test_a_call_where_the_text_test_did_not_look_is_followed(
    files: dict[str, str | bytes], expected: Outcome
) -> None:
    assert vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", files)).verdict is expected


# An in-tree build backend or a build hook runs on install, as setup.py does: a call it makes
# into the package is followed (ADR 0170).
BACKEND = "[build-system]\nrequires = []\nbuild-backend = 'bk'\nbackend-path = ['.']\n"
HATCH = (
    "[build-system]\nrequires = ['hatchling']\nbuild-backend = 'hatchling.build'\n"
    "[tool.hatch.build.hooks.custom]\npath = 'hatch_build.py'\n"
)
BUILT: dict[str, tuple[dict[str, str], Outcome]] = {
    "deny-backend-calls-the-package": (
        {
            "pyproject.toml": BACKEND,
            "bk.py": f"from evpkg.zz import go\ndef build_wheel(d, c=None, m=None):\n    {GO}\n"
            "    return ''\n",
            "evpkg/__init__.py": "",
            "evpkg/zz.py": SINK,
        },
        Outcome.DENY,
    ),
    "deny-build-hook-calls-the-package": (
        {
            "pyproject.toml": HATCH,
            "hatch_build.py": f"from evpkg.zz import go\n{GO}\n",
            "evpkg/__init__.py": "",
            "evpkg/zz.py": SINK,
        },
        Outcome.DENY,
    ),
    "allow-backend-reads-the-version": (
        {
            "pyproject.toml": BACKEND,
            "bk.py": "from setuptools import build_meta as _orig\n"
            "from evpkg._version import get_version\nVERSION = get_version()\n"
            "build_wheel = _orig.build_wheel\n",
            "evpkg/__init__.py": "",
            "evpkg/_version.py": "import os\ndef get_version():\n"
            "    with open(os.path.join(os.path.dirname(__file__), 'VERSION')) as f:\n"
            "        return f.read().strip()\n",
        },
        Outcome.ALLOW,
    ),
    "allow-build-hook-asks-git": (
        {
            "pyproject.toml": HATCH,
            "hatch_build.py": "from hatchling.builders.hooks.plugin.interface import "
            "BuildHookInterface\nfrom evpkg._build import describe\n"
            "class CustomHook(BuildHookInterface):\n"
            "    def initialize(self, version, build_data):\n"
            "        build_data['v'] = describe()\n",
            "evpkg/__init__.py": "",
            "evpkg/_build.py": "import subprocess\ndef describe():\n"
            "    return subprocess.check_output(['git', 'describe', '--tags']).decode()\n",
        },
        Outcome.ALLOW,
    ),
}


@pytest.mark.parametrize(("files", "expected"), BUILT.values(), ids=BUILT.keys())
def test_a_build_backend_or_hook_is_read_as_setup_py_is(
    files: dict[str, str], expected: Outcome
) -> None:
    assert vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files)).verdict is expected


@pytest.mark.timeout(60)
@pytest.mark.parametrize("line", ["import ...", "import .", "from . import ()", "import ..x"])
def test_an_import_of_no_name_in_a_docstring_ends(line: str) -> None:
    # The start test reads the text, not a tree: ``import ...`` in a docstring once made an
    # empty name, which ``bytes.find`` finds at every place, and the vetting never ended.
    aa = f'"""Usage:\n\n{line}\n"""\nfrom .zz import go\n'
    verdict = vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", imported(aa))).verdict
    assert verdict is Outcome.ALLOW

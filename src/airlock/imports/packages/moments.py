"""When a member's code runs: the sdist's own ``setup.py`` on install, a package's modules on
import, and side code (tests, docs, examples, scripts) never, whose findings weigh one step
less (issue 16)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from airlock.imports.packages.rules import (
    PackageFinding,
    Severity,
)

if TYPE_CHECKING:
    pass


# Code that neither import nor install runs (issue 16): tests, docs, examples, benchmarks.
# Its findings weigh one step less: a chain there holds instead of denying.
SIDE_CODE = re.compile(
    r"(^|/)(tests?|testing|docs?|docs?_src|examples?|samples?|benchmarks?|demos?)/|"
    r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$"
)


def is_sdist(filename: str) -> bool:
    return not filename.endswith(".whl")


def runs_setup(path: str) -> bool:
    """The sdist's own ``setup.py`` (at its root): its module level runs on install."""
    return path.rsplit("/", 1)[-1] == "setup.py" and path.count("/") <= 1


LIGHTER = "(tests, docs, examples or scripts outside a package: weighs less)"


# Chains that no test needs: in side code they still hold for a person to read.
KEEP_HIGH = {
    "obfuscated-exec", "remote-exec", "hidden-exec", "dropper", "exfiltration",
    "hidden-payload", "string-obfuscation", "embedded-payload", "reverse-shell",
}  # fmt: skip


def lighter(finding: PackageFinding, why: str = LIGHTER) -> PackageFinding:
    """``finding`` one step lighter: a chain no build step or test needs (:data:`KEEP_HIGH`)
    still holds, anything else is at most noted. ``why`` says why it weighs less."""
    cap = Severity.HIGH if finding.rule in KEEP_HIGH else Severity.MEDIUM
    if finding.severity <= cap:
        return finding
    return PackageFinding(
        finding.rule,
        finding.path,
        finding.line,
        cap,
        f"{finding.explanation} {why}",
    )


# Code setup.py reaches only through a chain of its own helpers (ADR 0151).
FURTHER = "(run on install only through another of setup.py's helpers: weighs less)"

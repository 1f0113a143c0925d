"""Log handlers a ``logging.config.fileConfig`` file of the same archive makes (ADR 0080).

``logging.config.fileConfig(os.path.join(here, 'log.ini'))`` makes the handlers the file
names; an ``HTTPHandler`` there sends every record logged after it to the host its ``args``
name. The own pass of a module reads one file and is memoised by its bytes, so it cannot
see the ``.ini``: the archive pass (:func:`airlock.imports.packages.filesrun.files_run`), which
already names the member a module runs by its path, hands its text here. When it makes a
network handler, the module's tree is read again with that call written as the
``logging.config.dictConfig`` of the same handlers, which :mod:`logsent` already reads.

Pure and bounded: a file past :data:`MAX_CONFIG_BYTES` or that does not parse as an INI
file makes nothing; nothing is imported or run. What it deliberately does not do: follow
``%(here)s``-style interpolation, or read a file whose path does not fold.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages.chains import score
from airlock.imports.packages.flow import trace
from airlock.imports.packages.logsent import NETWORK_HANDLERS

if TYPE_CHECKING:
    from airlock.imports.packages.rules import PackageFinding

MAX_CONFIG_BYTES = 64_000


def network_handlers(text: str) -> list[tuple[str, str]]:
    """``(class, args)`` of each handler ``text`` (a ``fileConfig`` file) makes that sends
    records to another machine; empty when it makes none or does not parse."""
    if len(text) > MAX_CONFIG_BYTES or "Handler" not in text:
        return []
    # Imported here: vetting imports nothing it does not need for most wheels
    # (tests/unit/test_import_budget.py), and few ship a logging file.
    import configparser  # noqa: PLC0415

    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    found: list[tuple[str, str]] = []
    # Every handler section: the text is at most MAX_CONFIG_BYTES, and 32 sections of
    # formatters first left the network handler unread (ADR 0189).
    for section in parser.sections():
        if not section.startswith("handler_"):
            continue
        name = parser.get(section, "class", fallback="").strip()
        # ``fileConfig`` resolves a class in the ``logging`` namespace first.
        full = name if name.startswith("logging.") else f"logging.{name}"
        if full in NETWORK_HANDLERS:
            found.append((full, parser.get(section, "args", fallback="")))
    return found


def configured(tree: ast.Module, line: int, handlers: list[tuple[str, str]]) -> bool:
    """Rewrite, in place, the ``fileConfig(...)`` call on ``line`` of ``tree`` as
    ``logging.config.dictConfig`` of ``handlers``; whether one was found."""
    literal = ast.Dict(
        keys=[ast.Constant("handlers")],
        values=[
            ast.Dict(
                keys=[ast.Constant(f"h{i}") for i in range(len(handlers))],
                values=[
                    ast.Dict(
                        keys=[ast.Constant("class"), ast.Constant("args")],
                        values=[ast.Constant(cls), ast.Constant(args)],
                    )
                    for cls, args in handlers
                ],
            )
        ],
    )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and node.lineno == line
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
            == "fileConfig"
        ):
            node.func = ast.Attribute(
                value=ast.Attribute(value=ast.Name("logging"), attr="config"), attr="dictConfig"
            )
            node.args, node.keywords = [literal], []
            ast.fix_missing_locations(tree)
            return True
    return False


# What a network handler made from the file adds to the module's own findings.
SENT_RULES = frozenset({"exfiltration", "sends-host-data"})


def logs_sent(
    runner: str, source: str, line: int, config: str, *, install: bool
) -> list[PackageFinding]:
    """Findings of ``runner`` (text ``source``) read with its ``fileConfig`` call on
    ``line`` making the network handlers ``config`` names: records of secrets, the
    environment or host data logged after it are sent. Empty when it makes none."""
    handlers = network_handlers(config)
    if not handlers:
        return []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # the own pass already reported it
    if not configured(tree, line, handlers):
        return []
    try:
        found = score(runner, trace(tree, install_time=install, source=source))
    except RecursionError:
        return []
    return [f for f in found if f.rule in SENT_RULES]

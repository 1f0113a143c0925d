"""An environment variable that names where a side-code request goes (issue 16, ADR 0132).

``requests.get(os.getenv("LLAMAFILE_SERVER_BASE_URL", "http://localhost:8080"))`` in a test
module's ``skipif`` reads the environment and sends a request on import, so the flow pass
calls it exfiltration. Yet the value only chooses the destination, as configuration does: the
person running the tests points them at their own server, and what the request carries is a
constant path. An environment value appended to a query or a body sent to a host written in
the code is still sent out, and stays exfiltration.

Only side code's findings are read here (tests, docs, examples: :data:`moments.SIDE_CODE`),
and only when the call's address is, in its whole, one environment read (``os.getenv``,
``os.environ.get`` or ``os.environ[...]`` with a literal name and default), optionally
stripped of a trailing ``/`` and followed by a literal path (``+ "/health"``,
``f"{BASE}/health"``), directly or through a module name bound once to it, and every other
argument of the call is a literal. Install-time code is left to the flow pass.
"""

from __future__ import annotations

import ast
import re

from airlock.imports.packages.archive import Member
from airlock.imports.packages.grammar import is_literal, parse_member
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.moments import LIGHTER, SIDE_CODE
from airlock.imports.packages.rules import PackageFinding, Severity

SENT_ENVIRONMENT = LazyPattern(
    r"exfiltration via ([\w.]+) (on import|when called), carrying environment variables "
    + re.escape(LIGHTER)
    + "$"
)
ENV_READERS = frozenset({"getenv", "get"})
MAX_HOPS = 3  # names bound to names bound to the read


def configured_destinations(
    findings: list[PackageFinding], members: list[Member], reached: set[str]
) -> list[PackageFinding]:
    """``findings`` with each side-code exfiltration whose call only sends to an address an
    environment variable configures read as the network call it is (medium)."""
    if not any(_asked(f) and f.path not in reached for f in findings):
        return findings
    texts = {m.name: m.data for m in members if m.data is not None}
    trees: dict[str, ast.Module | None] = {}
    out: list[PackageFinding] = []
    for f in findings:
        match = SENT_ENVIRONMENT.search(f.explanation) if _asked(f) else None
        if match is None or f.path in reached or f.path not in texts:
            out.append(f)
            continue
        if f.path not in trees:
            trees[f.path] = parse_member(texts[f.path])
        tree = trees[f.path]
        callee, moment = match.group(1), match.group(2)
        if tree is None or not _configured(tree, f.line, callee.rpartition(".")[2]):
            out.append(f)
            continue
        out.append(
            PackageFinding(
                "network-call",
                f.path,
                f.line,
                Severity.MEDIUM,
                f"network call via {callee} {moment}, to an address an environment variable "
                f"configures (configuration, not data sent) {LIGHTER}",
            )
        )
    return out


def _asked(f: PackageFinding) -> bool:
    return (
        f.rule == "exfiltration"
        and f.severity is Severity.HIGH
        and SIDE_CODE.search(f.path) is not None
    )


def _configured(tree: ast.Module, line: int, callee: str) -> bool:
    """Whether every call of ``callee`` on ``line`` sends only to a configured address."""
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and node.lineno == line and _last_name(node.func) == callee
    ]
    return bool(calls) and all(_to_configured(tree, call) for call in calls)


def _to_configured(tree: ast.Module, call: ast.Call) -> bool:
    address = call.args[0] if call.args else None
    rest: list[ast.expr] = list(call.args[1:])
    for keyword in call.keywords:
        if keyword.arg == "url" and address is None:
            address = keyword.value
        else:
            rest.append(keyword.value)
    return (
        address is not None
        and _env_address(tree, address, MAX_HOPS)
        and all(is_literal(a) for a in rest)
    )


def _env_address(tree: ast.Module, node: ast.expr, hops: int) -> bool:
    """An environment read, whole or followed by a literal path."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _env_address(tree, node.left, hops) and _path(node.right)
    if isinstance(node, ast.JoinedStr) and node.values:
        head, *tail = node.values
        return (
            isinstance(head, ast.FormattedValue)
            and head.conversion == -1
            and head.format_spec is None
            and _env_address(tree, head.value, hops)
            and all(isinstance(v, ast.Constant) for v in tail)
            and (not tail or _path(tail[0]))
        )
    if isinstance(node, ast.Call) and _last_name(node.func) == "rstrip":
        inner = node.func.value if isinstance(node.func, ast.Attribute) else None
        return (
            inner is not None
            and all(is_literal(a) for a in node.args)
            and (_env_address(tree, inner, hops))
        )
    if isinstance(node, ast.Name):
        bound = _bound_once(tree, node.id)
        return hops > 0 and bound is not None and _env_address(tree, bound, hops - 1)
    return _env_read(tree, node)


def _env_read(tree: ast.Module, node: ast.expr) -> bool:
    """``os.getenv("NAME"[, "default"])``, ``os.environ.get(...)``, ``os.environ["NAME"]``
    (also through ``from os import getenv, environ``), with literal name and default."""
    if isinstance(node, ast.Subscript):
        return _environ(tree, node.value) and is_literal(node.slice)
    literal_args = (
        isinstance(node, ast.Call)
        and not node.keywords
        and 1 <= len(node.args) <= 2
        and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
    )
    if not literal_args or not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "getenv" and _from_os(tree, "getenv")
    if isinstance(func, ast.Attribute) and func.attr in ENV_READERS:
        return _os(tree, func.value) if func.attr == "getenv" else _environ(tree, func.value)
    return False


def _environ(tree: ast.Module, node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "environ" and _from_os(tree, "environ")
    return isinstance(node, ast.Attribute) and node.attr == "environ" and _os(tree, node.value)


def _os(tree: ast.Module, node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "os" and _from_os(tree, "os")


def _bound_once(tree: ast.Module, name: str) -> ast.expr | None:
    """The value ``name`` is bound to when the module binds it exactly once, by a plain
    assignment (no parameter, loop, import or definition binds it too)."""
    values = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == name
    ]
    return values[0] if _bindings(tree, name) == 1 and len(values) == 1 else None


def _from_os(tree: ast.Module, name: str) -> bool:
    """Whether ``name`` is bound once, by ``import os`` (for ``os``) or by ``from os import
    NAME``: a module defining its own ``getenv`` returns what it likes."""
    imported = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += sum(a.name == name == "os" and a.asname is None for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and not node.level:
            imported += sum(a.name == name and a.asname is None for a in node.names)
    return imported == 1 and _bindings(tree, name) == 1


def _bindings(tree: ast.Module, name: str) -> int:
    """How many times the module binds ``name``, by any statement or parameter."""
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            count += node.id == name and not isinstance(node.ctx, ast.Load)
        elif isinstance(node, ast.arg):
            count += node.arg == name
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            count += name in node.names
        elif isinstance(node, ast.alias):
            count += (node.asname or node.name.split(".")[0]) == name
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            count += node.name == name
    return count


def _path(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and (node.value.startswith("/"))
    )


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""

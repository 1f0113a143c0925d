"""Code or commands run for chat accounts whose ids the package writes in (ADR 0120).

Pure. Trojanised forks of chat-bot libraries (Checkmarx's "Operation Navy Ghost", 2025:
eight forks of Pyrogram) answer a message from the author's own accounts by running its
text as Python or as a shell command. Nothing is downloaded and nothing runs on install
or import: the message reaches a handler as an argument, so the data-flow pass sees a
parameter handed to ``exec``, which libraries do (a REPL, a template engine) and which is
no finding by itself.

What marks the backdoor is the gate: the handler compares an id of the object it was
handed (``message.from_user.id``, ``ctx.author.id``) with account numbers written in the
code, or is registered by a decorator that names them (``filters.user(5012345678)``), and
runs code or a command made from that same object. A bot's own admin check reads its ids
from settings, not from literals, and a library has no accounts of its own.

What it does not do: follow the object into other functions, or read ids that are built
at run time or kept in a file.
"""

from __future__ import annotations

import ast
import re

from airlock.imports.packages.astwalk import names_bound_at_top
from airlock.imports.packages.rules import PackageFinding, Severity

# Telegram user ids have 9-10 digits, Discord's snowflakes 17-19: seven digits or more
# keeps ports, sizes and Unix user ids out.
MIN_ACCOUNT = 10**6
# Asked of the text before the tree is walked (a walk of every module cost a third of a
# parse): a sink's name and an id's as plain substrings, then seven digits in a row (the
# tree tells a literal from a hash; a lookbehind for one standing alone cost 5x more).
_SINK_WORDS = ("exec", "eval", "system", "popen", "getoutput", "subprocess")
_ID_WORDS = ("id", "user", "chat", "owner", "admin", "sender", "author")
_ACCOUNT = re.compile(r"[1-9][0-9]{6,}")
# Then the gate's shape around each run of digits, in a short window: an id compared with
# it (``.id in (``, ``user_id ==``, or after it ``== message.from_user.id``), or a user or
# chat filter call holding it; or a module constant holding it, compared or filtered by its
# name. Asked per run, not as one regex of alternatives over the whole text, and strict
# about the id: a walk of the modules a looser test let through cost 5 % of vetting.
_ID_OP = r"(?:\bid|_id|\buid)\s*(?:[=!]=|(?:not\s+)?in\b)"
_BEFORE = re.compile(
    _ID_OP + r"[\s(\[{,-]*$|\b(?:user|chat|owner|admin|sender|author)s?\s*\([\s(\[{,-]*$"
)
_AFTER = re.compile(r"\s*[=!]=\s*[\w.]*(?:\bid|_id|\buid)\b")
_CONSTANT = re.compile(r"^([A-Za-z_]\w*)[ \t]*=[ \t]*[(\[{]?[ \t]*$", re.MULTILINE)
WINDOW = 48
RUNS = {"exec", "eval", "system", "popen", "getoutput", "getstatusoutput"}
RUNNERS = {
    "os": re.compile(r"system|popen|exec\w*|spawn\w*"),
    "subprocess": re.compile(r"Popen|run|call|check_call|check_output|getoutput|getstatusoutput"),
    "asyncio": re.compile(r"create_subprocess_\w+"),
    "commands": re.compile(r"getoutput|getstatusoutput"),
    "pty": re.compile(r"spawn"),
    "builtins": re.compile(r"exec|eval"),
}
# Last names of an attribute that holds an account's id, and of a decorator's filter call.
_ID_NAME = re.compile(r"^(?:id|uid|\w+_id|\w+_ids)$")
_WHO = re.compile(r"user|chat|owner|admin|sender|author|from", re.IGNORECASE)


def controller_backdoors(path: str, source: str, tree: ast.Module) -> list[PackageFinding]:
    """A finding for each function that runs what it is handed for accounts it names."""
    if not any(w in source for w in _SINK_WORDS) or not any(w in source for w in _ID_WORDS):
        return []
    if not _gate_text(source):
        return []
    constants = names_bound_at_top(tree, _accounts)
    found: list[PackageFinding] = []
    for func, roots in _gated_functions(tree, constants).items():
        line = _gated_run(func, roots)
        if line:
            found.append(
                PackageFinding(
                    "controller-backdoor",
                    path,
                    line,
                    Severity.CRITICAL,
                    f"{func.name}() runs code or a command made from what it is handed "
                    "when it comes from accounts whose ids are written in the code: "
                    "a remote-control backdoor",
                )
            )
    return found


Function = ast.FunctionDef | ast.AsyncFunctionDef


def _gate_text(source: str) -> bool:
    """Whether an account number stands where a gate would put it, read from the text."""
    constants: set[str] = set()
    for run in _ACCOUNT.finditer(source):
        start, end = run.span()
        if source[start - 1 : start].isalnum() or source[end : end + 1].isalpha():
            continue  # inside a hex number or a name
        if _BEFORE.search(source, max(0, start - WINDOW), start) or _AFTER.match(source, end):
            return True
        line = source.rfind("\n", 0, start) + 1
        bound = _CONSTANT.match(source, line, start)
        if bound:
            constants.add(bound.group(1))
    for name in constants:
        named = re.escape(name)
        if re.search(rf"{_ID_OP}\s*{named}\b|\b{named}\s*[=!]=|\(\s*\[?\s*{named}\b", source):
            return True
    return False


def _gated_functions(tree: ast.Module, constants: set[str]) -> dict[Function, set[str]]:
    """Each function holding a gate, with the roots it gates (``*``: a decorator's), found
    in one walk that keeps the innermost function each node is in."""
    gated: dict[Function, set[str]] = {}
    stack: list[tuple[ast.AST, Function | None]] = [(tree, None)]
    while stack:
        node, inside = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if _decorator_gate(node, constants):
                gated.setdefault(node, set()).add("*")
            inside = node
        elif isinstance(node, ast.Compare) and inside is not None:
            root = _compared_root(node, constants)
            if root:
                gated.setdefault(inside, set()).add(root)
        stack.extend((child, inside) for child in ast.iter_child_nodes(node))
    return gated


def _accounts(node: ast.expr, constants: set[str]) -> bool:
    """Whether ``node`` is an account number, a collection holding one, or a name bound
    to one at module level."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _accounts(node.operand, constants)  # a group chat's id: -100...
    if isinstance(node, ast.Constant):
        value = node.value
        return isinstance(value, int) and not isinstance(value, bool) and value >= MIN_ACCOUNT
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_accounts(e, constants) for e in node.elts)
    if isinstance(node, ast.Name):
        return node.id in constants
    return False


def _root(node: ast.expr) -> tuple[str, str] | None:
    """``(root name, last attribute)`` of an attribute chain such as ``m.from_user.id``."""
    last = ""
    while isinstance(node, ast.Attribute):
        last = last or node.attr
        node = node.value
    return (node.id, last) if isinstance(node, ast.Name) and last else None


def _decorator_gate(func: Function, constants: set[str]) -> bool:
    """A decorator filter naming an account (``filters.user(5012345678)``)."""
    for deco in func.decorator_list:
        for call in ast.walk(deco):
            if not isinstance(call, ast.Call) or not _WHO.search(ast.unparse(call.func)):
                continue
            if any(_accounts(a, constants) for a in call.args):
                return True
    return False


def _compared_root(node: ast.Compare, constants: set[str]) -> str:
    """The root of an id compared with a written account (``message`` in
    ``message.from_user.id in (5012345678,)``), or empty."""
    if len(node.comparators) != 1:
        return ""
    if not isinstance(node.ops[0], (ast.In, ast.NotIn, ast.Eq, ast.NotEq)):
        return ""
    for side, other in ((node.left, node.comparators[0]), (node.comparators[0], node.left)):
        held = _root(side)
        if held and _ID_NAME.match(held[1]) and _accounts(other, constants):
            return held[0]
    return ""


def _gated_run(func: Function, gates: set[str]) -> int:
    """The line of a run of what a gated root carries, or 0."""
    params = {a.arg for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)}
    tainted = (params if "*" in gates else gates - {"*"}) - {"self", "cls"}
    for _ in range(2):  # names made from a gated object, one or two steps away
        for node in ast.walk(func):
            if isinstance(node, ast.Assign) and _names(node.value) & tainted:
                tainted |= {n for t in node.targets for n in _names(t)}
    for node in ast.walk(func):
        if not isinstance(node, ast.Call) or not _runs(node.func):
            continue
        if any(_names(a) & tainted for a in node.args):
            return node.lineno
    return 0


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _runs(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in RUNS
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        attrs = RUNNERS.get(func.value.id)
        return attrs is not None and attrs.fullmatch(func.attr) is not None
    return False

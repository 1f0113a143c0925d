"""Transfers to a wallet whose address the package writes in (ADR 0120, issue 16).

Pure. Typosquats of ``bittensor`` (GitLab's vulnerability research, 2025) kept the CLI
working but turned its staking call into a transfer of the caller's tokens to the author's
wallet: nothing is read from disk, nothing is downloaded and the only network is the
chain's own. What gives it away is the recipient: a library moves the funds of the wallet
it is handed to an address the caller chooses, never to one written in its own code.

A call whose name says transfer (``transfer``, ``_do_transfer``, ``transferFrom``,
``safe_transfer``) with an argument that is a wallet address literal, or a module-level name
bound to one, is a finding: critical when the caller's wallet, keypair or signer (a
parameter of the enclosing function) is handed to the same call, since that sends the
caller's funds; high otherwise (a donation helper or an example; a person reads it).

Addresses read: Substrate's SS58 (``5…``, 47-48 base58 letters), Ethereum's ``0x`` and 40
hex digits, Bitcoin's ``bc1…`` and base58 ``1…``/``3…``, Tron's ``T…``. What it does not
do: addresses built at run time or fetched, or a recipient swapped in a transaction's
bytes.
"""

from __future__ import annotations

import ast
import re

from airlock.imports.packages.astwalk import names_bound_at_top
from airlock.imports.packages.rules import PackageFinding, Severity

ADDRESS = re.compile(
    r"5[1-9A-HJ-NP-Za-km-z]{46,47}|0x[0-9a-fA-F]{40}|bc1[02-9ac-hj-np-z]{25,59}|"
    r"[13][1-9A-HJ-NP-Za-km-z]{25,34}|T[1-9A-HJ-NP-Za-km-z]{33}"
)
# The text check: an address as a whole quoted string (a hash or a name inside a longer
# token is none), asked only after the substring ``ransfer``.
_QUOTED_ADDRESS = re.compile(r"""["'](?:""" + ADDRESS.pattern + r""")["']""")
_TRANSFER = re.compile(r"transfer", re.IGNORECASE)
# Parameters that hold the caller's funds or the key that signs for them.
_WALLET = re.compile(r"wallet|keypair|signer|account|coldkey|private_key|sender", re.I)


def names_transfer(source: str) -> bool:
    """Whether the text names a transfer and writes an address: only then is its tree
    walked by :func:`written_recipients`."""
    # A substring first: a case-blind regex over every module costs more than it finds.
    if "ransfer" not in source and "RANSFER" not in source:
        return False
    return _QUOTED_ADDRESS.search(source) is not None


def parsed_recipients(path: str, source: str) -> list[PackageFinding]:
    """:func:`written_recipients` of a module the flow pass does not parse (it names no
    sink, and a transfer is none): parsed here, and only when :func:`names_transfer`."""
    if not names_transfer(source):
        return []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # the module's own pass reports what does not parse
    return written_recipients(path, tree)


def written_recipients(path: str, tree: ast.Module) -> list[PackageFinding]:
    """A finding for each transfer whose recipient is an address written in the code."""
    bound = names_bound_at_top(tree, _is_address)
    found: list[PackageFinding] = []
    # One walk, keeping the wallet parameters of the innermost function each call is in.
    stack: list[tuple[ast.AST, set[str]]] = [(tree, set())]
    while stack:
        node, wallets = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            wallets = _wallet_params(node)
        elif isinstance(node, ast.Call) and _TRANSFER.search(_callee(node.func)):
            finding = _judge(path, node, bound, wallets)
            if finding is not None:
                found.append(finding)
        stack.extend((child, wallets) for child in ast.iter_child_nodes(node))
    return found


def _judge(path: str, call: ast.Call, bound: set[str], params: set[str]) -> PackageFinding | None:
    args = [*call.args, *(k.value for k in call.keywords)]
    if not any(_is_address(a, bound) for a in args):
        return None
    callers = any(isinstance(a, ast.Name) and a.id in params for a in args)
    severity = Severity.CRITICAL if callers else Severity.HIGH
    whose = "the caller's wallet's funds" if callers else "funds"
    return PackageFinding(
        "written-recipient",
        path,
        call.lineno,
        severity,
        f"{_callee(call.func)}() sends {whose} to a wallet address written in the code",
    )


def _is_address(node: ast.expr, bound: set[str]) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ADDRESS.fullmatch(node.value) is not None
    return isinstance(node, ast.Name) and node.id in bound


def _wallet_params(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    every = (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)
    return {a.arg for a in every if _WALLET.search(a.arg)}


def _callee(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""

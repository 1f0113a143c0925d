"""Static rules over a package's Python source: nothing is imported, built or run.

Each rule has a stable id; a finding names file, line, severity and why it matters. Code at
module top level (runs on import) or in setup.py (runs on install) weighs more than the same
call inside a function.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


@dataclass(frozen=True, slots=True)
class PackageFinding:
    rule: str
    path: str
    line: int
    severity: Severity
    explanation: str


NETWORK = {
    "socket.socket",
    "socket.create_connection",
    "urllib.request.urlopen",
    "urllib.request.urlretrieve",
    "requests.get",
    "requests.post",
    "http.client.HTTPConnection",
    "http.client.HTTPSConnection",
    "httpx.get",
    "httpx.post",
}
PROCESS = {
    "subprocess.Popen",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_output",
    "subprocess.check_call",
    "os.system",
    "os.popen",
    "os.execv",
    "os.execve",
    "pty.spawn",
}
DYNAMIC = {"exec", "eval", "compile", "__import__"}
DECODERS = {
    "base64.b64decode",
    "base64.b32decode",
    "base64.b16decode",
    "zlib.decompress",
    "marshal.loads",
    "codecs.decode",
    "bytes.fromhex",
    "lzma.decompress",
    "bz2.decompress",
}
SECRETS = re.compile(
    r"\.ssh|id_rsa|id_ed25519|\.aws/credentials|\.netrc|\.docker/config|"
    r"\.kube/config|\.git-credentials|Login Data|Cookies"
)
METADATA = re.compile(r"169\.254\.169\.254|metadata\.google\.internal|100\.100\.100\.200")
WALLET = re.compile(r"\b(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}\b|\b0x[a-fA-F0-9]{40}\b")
EXECUTABLE_URL = re.compile(r"https?://[^\s'\"]+\.(exe|sh|elf|bin|ps1|bat)\b")
SUSPICIOUS_URL = re.compile(
    r"https?://(\d{1,3}\.){3}\d{1,3}|pastebin\.com|discord(app)?\.com/api/"
    r"webhooks|ngrok\.io|transfer\.sh"
)
# Paste sites, webhooks and tunnels are where stolen data goes; an IP literal alone is common
# in tests and proxy code (issue 16) and only weighs when it is a sink's target (chains.py).
DROP_SITE = re.compile(
    r"pastebin\.com|discord(app)?\.com/api/webhooks|ngrok\.io|transfer\.sh|"
    r"api\.telegram\.org/bot|webhook\.site|pipedream\.net|interact\.sh|oast\.\w+|burpcollaborator"
)
LONG_ENCODED = re.compile(r"[A-Za-z0-9+/=]{400,}")


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _name(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    return ""


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: str, install_time: bool) -> None:
        self.path = path
        self.install_time = install_time
        self.depth = 0  # function nesting: 0 means the code runs on import
        self.aliases: dict[str, str] = {}
        self.found: list[PackageFinding] = []

    def add(self, rule: str, node: ast.AST, severity: Severity, why: str) -> None:
        self.found.append(
            PackageFinding(rule, self.path, getattr(node, "lineno", 0), severity, why)
        )

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = alias.name
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = f"{node.module or ''}.{alias.name}"
        self.generic_visit(node)

    def _scoped(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _scoped  # noqa: N815

    def visit_If(self, node: ast.If) -> None:
        # `if __name__ == "__main__":` (also inside an `and`) runs as a script, not on import.
        tests = (
            node.test.values
            if isinstance(node.test, ast.BoolOp) and isinstance(node.test.op, ast.And)
            else [node.test]
        )
        is_main = any(
            isinstance(test, ast.Compare)
            and _name(test.left) == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
            for test in tests
        )
        if is_main:
            self._scoped(node)
        else:
            self.generic_visit(node)

    def _resolve(self, node: ast.AST) -> str:
        name = _name(node)
        head, _, rest = name.partition(".")
        if head in self.aliases:
            return f"{self.aliases[head]}.{rest}" if rest else self.aliases[head]
        return name

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            text = node.value
            for rule, pattern, severity, why in (
                ("credential-path", SECRETS, Severity.MEDIUM, "mentions a credential file"),
                (
                    "cloud-metadata",
                    METADATA,
                    Severity.MEDIUM,  # cloud SDKs read it; the chain that sends it out denies
                    "names a cloud metadata endpoint",
                ),
                ("executable-download", EXECUTABLE_URL, Severity.HIGH, "URL of an executable"),
                ("suspicious-url", DROP_SITE, Severity.HIGH, "paste, webhook or tunnel URL"),
                ("wallet-address", WALLET, Severity.MEDIUM, "looks like a crypto-wallet address"),
                ("long-encoded-string", LONG_ENCODED, Severity.MEDIUM, "long encoded blob"),
            ):
                if pattern.search(text):
                    self.add(rule, node, severity, why)


def scan_constants(path: str, tree: ast.AST) -> list[PackageFinding]:
    """Findings from the string constants of one parsed file."""
    visitor = _Visitor(path, install_time=False)
    visitor.visit(tree)
    return visitor.found


def scan_pth(path: str, text: str) -> Iterator[PackageFinding]:
    """Lines of a .pth file that start with 'import' run at every interpreter start."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(("import ", "import\t")):
            yield PackageFinding(
                "pth-exec",
                path,
                number,
                Severity.HIGH,
                ".pth line runs code at every Python start-up",
            )


def setup_py_hooks(path: str, source: str) -> Iterator[PackageFinding]:
    """Custom install commands in setup.py run arbitrary code during pip install."""
    if re.search(r"cmdclass\s*=", source):
        yield PackageFinding(
            "install-hook", path, 0, Severity.HIGH, "setup.py overrides install commands (cmdclass)"
        )

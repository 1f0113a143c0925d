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

    def visit_Call(self, node: ast.Call) -> None:
        called = self._resolve(node.func)
        eager = self.depth == 0 or self.install_time
        when = "at install time" if self.install_time else "on import" if self.depth == 0 else ""
        if called in DYNAMIC:
            decoded = any(
                self._resolve(n.func) in DECODERS for n in ast.walk(node) if isinstance(n, ast.Call)
            )
            if decoded:
                self.add(
                    "obfuscated-exec",
                    node,
                    Severity.CRITICAL,
                    f"{called}() runs code decoded from an encoded string",
                )
            elif eager and called != "compile":
                self.add("dynamic-exec", node, Severity.MEDIUM, f"{called}() {when}")
        elif called in NETWORK:
            self.add(
                "network-call",
                node,
                Severity.HIGH if eager else Severity.LOW,
                f"network access via {called} {when}".strip(),
            )
        elif called in PROCESS:
            # At install time nothing legitimate needs a process behind pip's back: deny. On
            # import some real packages do (numpy.distutils asks gcc for its multiarch), so
            # that holds for a person to read; a deny could never be approved.
            self.add(
                "process-call",
                node,
                Severity.CRITICAL
                if self.install_time
                else Severity.HIGH
                if eager
                else Severity.LOW,
                f"starts a process via {called} {when}".strip(),
            )
        elif called in ("open", "io.open", "pathlib.Path.read_text") and any(
            isinstance(a, ast.Constant) and isinstance(a.value, str) and SECRETS.search(a.value)
            for a in node.args
        ):
            self.add("credential-read", node, Severity.HIGH, "opens a credential file")
        elif called in ("marshal.loads",) and eager:
            self.add("marshal-load", node, Severity.HIGH, "loads marshalled bytecode")
        elif called.endswith(("pyperclip.copy", "pyperclip.paste")):
            self.add("clipboard", node, Severity.HIGH, "reads or writes the clipboard")
        elif called in ("os.environ.copy", "dict") and eager and "environ" in ast.unparse(node):
            self.add("env-harvest", node, Severity.MEDIUM, "copies the whole environment")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            text = node.value
            for rule, pattern, severity, why in (
                ("credential-path", SECRETS, Severity.MEDIUM, "mentions a credential file"),
                (
                    "cloud-metadata",
                    METADATA,
                    Severity.HIGH,
                    "targets a cloud metadata endpoint",
                ),
                ("executable-download", EXECUTABLE_URL, Severity.HIGH, "URL of an executable"),
                (
                    "suspicious-url",
                    SUSPICIOUS_URL,
                    Severity.HIGH,
                    "IP literal, paste or webhook URL",
                ),
                ("wallet-address", WALLET, Severity.MEDIUM, "looks like a crypto-wallet address"),
                ("long-encoded-string", LONG_ENCODED, Severity.MEDIUM, "long encoded blob"),
            ):
                if pattern.search(text):
                    self.add(rule, node, severity, why)


def scan_python(path: str, source: str, *, install_time: bool = False) -> list[PackageFinding]:
    """Findings for one Python file; a file that does not parse is itself a finding."""
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError) as e:
        return [
            PackageFinding(
                "unparseable-source",
                path,
                0,
                Severity.MEDIUM,
                f"could not parse as Python ({type(e).__name__}); cannot vet it",
            )
        ]
    visitor = _Visitor(path, install_time)
    try:
        visitor.visit(tree)
    except RecursionError:
        visitor.add("unparseable-source", tree, Severity.MEDIUM, "nesting too deep to vet")
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

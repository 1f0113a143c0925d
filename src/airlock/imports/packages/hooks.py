"""Install-time and start-up hooks other than ``setup.py`` (issue 16).

Pure: reads the archive's members, runs nothing.

* **In-tree build backends**: ``pyproject.toml`` naming ``build-backend`` with
  ``backend-path`` points pip at a module of the archive itself; its code runs when the sdist
  is built, exactly like ``setup.py``. The module is read as an install helper.
* **Install commands named in configuration**: ``cmdclass`` in ``setup.cfg`` (``[options]``)
  or ``[tool.setuptools]`` of ``pyproject.toml`` name a class whose ``run`` executes during
  install; its module is read as an install helper.
* **Start-up modules**: a top-level ``sitecustomize.py`` or ``usercustomize.py`` runs at every
  Python start, for every program (the ``.pth`` rule covers the other start-up hook).
* **Commands that shadow common ones**: a console script named ``ls``, ``sudo``, ``git`` or
  ``python`` (GuardDog's cmd-overwrite) replaces what the user means to run.
* **Scripts that download and run**: shell, batch, PowerShell and VBScript members holding a
  download piped to a shell or started (the same patterns that deny a process call).

What it does not do: follow a backend or command module into the modules it imports (the
cross-file pass of ADR 0029 starts from ``setup.py`` and ``__init__.py`` only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from airlock.imports.packages.archive import Member
from airlock.imports.packages.buildhooks import BUILD_FILE_BACKENDS, hook_files, runs_build_file
from airlock.imports.packages.declared import console_scripts, setup_py_scripts
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.moments import LIGHTER, SIDE_CODE
from airlock.imports.packages.pyproject import pyproject_table
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.setupcfg import setup_cfg
from airlock.imports.packages.typosquat import normalise

STARTUP_MODULES = ("sitecustomize.py", "usercustomize.py")
# Commands a user types every day: a package's console script of that name runs instead.
COMMON_COMMANDS = frozenset({
    "ls", "cat", "cp", "mv", "rm", "cd", "sudo", "su", "ssh", "scp", "sftp", "curl", "wget",
    "git", "bash", "sh", "zsh", "python", "python3", "python2", "pip", "pip3", "apt",
    "apt-get", "yum", "dnf", "brew", "npm", "node", "docker", "kubectl", "make", "gcc", "cc",
    "chmod", "chown", "passwd", "ps", "kill", "whoami", "id", "env", "which", "echo", "grep",
    "find", "tar", "unzip", "systemctl", "crontab", "cmd", "powershell", "explorer", "notepad",
})  # fmt: skip
SCRIPT_SUFFIXES = (".sh", ".bash", ".bat", ".cmd", ".ps1", ".vbs", ".command")
# A makefile's recipes run when ``setup.py`` runs ``make`` (ADR 0115).
MAKEFILES = frozenset({"Makefile", "makefile", "GNUmakefile"})
MAKE_RUN = re.compile(r"""['"](?:g?make|cmake\s+--build)\b""")


# Install settings that name the folder packages are found in (``package_dir``,
# ``[tool.setuptools] package-dir``, ``packages.find``'s ``where``).
PACKAGE_ROOTS = LazyPattern(r"package[_-]dir|\bwhere\b")


def _names_package_roots(members: list[Member], setup_text: str, pyproject: Member | None) -> bool:
    """Whether an sdist's install files name a folder as the root of its packages: then a
    ``tests/sitecustomize.py`` could be installed at the site's root. Without one, a
    start-up module below a side folder (django's ``tests/sitecustomize.py``, which starts
    coverage in the test suite's processes) is the suite's, never installed (ADR 0129)."""
    cfg = _root(members, "setup.cfg", sdist=True)
    texts = [setup_text] + [
        m.data.decode("utf-8", "replace") for m in (cfg, pyproject) if m and m.data
    ]
    return any(PACKAGE_ROOTS.search(text) for text in texts)


def _root(members: list[Member], base: str, sdist: bool) -> Member | None:
    """The archive's own ``base`` file (at the top of a wheel, below the top folder of an sdist)."""
    depth = 1 if sdist else 0
    for member in members:
        if (
            member.data is not None
            and member.name.count("/") == depth
            and (member.name.rsplit("/", 1)[-1] == base)
        ):
            return member
    return None


def _module_paths(dotted: str, root: str, folders: Iterable[str] = ("",)) -> list[str]:
    """Member paths a dotted module name may live at, below ``root`` and each folder."""
    parts = dotted.split(":", 1)[0].strip().split(".")
    if not all(p.isidentifier() for p in parts):
        return []
    out = []
    for folder in folders:
        base = "/".join(p for p in (root, folder.strip("/").removeprefix("."), *parts) if p)
        out += [f"{base}.py", f"{base}/__init__.py"]
    return out


def hook_modules(members: list[Member], *, sdist: bool) -> dict[str, str]:
    """Member paths of in-tree build backends and configured install commands: path -> why."""
    root = members[0].name.split("/", 1)[0] if sdist and members else ""
    found: dict[str, str] = {}
    pyproject = _root(members, "pyproject.toml", sdist)
    if pyproject is not None and pyproject.data is not None:
        config = pyproject_table(pyproject.data.decode("utf-8", "replace")) or {}
        system = config.get("build-system", {})
        backend, folders = system.get("build-backend"), system.get("backend-path")
        if isinstance(backend, str) and isinstance(folders, list) and folders:
            for path in _module_paths(backend, root, [str(f) for f in folders[:4]]):
                found[path] = "in-tree build backend"
        for path in hook_files(config):
            found["/".join(p for p in (root, path) if p)] = "build hook in pyproject.toml"
        tool = config.get("tool", {}).get("setuptools", {})
        commands = tool.get("cmdclass", {}) if isinstance(tool, dict) else {}
        for target in commands.values() if isinstance(commands, dict) else []:
            for path in _module_paths(str(target).rpartition(".")[0], root, ("", "src")):
                found[path] = "install command in pyproject.toml"
    cfg = _root(members, "setup.cfg", sdist)
    if cfg is not None and cfg.data is not None:
        for target in _cfg_cmdclass(cfg.data.decode("utf-8", "replace")):
            for path in _module_paths(target.rpartition(".")[0], root, ("", "src")):
                found[path] = "install command in setup.cfg"
    present = {m.name for m in members}
    return {path: why for path, why in found.items() if path in present}


def _cfg_cmdclass(text: str) -> list[str]:
    parser = setup_cfg(text)
    if parser is None:
        return []
    value = parser.get("options", "cmdclass", fallback="")
    return [line.split("=", 1)[1].strip() for line in value.splitlines() if "=" in line]


# A wheel's ``NAME.data/scripts/FILE``: pip installs FILE as a command on the PATH.
COMMAND_FILE = LazyPattern(r"[^/]+\.data/scripts/(?P<name>[^/]+)")


# A wheel's ``NAME.data/purelib/FILE`` (or ``platlib``): pip installs FILE at the top of
# site-packages, as if the wheel held it at its own top (probe 19: a ``sitecustomize.py``
# there was not held).
SITE_ROOT = LazyPattern(r"[^/]+\.data/(?:purelib|platlib)/[^/]+")


def _site_root(path: str) -> bool:
    return SITE_ROOT.fullmatch(path) is not None


def command_file(path: str) -> bool:
    """Whether ``path`` is a file a wheel installs as a command (``.data/scripts/``)."""
    return COMMAND_FILE.fullmatch(path) is not None


def _commands(members: list[Member], sdist: bool) -> list[tuple[str, str]]:
    """(member path, command) for console scripts and a wheel's command files."""
    files = [] if sdist else [(m.name, COMMAND_FILE.fullmatch(m.name)) for m in members]
    return console_scripts(members) + [(path, f.group("name")) for path, f in files if f]


def hook_findings(project: str, members: list[Member], *, sdist: bool) -> list[PackageFinding]:
    """Start-up modules, commands that shadow common ones, and download-and-run scripts."""
    found: list[PackageFinding] = []
    setup = _root(members, "setup.py", sdist)
    setup_text = setup.data.decode("utf-8", "replace") if setup and setup.data else ""
    pyproject = _root(members, "pyproject.toml", sdist) if sdist else None
    config = (
        pyproject_table(pyproject.data.decode("utf-8", "replace")) or {}
        if pyproject is not None and pyproject.data is not None
        else {}
    )
    own = normalise(project)
    declared = _commands(members, sdist)
    if sdist and setup is not None:  # ``setup(entry_points=...)`` of a hand-made sdist (0102)
        declared += [(setup.name, c) for c in setup_py_scripts(setup_text)]
    for path, command in declared:
        name = command.strip().lower()
        # pip installs ``pip`` and ``pip3``: a project's own name (less a version) is its own.
        if name in COMMON_COMMANDS and normalise(re.sub(r"[\d.]+$", "", name)) != own:
            found.append(
                PackageFinding(
                    "command-shadowing",
                    path,
                    0,
                    Severity.HIGH,
                    f"installs a command named {name!r}: it replaces the one users mean to run",
                )
            )
    depth = 1 if sdist else 0
    named = _sdist_scripts(members, setup_text, config) if sdist else frozenset()
    roots = sdist and _names_package_roots(members, setup_text, pyproject)
    for member in members:
        base = member.name.rsplit("/", 1)[-1]
        if base in STARTUP_MODULES and (
            member.name.count("/") <= depth + int(sdist) or (not sdist and _site_root(member.name))
        ):
            side = sdist and not roots and SIDE_CODE.search(member.name) is not None
            found.append(
                PackageFinding(
                    "startup-module",
                    member.name,
                    0,
                    Severity.MEDIUM if side else Severity.HIGH,
                    f"ships {base}: Python runs it at every start, for every program"
                    + (f" {LIGHTER}" if side else ""),
                )
            )
        elif member.data is not None and (
            base.lower().endswith(SCRIPT_SUFFIXES)
            or (not sdist and command_file(member.name))
            or (sdist and base in BUILD_FILE_BACKENDS and member.name.count("/") == depth)
            or (sdist and base in MAKEFILES)
            or member.name in named
        ):
            match = SCRIPT_DROPPER.search(member.data[:200_000].decode("utf-8", "replace"))
            # A wheel installs the script; an sdist's build and CI scripts (autogen.sh
            # fetching config.guess) weigh only when setup.py names the script, and a root
            # CMakeLists.txt or meson.build when the build backend runs it (ADR 0076).
            built = sdist and member.name.count("/") == depth and runs_build_file(config, base)
            made = base in MAKEFILES and MAKE_RUN.search(setup_text) is not None
            runs = not sdist or base in setup_text or built or made or member.name in named
            # The build backend runs its root build file's commands when pip builds the
            # sdist: a download-and-run there is run on install (probe 17).
            weight = Severity.CRITICAL if built else Severity.HIGH if runs else Severity.MEDIUM
            if match:
                found.append(
                    PackageFinding(
                        "script-dropper",
                        member.name,
                        0,
                        weight,
                        "script downloads and runs code (or hands a shell to a host): "
                        f"{match.group()[:100]!r}",
                    )
                )
    return found


def _sdist_scripts(
    members: list[Member], setup_text: str, config: dict[str, Any]
) -> frozenset[str]:
    """Members an sdist installs as commands whatever their suffix (probe 19: a shell
    ``bin/evcmd`` was not read): a path ``setup.py`` quotes (``scripts=['bin/evcmd']``), or
    one ``[tool.setuptools] script-files`` or ``setup.cfg``'s ``scripts`` lists."""
    tool = (
        config.get("tool", {}).get("setuptools", {}) if isinstance(config.get("tool"), dict) else {}
    )
    listed = tool.get("script-files", []) if isinstance(tool, dict) else []
    files = {str(f).strip("./") for f in listed} if isinstance(listed, list) else set()
    cfg = _root(members, "setup.cfg", True)
    cfg_text = cfg.data.decode("utf-8", "replace") if cfg is not None and cfg.data else ""
    out = set()
    for member in members:
        relative = member.name.partition("/")[2]
        if not relative or member.data is None or not member.data.startswith(b"#!"):
            continue
        quoted = f"'{relative}'" in setup_text or f'"{relative}"' in setup_text
        in_cfg = "scripts" in cfg_text and relative in cfg_text
        if quoted or relative in files or in_cfg:
            out.add(member.name)
    return frozenset(out)


# A download piped into a shell or an evaluator, or PowerShell run encoded or hidden; and
# (probe 19) a download saved to a file that the same line then runs, PowerShell's
# ``IEX (New-Object Net.WebClient).DownloadString(…)``, Windows' download tools
# (``certutil -urlcache``, ``bitsadmin /transfer``), a VBScript fetching over XMLHTTP and
# running, decoded base64 piped to an interpreter, and a shell handed to a host by
# ``/dev/tcp``. A download on one line run from the next is not read: install scripts
# fetching a known installer do that.
SCRIPT_DROPPER = LazyPattern(
    r"\b(?:curl|wget)\b[^\n|;&]{0,300}\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b|"
    r"-e(?:nc|ncodedcommand)\s+[A-Za-z0-9+/=]{20,}|powershell[^\n]{0,80}-w(?:indowstyle)?\s+hidden|"
    r"\b(?:iwr|invoke-webrequest|irm|invoke-restmethod)\b[^\n]{0,300}\|\s*(?:iex|invoke-expression)\b|"
    r"\b(?:curl|wget)\b[^\n]{0,300}?\s-(?:o|O|-output|-output-document)[ \t=]*"
    r"(?P<saved>[^\s;&|'\"]+)[^\n]{0,300}?(?:&&|;)\s*(?:sudo\s+)?(?:(?:ba|z|da)?sh\s+|\.\s+|source\s+)?(?P=saved)(?=[\s;&|]|$)|"
    r"\b(?:iex|invoke-expression)\b[^\n]{0,200}\.download(?:string|data)\s*\(|"
    r"\.downloadstring\s*\([^\n]{0,300}\|\s*(?:iex|invoke-expression)\b|"
    r"\b(?:iex|invoke-expression)\s*\(?\s*(?:iwr|irm|invoke-webrequest|invoke-restmethod)\b|"
    r"\bcertutil(?:\.exe)?\b[^\n]{0,60}[-/]urlcache\b|\bbitsadmin(?:\.exe)?\b[^\n]{0,60}/transfer\b|"
    r"(?:msxml2\.(?:server)?xmlhttp|microsoft\.xmlhttp|winhttp\.winhttprequest)[\s\S]{0,3000}?"
    r"\bwscript\.shell\b[\s\S]{0,1000}?\.(?:run|exec)\b|"
    r"\bbase64\s+(?:-d|--decode|-D)\b[^\n|]{0,100}\|\s*(?:sudo\s+)?(?:(?:ba|z|da)?sh|python[\d.]*|perl)\b|"
    r"\b(?:ba)?sh\s+-i\b[^\n]{0,80}/dev/tcp/|/dev/tcp/[^\s/]+/\d+[^\n]{0,40}0>&1",
    re.IGNORECASE,
)

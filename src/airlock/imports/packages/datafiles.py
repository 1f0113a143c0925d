"""Files a package installs outside its own folders where something else runs or trusts
them (probe 19, ADR 0111).

Pure. A wheel's ``NAME.data/data/PATH`` is installed at ``{prefix}/PATH`` and
``NAME.data/scripts/FILE`` at ``{prefix}/bin/FILE``; an sdist's ``data_files`` become the
former when pip builds it. The prefix is the virtual environment, ``~/.local`` for a user
install, ``/usr/local`` for ``sudo pip`` and for the Python of the official container
images. Some paths under it are read by something that runs code or trusts a file,
with no Python import at all:

* systemd units and generators, udev rules, cron tables, init scripts, shell profiles,
  sudoers, PAM, the dynamic loader's preload and paths, SSH, APT and yum configuration,
  XDG autostart entries (``/usr/local/lib/systemd/system-generators`` runs at boot);
* ``{prefix}/pip.conf`` (``pip.ini``): pip's configuration for that environment, so an
  index URL there sends every later install to another index; ``.condarc`` likewise;
* ``{prefix}/bin/activate*``: the environment's activation scripts, run by the shell;
* ``{prefix}/lib/python3.X/`` (``Lib/``): the standard library of a Python installed at the
  prefix (``/usr/local`` in the container images) or site-packages reached around the
  wheel's ``purelib`` and its checks;
* ``pyvenv.cfg``, which says where the environment's Python and packages come from.

Each holds (``system-hook-file``), with the path, for a person to read. Real packages put
data under ``share/`` (manual pages, Jupyter's kernels and extensions, icons),
``etc/jupyter/`` and ``include/``: none of those is matched.

An sdist's ``data_files`` are read from a literal ``data_files=[(folder, [files])]`` of
``setup.py`` (a name bound to a list at the top level stands for it), ``[options.data_files]``
of ``setup.cfg`` and ``[tool.setuptools.data-files]`` of ``pyproject.toml``; a leading ``/``
(legacy ``setup.py install`` honoured it) is read as the prefix.

A folder built at run time from the home folder or an environment variable
(``os.path.expanduser('~')``) is read by :mod:`datafolder` (ADR 0171).

What it deliberately does not do: read other folders built at run time, or the files'
content (a shipped script run from one of these places is read by the script rules, a
``.pth`` by its own).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from airlock.imports.packages import datafolder
from airlock.imports.packages.archive import Member
from airlock.imports.packages.declared import keyword_literals
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.pyproject import pyproject_table
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.setupcfg import setup_cfg

WHEEL_DATA = LazyPattern(r"[^/]+\.data/(?P<scheme>data|scripts)/(?P<path>.+)")
HOOKED = LazyPattern(
    r"(?:lib|etc|share)/systemd/|(?:lib|etc)/udev/|"
    r"etc/(?:cron|anacrontab|init\.d/|init/|rc\.local|rc\d?\.d/|profile|bash\.bashrc|bashrc|"
    r"zsh/|zshenv|zshrc|environment|sudoers|ld\.so\.|pam\.d/|security/|ssh/|apt/|yum\.repos\.d/|"
    r"dnf/|xdg/autostart/|systemd/)|"
    r"pip\.(?:conf|ini)$|\.condarc$|pyvenv\.cfg$|"
    r"(?:bin|scripts)/(?:activate(?:\.bat|\.ps1|\.fish|\.csh|\.nu|\.xsh|_this\.py)?|deactivate\.bat)$|"
    r"lib/python\d(?:\.\d+)?t?/|lib/site-packages/",
    re.IGNORECASE,
)
# Prefix-like folders a declared path may start with (``/usr/lib/systemd`` is
# ``lib/systemd`` under a ``/usr`` prefix).
LEADING = LazyPattern(r"^(?:\.?/)*(?:usr/(?:local/)?)?")


def data_file_findings(
    members: list[Member], setup: str, tree: ast.Module | None, declaring: dict[str, str]
) -> list[PackageFinding]:
    """``system-hook-file`` (high) for each installed path under one of the places above."""
    found = []
    for member in members:
        match = WHEEL_DATA.fullmatch(member.name)
        if match:
            where = match.group("path")
            where = f"bin/{where}" if match.group("scheme") == "scripts" else where
            found += _judged(member.name, where)
    for folder, files in _declared(setup, tree, declaring):
        # Each file lands at ``folder/basename`` (``('.', ['pip.conf'])`` is ``pip.conf``).
        places = [
            f"{folder.rstrip('/')}/{f.replace(chr(92), '/').rsplit('/', 1)[-1]}" for f in files
        ]
        for where in places or [f"{folder.rstrip('/')}/"]:
            judged = _judged("data_files", where)
            found += judged
            if judged:
                break
    if tree is not None and "data_files" in setup:
        found += [
            PackageFinding(
                "system-hook-file",
                "data_files",
                0,
                Severity.HIGH,
                f"installs {place[:120]!r}, in a folder setup.py builds from the home folder or "
                "an environment variable, where a shell, the desktop or pip runs or trusts it",
            )
            for place in datafolder.places(tree)  # ``(os.path.expanduser('~'), ...)``, 0171
        ]
    return found


def _judged(path: str, where: str) -> list[PackageFinding]:
    where_posix = where.replace("\\", "/")
    leading = LEADING.match(where_posix)
    relative = where_posix[leading.end() :] if leading else where_posix
    if HOOKED.match(relative) is None:
        return []
    return [
        PackageFinding(
            "system-hook-file",
            path,
            0,
            Severity.HIGH,
            f"installs {where[:120]!r} under the environment's prefix, where the system, the "
            "shell or pip reads or runs it without importing anything",
        )
    ]


def _declared(
    setup: str, tree: ast.Module | None, declaring: dict[str, str]
) -> list[tuple[str, list[str]]]:
    """(folder, files) an sdist's ``data_files`` name (see the module docstring)."""
    pairs: list[tuple[str, list[str]]] = []
    if tree is not None and "data_files" in setup:
        for _, value in keyword_literals(tree, ("data_files",)):
            for pair in value if isinstance(value, (list, tuple)) else ():
                if isinstance(pair, (list, tuple)) and len(pair) == 2:
                    pairs.append((str(pair[0]), _names(pair[1])))
    cfg = declaring.get("setup.cfg", "")
    if "data_files" in cfg:
        pairs += _cfg_pairs(cfg)
    toml = declaring.get("pyproject.toml", "")
    if "data-files" in toml:
        tool = (pyproject_table(toml) or {}).get("tool", {})
        setuptools = tool.get("setuptools", {}) if isinstance(tool, dict) else {}
        table = setuptools.get("data-files", {}) if isinstance(setuptools, dict) else {}
        pairs += [(str(k), _names(v)) for k, v in table.items()] if isinstance(table, dict) else []
    return pairs[:400]


def _names(files: Any) -> list[str]:
    listed = files if isinstance(files, (list, tuple)) else [files]
    return [f for f in listed[:400] if isinstance(f, str)]


def _cfg_pairs(text: str) -> list[tuple[str, list[str]]]:
    """``[options.data_files]`` of setup.cfg (folder names lower-cased by the parser: the
    places above are matched in any case)."""
    parser = setup_cfg(text)
    if parser is None or not parser.has_section("options.data_files"):
        return []
    section = parser["options.data_files"]
    return [(k, re.split(r"[,\s]+", v.strip())) for k, v in section.items()]

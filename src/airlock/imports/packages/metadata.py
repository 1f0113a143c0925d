"""What a package's name, metadata and declaring files say: its claimed project, declared
and build dependencies, look-alike imports it declares, an empty package, and the
wheel's RECORD and shipped bytecode checked against its files."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from typing import TYPE_CHECKING

from airlock.imports.packages.affixed import supplied
from airlock.imports.packages.archive import Member
from airlock.imports.packages.depends import MAX_NAMES, declared_names, dependency_findings
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.native import (
    is_native,
)
from airlock.imports.packages.pyproject import pyproject_table
from airlock.imports.packages.rules import (
    PackageFinding,
    Severity,
)
from airlock.imports.packages.setupreqs import setup_requirements
from airlock.imports.packages.typosquat import established, normalise, typosquat_of
from airlock.imports.packages.urldeps import header_requirements, url_requirements

if TYPE_CHECKING:
    import ast

from airlock.imports.packages.moments import is_sdist, runs_setup


def own_record(filename: str, name: str) -> bool:
    """The wheel's own RECORD (``{name}-{version}.dist-info/RECORD`` at the top): a RECORD
    vendored deeper, or inside an sdist, lists another distribution's files (issue 16: an
    sdist vendoring wheels was held for every file its vendored RECORD did not list)."""
    return filename.endswith(".whl") and name.count("/") == 1 and name.endswith(".dist-info/RECORD")


def package_metadata(members: list[Member], *, sdist: bool) -> str:
    """The text of the package's own metadata: a wheel's top ``{name}-{version}.dist-info/
    METADATA`` or an sdist's ``{name}-{version}/PKG-INFO``; else the first metadata file in
    the archive (as before), else ``""``. One vendored deeper (``flit_core/vendor/tomli-1.2.3
    .dist-info/METADATA``) or a test's sample names another distribution: read first, it held
    flit_core as misnamed 'tomli' (ADR 0130)."""
    own = "/PKG-INFO" if sdist else ".dist-info/METADATA"
    found = [m for m in members if m.data and m.name.endswith((".dist-info/METADATA", "/PKG-INFO"))]
    ordered = [m for m in found if m.name.count("/") == 1 and m.name.endswith(own)] + found
    return (ordered[0].data or b"").decode("utf-8", "replace") if ordered else ""


# Files that declare what a distribution depends on.
DECLARING = {"METADATA", "PKG-INFO", "requires.txt", "setup.py", "setup.cfg", "pyproject.toml"}


LOOKALIKE_IMPORTS = ("stdlib-lookalike-import", "lookalike-import")


LOOKALIKE_NAME = LazyPattern(r"imports '(\w+)'")


REQUIRES = re.compile(r"^Requires(?:-Dist)?:.*$", re.MULTILINE)


INSTALL_REQUIRES = LazyPattern(r"install_requires\s*=\s*[\[(]([^\])]{0,20000})[\])]")


def requirement_text(path: str, text: str) -> str:
    """What a declaring file says about dependencies: the ``Requires-Dist`` headers of
    metadata (its description mentions words, not dependencies), other files whole."""
    if path.endswith(("METADATA", "PKG-INFO")):
        return "\n".join(REQUIRES.findall(text))
    return text


def declared_lookalikes(
    findings: list[PackageFinding], shipped: frozenset[str], declared: str
) -> list[PackageFinding]:
    """Drop look-alike imports of a module the archive ships or declares as a dependency
    (``ujson``-like libraries one letter from the standard library): :mod:`affixed` says
    which declarations explain one (ADR 0132)."""
    out = []
    for f in findings:
        lookalike = f.rule in LOOKALIKE_IMPORTS
        match = LOOKALIKE_NAME.search(f.explanation) if lookalike else None
        if match and (match.group(1) in shipped or supplied(match.group(1), f.rule, declared)):
            continue
        out.append(f)
    return out


SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


_ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


def not_a_package(filename: str, head: bytes) -> str | None:
    """Why ``filename`` (whose first 512 bytes are ``head``) cannot be a wheel or an sdist,
    or None when it could be. `package vet` refuses such input as a usage error instead of
    holding it like a suspicious package (issue 18: a README is not a held package)."""
    base = filename.rsplit("/", 1)[-1]
    if not base.endswith((".whl", *SDIST_SUFFIXES)):
        return (
            f"{base} is not a package: vet takes a wheel (.whl) or an sdist "
            f"({', '.join(SDIST_SUFFIXES)}), or NAME==VERSION"
        )
    if not head.startswith(_ARCHIVE_MAGIC) and head[257:262] != b"ustar":
        return f"{base} is named like a package but is not an archive (zip, tar, gzip, bz2, xz)"
    return None


def project_of_filename(filename: str) -> str:
    """The project name a package file name claims (before normalisation).

    A wheel's name part never holds a hyphen (PEP 427 escapes it), so it ends at the first one.
    An sdist is ``{name}-{version}{suffix}`` and older sdists keep hyphens in the name
    (``python-dateutil-2.8.2.tar.gz``) while the version holds none, so it ends at the last.
    """
    base = filename.rsplit("/", 1)[-1]
    if base.endswith(".whl"):
        return base.split("-", maxsplit=1)[0]
    for suffix in SDIST_SUFFIXES:
        if base.endswith(suffix):
            return base[: -len(suffix)].rsplit("-", maxsplit=1)[0]
    return base.split("-", maxsplit=1)[0]


def bytecode_findings(members: list[Member]) -> list[PackageFinding]:
    """Compiled bytecode shipped in place of source cannot be read: it holds; a ``.pyc``
    that is not bytecode at all (no ``\\r\\n`` after the magic number) is a payload in
    disguise and denies (issue 16: an encrypted blob in ``__pycache__``)."""
    sources = {m.name.removesuffix(".py"): m.data for m in members if m.name.endswith(".py")}
    found = []
    for member in members:
        if not member.name.endswith(".pyc") or member.data is None:
            continue
        folder, _, base = member.name.rpartition("/")
        stem = base.split(".", 1)[0]
        parent = folder.removesuffix("__pycache__").rstrip("/")
        if member.data[2:4] != b"\r\n":
            found.append(
                PackageFinding(
                    "disguised-bytecode",
                    member.name,
                    0,
                    Severity.CRITICAL,
                    "named as Python bytecode but is not bytecode: an opaque payload",
                )
            )
        elif f"{parent}/{stem}".lstrip("/") not in sources:
            found.append(
                PackageFinding(
                    "orphan-bytecode",
                    member.name,
                    0,
                    Severity.HIGH,
                    "compiled bytecode without its source: nobody can read what it does",
                )
            )
        elif int.from_bytes(member.data[4:8], "little") & PYC_FLAGS == PYC_UNCHECKED:
            # PEP 552: an unchecked hash-based .pyc is loaded whatever its source says, so
            # the vetted source is not what runs (an installer that does not recompile, uv by
            # default, keeps it; ADR 0057).
            found.append(
                PackageFinding(
                    "unchecked-bytecode",
                    member.name,
                    0,
                    Severity.HIGH,
                    "bytecode Python runs in place of its source without checking it",
                )
            )
        elif folder.endswith("__pycache__") and _checked_against(
            member.data, sources[f"{parent}/{stem}".lstrip("/")]
        ):
            # A checked hash-based .pyc holding its source's hash is loaded in place of the
            # source, whatever code it holds (probe 19: a benign module's hash over a
            # downloader's bytecode); only an installer that compiles again (pip) replaces
            # it. Its code is not read (``marshal`` is not safe on hostile bytes).
            found.append(
                PackageFinding(
                    "bytecode-in-place",
                    member.name,
                    0,
                    Severity.HIGH,
                    "bytecode Python runs in place of its source (it holds the source's hash): "
                    "the code that runs is not the source that was read",
                )
            )
    return found


PYC_CHECKED = 0b11


def _checked_against(pyc: bytes, source: bytes | None) -> bool:
    """Whether ``pyc`` is a checked hash-based .pyc (PEP 552) whose hash is ``source``'s, for
    the Python its magic number names: the one that Python loads instead of the source."""
    if source is None or len(pyc) < 16 or int.from_bytes(pyc[4:8], "little") != PYC_CHECKED:
        return False
    import _imp  # noqa: PLC0415 -- the keyed hash importlib checks with; only for such a .pyc

    return _imp.source_hash(int.from_bytes(pyc[:4], "little"), source) == pyc[8:16]


PYC_FLAGS = 0b11  # PEP 552: bit 0 hash-based, bit 1 check the source


PYC_UNCHECKED = 0b01


# Sources a build compiles into the package: code of its own in another language.
COMPILED_SOURCES = (".pyx", ".pxd", ".pxi", ".c", ".cc", ".cpp", ".cxx", ".rs")


def empty_package(filename: str, members: list[Member], metadata: str) -> list[PackageFinding]:
    """A package with no code of its own squats a name (issue 16: "dummy" packages), unless
    it is the meta-package of a family released together (:func:`family_release`). One
    whose name is among the most downloaded projects (``data/established.txt``) is its
    owner's placeholder (``asyncio``'s deprecated backport, ``bs4`` pointing at
    ``beautifulsoup4``): reported, not held (ADR 0133)."""
    if not members or family_release(metadata):
        return []
    code = [
        m.name
        for m in members
        if (m.name.endswith((".py", ".pyw")) and m.name.rsplit("/", 1)[-1] != "setup.py")
        or is_native(m.name)
        or m.name.endswith(COMPILED_SOURCES)
    ]
    if code or any(stub_declares(m) for m in members):
        return []
    owned = normalise(metadata_header(metadata, "Name")) in established()
    return [
        PackageFinding(
            "empty-package",
            filename,
            0,
            Severity.MEDIUM if owned else Severity.HIGH,
            "package ships no code of its own: "
            + (
                "a placeholder under a name among the most downloaded projects"
                if owned
                else "a placeholder squatting the name"
            ),
        )
    ]


# ``Requires-Dist: name[extras]==version`` with no environment marker.
PINNED_REQUIREMENT = re.compile(
    r"^Requires-Dist:[ \t]*([A-Za-z0-9][A-Za-z0-9._-]{0,200})[ \t]*(?:\[[^\]\n]{0,2000}\])?"
    r"[ \t]*\(?[ \t]*===?[ \t]*([A-Za-z0-9.+!_-]{1,100})[ \t]*\)?[ \t]*$",
    re.MULTILINE,
)


def family_release(metadata: str) -> bool:
    """Whether the package's own metadata makes it the meta-package of a family released
    together: it requires, on every platform and without an extra, a project named after
    itself (``pydantic-ai`` -> ``pydantic-ai-slim``, ``griffe`` -> ``griffelib``) pinned to
    its own version. Such a package ships no code on purpose; its code is the family's, vetted
    when it is fetched. A squat names nothing or a project of any name, at any version; one
    copying this shape still squats only its own family's name, which the typosquat check
    judges."""
    own = normalise(metadata_header(metadata, "Name"))
    version = metadata_header(metadata, "Version")
    if not own or not version:
        return False
    return any(
        normalise(required).startswith(own) and normalise(required) != own and pinned == version
        for required, pinned in PINNED_REQUIREMENT.findall(metadata[:200_000])
    )


STUB_DECLARATIONS = (
    "FunctionDef",
    "AsyncFunctionDef",
    "ClassDef",
    "AnnAssign",
    "Assign",
    "TypeAlias",
)


def stub_declares(member: Member) -> bool:
    """A type stub of a stub-only package (PEP 561: ``.pyi`` files under ``{name}-stubs/``,
    typeshed's ``types-*``) that declares something: a function, a class, a variable or an
    alias. Python never imports a ``.pyi``, so such a package runs nothing and is not a
    placeholder; a stub outside a ``-stubs`` folder, or stubs declaring nothing (empty,
    ``...``, only imports), still are (ADR 0130)."""
    folders = member.name.split("/")[:-1]
    if not member.name.endswith(".pyi") or not member.data:
        return False
    if not any(f.endswith("-stubs") and len(f) > len("-stubs") for f in folders):
        return False
    import ast  # noqa: PLC0415 -- only a stub-only package reaches here

    try:
        tree = ast.parse(member.data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(type(node).__name__ in STUB_DECLARATIONS for node in ast.walk(tree))


def metadata_header(metadata: str, key: str) -> str:
    match = re.search(rf"^{key}:\s*(.+)$", metadata, re.MULTILINE)
    return match.group(1).strip() if match else ""


def metadata_findings(filename: str, name: str, metadata: str) -> list[PackageFinding]:
    found = []
    imitated = typosquat_of(name)
    if imitated:
        found.append(
            PackageFinding(
                "typosquat",
                filename,
                0,
                Severity.HIGH,
                f"name {name!r} imitates the popular {imitated!r}",
            )
        )
    if metadata and not metadata_header(metadata, "Summary"):
        found.append(
            PackageFinding("empty-summary", filename, 0, Severity.LOW, "metadata has no summary")
        )
    if metadata and normalise(project_of_filename(filename)) != normalise(name):
        found.append(
            PackageFinding(
                "name-mismatch",
                filename,
                0,
                Severity.HIGH,
                f"file name does not match the metadata name {name!r}",
            )
        )
    return found


# ``name @ https://…``: a dependency fetched from a URL, past the index and its vetting.
URL_REQUIREMENT = LazyPattern(r"^[A-Za-z0-9][\w.\-]*\s*(?:\[[^\]]*\])?\s*@\s*\S+://", re.I)


def _requirements_of(metadata: str, members: list[Member]) -> list[str]:
    """Requirement strings the package declares: metadata ``Requires-Dist`` and, in an sdist
    (whose PKG-INFO often lists none), ``requires.txt`` and a literal ``install_requires``.
    Each is read whole: bounded by its text, and the names where they are judged (a
    look-alike declared 201st was dropped here, ADR 0189)."""
    found = [line.split(":", 1)[1].strip() for line in REQUIRES.findall(metadata)]
    # The email parser pip reads metadata with takes a header in any case (probe 19).
    found += header_requirements(metadata)
    for member in members:
        base = member.name.rsplit("/", 1)[-1]
        if member.data is None or member.name.count("/") > 2:
            continue
        if base == "requires.txt":
            text = member.data.decode("utf-8", "replace").split("\n[", 1)[0]
            found += [line.strip() for line in text.splitlines() if line.strip()]
        elif base == "setup.py" and runs_setup(member.name):
            listed = INSTALL_REQUIRES.search(member.data.decode("utf-8", "replace"))
            if listed:
                found += re.findall(r"['\"]([^'\"\n]{1,200})['\"]", listed.group(1))
    return list(dict.fromkeys(found))


def declared_dependencies(
    filename: str,
    name: str,
    metadata: str,
    members: list[Member],
    *,
    setup: str,
    setup_tree: ast.Module | None,
    declaring: dict[str, str],
) -> tuple[list[str], list[str], list[PackageFinding]]:
    """The declared dependencies' names, the build requirements' names, and what they say:
    fetched from a URL, or named like a popular project (:mod:`depends`). ``setup``,
    ``setup_tree`` and ``declaring``: the sdist's ``setup.py`` as text (:func:`setup_text`)
    and as ``vet`` parsed it, for the keywords a literal list missed, and its own
    ``setup.cfg`` and ``pyproject.toml`` (:func:`declaring_files`)."""
    requirements = _requirements_of(metadata, members)
    # setup_requires, extras and lists bound to a name first (probe 19, ADR 0111).
    runtime, setup_build = setup_requirements(setup, setup_tree, declaring)
    requirements = list(dict.fromkeys(requirements + runtime))
    requires = declared_names(requirements, declaring)
    unread = len(requires) > MAX_NAMES
    requires = requires[:MAX_NAMES]
    # What the build installs and runs first is fetched as the dependencies are (ADR 0063:
    # ``[build-system] requires = ["x @ https://…"]`` was not read), and so is a look-alike
    # of a build tool (``setuptoolss``; ADR 0084). Build requirements are not the package's
    # dependencies: they are judged, not recorded among them.
    build = _build_requirements(declaring) + setup_build
    # Where else a build or pip reads a requirement that names a URL (probe 19, ADR 0111).
    urls = url_requirements(metadata, members, sdist=is_sdist(filename))
    found = _dependency_findings(filename, list(dict.fromkeys(requirements + build + urls)))
    build_names = [n for n in declared_names(build, {}) if n not in requires]
    unread = unread or len(build_names) > MAX_NAMES
    build_names = build_names[:MAX_NAMES]
    findings = found + dependency_findings(filename, name, [*requires, *build_names])
    if unread:
        findings.append(_unread_names(filename))
    return requires, build_names, findings


def _unread_names(filename: str) -> PackageFinding:
    """The package declares more dependencies than airlock judges (ADR 0189)."""
    return PackageFinding(
        "analysis-budget",
        filename,
        0,
        Severity.HIGH,
        f"declares more than {MAX_NAMES} dependencies: those past them were not judged",
    )


def setup_text(members: list[Member]) -> str:
    """The text of the sdist's own ``setup.py``, or ``""``."""
    for member in members:
        if member.data is not None and runs_setup(member.name):
            return member.data.decode("utf-8", "replace")
    return ""


def _build_requirements(declaring: dict[str, str]) -> list[str]:
    """``[build-system] requires`` of the archive's own ``pyproject.toml``."""
    text = declaring.get("pyproject.toml", "")
    # A quoted key may spell it with escapes ("req\\u0075ires" is ``requires`` to every
    # TOML reader), so only a text with neither the word nor a backslash is skipped unread.
    if "requires" not in text and "\\" not in text:
        return []
    table = pyproject_table(text)
    if table is None:
        return []
    system = table.get("build-system", {})
    listed = system.get("requires", []) if isinstance(system, dict) else []
    return [str(r) for r in listed[:200]] if isinstance(listed, list) else []


def declaring_files(members: list[Member]) -> dict[str, str]:
    """The text of the archive's own ``setup.cfg`` and ``pyproject.toml`` (at its root)."""
    files = {}
    for member in members:
        base = member.name.rsplit("/", 1)[-1]
        own = member.name.count("/") <= 1 and base not in files
        if base in ("setup.cfg", "pyproject.toml") and member.data is not None and own:
            files[base] = member.data.decode("utf-8", "replace")
    return files


def _dependency_findings(filename: str, requirements: list[str]) -> list[PackageFinding]:
    """Declared dependencies fetched from a URL, past the index and its vetting (issue 16:
    malicious dependencies declared but not shipped). Look-alike names are not judged here:
    real dependencies sit one letter from popular ones (``cchardet``, ``pymssql``)."""
    found = []
    for value in requirements:
        if URL_REQUIREMENT.match(value):
            found.append(
                PackageFinding(
                    "url-dependency",
                    filename,
                    0,
                    Severity.HIGH,
                    f"depends on a package fetched from a URL, not the index: {value[:120]}",
                )
            )
    return found


def record_findings(
    record: str, members: list[Member], digests: dict[str, bytes]
) -> list[PackageFinding]:
    import csv  # noqa: PLC0415 -- only a wheel has a RECORD (issue 16: sdists start faster)

    listed: dict[str, str] = {}
    for row in csv.reader(io.StringIO(record)):
        if row and len(row) >= 2 and row[1]:
            listed[row[0]] = row[1]
    found = []
    for member in members:
        if member.data is None or member.name.endswith(".dist-info/RECORD"):
            continue
        expected = listed.get(member.name)
        if expected is None:
            found.append(
                PackageFinding(
                    "record-incomplete",
                    member.name,
                    0,
                    Severity.HIGH,
                    "file is not listed in RECORD",
                )
            )
            continue
        actual = (
            "sha256="
            + base64.urlsafe_b64encode(
                digests.get(member.name) or hashlib.sha256(member.as_shipped or b"").digest()
            )
            .rstrip(b"=")
            .decode()
        )
        if actual != expected:
            found.append(
                PackageFinding(
                    "record-mismatch",
                    member.name,
                    0,
                    Severity.CRITICAL,
                    "file content does not match its RECORD hash",
                )
            )
    return found

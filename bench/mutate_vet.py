"""Metamorphic robustness of package vetting: known malware rewritten so it means the same.

A patient attacker who knows airlock takes a payload it denies and rewrites it with the
transformations of ``bench/mutations.py`` (renamed names, strings split or encoded, module
code moved into a function or a class, imports through ``importlib``/``__import__``,
attributes through ``getattr``, ``try/except: pass``, the payload moved into a second
module or into a data file the module runs, ``subprocess`` swapped for ``os.system``/
``os.popen``, dead benign code around it; ADR 0149 adds strings reversed, as byte lists,
rot13 or XOR-ed, the module packed or marshalled and run by ``exec``, and calls through a
lambda alias or ``functools.partial``).
For each file of the malicious corpus's *calibration* half (the held-out half is never
read here), every ``.py`` member is parsed with ``ast`` (never compiled for running, never
imported or run), one mutation at a time is applied to all of them, the archive is packed
again in memory in the same format (a wheel's RECORD updated) and vetted. Printed per
mutation: the files it applied to, and those whose verdict dropped (deny -> hold, deny or
hold -> allow), beside the unmutated verdicts measured in the same run.

The same mutations run on the first ``--popular`` files of the popular corpus's calibration
half (bench_vet's cache, never fetched here): a mutation that alone makes a benign package
held measures a false hold the rewrite causes, not robustness.

    python bench/mutate_vet.py [--sample 60] [--popular 20] [--only rename,str_b64]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from bench.bench_vet import SAMPLES, Item, halves, malicious_items, popular_items
from bench.mutations import MUTATIONS, Mutation

RANK = {Outcome.ALLOW: 0, Outcome.HOLD: 1, Outcome.DENY: 2}
MAX_SOURCE = 1024 * 1024  # larger modules are vendored data, not a payload; left as they are
SECOND = "second_module"  # the archive-level mutation: the payload moved into another module
DATA_FILE = "data_file"  # ... or into a data file of the package that the module runs
DATA_NAME = "data.txt"
DATA_RUNNER = (
    "import os\n"
    "with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), {name!r})) as _f:\n"
    "    exec(compile(_f.read(), __file__, 'exec'))\n"
)
ARCHIVE_LEVEL = (SECOND, DATA_FILE)


def _py3(text: str) -> bool:
    try:
        compile(text, "<mutated>", "exec", dont_inherit=True)  # compiled, never run
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _rewrite(members: dict[str, bytes], mutate: Mutation) -> dict[str, bytes] | None:
    """Each ``.py`` member rewritten; None when the mutation applied to none of them."""
    out = dict(members)
    changed = False
    for name, data in members.items():
        if not name.endswith(".py") or len(data) > MAX_SOURCE:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        new = mutate(text)
        if new is not None and new != text and _py3(new):
            out[name] = new.encode("utf-8", "surrogatepass")
            changed = True
    return out if changed else None


def _second_module(members: dict[str, bytes]) -> dict[str, bytes] | None:
    """``__init__.py`` and ``setup.py`` moved into a sibling module they import."""
    out = dict(members)
    changed = False
    for name, data in members.items():
        folder, _, base = name.rpartition("/")
        prefix = f"{folder}/" if folder else ""
        if base == "__init__.py" and data.strip():
            out[f"{prefix}_impl.py"] = data
            out[name] = b"from ._impl import *\nfrom . import _impl\n"
            changed = True
        elif base == "setup.py" and name.count("/") <= 1:
            out[f"{prefix}_setup_impl.py"] = data
            out[name] = (
                b"import os, sys\nsys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))\n"
                b"import _setup_impl\n"
            )
            changed = True
    return out if changed else None


def _data_file(members: dict[str, bytes]) -> dict[str, bytes] | None:
    """``__init__.py`` and ``setup.py`` moved into a text file beside them, which the module
    left in their place reads and runs with ``exec``."""
    out = dict(members)
    changed = False
    for name, data in members.items():
        folder, _, base = name.rpartition("/")
        prefix = f"{folder}/" if folder else ""
        top = base == "setup.py" and name.count("/") <= 1
        if not ((base == "__init__.py" and data.strip()) or top):
            continue
        if f"{prefix}{DATA_NAME}" in members or f"{prefix}{DATA_NAME}" in out:
            continue
        out[f"{prefix}{DATA_NAME}"] = data
        out[name] = DATA_RUNNER.format(name=DATA_NAME).encode()
        changed = True
    return out if changed else None


ARCHIVE_MUTATIONS = {SECOND: _second_module, DATA_FILE: _data_file}


def _record(members: dict[str, bytes], before: dict[str, bytes]) -> dict[str, bytes]:
    """A wheel's RECORD rewritten for members that changed or were added."""
    for name, record in members.items():
        if not name.endswith(".dist-info/RECORD"):
            continue
        rows = {}
        for line in record.decode("utf-8", "replace").splitlines():
            if line.strip():
                rows[line.rsplit(",", 2)[0]] = line
        for member, data in members.items():
            if member == name or before.get(member) == data:
                continue
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            rows[member] = f"{member},sha256={digest.decode()},{len(data)}"
        return {**members, name: ("\n".join(rows.values()) + "\n").encode()}
    return members


@dataclass(frozen=True, slots=True)
class Packed:
    kind: str  # zip | tar mode ("w:gz", "w:bz2", "w:xz", "w")
    members: dict[str, bytes]
    infos: dict[str, zipfile.ZipInfo | tarfile.TarInfo]


def unpack(data: bytes) -> Packed | None:
    """Regular members read into memory (never extracted); None for other formats."""
    stream = io.BytesIO(data)
    members: dict[str, bytes] = {}
    infos: dict[str, zipfile.ZipInfo | tarfile.TarInfo] = {}
    try:
        if data.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(stream) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        members[info.filename] = archive.read(info)
                        infos[info.filename] = info
            return Packed("zip", members, infos)
        mode = {b"\x1f\x8b": "w:gz", b"BZ": "w:bz2", b"\xfd7": "w:xz"}.get(data[:2], "w")
        with tarfile.open(fileobj=stream) as archive:
            for tinfo in archive.getmembers():
                handle = archive.extractfile(tinfo) if tinfo.isfile() else None
                if handle is not None:  # read as bytes only
                    members[tinfo.name] = handle.read()
                    infos[tinfo.name] = tinfo
        return Packed(mode, members, infos)
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError):
        return None


def pack(packed: Packed, members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    if packed.kind == "zip":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                info = packed.infos.get(name)
                archive.writestr(
                    zipfile.ZipInfo(name, info.date_time)
                    if isinstance(info, zipfile.ZipInfo)
                    else name,
                    data,
                )
        return out.getvalue()
    with tarfile.open(fileobj=out, mode=packed.kind) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            old = packed.infos.get(name)
            info = tarfile.TarInfo(name)
            if isinstance(old, tarfile.TarInfo):
                info.mtime, info.mode = old.mtime, old.mode
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def variants(data: bytes, names: list[str]) -> dict[str, bytes | None]:
    """The repacked unmutated archive (``repack``) and each mutation's archive (None: it
    did not apply)."""
    packed = unpack(data)
    if packed is None:
        return dict.fromkeys(["repack", *names])
    out: dict[str, bytes | None] = {"repack": pack(packed, packed.members)}
    for name in names:
        rewritten = (
            ARCHIVE_MUTATIONS[name](packed.members)
            if name in ARCHIVE_MUTATIONS
            else _rewrite(packed.members, MUTATIONS[name])
        )
        out[name] = None if rewritten is None else pack(packed, _record(rewritten, packed.members))
    return out


@dataclass
class Row:
    corpus: str
    filename: str
    original: Outcome
    mutated: dict[str, Outcome | None]


def run(items: list[Item], names: list[str], progress: bool) -> list[Row]:
    rows = []
    for item in items:
        start = time.perf_counter()
        original = vet(item.filename, item.data).verdict
        mutated: dict[str, Outcome | None] = {}
        for name, blob in variants(item.data, names).items():
            mutated[name] = None if blob is None else vet(item.filename, blob).verdict
        rows.append(Row(item.corpus, item.filename, original, mutated))
        if progress:
            drops = [n for n, v in mutated.items() if v is not None and RANK[v] < RANK[original]]
            print(
                f"  .. {item.filename} {original.value} {time.perf_counter() - start:.1f}s"
                f" drops: {drops}",
                flush=True,
            )
    return rows


def pct(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "   n/a"


def report(rows: list[Row], names: list[str], corpus: str, shown: Callable[[Row], str]) -> None:
    got = [r for r in rows if r.corpus == corpus]
    if not got:
        return
    n = len(got)
    deny = sum(r.original is Outcome.DENY for r in got)
    hold = sum(r.original is Outcome.HOLD for r in got)
    print(
        f"\n{corpus} calibration, {n} files; unmutated: deny {deny} ({pct(deny, n)}), hold"
        f" {hold} ({pct(hold, n)}), allow {n - deny - hold} ({pct(n - deny - hold, n)})"
    )
    print(
        f"{'mutation':18} {'applied':>7} {'d->h':>5} {'->allow':>7} {'dropped':>7} {'%appl':>7}"
        f" {'raised':>6} {'deny':>5} {'hold':>5} {'allow':>5}"
    )
    for name in ["repack", *names]:
        applied = [r for r in got if r.mutated.get(name) is not None]
        d_h = [r for r in applied if r.original is Outcome.DENY and r.mutated[name] is Outcome.HOLD]
        to_allow = [
            r
            for r in applied
            if r.original is not Outcome.ALLOW and r.mutated[name] is Outcome.ALLOW
        ]
        raised = [r for r in applied if RANK[r.mutated[name] or r.original] > RANK[r.original]]
        after = [r.mutated[name] or r.original for r in got]  # not applied: as it was
        dropped = len(d_h) + len(to_allow)
        print(
            f"{name:18} {len(applied):7} {len(d_h):5} {len(to_allow):7} {dropped:7}"
            f" {pct(dropped, len(applied))} {len(raised):6}"
            f" {sum(v is Outcome.DENY for v in after):5} {sum(v is Outcome.HOLD for v in after):5}"
            f" {sum(v is Outcome.ALLOW for v in after):5}"
        )
    for name in ["repack", *names]:
        for r in got:
            v = r.mutated.get(name)
            if v is not None and v is not r.original:
                print(f"   {name}: {shown(r)} {r.original.value} -> {v.value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/airlock-bench-vet")
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    parser.add_argument("--sample", type=int, default=0, help="first N malicious calibration files")
    parser.add_argument("--skip", type=int, default=0, help="skip the first N of them")
    parser.add_argument("--popular", type=int, default=20, help="first N popular calibration files")
    parser.add_argument("--only", help="comma-separated mutations (default: all)")
    parser.add_argument("--json", type=Path, help="per-file verdicts here")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else [*MUTATIONS, *ARCHIVE_LEVEL]

    malicious = malicious_items(args.samples)
    split = halves([i.project for i in malicious])
    items = [i for i in malicious if split[i.project] == "calibration"]  # held-out: never read
    items = items[args.skip :][: args.sample or None]
    if args.popular:
        popular = popular_items(args.cache, fetch=False)
        half = halves([i.project for i in popular])
        items += [i for i in popular if half[i.project] == "calibration"][: args.popular]
    start = time.perf_counter()
    rows = run(items, names, args.progress)
    print(f"{len(items)} files x {len(names) + 2} variants in {time.perf_counter() - start:.0f} s")

    def digest(r: Row) -> str:
        data = next(i.data for i in items if i.filename == r.filename)
        return f"{r.filename} ({hashlib.sha256(data).hexdigest()[:12]})"

    report(rows, names, "malicious", digest)
    report(rows, names, "popular", lambda r: r.filename)
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "corpus": r.corpus,
                        "file": r.filename,
                        "original": r.original.value,
                        "mutated": {k: v and v.value for k, v in r.mutated.items()},
                    }
                    for r in rows
                ],
                indent=1,
            )
        )


if __name__ == "__main__":
    main()

"""bench/mutations.py keeps a module's meaning, and bench/mutate_vet.py repacks archives as
they were (ADR 0123). The sample is an inert module written here; it is run, as the
rewrites' whole claim is that it computes the same after them."""

from __future__ import annotations

import io
import tarfile
import zipfile

import pytest

from bench.mutate_vet import pack, unpack, variants
from bench.mutations import MUTATIONS

SAMPLE = '''"""A sample."""
from __future__ import annotations
import json
import os.path
import subprocess
from base64 import b64encode

__all__ = ["RESULT"]  # an exported name: ``rename`` leaves names a string spells


class Greeter:
    prefix = "hello"

    def greet(self, name):
        return f"{self.prefix}, {name}"


def total(values, start=0):
    acc = start
    for v in values:
        acc += v
    return acc


def _never_called():
    return subprocess.run(["true"], check=False).returncode


WORDS = ["alpha", "beta", "gamma"]
RESULT = json.dumps({
    "joined": os.path.join("root", "leaf"),
    "greeting": Greeter().greet("world"),
    "sum": total([1, 2, 3], start=10),
    "encoded": b64encode("payload".encode()).decode(),
    "words": [w.upper() for w in WORDS],
})
'''


def _result(source: str) -> object:
    namespace: dict[str, object] = {"__name__": "sample"}
    exec(compile(source, "<sample>", "exec"), namespace)
    return namespace["RESULT"]


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_a_mutation_keeps_the_meaning(name: str) -> None:
    mutated = MUTATIONS[name](SAMPLE)
    assert mutated is not None
    assert _result(mutated) == _result(SAMPLE)


def test_source_that_does_not_parse_is_left_alone() -> None:
    assert all(mutate("print 'py2'\n") is None for mutate in MUTATIONS.values())


def _tar(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_an_sdist_is_repacked_with_the_same_members() -> None:
    files = {"p-1/setup.py": b"x = 1\n", "p-1/PKG-INFO": b"Name: p\n"}
    packed = unpack(_tar(files))
    assert packed is not None and packed.kind == "w:gz"
    again = unpack(pack(packed, packed.members))
    assert again is not None and again.members == files


def test_a_wheel_record_names_the_rewritten_members() -> None:
    files = {
        "p/__init__.py": b"import os\nx = os.sep\n",
        "p-1.dist-info/RECORD": b"p/__init__.py,sha256=old,20\np-1.dist-info/RECORD,,\n",
    }
    got = variants(_zip(files), ["getattr_module", "second_module", "data_file"])
    for name in ("getattr_module", "second_module", "data_file"):
        blob = got[name]
        assert blob is not None
        packed = unpack(blob)
        assert packed is not None
        record = packed.members["p-1.dist-info/RECORD"].decode()
        assert "sha256=old" not in record
        assert all(f"{member}," in record for member in packed.members)

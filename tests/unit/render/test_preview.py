"""Previews that suit the content (issue 18), from real files of each kind."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from airlock.render.preview import (
    DIFF_LINES,
    MAX_IMAGE_BYTES,
    TABLE_ROWS,
    preview_file,
    read_text,
    text_diff,
)

PNG_HEAD = b"\x89PNG\r\n\x1a\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "stored"
    path.write_bytes(data)
    return path


def test_text_is_text_and_a_cut_character_is_forgiven(tmp_path: Path) -> None:
    data = ("é" * 40_000).encode()  # the 64 KiB head ends inside a two-byte character
    shown = preview_file(write(tmp_path, "a.txt", data), "a.txt", len(data))
    assert shown.kind == "text" and shown.truncated and shown.text.startswith("éé")


def test_csv_and_tsv_become_tables(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i * 2}" for i in range(50))
    data = f"step,loss\n{rows}\n".encode()
    shown = preview_file(write(tmp_path, "l.csv", data), "L.CSV", len(data))
    assert shown.kind == "table" and shown.columns == ("step", "loss")
    assert len(shown.rows) == TABLE_ROWS and shown.rows[0] == ("0", "0")
    tsv = b"a\tb\n1\t2\n"
    assert preview_file(write(tmp_path, "t", tsv), "t.tsv", len(tsv)).rows == (("1", "2"),)


def test_parquet_becomes_a_table(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"x": list(range(30)), "name": ["n"] * 30}), buffer)
    data = buffer.getvalue()
    shown = preview_file(write(tmp_path, "t", data), "t.parquet", len(data))
    assert shown.kind == "table" and shown.columns == ("x", "name")
    assert shown.rows[:2] == (("0", "n"), ("1", "n")) and "of 30 rows" in shown.note


def test_a_zip_lists_its_members(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.txt", "x" * 10)
        archive.writestr("ok/a.bin", b"\0" * 100)
    data = buffer.getvalue()
    shown = preview_file(write(tmp_path, "z", data), "z.whl", len(data))
    assert shown.kind == "archive"
    assert [(m.name, m.size) for m in shown.members] == [("../evil.txt", 10), ("ok/a.bin", 100)]


def test_an_image_is_a_data_url_unless_too_large(tmp_path: Path) -> None:
    small = PNG_HEAD + b"rest"
    shown = preview_file(write(tmp_path, "p", small), "p.png", len(small))
    assert shown.kind == "image" and shown.image_url.startswith("data:image/png;base64,iVBOR")
    large = PNG_HEAD + os.urandom(MAX_IMAGE_BYTES)
    shown = preview_file(write(tmp_path, "p", large), "p.png", len(large))
    assert shown.kind == "binary" and shown.histogram_svg and "too large" in shown.note


@pytest.mark.parametrize(
    ("data", "low", "high"),
    [(os.urandom(200_000), 7.9, 8.0), (bytes(range(16)) * 4096 + b"\0", 3.9, 4.1)],
)
def test_opaque_bytes_get_a_histogram_and_entropy(
    tmp_path: Path, data: bytes, low: float, high: float
) -> None:
    shown = preview_file(write(tmp_path, "b", data), "b.bin", len(data))
    assert shown.kind == "binary" and low <= shown.mean_entropy <= high
    assert shown.histogram_svg.count("<rect") == 256 and "<polyline" in shown.entropy_svg
    assert shown.text.startswith(f"{data[0]:02x} {data[1]:02x}")


def test_a_bad_zip_or_parquet_falls_back_to_bytes(tmp_path: Path) -> None:
    for data in (b"PK\x03\x04" + b"\xff" * 100, b"PAR1" + b"\xff" * 100):
        shown = preview_file(write(tmp_path, "x", data), "x", len(data))
        assert shown.kind == "binary"


def test_an_empty_file(tmp_path: Path) -> None:
    assert preview_file(write(tmp_path, "e", b""), "e", 0).kind == "empty"


def test_an_svg_image_is_shown_as_text_never_as_an_image(tmp_path: Path) -> None:
    data = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    shown = preview_file(write(tmp_path, "s", data), "s.svg", len(data))
    assert shown.kind == "text" and shown.image_url == "" and "<script>" in shown.text


def test_a_text_diff_names_both_versions_and_is_bounded(tmp_path: Path) -> None:
    diff = text_diff("a\nb\nc\n", "a\nB\nc\n", "req_old", "req_new")
    assert diff.splitlines()[:2] == ["--- req_old", "+++ req_new"]
    assert "-b" in diff.splitlines() and "+B" in diff.splitlines()
    assert text_diff("same\n", "same\n", "x", "y") == ""
    old = "\n".join(str(i) for i in range(2000))
    long = text_diff(old, old.replace("1", "one"), "x", "y").splitlines()
    assert len(long) == DIFF_LINES + 1 and long[-1].endswith("more lines of changes")
    assert read_text(write(tmp_path, "b", b"\0\1")) is None

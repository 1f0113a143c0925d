"""`airlock package vet [--json] FILE...` without click (issue 16: start-up), and the same
bytes, stderr and exit code as through click."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

import airlock
from airlock.cli import echo as echo_module
from airlock.cli import package_vet, packages
from airlock.cli.main import plain_vet, run
from scripts.make_test_packages import BENIGN, MALICIOUS


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["package", "vet", "a.whl"], (["a.whl"], False)),
        (["package", "vet", "--json", "a.whl", "b.tar.gz"], (["a.whl", "b.tar.gz"], True)),
        (["package", "vet", "a.whl", "--json", "--json"], (["a.whl"], True)),
        (["package", "vet"], None),  # click's usage error
        (["package", "vet", "--json"], None),
        (["package", "vet", "--lock", "r.txt", "a.whl"], None),
        (["package", "vet", "--", "a.whl"], None),
        (["package", "vet", "-h"], None),
        (["package", "vet", "a.whl", "--json=1"], None),
        (["--home", "h", "package", "vet", "a.whl"], None),
        (["package", "admit", "a.whl"], None),
        (["status"], None),
        ([], None),
    ],
)
def test_only_the_plain_form_skips_click(
    args: list[str], expected: tuple[list[str], bool] | None
) -> None:
    assert plain_vet(args) == expected


def test_shell_completion_goes_through_click(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_AIRLOCK_COMPLETE", "bash_source")
    assert plain_vet(["package", "vet", "a.whl"]) is None


def _airlock(args: list[str], cwd: Path, *, close_stdout: bool = False) -> tuple[int, bytes, bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRLOCK_", "_AIRLOCK"))}
    env["AIRLOCK_HOME"] = str(cwd / "no-home")
    # The airlock under test, from any folder (a relative PYTHONPATH would not follow cwd).
    env["PYTHONPATH"] = str(Path(airlock.__file__).resolve().parents[1])
    command = [sys.executable, "-m", "airlock.cli.main", *args]
    if not close_stdout:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
        return done.returncode, done.stdout, done.stderr
    # A reader that is gone before anything is written (`airlock package vet F | true`).
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(
            command, cwd=cwd, env=env, stdout=writer, stderr=subprocess.PIPE, check=False
        )
    finally:
        os.close(writer)
    return done.returncode, b"", done.stderr


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plain")
    name, data = next(iter(BENIGN.items()))
    (folder / name).write_bytes(data)
    for filename, data in list(MALICIOUS.values())[:2]:
        (folder / filename).write_bytes(data)
    (folder / "notes.txt").write_text("not a package\n")
    return folder


def _cases(folder: Path) -> list[list[str]]:
    packages = sorted(p.name for p in folder.iterdir() if p.name != "notes.txt")
    return [
        [packages[0]],
        ["--json", packages[1]],
        [*packages, "--json"],
        packages,
        ["notes.txt"],  # no package: exit 2
        ["missing.whl"],  # neither a file nor NAME==VERSION
        ["missing\x1b[31m.whl"],  # an escape sequence in the message: click strips it
        ["."],  # a folder of packages
    ]


def test_the_plain_form_prints_what_click_prints(files: Path) -> None:
    # An option the files ignore (--index-url is for NAME==VERSION) sends the same command
    # through click.
    for case in _cases(files):
        plain = _airlock(["package", "vet", *case], files)
        through_click = _airlock(
            ["package", "vet", "--index-url", "http://x.invalid", *case], files
        )
        assert plain == through_click, case
    assert _airlock(["package", "vet", "notes.txt"], files)[0] == 2  # the cases differ


def test_a_closed_output_pipe_ends_as_through_click(files: Path) -> None:
    name = sorted(p.name for p in files.iterdir() if p.name.endswith(".whl"))[0]
    plain = _airlock(["package", "vet", name], files, close_stdout=True)
    through_click = _airlock(
        ["package", "vet", "--index-url", "http://x.invalid", name], files, close_stdout=True
    )
    assert plain == through_click
    assert plain[0] == 1


def _written(stream: io.TextIOWrapper) -> bytes:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue()


@pytest.mark.parametrize("text", ["plain table\nrow", "colour \x1b[31mred\x1b[0m", "", "ünïcode ✓"])
@pytest.mark.parametrize("encoding", ["utf-8", "ascii", "latin-1"])
@pytest.mark.parametrize("err", [False, True])
def test_echo_writes_the_bytes_click_echo_writes(
    monkeypatch: pytest.MonkeyPatch, text: str, encoding: str, err: bool
) -> None:
    name = "stderr" if err else "stdout"
    ours = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="replace")
    monkeypatch.setattr(sys, name, ours)
    echo_module.echo(text, err=err)
    theirs = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="replace")
    monkeypatch.setattr(sys, name, theirs)
    click.echo(text, err=err)
    assert _written(ours) == _written(theirs)


def test_echo_leaves_a_stream_click_would_replace_to_click(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A StringIO has no encoding: click writes through a wrapper of its own.
    for stream in (io.StringIO(), None):
        monkeypatch.setattr(sys, "stdout", stream)
        assert not echo_module._as_click_leaves_it(stream)
    assert echo_module._as_click_leaves_it(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))


@pytest.mark.parametrize("escaping", [EOFError, KeyboardInterrupt, ValueError])
def test_what_escapes_the_command_ends_as_through_click(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], escaping: type
) -> None:
    def fails(*args: object, **kwargs: object) -> int:
        raise escaping("stopped")

    monkeypatch.setattr(package_vet, "vet_files", fails)
    monkeypatch.setattr(packages, "vet_files", fails)
    environ = {"AIRLOCK_HOME": "/nonexistent/airlock-home"}
    plain = run(["package", "vet", "a.whl"], environ), capsys.readouterr()
    through_click = (
        run(["package", "vet", "--index-url", "http://x.invalid", "a.whl"], environ),
        capsys.readouterr(),
    )
    assert plain == through_click
    assert plain[0] == 1

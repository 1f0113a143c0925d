"""Keyed sampling (issue 15): the same bytes get the same findings on every run and worker.

The files mix weight-like and random slices inside each window, so which slices are sampled
changes what is counted: with random offsets (the engine before issue 15) the findings of
five runs differ.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from airlock.errors import ConfigError
from airlock.exports.engine import Inspector
from airlock.home import SAMPLING_KEY_FILE_NAME, load_sampling_key

KEY = b"k" * 32
SLICE = 16 * 1024


def _mixed_binary() -> bytes:
    rng = np.random.default_rng(15)
    pieces: list[bytes] = []
    for n in range(8 * 64):  # 8 windows of 64 slices, about a third of them weights
        if rng.uniform() < 0.35:
            pieces.append(rng.normal(0, 0.02, SLICE // 2).astype(np.float16).tobytes())
        else:
            pieces.append(rng.bytes(SLICE))
        del n
    return b"".join(pieces)


def _mixed_text() -> bytes:
    rng = np.random.default_rng(16)
    pieces: list[bytes] = []
    while sum(map(len, pieces)) < 3 * 1024 * 1024:
        if rng.uniform() < 0.4:
            values = rng.normal(0, 0.02, 1400)
            pieces.append(",".join(f"{v:.6f}" for v in values).encode() + b"\n")
        else:
            pieces.append(b"step=10 loss=1.2345 lr=3e-4 everything is fine here\n" * 300)
    return b"".join(pieces)


def _findings(data: bytes, key: bytes = KEY) -> list[dict[str, object]]:
    report = Inspector(sampling_key=key).inspect("f", io.BytesIO(data), len(data))
    return [f.to_json() for f in report.findings]


@pytest.mark.parametrize("make", [_mixed_binary, _mixed_text])
def test_five_runs_find_the_same(make: object) -> None:
    data = make()  # type: ignore[operator]
    runs = [_findings(data) for _ in range(5)]
    assert runs[0]  # the file is suspicious: there is something to be stable about
    assert all(run == runs[0] for run in runs)


def test_two_processes_find_the_same(tmp_path: Path) -> None:
    path = tmp_path / "mixed.bin"
    path.write_bytes(_mixed_binary())
    script = (
        "import io, json, sys\n"
        "from airlock.exports.engine import Inspector\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "r = Inspector(sampling_key=b'k' * 32).inspect('f', io.BytesIO(data), len(data))\n"
        "print(json.dumps([f.to_json() for f in r.findings]))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script, str(path)],
            capture_output=True,
            check=True,
            env=env,
            text=True,
        ).stdout
        for _ in range(2)
    ]
    assert json.loads(outputs[0]) == json.loads(outputs[1]) == _findings(path.read_bytes())


def test_the_key_changes_what_is_sampled() -> None:
    data = _mixed_binary()
    keys = [bytes([k]) * 32 for k in range(6)]
    assert len({json.dumps(_findings(data, key)) for key in keys}) > 1


def test_sampling_key_is_made_once_and_private(tmp_path: Path) -> None:
    key = load_sampling_key(tmp_path)
    assert len(key) == 32
    assert load_sampling_key(tmp_path) == key
    assert stat.S_IMODE((tmp_path / SAMPLING_KEY_FILE_NAME).stat().st_mode) == 0o600


def test_sampling_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    load_sampling_key(tmp_path)
    (tmp_path / SAMPLING_KEY_FILE_NAME).chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_sampling_key(tmp_path)

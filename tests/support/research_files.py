"""Research outputs and payloads made by the real libraries (issue 15), in memory.

Each maker returns bytes. The libraries are imported inside the makers; a test that
needs one skips with the ``formats`` leg tag when it is missing (tests/support/legs.py).
"""

from __future__ import annotations

import base64
import importlib
import io
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

RNG_SEED = 15


def weights(count: int, dtype: str = "float16", seed: int = RNG_SEED) -> npt.NDArray[Any]:
    """Weight-like values: normal around zero with a small scale, like a trained layer."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(count) * 0.02).astype(dtype)


def loss_curve(steps: int = 10_000) -> npt.NDArray[np.float32]:
    x = np.arange(steps, dtype=np.float64)
    noise = np.random.default_rng(RNG_SEED).standard_normal(steps) * 0.002
    return (2.5 * np.exp(-x / 2000.0) + 0.3 + noise).astype(np.float32)


def plot_png(dpi: int = 100) -> bytes:
    import matplotlib  # noqa: PLC0415 -- formats leg

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(figsize=(6, 4), dpi=dpi)
    curve = loss_curve()
    axes.plot(curve, label="train loss")
    axes.plot(curve * 1.1 + 0.05, label="eval loss")
    axes.set_xlabel("step")
    axes.legend()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    plt.close(figure)
    return out.getvalue()


def _png(array: npt.NDArray[Any]) -> bytes:
    from PIL import Image  # noqa: PLC0415 -- formats leg

    out = io.BytesIO()
    Image.fromarray(array).save(out, format="PNG")
    return out.getvalue()


def float16_as_grey16_png(side: int = 1024, repeat: int = 1) -> bytes:
    """float16 weights whose bit patterns are the pixels of a 16-bit greyscale PNG; with
    ``repeat``, each value fills a repeat x repeat block (so neighbours agree)."""
    grid = weights(side * side).view(np.uint16).reshape(side, side)
    return _png(np.repeat(np.repeat(grid, repeat, axis=0), repeat, axis=1))


def float32_as_rgba_png(side: int = 512) -> bytes:
    """float32 weights whose four bytes are the RGBA channels of each pixel."""
    data = weights(side * side, "float32").view(np.uint8).reshape(side, side, 4)
    return _png(data)


def cover_image(side: int) -> npt.NDArray[np.uint8]:
    """A natural-looking RGBA picture: smooth gradients and a few flat shapes."""
    y, x = np.mgrid[0:side, 0:side].astype(np.float64) / side
    red = 128 + 100 * np.sin(6 * x) * np.cos(4 * y)
    green = 255 * x * (1 - y)
    blue = 200 * np.exp(-((x - 0.5) ** 2 + (y - 0.5) ** 2) * 8)
    alpha = np.full_like(x, 255)
    return np.stack([red, green, blue, alpha], axis=-1).clip(0, 255).astype(np.uint8)


def weights_in_low_bits_png(side: int = 1024, bits: int = 2) -> bytes:
    """float16 weights hidden in the low ``bits`` of every channel of a picture."""
    cover = cover_image(side).reshape(-1)
    per = 8 // bits
    payload = weights(cover.size // per // 2).view(np.uint8)
    groups = np.stack(
        [(payload >> (bits * (per - 1 - i))) & ((1 << bits) - 1) for i in range(per)], axis=1
    ).reshape(-1)
    mask = np.uint8(0xFF ^ ((1 << bits) - 1))
    stego = (cover[: groups.size] & mask) | groups.astype(np.uint8)
    cover[: groups.size] = stego
    return _png(cover.reshape(side, side, 4))


def parquet(columns: dict[str, npt.NDArray[Any]]) -> bytes:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


def parquet_loss_curve() -> bytes:
    curve = loss_curve()
    return parquet({"step": np.arange(curve.size), "loss": curve, "lr": np.full(curve.size, 3e-4)})


def parquet_weights(count: int = 1_000_000) -> bytes:
    return parquet({"w": weights(count)})


def hdf5(datasets: dict[str, npt.NDArray[Any]]) -> bytes:
    import h5py  # noqa: PLC0415 -- formats leg

    out = io.BytesIO()
    with h5py.File(out, "w") as handle:
        for name, values in datasets.items():
            handle.create_dataset(name, data=values)
    return out.getvalue()


def hdf5_metrics() -> bytes:
    rng = np.random.default_rng(RNG_SEED)
    return hdf5(
        {
            "train/loss": loss_curve(),
            "eval/confusion": rng.integers(0, 500, size=(10, 10)),
            "eval/summary": np.array([0.91, 0.88, 0.93]),
        }
    )


def hdf5_weights() -> bytes:
    return hdf5({"model/layer0/kernel": weights(1_000_000).reshape(1000, 1000)})


def notebook(outputs: list[bytes]) -> bytes:
    """An nbformat v4 notebook whose one code cell displays ``outputs`` as image/png."""
    nbformat: Any = importlib.import_module("nbformat")  # formats leg; partly typed
    v4: Any = nbformat.v4

    cell = v4.new_code_cell("plt.plot(loss); plt.show()")
    cell.outputs = [
        v4.new_output(
            "display_data",
            data={"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"},
        )
        for png in outputs
    ]
    book = v4.new_notebook(cells=[v4.new_markdown_cell("# Training run"), cell])
    text: str = nbformat.writes(book)
    return text.encode()


def notebook_with_plot() -> bytes:
    return notebook([plot_png()])


def notebook_of_weights(pieces: int = 8, piece_bytes: int = 192 * 1024) -> bytes:
    """Outputs labelled image/png, each under the 1 MiB threshold, that are raw weights."""
    return notebook([weights(piece_bytes // 2, seed=i).tobytes() for i in range(pieces)])


def sqlite_db(build: Callable[[sqlite3.Connection], None]) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "db.sqlite"
        connection = sqlite3.connect(path)
        build(connection)
        connection.commit()
        connection.close()
        return path.read_bytes()


def sqlite_metrics() -> bytes:
    """An MLflow-like tracking database: runs, params and a metric history."""

    def build(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE runs (run_uuid TEXT, name TEXT, start_time INTEGER)")
        c.execute("CREATE TABLE metrics (key TEXT, value REAL, timestamp INTEGER, step INTEGER)")
        c.execute("INSERT INTO runs VALUES ('abc123', 'baseline', 1700000000000)")
        curve = loss_curve(5000)
        c.executemany(
            "INSERT INTO metrics VALUES ('loss', ?, ?, ?)",
            [(float(v), 1700000000000 + i * 1000, i) for i, v in enumerate(curve)],
        )

    return sqlite_db(build)


def sqlite_weight_blobs(count: int = 1_000_000) -> bytes:
    def build(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE cache (key TEXT, blob BLOB)")
        data = weights(count).tobytes()
        step = 64 * 1024
        c.executemany(
            "INSERT INTO cache VALUES (?, ?)",
            [(f"k{i}", data[i : i + step]) for i in range(0, len(data), step)],
        )

    return sqlite_db(build)


def native_code() -> bytes:
    """A copy of a real ELF executable from this machine."""
    found = shutil.which("ls") or "/bin/ls"
    return Path(found).read_bytes()


def plot_pdf_with_picture() -> bytes:
    """A matplotlib PDF whose figure is an imshow of noise: a Flate image stream."""
    import matplotlib  # noqa: PLC0415 -- formats leg

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(figsize=(8, 6))
    axes.imshow(np.random.default_rng(RNG_SEED).random((300, 300)))
    axes.set_title("attention map")
    out = io.BytesIO()
    figure.savefig(out, format="pdf")
    plt.close(figure)
    return out.getvalue()


def pdf_image_stream_of_weights(count: int = 768 * 1024) -> bytes:
    """A PDF whose one "image" stream is float16 weights, Flate-compressed."""
    import zlib  # noqa: PLC0415

    data = zlib.compress(weights(count).tobytes())
    side = int((count * 2 / 3) ** 0.5)
    head = (
        b"1 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d "
        b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\n"
        b"stream\n" % (side, side, len(data))
    )
    return b"%PDF-1.4\n" + head + data + b"\nendstream\nendobj\ntrailer\n<< >>\n%%EOF\n"


def tensorboard_events(write: Callable[[Any], None]) -> bytes:
    """The event file a tensorboardX SummaryWriter leaves after ``write(writer)``."""
    from tensorboardX import SummaryWriter  # noqa: PLC0415 -- formats leg

    with tempfile.TemporaryDirectory() as folder:
        writer = SummaryWriter(folder)
        write(writer)
        writer.close()
        (path,) = Path(folder).glob("events.out.tfevents.*")
        return path.read_bytes()


def tensorboard_training_run() -> bytes:
    """Scalars every step, weight histograms every 1,000 and a plot image: a normal run."""
    rng = np.random.default_rng(RNG_SEED)
    curve = loss_curve(20_000)

    def write(w: Any) -> None:
        for step, value in enumerate(curve):
            w.add_scalar("train/loss", float(value), step)
            if step % 1000 == 0:
                w.add_scalar("train/lr", 3e-4 * (1 - step / curve.size), step)
                w.add_histogram("layer0/weights", rng.standard_normal(10_000) * 0.02, step)
        w.add_image("samples", cover_image(256)[..., :3], 0, dataformats="HWC")
        w.add_text("notes", "baseline run, lr 3e-4, no warmup")

    return tensorboard_events(write)


def tensorboard_image_of_weights() -> bytes:
    """An image summary whose RGBA pixels are 1 MiB of float32 weights."""
    pixels = weights(512 * 512, "float32").view(np.uint8).reshape(512, 512, 4)
    return tensorboard_events(lambda w: w.add_image("attn", pixels, 0, dataformats="HWC"))


def tensorboard_histogram_of_weights() -> bytes:
    """A raw histogram whose 'bucket limits' are 300,000 weights (2.4 MB of doubles)."""
    values = weights(300_000, "float64")

    def write(w: Any) -> None:
        w.add_histogram_raw(
            "w",
            0,
            1,
            values.size,
            0.0,
            0.0,
            bucket_limits=values,
            bucket_counts=np.ones(values.size),
        )

    return tensorboard_events(write)


def photo_png() -> bytes:
    """A real photograph (scikit-learn ships it) saved as PNG."""
    from sklearn.datasets import load_sample_image  # noqa: PLC0415

    return _png(load_sample_image("china.jpg"))


def html_report(png: bytes) -> bytes:
    """An HTML report with the picture inline, as a data: URI."""
    inline = base64.b64encode(png)
    return b'<html><body><h1>Eval report</h1><img src="data:image/png;base64,' + inline + b'">'


def git_bundle(files: dict[str, bytes], edits: int = 2) -> bytes:
    """A real ``git bundle`` of a repository holding ``files``, edited and committed again
    ``edits`` times (so the pack has deltas)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)

        def git(*args: str) -> None:
            subprocess.run(
                ["git", "-c", "user.name=r", "-c", "user.email=r@example.org", *args],
                cwd=root,
                check=True,
                capture_output=True,
            )

        git("init", "-q", "-b", "main")
        for round_ in range(edits + 1):
            for name, data in files.items():
                path = root / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data + (b"\n# edit %d\n" % round_ if round_ else b""))
            git("add", "-A")
            git("commit", "-q", "-m", f"round {round_}")
        git("bundle", "create", "-q", "repo.bundle", "--all")
        return (root / "repo.bundle").read_bytes()


def source_files() -> dict[str, bytes]:
    """This repository's own inspection engine, as a researcher's code to bundle."""
    here = Path(__file__).resolve().parents[2] / "src" / "airlock" / "exports"
    return {f"src/{p.name}": p.read_bytes() for p in sorted(here.glob("*.py"))}


def git_bundle_of_code() -> bytes:
    return git_bundle(source_files())


def git_bundle_with_weights() -> bytes:
    return git_bundle({**source_files(), "ckpt/weights.bin": weights(1_000_000).tobytes()}, 0)


def parquet_text_of_weights() -> bytes:
    """A string column whose values are base64 of weights (64 KiB each, 2 MB in all)."""
    import pyarrow as pa  # noqa: PLC0415

    data = weights(1_000_000).tobytes()
    step = 64 * 1024
    rows = [base64.b64encode(data[i : i + step]).decode() for i in range(0, len(data), step)]
    return _parquet_table(pa.table({"id": list(range(len(rows))), "note": rows}))


def parquet_image_dataset() -> bytes:
    """A dataset of pictures as a binary column with labels, as image datasets ship them."""
    import pyarrow as pa  # noqa: PLC0415

    pictures = [_png(np.roll(cover_image(128), shift * 8, axis=1)) for shift in range(12)]
    return _parquet_table(pa.table({"image": pictures, "label": list(range(12))}))


def _parquet_table(table: Any) -> bytes:
    import pyarrow.parquet as pq  # noqa: PLC0415

    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def feather(columns: dict[str, npt.NDArray[Any]]) -> bytes:
    """An Arrow IPC file (Feather v2), uncompressed."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.feather as feather_  # noqa: PLC0415

    out = io.BytesIO()
    feather_.write_feather(pa.table(columns), out, compression="uncompressed")
    return out.getvalue()


def zip_of_small_weight_files(pieces: int = 8, piece_bytes: int = 192 * 1024) -> bytes:
    """Shards of weights, each under the 1 MiB threshold, in one zip."""
    import zipfile  # noqa: PLC0415

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(pieces):
            archive.writestr(f"shard{i}.bin", weights(piece_bytes // 2, seed=i).tobytes())
    return out.getvalue()

"""Benign research outputs made by the real libraries (issue 15): what researchers export.

Every file is written at bench time by the library a researcher would use -- matplotlib,
nbformat, pandas/pyarrow, h5py, numpy, tensorboardX, sqlite3, git, tarfile -- from a seeded
generator, so a split is a function of its seed. Wheels of packages with compiled ``.so``
files come from ``pip download`` into a cache folder (once; the bench needs PyPI then).

    from scripts.research_corpus import build_research
    paths = build_research(out_dir, seed=7, cache=Path("~/.cache/airlock-bench"))

Needs the ``bench`` extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import base64
import io
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

MiB = 1024 * 1024

# Two disjoint sets: the tuning split never sees the held-out split's packages.
WHEELS = {
    "tuning": ("markupsafe", "pyyaml", "msgpack", "ujson"),
    "heldout": ("simplejson", "charset-normalizer", "psutil", "regex"),
}
PACKAGE_DIRS = {  # importable packages whose installed folder carries .so files
    "tuning": ("markupsafe", "yaml", "zstandard"),
    "heldout": ("isal", "httptools", "regex", "uvloop"),
}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure(rng: np.random.Generator, kind: int) -> Any:
    """A plot as researchers make them: loss curves, scatter, histogram, heatmap, bars."""
    plt = _plt()
    fig, ax = plt.subplots(
        figsize=(rng.uniform(4, 9), rng.uniform(3, 6)), dpi=int(rng.integers(72, 150))
    )
    steps = np.arange(int(rng.integers(200, 3000)))
    if kind % 5 == 0:
        for run in range(int(rng.integers(1, 5))):
            tau = rng.uniform(100, 800)
            loss = 2.5 * np.exp(-steps / tau) + 0.3 + rng.normal(0, 0.03, steps.size)
            ax.plot(steps, loss, label=f"run {run}")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.legend()
    elif kind % 5 == 1:
        x = rng.normal(0, 1, 500)
        ax.scatter(x, 0.7 * x + rng.normal(0, 0.5, 500), s=4, alpha=0.6)
        ax.set_title("probe accuracy vs. layer norm")
    elif kind % 5 == 2:
        ax.hist(rng.normal(0.5, 2, 5000), bins=int(rng.integers(20, 100)))
        ax.set_title("margin distribution")
    elif kind % 5 == 3:
        k = int(rng.integers(3, 12))
        confusion = rng.integers(0, 50, (k, k)) + np.diag(rng.integers(200, 500, k))
        image = ax.imshow(confusion, cmap="viridis")
        fig.colorbar(image)
        ax.set_title("confusion matrix")
    else:
        labels = [f"task {i}" for i in range(int(rng.integers(4, 15)))]
        ax.bar(labels, rng.uniform(0.2, 0.95, len(labels)))
        ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    return fig


def save(fig: Any, fmt: str) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt)
    _plt().close(fig)
    return buffer.getvalue()


def eval_frame(rng: np.random.Generator, rows: int) -> Any:
    """Per-example eval results: log-probs (all negative) and signed margins."""
    import pandas as pd

    logprob = -rng.exponential(0.8, rows)
    return pd.DataFrame(
        {
            "example_id": np.arange(rows),
            "task": rng.choice(["mmlu", "gsm8k", "arc", "hellaswag"], rows),
            "prompt": [f"Question {i}: what is {i % 97} + {i % 13}?" for i in range(rows)],
            "label": rng.integers(0, 4, rows),
            "pred": rng.integers(0, 4, rows),
            "logprob": logprob,
            "logprob_correct": logprob - rng.exponential(0.5, rows),
            "margin": rng.normal(0.4, 1.5, rows),
            "correct": rng.uniform(size=rows) < 0.7,
        }
    )


def notebook(rng: np.random.Generator, variant: int) -> bytes:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    nb = new_notebook()
    nb.cells.append(new_markdown_cell(f"# Eval of checkpoint {variant}\n\nNotes on the run."))
    for plot in range(int(rng.integers(1, 5))):
        png = base64.b64encode(save(figure(rng, variant + plot), "png")).decode()
        nb.cells.append(
            new_code_cell(
                "fig, ax = plt.subplots()\nax.plot(steps, loss)\n",
                execution_count=plot + 1,
                outputs=[
                    new_output(
                        "stream", name="stdout", text=f"final loss {rng.uniform(0.2, 2):.4f}\n"
                    ),
                    new_output(
                        "display_data",
                        data={"image/png": png, "text/plain": "<Figure size 640x480 with 1 Axes>"},
                    ),
                ],
            )
        )
    frame = eval_frame(rng, 20)
    nb.cells.append(
        new_code_cell(
            "df.head(20)",
            execution_count=9,
            outputs=[
                new_output(
                    "execute_result",
                    data={"text/html": frame.to_html(), "text/plain": frame.to_string()},
                    execution_count=9,
                )
            ],
        )
    )
    return str(nbformat.writes(nb)).encode()


def html_report(rng: np.random.Generator, variant: int) -> bytes:
    frame = eval_frame(rng, int(rng.integers(20, 300)))
    images = "".join(
        f'<figure><img src="data:image/png;base64,'
        f'{base64.b64encode(save(figure(rng, variant + i), "png")).decode()}"/></figure>'
        for i in range(int(rng.integers(1, 4)))
    )
    table = frame.groupby("task")[["logprob", "margin", "correct"]].mean().to_html()
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Run {variant}</title></head>"
        f"<body><h1>Eval report</h1>{images}{table}{frame.head(100).to_html()}</body></html>"
    ).encode()


def parquet_eval(rng: np.random.Generator) -> bytes:
    buffer = io.BytesIO()
    compression = str(rng.choice(["snappy", "zstd", "gzip", "none"]))
    eval_frame(rng, int(rng.integers(2_000, 40_000))).to_parquet(
        buffer, compression=None if compression == "none" else compression
    )
    return buffer.getvalue()


def parquet_metrics(rng: np.random.Generator) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    steps = int(rng.integers(1_000, 50_000))
    table = pa.table(
        {
            "step": np.arange(steps, dtype=np.int64),
            "loss": (2.5 * np.exp(-np.arange(steps) / 5000) + rng.normal(0, 0.02, steps)).astype(
                np.float32
            ),
            "lr": np.full(steps, 3e-4, dtype=np.float32),
            "grad_norm": np.abs(rng.normal(1, 0.2, steps)).astype(np.float32),
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def metric_arrays(rng: np.random.Generator) -> dict[str, np.ndarray]:
    k = int(rng.integers(3, 20))
    steps = int(rng.integers(100, 20_000))
    return {
        "loss": (2.5 * np.exp(-np.arange(steps) / rng.uniform(500, 5000)) + 0.3).astype(np.float32)
        + rng.normal(0, 0.01, steps).astype(np.float32),
        "confusion": rng.integers(0, 50, (k, k)) + np.diag(rng.integers(200, 500, k)),
        "tiny": rng.uniform(0, 1, 3),
    }


def hdf5(rng: np.random.Generator) -> bytes:
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for name, array in metric_arrays(rng).items():
            f.create_dataset(name, data=array, compression="gzip" if rng.uniform() < 0.5 else None)
        f.attrs["run"] = "r7"
    return buffer.getvalue()


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def tensorboard_events(rng: np.random.Generator) -> bytes:
    from tensorboardX import SummaryWriter

    with tempfile.TemporaryDirectory() as tmp:
        writer = SummaryWriter(logdir=tmp)
        steps = int(rng.integers(200, 3000))
        for step in range(steps):
            writer.add_scalar("train/loss", 2.5 * np.exp(-step / 500) + rng.normal(0, 0.02), step)
            writer.add_scalar("train/lr", 3e-4, step)
            if step % 200 == 0:
                writer.add_histogram("activations/layer3", rng.normal(0, 1, 1000), step)
        writer.add_image("samples", rng.integers(0, 255, (3, 32, 32), dtype=np.uint8), 0)
        writer.close()
        (events,) = Path(tmp).glob("events.out.tfevents.*")
        return events.read_bytes()


def mlflow_db(rng: np.random.Generator) -> bytes:
    """A tracking database in MLflow's table shapes: experiments, runs, params, metrics, tags."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mlflow.db"
        db = sqlite3.connect(path)
        db.executescript(
            "CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT,"
            " artifact_location TEXT, lifecycle_stage TEXT);"
            "CREATE TABLE runs (run_uuid TEXT PRIMARY KEY, name TEXT, experiment_id INTEGER,"
            " status TEXT, start_time INTEGER, end_time INTEGER, artifact_uri TEXT);"
            "CREATE TABLE params (key TEXT, value TEXT, run_uuid TEXT);"
            "CREATE TABLE tags (key TEXT, value TEXT, run_uuid TEXT);"
            "CREATE TABLE metrics (key TEXT, value FLOAT, timestamp INTEGER, run_uuid TEXT,"
            " step INTEGER, is_nan BOOLEAN);"
        )
        db.execute("INSERT INTO experiments VALUES (1, 'sft', 'mlflow-artifacts:/1', 'active')")
        for r in range(int(rng.integers(2, 12))):
            uuid = rng.bytes(16).hex()
            db.execute(
                "INSERT INTO runs VALUES (?, ?, 1, 'FINISHED', ?, ?, ?)",
                (uuid, f"run-{r}", 1_700_000_000_000 + r, 1_700_000_900_000 + r, f"s3://b/{uuid}"),
            )
            db.executemany(
                "INSERT INTO params VALUES (?, ?, ?)",
                [("lr", "3e-4", uuid), ("batch_size", "512", uuid), ("model", "llama-7b", uuid)],
            )
            db.execute("INSERT INTO tags VALUES ('mlflow.user', 'researcher', ?)", (uuid,))
            steps = int(rng.integers(100, 2000))
            db.executemany(
                "INSERT INTO metrics VALUES (?, ?, ?, ?, ?, 0)",
                [
                    (key, float(value), 1_700_000_000_000 + step * 1000, uuid, step)
                    for key, scale in (("loss", 2.5), ("accuracy", 0.8))
                    for step, value in enumerate(
                        scale * np.exp(-np.arange(steps) / 400) + rng.normal(0, 0.01, steps)
                    )
                ],
            )
        db.commit()
        db.close()
        return path.read_bytes()


def git_bundle(rng: np.random.Generator, variant: int) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()

        def git(*args: str) -> None:
            subprocess.run(
                ["git", "-c", "user.name=R", "-c", "user.email=r@lab", *args],
                cwd=repo,
                check=True,
                capture_output=True,
            )

        git("init", "-q")
        for commit in range(int(rng.integers(2, 6))):
            for n in range(int(rng.integers(2, 8))):
                (repo / f"eval_{n}.py").write_text(
                    f'"""Eval step {n}, revision {commit}."""\n\n'
                    f"def score(p, l):\n    return sum(a == b for a, b in zip(p, l)) / {n + 1}\n"
                    * int(rng.integers(1, 20))
                )
            (repo / "results.csv").write_text(
                "step,loss\n" + "".join(f"{i},{rng.uniform(0.2, 2):.4f}\n" for i in range(200))
            )
            git("add", "-A")
            git("commit", "-q", "-m", f"revision {commit} of run {variant}")
        git("bundle", "create", "-q", "../repo.bundle", "--all")
        return (Path(tmp) / "repo.bundle").read_bytes()


def package_tarball(package: str) -> bytes:
    """A gzip tarball of an installed package's folder, compiled ``.so`` files included."""
    module = __import__(package)
    folder = Path(str(module.__file__)).parent
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(folder, arcname=f"{package}-src/{package}")
    return buffer.getvalue()


def wheels(split: str, cache: Path) -> list[Path]:
    """Binary wheels (with ``.so`` files) of this split's packages, downloaded once."""
    folder = cache / "wheels" / split
    folder.mkdir(parents=True, exist_ok=True)
    if not list(folder.glob("*.whl")):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--only-binary",
                ":all:",
                "--no-deps",
                "-d",
                str(folder),
                *WHEELS[split],
            ],
            check=True,
        )
    return sorted(folder.glob("*.whl"))


def big_gzip_log(rng: np.random.Generator, compressed_mib: int, cache: Path, seed: int) -> Path:
    """A training log gzipped to about ``compressed_mib`` MiB (cached per seed and size)."""
    from isal import igzip

    path = cache / f"train-{seed}-{compressed_mib}MiB.log.gz"
    if path.exists():
        return path
    blocks = []
    for b in range(16):
        steps = np.arange(b * 8000, (b + 1) * 8000)
        loss = np.abs(rng.normal(2, 0.3, steps.size))
        blocks.append(
            "".join(
                f"2026-05-{1 + b % 28:02d} 12:{s % 60:02d}:{s % 57:02d} INFO step={s} "
                f"loss={v:.4f} lr=3.0e-4 grad_norm={abs(v - 1.2):.3f} tokens/s={9000 + s % 2000}\n"
                for s, v in zip(steps, loss, strict=True)
            ).encode()
        )
    tmp = path.with_suffix(".part")
    with igzip.open(tmp, "wb", compresslevel=2) as out:  # type: ignore[no-untyped-call]
        written = 0
        while tmp.stat().st_size < compressed_mib * MiB:
            block = blocks[int(rng.integers(0, len(blocks)))]
            out.write(block)
            written += len(block)
            if written % (64 * MiB) < len(block):
                out.flush()
    tmp.rename(path)
    return path


def research_outputs(
    rng: np.random.Generator, variant: int, split: str, wheel_files: list[Path]
) -> dict[str, Callable[[], bytes]]:
    """One of every research output of this variant, as thunks (built when written)."""
    arrays = metric_arrays(rng)
    packages = PACKAGE_DIRS[split]
    return {
        "plot.png": lambda: save(figure(rng, variant), "png"),
        "heatmap.png": lambda: save(figure(rng, 3 + variant), "png"),
        "plot.pdf": lambda: save(figure(rng, variant + 1), "pdf"),
        "plot.svg": lambda: save(figure(rng, variant + 2), "svg"),
        "analysis.ipynb": lambda: notebook(rng, variant),
        "report.html": lambda: html_report(rng, variant),
        "eval.parquet": lambda: parquet_eval(rng),
        "metrics.parquet": lambda: parquet_metrics(rng),
        "per-example-eval.csv": lambda: (
            eval_frame(rng, int(rng.integers(2_000, 30_000))).to_csv(index=False).encode()
        ),
        "metrics.h5": lambda: hdf5(rng),
        "loss.npy": lambda: npy(arrays["loss"]),
        "confusion.npy": lambda: npy(arrays["confusion"]),
        "tiny.npy": lambda: npy(arrays["tiny"]),
        "events.out.tfevents.1": lambda: tensorboard_events(rng),
        "mlflow.db": lambda: mlflow_db(rng),
        "repo.bundle": lambda: git_bundle(rng, variant),
        "package.tar.gz": lambda: package_tarball(packages[variant % len(packages)]),
        "package.whl": wheel_files[variant % len(wheel_files)].read_bytes,
    }


def build_research(
    out: Path, seed: int, split: str, cache: Path, *, variants: int = 9, big_log_mib: int = 100
) -> list[Path]:
    """Write the benign research corpus of one split; names start with ``benign-``."""
    rng = np.random.default_rng([seed, 15])
    out.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    wheel_files = wheels(split, cache)
    written = []
    for variant in range(variants):
        for name, make in research_outputs(rng, variant, split, wheel_files).items():
            path = out / f"benign-{variant}-{name}"
            path.write_bytes(make())
            written.append(path)
    if big_log_mib:
        log = big_gzip_log(rng, big_log_mib, cache, seed)
        link = out / f"benign-big-{log.name}"
        link.symlink_to(log)
        written.append(link)
    return written

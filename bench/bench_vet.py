"""Package vetting on real malware and on popular packages, beside GuardDog in the same run.

Two corpora, each split in halves by a fixed hash of the project name (issue 16): a
*calibration* half that rules may be written against, and a *held-out* half that is only
measured (its misses are never printed, only counted).

* malicious: ``../shared/data/malicious-pypi/samples.zip`` (300 real malicious packages, the
  ASE 2023 pypi_malregistry dataset). Members are read as bytes, in memory, and handed to
  ``vet``; nothing is extracted, installed, imported or run.
* popular: the 200 most downloaded PyPI projects (fixed list below), fetched once into
  ``--cache`` (outside the repository): wheels with ``pip download --no-deps``, the latest
  sdists from the index's JSON API (checked against its SHA-256).
* popular-fresh (``--fresh-popular``): 239 more widely used projects (``bench/popular_fresh.py``)
  fetched the same way into ``fresh-wheels``/``fresh-sdists``, split in halves the same way.
  The popular corpus's held-out half had gated every change for many sessions; this one's
  held-out half is reported as the malicious held-out half is, in counts and one fingerprint,
  never by name (ADR 0128).
* popular-next (``--next-popular``): the 240 most downloaded projects in neither list, taken
  by rank (``bench/popular_next.py``), fetched into ``next-wheels``/``next-sdists``; both
  halves are reported in counts and one fingerprint only, until a session opens one (the
  twenty-sixth session opened its calibration half: it is still counted only here).
* popular-third (``--third-popular``): the next 240 by rank (``bench/popular_third.py``,
  ranks 638-937), fetched into ``third-wheels``/``third-sdists``; as popular-fresh, its
  calibration half by name, its held-out half in counts and one fingerprint (ADR 0134).
* popular-fifth (``--fifth-popular``): the next 240 by rank (``bench/popular_fifth.py``,
  ranks 938-1191), fetched into ``fifth-wheels``/``fifth-sdists``; reported as popular-third
  (ADR 0137).
* popular-sixth (``--sixth-popular``): the next 240 by rank (``bench/popular_sixth.py``),
  fetched into ``sixth-wheels``/``sixth-sdists``; reported as popular-third (ADR 0142).

Timing: every file is vetted in one process (a batch); the baseline is SHA-256 of the same
bytes, measured in the same run. Wall time and the process's CPU time are both reported per
file (on a shared machine the CPU time is what load distorts least). Targets: malicious denied
>= 95 %, denied or held >= 99 %, popular held <= 2 %, denied 0, median <= 30 ms per file.

Whole process (``--whole N``, default 9): ``airlock package vet FILE`` is started as a fresh
process for N popular files taken evenly from the sorted list (plus the six and requests
wheels and the requests sdist), ``--runs`` times each; the median wall and CPU time per
file is printed beside the same run's ``python -c pass`` and ``python -c "import airlock"``
start-up, with airlock's bytecode compiled first (as ``pip install`` leaves it). Target:
median <= 0.2 s per file. ``--src DIR`` (repeatable) compares airlock trees in one run: the
same console script is started with ``PYTHONPATH=DIR`` (``/work/main/src``,
``/work/wt/NAME/src``), the trees taking turns run by run, and each tree's medians printed.

Whole corpus (``--whole-corpus K``): the same timing on K files of each corpus (malicious:
its calibration half; popular: both halves), chosen by size strata (``bench/vet_sample.py``)
so that each sample's median file is its corpus's median file; medians are printed per
corpus and for both together, per ``--src`` tree. A malicious file is written (not
unpacked) to a private temporary folder under the cache for the CLI to read, and removed
after the timing.

GuardDog (``guarddog pypi scan FILE``) runs in its own venv under the cache when it can be
installed from PyPI. It needs a file path, so a malicious archive is written (not unpacked)
to a private temporary folder under the cache for the scan and removed straight after.
GuardDog takes seconds per file, so ``--guarddog N`` scans the first N files of each held-out
split (fixed order) and its verdicts are cached by SHA-256 in the cache folder.

    python bench/bench_vet.py [--cache ~/.cache/airlock-bench-vet] [--guarddog 40]
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airlock.domain.requests import Outcome
from airlock.imports.packages import spread
from airlock.imports.packages.vet import vet
from bench.popular_fifth import FIFTH_POPULAR
from bench.popular_fresh import FRESH_POPULAR
from bench.popular_next import NEXT_POPULAR
from bench.popular_sixth import SIXTH_POPULAR
from bench.popular_third import THIRD_POPULAR
from bench.vet_sample import stratified

_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = next(
    (
        p / "shared/data/malicious-pypi/samples.zip"
        for p in (_ROOT.parent, _ROOT.parent.parent)  # ../shared, or ../../shared from a worktree
        if (p / "shared/data/malicious-pypi/samples.zip").exists()
    ),
    _ROOT.parent / "shared/data/malicious-pypi/samples.zip",
)
POPULAR = [
    "boto3",
    "urllib3",
    "botocore",
    "requests",
    "setuptools",
    "certifi",
    "idna",
    "charset-normalizer",
    "typing-extensions",
    "python-dateutil",
    "packaging",
    "s3transfer",
    "six",
    "aiobotocore",
    "pyyaml",
    "numpy",
    "s3fs",
    "fsspec",
    "pip",
    "cryptography",
    "grpcio-status",
    "pydantic",
    "cffi",
    "attrs",
    "pycparser",
    "pandas",
    "importlib-metadata",
    "jmespath",
    "protobuf",
    "rsa",
    "wheel",
    "zipp",
    "click",
    "platformdirs",
    "pytz",
    "colorama",
    "markupsafe",
    "jinja2",
    "filelock",
    "pyasn1",
    "tomli",
    "awscli",
    "pluggy",
    "virtualenv",
    "wrapt",
    "pytest",
    "tzdata",
    "googleapis-common-protos",
    "pyjwt",
    "iniconfig",
    "pydantic-core",
    "cachetools",
    "google-api-core",
    "pyasn1-modules",
    "jsonschema",
    "exceptiongroup",
    "aiohttp",
    "google-auth",
    "multidict",
    "yarl",
    "frozenlist",
    "aiosignal",
    "async-timeout",
    "pyarrow",
    "requests-oauthlib",
    "oauthlib",
    "sqlalchemy",
    "greenlet",
    "psutil",
    "docutils",
    "tomlkit",
    "soupsieve",
    "beautifulsoup4",
    "werkzeug",
    "pyparsing",
    "scipy",
    "decorator",
    "grpcio",
    "annotated-types",
    "anyio",
    "sniffio",
    "h11",
    "httpx",
    "httpcore",
    "pygments",
    "isodate",
    "distlib",
    "more-itertools",
    "openpyxl",
    "et-xmlfile",
    "lxml",
    "pillow",
    "tqdm",
    "requests-toolbelt",
    "google-cloud-storage",
    "google-cloud-core",
    "proto-plus",
    "flask",
    "itsdangerous",
    "blinker",
    "matplotlib",
    "kiwisolver",
    "fonttools",
    "cycler",
    "contourpy",
    "regex",
    "tenacity",
    "rich",
    "markdown-it-py",
    "mdurl",
    "pyopenssl",
    "msgpack",
    "deprecated",
    "mypy-extensions",
    "coverage",
    "websocket-client",
    "azure-core",
    "azure-storage-blob",
    "msal",
    "portalocker",
    "pynacl",
    "bcrypt",
    "paramiko",
    "asn1crypto",
    "sortedcontainers",
    "gitpython",
    "gitdb",
    "smmap",
    "chardet",
    "defusedxml",
    "uvicorn",
    "fastapi",
    "starlette",
    "python-dotenv",
    "scikit-learn",
    "joblib",
    "threadpoolctl",
    "networkx",
    "sympy",
    "mpmath",
    "alembic",
    "mako",
    "psycopg2-binary",
    "redis",
    "celery",
    "kombu",
    "vine",
    "amqp",
    "billiard",
    "prompt-toolkit",
    "wcwidth",
    "tabulate",
    "toml",
    "pyrsistent",
    "referencing",
    "rpds-py",
    "jsonschema-specifications",
    "opentelemetry-api",
    "opentelemetry-sdk",
    "opentelemetry-proto",
    "importlib-resources",
    "httplib2",
    "uritemplate",
    "google-api-python-client",
    "google-auth-httplib2",
    "google-auth-oauthlib",
    "pexpect",
    "ptyprocess",
    "ipython",
    "traitlets",
    "jedi",
    "parso",
    "matplotlib-inline",
    "asttokens",
    "executing",
    "pure-eval",
    "stack-data",
    "setuptools-scm",
    "pyzmq",
    "tornado",
    "docker",
    "dill",
    "cloudpickle",
    "huggingface-hub",
    "safetensors",
    "tokenizers",
    "transformers",
    "xmltodict",
    "babel",
    "arrow",
    "nest-asyncio",
    "shellingham",
    "typer",
    "pathspec",
    "black",
    "isort",
    "mccabe",
    "pycodestyle",
    "pyflakes",
    "flake8",
]
TARGETS = {"malicious_deny": 0.95, "malicious_caught": 0.99, "popular_held": 0.02}


def norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def split_of(project: str) -> str:
    """A fixed split: the half of the corpus whose name hashes below the median is calibration."""
    return hashlib.sha256(b"airlock-bench-vet:" + norm(project).encode()).hexdigest()


def halves(projects: list[str]) -> dict[str, str]:
    ranked = sorted(set(projects), key=split_of)
    cut = len(ranked) // 2
    return {p: ("calibration" if i < cut else "held-out") for i, p in enumerate(ranked)}


@dataclass(frozen=True, slots=True)
class Item:
    corpus: str  # malicious | popular | popular-{fresh,next,third,fifth,sixth}
    project: str
    filename: str
    data: bytes


def malicious_items(path: Path) -> list[Item]:
    items = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            project = info.filename.split("/", 1)[0]
            data = archive.open(info, pwd=b"infected").read()
            items.append(Item("malicious", project, info.filename.rsplit("/", 1)[-1], data))
    return items


def _pip_download(dest: Path, project: str) -> None:
    """A wheel through pip (it needs nothing built to pick one)."""
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--dest", str(dest)),
            *("--only-binary", ":all:", "--disable-pip-version-check", project),
        ],
        check=False,
        capture_output=True,
        timeout=300,
    )


def _sdist_download(dest: Path, project: str) -> None:
    """The latest release's sdist, from the index's JSON API. (``pip download --no-binary``
    prepares each sdist's metadata first: a build per project, minutes each for Rust or C
    extensions on a machine without their toolchains, and the same file in the end.)"""
    api = f"https://pypi.org/pypi/{project}/json"
    try:
        with urllib.request.urlopen(api, timeout=60) as answer:
            release = json.load(answer)
        sdist = next(u for u in release["urls"] if u["packagetype"] == "sdist")
        with urllib.request.urlopen(urllib.parse.urljoin(api, sdist["url"]), timeout=300) as f:
            data = f.read()
    except (OSError, ValueError, KeyError, StopIteration) as e:
        print(f"  no sdist of {project}: {e}", file=sys.stderr)
        return
    if hashlib.sha256(data).hexdigest() != sdist["digests"]["sha256"]:
        print(f"  {project}: the sdist does not match its index digest", file=sys.stderr)
        return
    (dest / Path(sdist["filename"]).name).write_bytes(data)


def _stem(path: Path) -> str:
    stem = path.name.removesuffix(".tar.gz").removesuffix(".zip")
    return norm(stem.split("-")[0] if path.suffix == ".whl" else stem.rsplit("-", 1)[0])


def popular_items(
    cache: Path, fetch: bool, projects: list[str] = POPULAR, corpus: str = "popular"
) -> list[Item]:
    """Wheels and sdists of ``projects`` (POPULAR, or FRESH_POPULAR in folders of their own);
    missing ones are fetched when ``fetch`` is set."""
    items = []
    prefix = {
        "popular": "",
        "popular-fresh": "fresh-",
        "popular-next": "next-",
        "popular-third": "third-",
        "popular-fifth": "fifth-",
        "popular-sixth": "sixth-",
    }[corpus]
    for kind, folder in (
        ("wheel", cache / f"{prefix}wheels"),
        ("sdist", cache / f"{prefix}sdists"),
    ):
        folder.mkdir(parents=True, exist_ok=True)
        have = {_stem(p) for p in folder.iterdir()}
        if fetch:
            download = _pip_download if kind == "wheel" else _sdist_download
            missing = [p for p in projects if norm(p) not in have]
            with ThreadPoolExecutor(8) as pool:  # downloads wait on the network, not the CPU
                list(pool.map(download, [folder] * len(missing), missing))
        wanted = {norm(p) for p in projects}
        for path in sorted(folder.iterdir()):
            if _stem(path) in wanted:
                items.append(Item(corpus, _stem(path), path.name, path.read_bytes()))
    return items


def guarddog(cache: Path) -> Path | None:
    venv = cache / "guarddog-venv"
    binary = venv / "bin" / "guarddog"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        installed = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "guarddog"],
            check=False,
            capture_output=True,
            text=True,
        )
        if installed.returncode != 0:
            print("guarddog could not be installed:", installed.stderr.strip()[-300:])
            return None
    return binary


def guarddog_severities(binary: Path) -> dict[str, str]:
    """Rule name -> GuardDog's own severity, read from the rules in its venv."""
    out = {}
    for rule in binary.parent.parent.glob("lib/python*/site-packages/guarddog/analyzer/**/*.yar"):
        for line in rule.read_text("utf-8", "replace").splitlines():
            if line.strip().startswith("severity ="):
                out[rule.stem] = line.split("=", 1)[1].strip().strip('"')
                break
    return out


def guarddog_scan(binary: Path, cache: Path, item: Item) -> dict[str, object]:
    """GuardDog's result for one file, cached by SHA-256: {"rules": [...], "seconds": s}."""
    digest = hashlib.sha256(item.data).hexdigest()
    memo = cache / "guarddog-results" / f"{digest}.json"
    if memo.exists():
        loaded: dict[str, object] = json.loads(memo.read_text())
        return loaded
    memo.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as private:
        Path(private).chmod(0o700)
        target = Path(private) / item.filename
        target.write_bytes(item.data)  # the archive as is, for GuardDog to read; never run
        start = time.perf_counter()
        result = subprocess.run(
            [str(binary), "pypi", "scan", str(target), "--output-format", "json"],
            check=False,
            capture_output=True,
            text=True,
            timeout=600,
        )
        seconds = time.perf_counter() - start
    try:
        parsed = json.loads(result.stdout or "{}")
        rules = sorted(k for k, v in parsed.get("results", {}).items() if v)
        error = bool(parsed.get("errors"))
    except json.JSONDecodeError:
        rules, error = [], True
    outcome: dict[str, object] = {"rules": rules, "seconds": seconds, "error": error}
    memo.write_text(json.dumps(outcome))
    return outcome


def popular_files(cache: Path) -> list[Path]:
    """Cached popular wheels and sdists, sorted by name."""
    return sorted(p for folder in ("wheels", "sdists") for p in (cache / folder).glob("*.*"))


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True, timeout=600, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _median_of(command: list[str], runs: int) -> tuple[float, float]:
    got = [_timed(command) for _ in range(runs)]
    return statistics.median(w for w, _ in got), statistics.median(c for _, c in got)


def _tree_env(src: Path | None) -> dict[str, str] | None:
    """The environment that makes a child import airlock from ``src`` (None: as installed)."""
    if src is None:
        return None
    src = src.resolve()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src)
    compileall.compile_dir(str(src / "airlock"), quiet=1)
    imported = subprocess.run(
        [sys.executable, "-c", "import airlock; print(airlock.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()
    if not Path(imported).is_relative_to(src):
        raise SystemExit(f"--src {src}: a child imports airlock from {imported} instead")
    return env


def _entry() -> list[str]:
    """The ``airlock`` console script (as a user starts it), with airlock's installed bytecode
    compiled first (as ``pip install`` leaves it): a process started with no
    ``__pycache__`` would time the compiler instead."""
    import airlock as package  # noqa: PLC0415 -- only the whole-process timing needs it

    compileall.compile_dir(str(Path(package.__file__).parent), quiet=1)
    airlock = Path(sys.executable).with_name("airlock")
    if airlock.exists():
        return [str(airlock)]
    return [sys.executable, "-c", "from airlock.cli.main import main; main()"]


def _start_up(runs: int) -> None:
    """Python's own start-up and ``import airlock``, the floor under every figure below."""
    bare = _median_of([sys.executable, "-c", "pass"], runs)
    imported = _median_of([sys.executable, "-c", "import airlock"], runs)
    print(
        f"whole process, median of {runs} runs (load {os.getloadavg()[0]:.1f}): python -c pass "
        f"{bare[0]:.3f} s wall / {bare[1]:.3f} s CPU; import airlock {imported[0]:.3f} / "
        f"{imported[1]:.3f} s"
    )


def _trees(trees: list[Path] | None) -> dict[str, dict[str, str] | None]:
    return {str(t): _tree_env(t) for t in trees} if trees else {"installed": None}


def _time_files(
    files: list[tuple[str, Path]], runs: int, envs: dict[str, dict[str, str] | None]
) -> dict[str, dict[str, tuple[list[float], list[float]]]]:
    """``airlock package vet FILE`` per file, ``runs`` times per tree, the trees taking turns
    (alternating order run by run, so load changes touch them alike).

    ``files``: (label, path). Returns tree -> label -> (median walls, median CPUs) per file."""
    entry = _entry()
    out: dict[str, dict[str, tuple[list[float], list[float]]]] = {name: {} for name in envs}
    for label, path in files:
        got: dict[str, list[tuple[float, float]]] = {name: [] for name in envs}
        for turn in range(runs):
            names = list(envs) if turn % 2 == 0 else list(reversed(envs))
            for name in names:
                got[name].append(_timed([*entry, "package", "vet", str(path)], envs[name]))
        cells = []
        for name in envs:
            wall = statistics.median(w for w, _ in got[name])
            cpu_s = statistics.median(c for _, c in got[name])
            walls, cpus = out[name].setdefault(label, ([], []))
            walls.append(wall)
            cpus.append(cpu_s)
            cells.append(f"{wall:6.3f} s wall {cpu_s:6.3f} s CPU")
        shown = f"{label}: {path.name}"[:60]
        print(f"   {shown:60} {' | '.join(cells)} ({path.stat().st_size} B)")
    return out


def _summary(label: str, tree: str, walls: list[float], cpus: list[float]) -> None:
    med = statistics.median(walls)
    print(
        f"whole process {label}{'' if tree == 'installed' else ' ' + tree}: {len(walls)} "
        f"files, median {med:.3f} s wall, {statistics.median(cpus):.3f} s CPU per file "
        f"(target <= 0.2 s {'MET' if med <= 0.2 else 'MISSED'}; load {os.getloadavg()[0]:.1f})"
    )


def whole_process(files: list[Path], n: int, runs: int, trees: list[Path] | None = None) -> None:
    """``airlock package vet FILE`` as a fresh process per file, beside Python's own start-up.

    ``trees``: airlock source folders to compare (each run of each file starts every tree
    once, in turn, so load changes touch them alike); none: the installed airlock."""
    if not files:
        print("whole process: no cached popular files")
        return
    step = max(1, len(files) // n)
    named = ("six-1.17.0-py2", "requests-2.34.2-py3", "requests-2.34.2.tar")
    chosen = sorted({*files[::step][:n], *(f for f in files if f.name.startswith(named))})
    envs = _trees(trees)
    _start_up(runs)
    timed = _time_files([("popular", p) for p in chosen], runs, envs)
    for name in envs:
        _summary("", name, *timed[name].get("popular", ([], [])))


def whole_corpus(
    corpora: dict[str, list[Item]], k: int, runs: int, cache: Path, trees: list[Path] | None
) -> None:
    """The whole-process timing on ``k`` files of each corpus chosen by size strata
    (:func:`bench.vet_sample.stratified`: the sample's median file is the corpus's), printed
    per corpus and for both together, each tree beside the others in the same run.

    The CLI takes a path, so each sampled file is written (as is, never unpacked) to a
    private temporary folder under ``cache``, removed straight after, as for GuardDog."""
    envs = _trees(trees)
    _start_up(runs)
    with tempfile.TemporaryDirectory(dir=cache) as private:
        Path(private).chmod(0o700)
        files: list[tuple[str, Path]] = []
        for corpus, items in sorted(corpora.items()):
            ordered = sorted(items, key=lambda i: (i.filename, hashlib.sha256(i.data).digest()))
            sample = stratified(((i, len(i.data)) for i in ordered), k)
            for number, item in enumerate(sample):
                folder = Path(private) / f"{corpus}-{number}"  # file names may repeat
                folder.mkdir()
                path = folder / item.filename
                path.write_bytes(item.data)
                files.append((corpus, path))
        print(
            f"whole corpus: {len(files)} files ("
            + ", ".join(f"{c} {sum(f[0] == c for f in files)}" for c in sorted(corpora))
            + f"), trees {', '.join(envs)}"
        )
        timed = _time_files(files, runs, envs)
    for label in [*sorted(corpora), "both"]:
        for name in envs:
            per = timed[name]
            walls = [w for c, (ws, _) in per.items() if label in (c, "both") for w in ws]
            cpus = [x for c, (_, xs) in per.items() if label in (c, "both") for x in xs]
            if walls:
                _summary(label, name, walls, cpus)


def verdict_lines(rows: dict[tuple[str, str], list[tuple[Item, Outcome, float, list[str]]]]) -> str:
    """One line per file (sorted, so two runs diff cleanly): popular files by name, malicious
    calibration files by SHA-256; the malicious held-out split and the fresh popular corpus
    only as verdict counts and one fingerprint of their per-file verdicts and rules (any
    change shows, no file is named)."""
    lines = []
    for (corpus, split_name), got in sorted(rows.items()):
        if (split_name == "held-out" and corpus != "popular") or corpus == "popular-next":
            ordered = sorted(
                f"{hashlib.sha256(i.data).hexdigest()} {v.value} {','.join(r)}"
                for i, v, _, r in got
            )
            counts = {o.value: sum(v is o for _, v, _, _ in got) for o in Outcome}
            shown = " ".join(f"{k}={n}" for k, n in sorted(counts.items()) if n)
            fingerprint = hashlib.sha256("\n".join(ordered).encode()).hexdigest()[:16]
            # Of the verdicts alone: a change of rules only, or verdicts that moved both
            # ways under the same counts, tell apart without naming a file.
            by_verdict = sorted(
                f"{hashlib.sha256(i.data).hexdigest()} {v.value}" for i, v, _, _ in got
            )
            verdicts = hashlib.sha256("\n".join(by_verdict).encode()).hexdigest()[:16]
            lines.append(
                f"{corpus}/{split_name} {shown} fingerprint={fingerprint} verdicts={verdicts}"
            )
            continue
        for item, verdict, _, rules in got:
            label = (
                item.filename if corpus != "malicious" else hashlib.sha256(item.data).hexdigest()
            )
            lines.append(f"{corpus}/{split_name} {label} {verdict.value} {','.join(rules)}")
    return "\n".join(sorted(lines)) + "\n"


def _cpu_with_children() -> float:
    """CPU seconds of this process, of its children that have ended, and of the helper
    process vetting shares members with while it runs (ADR 0186: it lives for the batch,
    idle between packages, so it is read from ``/proc`` rather than when it ends)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime + _helper_cpu()


def _helper_cpu() -> float:
    helper = spread._helper
    if helper is None:
        return 0.0
    try:
        fields = Path(f"/proc/{helper.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def pct(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "   n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/airlock-bench-vet")
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    parser.add_argument("--no-fetch", action="store_true", help="use the cache as it is")
    parser.add_argument("--guarddog", type=int, default=0, metavar="N")
    parser.add_argument("--json", type=Path, help="also write per-file verdicts here")
    parser.add_argument(
        "--verdicts-out",
        type=Path,
        metavar="FILE",
        help="verdicts to diff across runs: popular by name, malicious calibration by digest,"
        " malicious held-out as counts and one fingerprint",
    )
    parser.add_argument("--only", choices=("malicious", "popular"), help="one corpus")
    parser.add_argument("--split", choices=("calibration", "held-out"), help="one half")
    parser.add_argument(
        "--fresh-popular",
        action="store_true",
        help="also vet bench/popular_fresh.py's projects (their held-out half: counts only)",
    )
    parser.add_argument(
        "--next-popular",
        action="store_true",
        help="also vet bench/popular_next.py's projects (both halves: counts only)",
    )
    parser.add_argument(
        "--third-popular",
        action="store_true",
        help="also vet bench/popular_third.py's projects (their held-out half: counts only)",
    )
    parser.add_argument(
        "--fifth-popular",
        action="store_true",
        help="also vet bench/popular_fifth.py's projects (their held-out half: counts only)",
    )
    parser.add_argument(
        "--sixth-popular",
        action="store_true",
        help="also vet bench/popular_sixth.py's projects (their held-out half: counts only)",
    )
    parser.add_argument("--sample", type=int, default=0, help="first N files of each split")
    parser.add_argument("--progress", action="store_true", help="a line per file as it goes")
    parser.add_argument("--whole", type=int, default=9, metavar="N", help="0: skip")
    parser.add_argument(
        "--whole-corpus",
        type=int,
        default=0,
        metavar="K",
        help="whole process on K files of each corpus chosen by size strata (malicious: its"
        " calibration half unless --split says otherwise; --sample does not narrow it)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per whole-process file")
    parser.add_argument(
        "--one-process",
        action="store_true",
        help="batch: never share a package with a helper process (the CLI does when a core is"
        " idle, ADR 0060)",
    )
    parser.add_argument(
        "--src",
        type=Path,
        action="append",
        metavar="DIR",
        help="whole process: airlock source folder to time (repeat to compare trees in turns)",
    )
    args = parser.parse_args()

    items = [] if args.only == "popular" else malicious_items(args.samples)
    items += [] if args.only == "malicious" else popular_items(args.cache, not args.no_fetch)
    split = halves([i.project for i in items if i.corpus == "malicious"])
    split |= halves([i.project for i in items if i.corpus == "popular"])
    extra = (
        (args.fresh_popular, FRESH_POPULAR, "popular-fresh"),
        (args.next_popular, NEXT_POPULAR, "popular-next"),
        (args.third_popular, THIRD_POPULAR, "popular-third"),
        (args.fifth_popular, FIFTH_POPULAR, "popular-fifth"),
        (args.sixth_popular, SIXTH_POPULAR, "popular-sixth"),
    )
    for wanted, projects, corpus in extra:
        if wanted and args.only != "malicious":
            more = popular_items(args.cache, not args.no_fetch, projects, corpus)
            items += more
            split |= halves([i.project for i in more])
    # Chosen before --split and --sample narrow the batch: malicious files from its
    # calibration half (never held-out unless asked), popular files from both.
    corpora: dict[str, list[Item]] = {}
    for corpus in ("malicious", "popular"):
        half = args.split or ("calibration" if corpus == "malicious" else None)
        corpora[corpus] = [
            i for i in items if i.corpus == corpus and half in (None, split[i.project])
        ]
    if args.split:
        items = [i for i in items if split[i.project] == args.split]
    if args.sample:
        taken: dict[tuple[str, str], int] = {}
        kept = []
        for i in items:
            key = (i.corpus, split[i.project])
            taken[key] = taken.get(key, 0) + 1
            if taken[key] <= args.sample:
                kept.append(i)
        items = kept

    rows: dict[tuple[str, str], list[tuple[Item, Outcome, float, list[str]]]] = {}
    ours, base, cpu = [], [], []
    for item in items:
        start = time.perf_counter()
        hashlib.sha256(item.data).hexdigest()
        base.append(time.perf_counter() - start)
        start, start_cpu = time.perf_counter(), _cpu_with_children()
        report = vet(item.filename, item.data, spread=not args.one_process)
        ours.append(time.perf_counter() - start)
        cpu.append(_cpu_with_children() - start_cpu)  # the helper's CPU counts too
        rules = sorted({f.rule for f in report.findings if f.severity >= 3})
        key = (item.corpus, split[item.project])
        if args.progress:
            seen = key[1] == "calibration" and key[0] != "popular-next"  # else: counted only
            shown = rules if seen else []
            name = item.filename if seen else ""
            print(f"  .. {key[1]} {report.verdict.value} {ours[-1]:.2f}s {name}", shown, flush=True)
        rows.setdefault(key, []).append((item, report.verdict, ours[-1], rules))

    print(
        f"{'split':24} {'files':>5} {'deny':>7} {'hold':>7} {'allow':>7} {'caught':>7}"
        f" {'med ms':>7} {'p95 ms':>7}"
    )
    for key in sorted(rows):
        got = rows[key]
        n = len(got)
        deny = sum(v is Outcome.DENY for _, v, _, _ in got)
        hold = sum(v is Outcome.HOLD for _, v, _, _ in got)
        times = sorted(t for _, _, t, _ in got)
        print(
            f"{key[0] + '/' + key[1]:24} {n:5} {pct(deny, n)} {pct(hold, n)} "
            f"{pct(n - deny - hold, n)} {pct(deny + hold, n)} "
            f"{1000 * statistics.median(times):7.1f} {1000 * times[int(0.95 * (n - 1))]:7.1f}"
        )
    med, bmed = statistics.median(ours), statistics.median(base)
    print(
        f"batch: {len(items)} files in {sum(ours):.1f} s, median {1000 * med:.1f} ms per file "
        f"(target <= 30 ms {'MET' if med <= 0.03 else 'MISSED'}); sha256 baseline median "
        f"{1000 * bmed:.2f} ms, ratio {med / max(bmed, 1e-9):.0f}x"
    )
    print(
        f"batch CPU: {sum(cpu):.1f} s, median {1000 * statistics.median(cpu):.1f} ms per file"
        f" (load {os.getloadavg()[0]:.1f}; {'one process' if args.one_process else 'a forked'}"
        f"{'' if args.one_process else ' helper shares packages while a core is idle'})"
    )
    for corpus, split_name in sorted(rows):
        if split_name != "calibration" or corpus == "popular-next":
            continue  # held-out misses (and popular-next's) are counted above, never shown
        for item, verdict, _, rules in rows[(corpus, split_name)]:
            wrong = (
                verdict is not Outcome.DENY
                if corpus == "malicious"
                else (verdict is not Outcome.ALLOW)
            )
            if wrong:
                print(f"   calib {corpus} {item.filename}: {verdict.value} {rules}")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {"corpus": c, "split": s, "file": i.filename, "verdict": v.value, "rules": r}
                    for (c, s), got in rows.items()
                    for i, v, _, r in got
                ],
                indent=1,
            )
        )
    if args.verdicts_out:
        args.verdicts_out.write_text(verdict_lines(rows))
    if args.whole and args.only != "malicious":
        whole_process(popular_files(args.cache), args.whole, args.runs, args.src)
    if args.whole_corpus:
        whole_corpus(corpora, args.whole_corpus, args.runs, args.cache, args.src)
    binary = guarddog(args.cache) if args.guarddog else None
    if binary is None:
        print("GuardDog: not run (pass --guarddog N)")
        return
    severity = guarddog_severities(binary)
    for key in sorted(rows):
        sample = rows[key][: args.guarddog]
        high = threat = ours_deny = ours_caught = 0
        seconds = []
        for item, verdict, _, _ in sample:
            outcome = guarddog_scan(binary, args.cache, item)
            seconds.append(float(str(outcome["seconds"])))
            rules = [str(r) for r in outcome["rules"]]  # type: ignore[attr-defined]
            high += any(severity.get(r) == "high" for r in rules)
            threat += any(not r.startswith("capability-") for r in rules)
            ours_deny += verdict is Outcome.DENY
            ours_caught += verdict is not Outcome.ALLOW
        n = len(sample)
        print(
            f"GuardDog {key[0] + '/' + key[1]:24} first {n}: high-severity {pct(high, n)}, any "
            f"threat rule {pct(threat, n)}; airlock on the same files: deny {pct(ours_deny, n)},"
            f" deny+hold {pct(ours_caught, n)}; GuardDog median {statistics.median(seconds):.2f}"
            " s per file (whole process)"
        )


if __name__ == "__main__":
    main()

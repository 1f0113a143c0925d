"""What a path the flow pass cannot fold still says: its shape (issue 16). Pure.

A path built from parts that do not fold (``os.path.join(os.getenv('APPDATA'), 'x')``,
``Path.home() / '.bashrc'``, ``prefix + '/zz.pth'``) leaves a *shape*: the known parts, an
environment variable as ``$NAME``, the home folder as ``~``, the folder Python imports
installed packages from as ``site-packages``, a registry key under :data:`sinks.REGISTRY`.
The helpers here build that text from :class:`flowtypes.Val` values and read it: whether it names
a place that runs what is put there (a ``.pth`` file, an autostart folder), and whether a run
names a path that downloaded or decoded data was written to (by its folded text or by the
text of the same expression, its *skeleton*).

Apart from :mod:`flow` because it is a table of places and string work on values, with no
walk in it; :mod:`flow`, :mod:`reach` and :mod:`handed` use it. What it does not do: fold a
value (the interpreter does), or decide anything (:mod:`chains` scores the events).
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from airlock.imports.packages import repoconfig
from airlock.imports.packages.fold import text_of
from airlock.imports.packages.sinks import (
    PERSISTENCE,
    REGISTRY,
    REGISTRY_OPENERS,
    STARTUP,
    secret_path,
)

if TYPE_CHECKING:
    from airlock.imports.packages.flowtypes import Trace, Val

MAX_SHAPE = 512
SKELETON = "\0"  # marks a ``path_var`` that is an expression's text, not a variable's name
PATH_WRITES = {"write_bytes", "write_text"}
STARTUP_WRITES = frozenset({"write", "write_text", "write_bytes"})
# Path methods whose result names the same file, or one below it (:func:`reach.path_method`).
PATH_READS = {"read_text", "read_bytes"}
PATH_METHODS = {"expanduser", "resolve", "absolute", "joinpath", "open"}
# Calls that name the folders Python imports installed packages from: a ``.pth`` or
# ``usercustomize.py`` written there runs at every start (ADR 0063).
SITE_DIRS = {
    "site.getsitepackages", "site.getusersitepackages", "distutils.sysconfig.get_python_lib",
}  # fmt: skip
# ``sysconfig.get_paths()`` names every install folder; only these two are import folders.
PATHS_TABLE = "\0sysconfig-paths"
SITE_KEYS = ("purelib", "platlib")
PATH_MAKERS = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
                         "pathlib.WindowsPath"})  # fmt: skip
REQUESTS = frozenset({"urllib.request.Request", "urllib2.Request", "requests.Request"})
# A ``.pth`` line that starts with ``import`` is run by ``site`` at every start (its docs).
STARTUP_LINE = re.compile(r"(?m)^import[ \t]")
# What a path that leaves the package's tree shows in its folded text or shape: an unknown
# part (``?``, ``{}``), the home folder, an environment variable, an absolute path.
OUTSIDE = re.compile(r"\?|\{\}|~|\$|^[/\\]|^[a-zA-Z]:|\.\.")


def arg_text(value: Val) -> str:
    return text_of(value.const) or value.shape or value.words or value.ref


def shape_of(value: Val) -> str:
    return value.const if isinstance(value.const, str) else value.shape or "{}"


def site_shape(ref: str, args: list[Val]) -> str:
    """``site-packages`` for a call naming an import folder (:data:`SITE_DIRS`), a marker for
    ``sysconfig.get_paths()`` (its ``purelib`` item is one), else empty."""
    if ref in SITE_DIRS or (ref == "sysconfig.get_path" and args and args[0].const in SITE_KEYS):
        return "site-packages"
    return PATHS_TABLE if ref == "sysconfig.get_paths" else ""


# Calls whose result is in the folder their path argument names (ADR 0085: ``os.path.dirname
# (requests.__file__)`` is still in the folder Python imports installed packages from).
SAME_FOLDER = frozenset({
    "os.path.expanduser", "os.path.expandvars", "os.path.abspath", "pathlib.Path",
    "os.path.dirname", "os.path.realpath", "os.path.normpath",
    # ADR 0098: a path made text names the same folder (``str(Path.home() / 'models')``).
    "str", "os.fspath",
})  # fmt: skip


# Where model hubs keep the weights they downloaded, named by a library's call or constant
# rather than spelt: the folder a thief walks beside the enclave's weights (ADR 0088). The
# shape is the default place; :data:`sinks.WEIGHT_FILE` reads it as weights.
HUB_CACHE = "~/.cache/huggingface/hub"
HUB_FOLDERS = {
    "torch.hub.get_dir": "~/.cache/torch/hub",
    "torch.hub._get_torch_home": "~/.cache/torch",
    "huggingface_hub.snapshot_download": HUB_CACHE,
    "huggingface_hub.hf_hub_download": HUB_CACHE,
    "huggingface_hub.try_to_load_from_cache": HUB_CACHE,
    "huggingface_hub.constants.HF_HUB_CACHE": HUB_CACHE,
    "huggingface_hub.constants.HUGGINGFACE_HUB_CACHE": HUB_CACHE,
    "huggingface_hub.constants.HF_HOME": "~/.cache/huggingface",
    "transformers.TRANSFORMERS_CACHE": HUB_CACHE,
    "transformers.utils.TRANSFORMERS_CACHE": HUB_CACHE,
    "transformers.utils.hub.TRANSFORMERS_CACHE": HUB_CACHE,
    "transformers.file_utils.TRANSFORMERS_CACHE": HUB_CACHE,
    "diffusers.utils.DIFFUSERS_CACHE": HUB_CACHE,
}


VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def variable_name(key: Val) -> str:
    """The name of an environment variable a read asks for: its folded text, or the known
    start of one that does not fold (``os.getenv('APPDATA' + x)`` reads ``$APPDATA`` when
    ``x`` is empty, the way an attacker pads a name the reader cannot fold; ADR 0169), or
    the known end of one padded at its start (``os.getenv(x + 'APPDATA')``: one unknown
    part, then a whole identifier; ADR 0171)."""
    if isinstance(key.const, str):
        return key.const
    if key.const is not None:
        return ""
    if VARIABLE.fullmatch(key.head):
        return key.head
    padded = not key.head and key.code and key.shape == "?" + key.code
    return key.code if padded and VARIABLE.fullmatch(key.code) else ""


def hub_folder(ref: str) -> str:
    """The shape of a model hub's cache folder for a call or constant that names it."""
    return HUB_FOLDERS.get(ref, "")


def call_shape(ref: str, args: list[Val]) -> str:  # noqa: PLR0911 -- one return per maker
    """The text a path-building call leaves when its value does not fold: an environment
    variable as ``$NAME``, the home folder as ``~``, joined parts with ``/``, the folder
    Python imports installed packages from as ``site-packages``."""
    site = site_shape(ref, args) or hub_folder(ref)
    if site or not args:
        return site
    name = variable_name(args[0])
    if ref in ("os.getenv", "os.environ.get") and name:
        return f"${name}"
    if ref in REGISTRY_OPENERS and len(args) >= 2:
        return REGISTRY + registry_path(args[0], args[1])
    if ref in REQUESTS:  # ``urlopen(Request(url, headers=h))`` goes to ``url`` (ADR 0067)
        return shape_of(args[0])
    if ref in PATH_MAKERS and len(args) > 1:
        return call_shape("os.path.join", args)  # ``Path(base, 'zz.pth')`` (issue 16)
    if ref in SAME_FOLDER:
        return shape_of(args[0]) if isinstance(args[0].const, str) or args[0].shape else ""
    if ref == "os.path.join" and all(isinstance(a.const, str) or a.shape for a in args):
        return "/".join(shape_of(a) for a in args[:8])[:MAX_SHAPE]
    if ref == "os.path.join":
        # A folder that does not fold (``dirname(sys.executable)``) joined to parts that
        # name a place that runs what is put there (``site-packages/x.pth``): the known
        # parts are the shape. Other paths stay unknown (``join(base, '.env')`` read is no
        # credential read; ADR 0076, 0079).
        return persistent_shape("/".join(shape_of(a) or "?" for a in args[:8]))
    return ""


def persistent_shape(known: str) -> str:
    """The known parts of a path around a folder that does not fold, when they name a place
    that runs what is put there, or a repository's configuration (ADR 0195), and no
    credential file; else empty."""
    known = known[:MAX_SHAPE]
    kept = PERSISTENCE.search(known) or repoconfig.kept(known)
    return known if kept and not secret_path(known) else ""


def startup(path: str, written: object) -> frozenset[str]:
    """:data:`STARTUP` when ``written`` puts an import line into a ``.pth`` file outside the
    package's own tree: a path that does not fold (``?/zz.pth``), or a home, environment or
    absolute one. A relative path that folds is beside ``setup.py`` (pytest-cov builds the
    ``.pth`` it installs there; ``test_vet_handed.py``)."""
    text = written if isinstance(written, str) else ""
    if isinstance(written, bytes):
        text = written.decode("latin-1")
    name = path.strip()
    if not name.lower().endswith(".pth") or not STARTUP_LINE.search(text):
        return frozenset()
    own = not OUTSIDE.search(name)
    return frozenset() if own else frozenset({STARTUP})


def registry_path(key: Val, sub: Val) -> str:
    """The path of a registry key: its parent's (when opened here) and the sub-key's text."""
    parent = key.shape.removeprefix(REGISTRY) if key.shape.startswith(REGISTRY) else ""
    return "\\".join(p for p in (parent, text_of(sub.const)) if p)


def runs_dropped(found: Trace, text: str, run_args: list[ast.expr]) -> bool:
    """A run of a file downloaded or decoded data was written to: its folded text names a
    dropped path, or its arguments' text holds the same path expression that was written."""
    if any(p in text for p in found.dropped):
        return True
    if not found.skeletons:
        return False
    said = " ".join(skeleton(a) for a in run_args)
    return any(p in said for p in found.skeletons)


def skeleton(node: ast.expr) -> str:
    """An expression's text, spaces removed, for matching the same path written and run."""
    try:
        return "".join(ast.unparse(node).split())[:200]
    except (ValueError, RecursionError):
        return ""

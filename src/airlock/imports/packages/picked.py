"""What a walk of the disk picks, and what it does to each file it finds (ADR 0083, 0085).

A thief does not need ``glob('*.safetensors')`` to find weight files: a walk of the disk
tests each name (``f.endswith('.gguf')``, ``p.suffix == '.safetensors'``,
``splitext(f)[1] in {...}``, ``re.search(r'\\.(safetensors|gguf)$', f)``). Each such test
that names weight files is a ``listing`` event, as a glob pattern is, so
:func:`chains._weights_sent` ties what is sent to what was picked. A wiper does not need
``rmtree`` either: a walk of the home folder or the root whose files are deleted or
overwritten one by one is the same act, so what such a walk yields carries :data:`WIPED`.

A thief need not name a weight file either (ADR 0088): a walk of the folder a model hub
keeps its downloads in (``torch.hub.get_dir()``, ``HF_HUB_CACHE``) lists weights, and weights
copied to a share or put on another host by a command (:func:`moved`) leave as surely as sent.

Pure helpers over the interpreter's values; :mod:`flow` and :mod:`chains` call them. What they
do not do: score (:mod:`chains` does), or follow a walk whose folder does not fold to a wiped
one.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from airlock.imports.packages import flowtypes
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.pathshape import arg_text
from airlock.imports.packages.sinks import (
    DULWICH,
    FILE,
    GIT_REPOS,
    SECRET,
    WEIGHT_FILE,
    WEIGHTS,
    WIPED,
    WIPED_FOLDER,
    secret_path,
)

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Event, Val, When

# Regular-expression calls whose first argument is the pattern names are tested against.
REGEX_CALLS = frozenset({
    "re.search", "re.match", "re.fullmatch", "re.compile", "re.findall", "re.finditer",
})  # fmt: skip
# ``\.(safetensors|gguf)``: a group of suffixes after an escaped dot, each a file suffix.
_GROUP = re.compile(r"\.\(([^()]{1,200})\)")
# Calls that list a folder's files, recursively or not (the folder is their first argument),
# and a path's methods that do (the folder is the path).
WALKERS = frozenset({
    "os.walk", "os.scandir", "os.listdir", "os.fwalk", "glob.glob", "glob.iglob",
})  # fmt: skip
WALK_METHODS = frozenset({"rglob", "glob", "iterdir", "walk"})
# A path's own globs: their pattern picks files as ``glob.glob``'s does (``Path.home().rglob(
# '*.safetensors')`` was no listing, ADR 0106).
PATH_GLOBS = frozenset({"rglob", "glob"})
# What removes or overwrites one file, by the name it is called by (a path's own method
# has no module path when the path came from a walk).
FILE_WIPES = frozenset({"remove", "unlink", "write_bytes", "write_text", "truncate"})
MAX_TESTED = 4096
# A name's own tests against a suffix or a glob pattern (``f.endswith('.gguf')``,
# ``p.match('*.safetensors')``, ``p.full_match(...)``).
NAME_TESTS = frozenset({"endswith", "match", "full_match"})
# Weight suffixes written without their dot (``f.rsplit('.', 1)[-1] in ('gguf', 'ckpt')``):
# long enough not to be a word of another kind (``'pt'`` is also Portuguese).
BARE_SUFFIX = re.compile(r"[a-z]{4,}", re.IGNORECASE)


def weight_suffixes(pattern: str) -> str:
    """The suffixes a regular expression picks, when they are weight files' (its escapes
    dropped, each group of alternatives after a dot read as suffixes: ``\\.(gguf|ckpt)$``
    is ``.gguf .ckpt$``); else empty."""
    flat = pattern[:MAX_TESTED].replace("\\", "").replace("?:", "")
    spelt = _GROUP.sub(lambda m: " ".join("." + a for a in m.group(1).split("|")), flat)
    return spelt if WEIGHT_FILE.search(spelt) else ""


def by_name(node: ast.Call, ref: str, text: str, args: list[Val]) -> tuple[str, str]:
    """``("listing", pattern)`` when the call tests a file name against weight files
    (``f.endswith(('.safetensors', '.pt'))``, ``re.search(r'\\.gguf$', f)``) or a path's
    glob picks them (``p.rglob('*.gguf')``), else ``("", text)``."""
    if ref in REGEX_CALLS and args:
        suffixes = weight_suffixes(arg_text(args[0]))
        return ("listing", suffixes) if suffixes else ("", text)
    if isinstance(node.func, ast.Attribute) and node.func.attr in NAME_TESTS | PATH_GLOBS:
        tested = text or " ".join(arg_text(v) for v in args)
        if WEIGHT_FILE.search(tested):
            return "listing", tested
        # A glob naming a credential file under a folder that does not fold
        # (``Path.cwd().rglob('*.env')``): a listing of them, as ``glob('**/.env')`` is (0110).
        public = tested.rstrip("*").endswith(".pub")
        if node.func.attr in PATH_GLOBS and secret_path(tested) and not public:
            return "listing", tested
        return "", text
    return "", text


def compared(interp: Interpreter, node: ast.Compare, env: dict[str, Val], when: When) -> None:
    """``p.suffix == '.safetensors'``, ``splitext(f)[1] in {'.gguf', '.ckpt'}``: a name
    tested against weight-file suffixes written in the code (or a name bound to them) is a
    ``listing`` event, as the same suffixes in a glob pattern are."""
    words: list[str] = []
    for operand in (node.left, *node.comparators):
        words += _literal_strings(operand, env)
    if not words:
        return
    tested = " ".join(f".{w}" if BARE_SUFFIX.fullmatch(w) else w for w in words)[:MAX_TESTED]
    if WEIGHT_FILE.search(tested):
        interp.trace.events.append(
            flowtypes.Event("listing", "compare", node.lineno, when, tested, frozenset())
        )


def _literal_strings(operand: ast.expr, env: dict[str, Val]) -> list[str]:
    if isinstance(operand, ast.Constant) and isinstance(operand.value, str):
        return [operand.value]
    if isinstance(operand, (ast.Set, ast.List, ast.Tuple)):
        elements = [e.value for e in operand.elts if isinstance(e, ast.Constant)]
        return [e for e in elements if isinstance(e, str)]
    if isinstance(operand, ast.Name) and operand.id in env:
        const = env[operand.id].const
        if isinstance(const, str):
            return [const]
        if isinstance(const, (list, tuple)):
            return [c for c in const if isinstance(c, str)]
    return []


def walked(ref: str, args: list[Val]) -> frozenset[str]:
    """:data:`WIPED` for a walk of a folder whose loss is the user's or the system's
    (``os.walk(os.path.expanduser('~'))``, ``os.scandir('/')``); else nothing. A walk of any
    other folder (a package's own, a temporary one) is not. A path's own methods
    (``Path.home().rglob('*')``) are read where the path is (:data:`WALK_METHODS`)."""
    if ref not in WALKERS or not args:
        return frozenset()
    folder = pattern = arg_text(args[0])
    if ref.startswith("glob."):
        folder = folder.split("*", 1)[0]  # ``glob('/home/**', recursive=True)``
    # What a walk of weights yields is weights: a member packed from it (``tar.add(p)``)
    # packs them, whatever its own text says (ADR 0093).
    return wiped(folder) | (WEIGHTS_FOUND if weighty(pattern) else frozenset())


def weights_walked(interp: Interpreter, line: int, callee: str, folder: str, when: When) -> None:
    """A walk of a folder that holds weights (a model hub's cache, named by its place, its
    variable or the library's call or constant for it) is a ``listing`` of them, as a glob
    of ``*.safetensors`` is: what the walk finds and sends is weights (ADR 0088)."""
    if folder and weighty(folder):
        event = flowtypes.Event("listing", callee, line, when, folder[:256], frozenset())
        interp.trace.events.append(event)


# Calls that load a model (its weights) from a folder or a hub name: ``from_pretrained`` of
# transformers, diffusers, sentence-transformers, timm's ``create_model`` does not count.
LOADERS = frozenset({"from_pretrained", "from_single_file"})


def loaded(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    ref: str,
    args: list[Val],
    kwargs: dict[str | None, Val],
    labels: frozenset[str],
    when: When,
) -> Val | None:
    """``AutoModel.from_pretrained('/models/llama')``: a model loaded from a model folder of
    the host or a weight file names weights (a ``weights-load`` event) and is weights (its
    value labelled so: what is sent of it is sent weights, ADR 0107), with what its arguments
    carried (``labels``). None for a model named by a hub id or by the caller's path."""
    method = node.func.attr if isinstance(node.func, ast.Attribute) else ref.rpartition(".")[2]
    if method not in LOADERS:
        return None
    given = args[0] if args else kwargs.get("pretrained_model_name_or_path")
    text = arg_text(given) if given is not None else ""
    if not text or not weighty(text):
        return None
    event = flowtypes.Event(
        "weights-load", ref or method, node.lineno, when, text[:256], frozenset()
    )
    interp.trace.events.append(event)
    return flowtypes.Val(labels=labels | WEIGHTS_FOUND)


# Calls that write a model (its weights) to the path they are given: a model's own method,
# or a function given the model first.
SAVERS = frozenset({"save_pretrained", "save_model"})
SAVE_FUNCTIONS = frozenset({"torch.save", "safetensors.torch.save_file", "numpy.save"})


def saved(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter, node: ast.Call, ref: str, callee: Val, args: list[Val], when: When
) -> None:
    """A model loaded from weights (:func:`loaded`) written to a path: a ``copy`` event of
    weights to it, which :func:`moved` weighs as a copy of weight files (a share or a
    mounted host is another host's; ADR 0107)."""
    method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if method in SAVERS and args and callee.labels >= WEIGHTS_FOUND:
        dest = arg_text(args[0])
    elif ref in SAVE_FUNCTIONS and len(args) >= 2 and args[0].labels >= WEIGHTS_FOUND:
        dest = arg_text(args[1])
    else:
        return
    both = f"weights\n{dest[:256]}"
    interp.trace.events.append(
        flowtypes.Event("copy", ref or method, node.lineno, when, both, frozenset())
    )


def path_glob(interp: Interpreter, node: ast.Call, folder: Val, args: list[Val], when: When) -> Val:
    """``Path.home().rglob('*.safetensors')``: a ``listing`` of weights under the folder, its
    text the folder joined to the pattern (so that a fixed place is seen as one, ADR 0106),
    and what it yields labelled as weights, as :func:`walked` labels a walk's."""
    pattern = arg_text(args[0]) if args else ""
    # What it finds under a credential folder is a credential, unless it picks public keys
    # only (``(home / '.ssh').glob('*.pub')``: an SDK uploads them; probe 17).
    public = pattern.rstrip("*").endswith(".pub")
    # So is what a pattern naming a credential file finds anywhere (``Path.home().rglob(
    # '.env')``), as ``glob.glob('**/.env')``'s finds already were (ADR 0110).
    secret = secret_path(folder.shape) or secret_path(pattern)
    found = frozenset({SECRET}) if secret and not public else frozenset()
    if not WEIGHT_FILE.search(pattern):
        return flowtypes.Val(labels=folder.labels | found)
    attr = node.func.attr if isinstance(node.func, ast.Attribute) else "glob"
    text = f"{folder.shape.rstrip('/')}/{pattern}"[:MAX_TESTED]
    interp.trace.events.append(
        flowtypes.Event("listing", attr, node.lineno, when, text, frozenset())
    )
    return flowtypes.Val(labels=folder.labels | WEIGHTS_FOUND | found)


def wiped(folder: str) -> frozenset[str]:
    """:data:`WIPED` when ``folder`` is the home folder, the root, a system folder, a drive."""
    return frozenset({WIPED}) if folder and WIPED_FOLDER.match(folder) else frozenset()


def overwrites(mode: object, path: Val) -> bool:
    """Whether ``open(path, mode)`` empties a file a walk of a wiped folder found (a wiper
    that writes zeros, ransomware that writes each file encrypted)."""
    return isinstance(mode, str) and "w" in mode and WIPED in path.labels


def wipes(node: ast.Call, ref: str, labels: frozenset[str]) -> bool:
    """Whether the call deletes or overwrites a file a walk of a wiped folder found
    (``os.remove(os.path.join(root, f))``, ``f.unlink()``)."""
    if WIPED not in labels:
        return False
    name = node.func.attr if isinstance(node.func, ast.Attribute) else ref.rpartition(".")[2]
    return name in FILE_WIPES


def packed(
    interp: Interpreter,
    node: ast.Call,
    ref: str,
    args: list[Val],
    kwargs: dict[str | None, Val],
    *,
    when: When,
) -> None:
    """A ``pack`` event for weights put into an archive or a message (ADR 0089):
    ``shutil.make_archive(base, 'zip', root_dir=HF_HUB_CACHE)``, a tar's or a zip's
    ``add``/``write`` of a weight file, a message's ``add_attachment``/``set_payload`` (or a
    ``MIMEApplication`` part) of a file's bytes. What is sent next carries the archive or the
    message, not the file, so :func:`moved` ties the two by the module sending on install or
    import."""
    name = node.func.attr if isinstance(node.func, ast.Attribute) else ref
    shared = _archive_at(ref, args, kwargs)
    if SHARE.match(shared):
        # An archive written on a share (ADR 0110): what is packed into it leaves (:func:`moved`).
        event = flowtypes.Event("archive", ref, node.lineno, when, shared[:256], frozenset())
        interp.trace.events.append(event)
    given = [*args, *kwargs.values()]
    if ref == "shutil.make_archive":
        given = given[2:] if len(args) >= 2 else given  # the folder, not the archive's name
    elif ref in MESSAGE_MAKERS:
        name = "set_payload"  # ``MIMEApplication(data)`` is a part made with its body
    elif name in MESSAGE_PARTS and (not ref or ref.startswith("email.")):
        pass
    elif ref.startswith(ARCHIVES) and name == "open":
        if not _member_written(args, kwargs):
            return  # a member read back is no packing
        given = args[:1]  # ``zf.open(name, 'w')``: a member written into a zip (ADR 0093)
    elif not (name in ARCHIVE_ADDS and (not ref or ref.startswith(STAGED_IN))):
        return
    text = " ".join(arg_text(v) for v in given)[:MAX_TESTED]
    # A message's part made of a file's bytes, or an archive made or added to by a call that
    # resolves (a member's path may come from a walk): then the module must name weights
    # elsewhere (:func:`moved`). An unresolved ``x.add(...)`` or ``f.write(...)`` counts only
    # when its text names weights.
    carries = any(FILE in v.labels for v in given) if name in MESSAGE_PARTS else bool(ref)
    found = frozenset().union(*(v.labels for v in given)) & WEIGHTS_FOUND
    if WEIGHT_FILE.search(text) or carries or found:
        interp.trace.events.append(
            flowtypes.Event("pack", ref or name, node.lineno, when, text, found)
        )


def _archive_at(ref: str, args: list[Val], kwargs: dict[str | None, Val]) -> str:
    """Where an archive made for writing is written (``tarfile.open('/mnt/s/m.tar', 'w')``,
    ``make_archive('/mnt/s/m', 'zip', root)``'s base name), else empty."""
    if not args:
        return ""
    if ref == "shutil.make_archive" or (ref in ARCHIVES and _member_written(args, kwargs)):
        return arg_text(args[0])
    return ""


def _member_written(args: list[Val], kwargs: dict[str | None, Val]) -> bool:
    """Whether ``ZipFile.open(name, mode)`` opens its member for writing."""
    mode = args[1].const if len(args) > 1 else kwargs["mode"].const if "mode" in kwargs else "r"
    return isinstance(mode, str) and "w" in mode


def weighty(text: str) -> bool:
    """Whether a pack's or a walk's text names weights: a weight file or a hub's cache
    (:data:`WEIGHT_FILE`), or a folder of the host named for models (``/models``,
    ``~/checkpoints``, ``/srv/ckpt``; ADR 0093). A package's own ``models`` folder is not one:
    only a path written from the root or the home folder is the host's."""
    words = text.split()
    return bool(WEIGHT_FILE.search(text)) or any(
        MODEL_FOLDER.match(w) or MODEL_VARIABLE.match(w) for w in words
    )


WEIGHTS_FOUND = frozenset({WEIGHTS})
# A folder of the host named for models: a path from the root, the home folder or a drive
# with a part named ``models``, ``checkpoints``, ``ckpt`` or ``weights`` (ADR 0093), or
# ``llm``/``llms`` (``/srv/llm``, ADR 0098).
MODEL_FOLDER = LazyPattern(
    r"\s*(?:/|~|\$HOME\b|[a-z]:\\)[^\s]*?(?<![\w.-])"
    r"(?:models?|checkpoints?|ckpts?|weights|llms?)(?![\w.-])",
    re.IGNORECASE,
)
# A deployment's model folder named by its variable (``os.environ['MODEL_DIR']`` reads as
# ``$MODEL_DIR``; SageMaker's ``SM_MODEL_DIR``, ollama's ``OLLAMA_MODELS``; ADR 0098): a
# variable whose name is a model word, alone or before ``_DIR``, ``_PATH``, ``_HOME`` or
# ``_ROOT``. Only at the start of a path: ``$MODEL_DIR/config.json`` is still the folder's.
MODEL_VARIABLE = LazyPattern(
    r"\s*\$(?:\w+_)?(?:MODELS?|CHECKPOINTS?|CKPTS?|WEIGHTS|LLMS?)(?:_(?:DIR|PATH|HOME|ROOT))?\b",
    re.IGNORECASE,
)
# A place written whole in the code: a folder under the root, the home folder, a drive, or
# a hub's cache (by its variable or its default folder). The caller's folder (a parameter) is
# not: joined to a suffix it leaves the suffix alone (``folder + '/*.safetensors'`` reads as
# ``/*.safetensors``), so a bare root with no folder named after it is no place.
FIXED_PLACE = LazyPattern(
    r"\s*(?:/(?=[\w.~-])|~|\$(?:HOME|HF_HOME|HF_HUB_CACHE|HUGGINGFACE_HUB_CACHE|TRANSFORMERS_CACHE|"
    r"TORCH_HOME)\b|[a-z]:\\)"
    # A deployment's model folder by its variable (ADR 0098): the host's, not the caller's.
    r"|" + MODEL_VARIABLE.pattern,
    re.IGNORECASE,
)


# A tar's and a zip's calls that put a file in the archive (by its path), as a GitPython
# repository's ``index.add``/``git.add`` stages it for a push (ADR 0090); a message's calls
# that put data in it (an attachment, a part's body).
ARCHIVE_ADDS = frozenset({"add", "addfile", "write", "writestr"})
# Archives opened for writing, named by their class so that their methods resolve (the
# repositories resolve as clients, :data:`sinks.CLIENTS`).
ARCHIVES = ("zipfile.ZipFile", "tarfile.open", "tarfile.TarFile")
STAGED_IN = (*ARCHIVES, *GIT_REPOS, DULWICH)
MESSAGE_PARTS = frozenset({"add_attachment", "set_payload", "set_content"})
MESSAGE_MAKERS = frozenset({
    "email.mime.application.MIMEApplication", "email.mime.image.MIMEImage",
    "email.mime.audio.MIMEAudio",
})  # fmt: skip


def moved(events: list[Event], named: list[Event]) -> list[Event]:
    """On install or import, weights put where another host reads them (ADR 0088): a
    command copying weight files to a host or a bucket (``scp``, ``rsync``, ``aws s3 cp``,
    ``gsutil cp``, ``az storage blob upload``, ``huggingface-cli upload``), and a file copy
    (``shutil.copy``/``copytree``/``move``) to a share (``/mnt``, ``//host/share``,
    ``\\\\host\\share``, ``smb://``) or after a network mount (``sshfs``, ``mount -t cifs``)
    while the module names weights. A backup of a config file to ``/mnt`` names no weights;
    a trainer's copy when called is not judged."""
    eager = [e for e in events if e.when is not flowtypes.When.LATER]
    commands = [
        e
        for e in eager
        if e.kind == "process" and REMOTE_COPY.search(e.text) and weighty(copied_from(e.text))
    ]
    # ``git push`` or ``twine upload`` of a repository or files another command named
    # (``git add model.safetensors`` then ``git push URL``; ADR 0089).
    if any(e.kind == "process" and WEIGHT_FILE.search(e.text) for e in eager) or named:
        commands += [e for e in eager if e.kind == "process" and PUBLISH.search(e.text)]
    mounted = any(e.kind == "process" and NET_MOUNT.search(e.text) for e in eager)
    copies = [
        e
        for e in eager
        if e.kind == "copy" and (mounted or SHARE.match(e.text.rpartition("\n")[2]))
    ]
    # Weights packed into an archive or a message, and the module sending on install or
    # import: what it sends is the archive or the message (ADR 0089).
    # An archiver run as a command packs as ``tarfile`` does (``tar czf out.tgz /models``),
    # counted only when the command itself names the weights (ADR 0093).
    packs = [e for e in eager if e.kind == "pack"]
    packs += [e for e in eager if e.kind == "process" and PACKER.search(e.text) and weighty(e.text)]
    sends = any(e.kind == "network" for e in eager)
    packed_weights = [e for e in packs if weighty(e.text)]
    packs = packs if sends and (named or packed_weights) else []
    return commands + (copies if named else []) + packs


# Copy programs whose last path is where they copy to (``aws s3 sync SRC DST``).
DIRECTED = LazyPattern(
    r"\b(?:scp|rsync|rclone\s+(?:copy|copyto|sync|move|moveto)|aws\s+s3\s+(?:cp|sync|mv)"
    r"|gsutil\s+(?:-m\s+)?(?:cp|rsync|mv)|azcopy\s+(?:copy|cp|sync))\b"
)
# Programs that copy files within this machine's view of the disk, last path the destination
# (a share is mounted there).
LOCAL_COPY = LazyPattern(r"(?:^|[\s/])(?:cp|mv|rsync|ditto|robocopy|xcopy)\s")
SHELL_SEPARATOR = re.compile(r"[;&|]")


def copy_paths(text: str, program: re.Match[str] | None) -> tuple[list[str], str] | None:
    """The paths a copy command copies from and the one it copies to: the paths written
    after ``program`` up to the end of its shell command, the last being the destination.
    None when no copy program was found or it names fewer than two paths."""
    if program is None:
        return None
    command = SHELL_SEPARATOR.split(text[program.end() :], maxsplit=1)[0]
    paths = [w for w in command.split() if not w.startswith("-")]
    return (paths[:-1], paths[-1]) if len(paths) >= 2 else None


def copied_from(text: str) -> str:
    """What a copy command copies from: its paths but the last, which is where it copies to
    (ADR 0118: ``aws s3 sync s3://b/llama /models/llama`` fetches weights, it sends none).
    The whole text for other commands, and when the paths cannot be told apart."""
    ends = copy_paths(text, DIRECTED.search(text))
    return " ".join(ends[0]) if ends is not None else text


# Programs that put a file on another host or in a cloud bucket, as written in a command
# (``nc host port < file`` sends it raw).
REMOTE_COPY = LazyPattern(
    r"\b(?:scp|sftp|rsync|rclone|aws\s+s3\s+(?:cp|sync|mv)|gsutil\s+(?:-m\s+)?(?:cp|rsync|mv)"
    r"|az\s+storage\s+(?:blob|file)\s+upload(?:-batch)?|azcopy|huggingface-cli\s+upload"
    r"|hf\s+upload|twine\s+upload|nc|ncat|socat)\b"
)
# Archivers that make an archive of the files they are given, as written in a command.
PACKER = LazyPattern(r"(?:^|[\s/])(?:tar\s+-?\w*c\w*|zip\s+-\w*r|7za?\s+a)\s")
# Commands that publish what was committed or built elsewhere in the module.
PUBLISH = LazyPattern(r"\b(?:git\s+(?:-C\s+\S+\s+)?push|twine\s+upload)\b")
# A folder another host reads: a mount of a share, a UNC path, an SMB or SSH address.
SHARE = LazyPattern(r"\s*(?:/mnt/|/media/|/net/|//[\w.-]+/|\\\\[\w.-]+\\|smb://|sftp://)", re.I)
NET_MOUNT = LazyPattern(r"\b(?:sshfs|mount\.(?:cifs|nfs|smb3?)|mount\s+-t\s+(?:cifs|nfs|smb))\b")

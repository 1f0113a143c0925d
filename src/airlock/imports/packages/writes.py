"""What a call writes into: files, buffers and objects, and the files it drops (issue 16).

:class:`flow.Interpreter` hands each write here: ``f.write(x)``, ``os.write(fd, x)`` of a
``mkstemp`` file, ``p.write_bytes(x)`` of a path object (a ``write`` event of that path);
``name.append(x)`` and the other :data:`MUTATORS` (the object now carries what ``x``
carried); ``json.dump(x, buf)``, ``img.save(buf)``, ``ConfigParser.read(path)`` (the buffer
or object now holds that data, ADR 0076, 0079); and a file opened by a credential's path or
a path one was copied to. Downloaded or decoded data written to a path makes that path a
*dropped* file (``Trace.dropped``, ``Trace.skeletons``): running it later is a dropper, also
when the run was walked before the write (:func:`late_drops`, ADR 0041).

Apart from :mod:`flow` because it is the write side of the data flow, one rule set met at
several places of a call. Pure and bounded like :mod:`flow`. What it deliberately does not
do: follow a file handle through a container, or read what a file held before.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING

from airlock.imports.packages import (
    envurl,
    flowtypes,
    handed,
    pathreads,
    sharedstate,
    stashed,
    tempname,
    writtenrun,
)
from airlock.imports.packages.pathshape import PATH_WRITES, SKELETON, arg_text, runs_dropped
from airlock.imports.packages.sinks import (
    DECODED,
    DROPPED,
    ENV,
    HIDDEN,
    HOSTINFO,
    MEDIA,
    MEDIA_FILE,
    REMOTE,
    SECRET,
    SECRET_DATA,
    START_SCRIPTS,
    UNPACKED,
    secret_path,
)

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

# Methods that put their arguments into the object they are called on.
MUTATORS = {"append", "extend", "insert", "add", "update", "write", "writelines", "appendleft"}
# A mail message's body and parts set in place (``m.set_content(str(os.environ))``; ADR 0098).
MUTATORS |= {"set_content", "add_attachment", "set_payload", "attach", "add_alternative"}
# A queue's item and a context variable's value, got back by another function or thread
# (``Q.put(dict(os.environ))``, ``V.set(token)``; ADR 0193).
MUTATORS |= {"put", "put_nowait", "set", "setdefault"}
MAX_DROPPED = 256  # folders recorded as unpacked downloads per module
TEMP_FILES = {"tempfile.mkstemp"}
# Calls that write their first argument's data into the buffer or file given second, and
# methods that write their object into the one given first (a picture's ``save``).
DUMPS = {"json.dump", "pickle.dump", "marshal.dump", "dill.dump", "yaml.dump", "numpy.save"}
DUMPS |= {"torch.save"}  # a state dict saved into a buffer (ADR 0083)
SAVES = {"save", "dump", "tofile", "write_to"}
# Methods that fill their object from a file's path or content (``ConfigParser.read``).
LOADS = {"read", "read_file", "read_dict"}
LOADED = frozenset({SECRET, ENV, envurl.LED})


def late_drops(interp: Interpreter) -> None:
    """Runs of a path that decoded or downloaded data was written to by code walked
    after them: ``def run(self): Popen([exe, self.path])`` before ``def write(self):
    open(self.path, 'wb').write(data)`` (functions are walked in no fixed order)."""
    for found, index, text, run_args in interp.unmatched:
        if index < len(found.events) and runs_dropped(found, text, run_args):
            event = found.events[index]
            found.events[index] = replace(event, labels=event.labels | {DROPPED})
    interp.unmatched.clear()


def temp_file(
    interp: Interpreter, target: ast.Tuple, value: ast.Call, env: dict[str, Val], when: When
) -> None:
    """``fd, path = tempfile.mkstemp()``: ``os.write(fd, data)`` writes to ``path``."""
    if len(target.elts) == 2 and interp.expr(value.func, env, when).ref in TEMP_FILES:
        fd, path = target.elts
        if isinstance(fd, ast.Name) and isinstance(path, ast.Name):
            held = env[path.id].const  # its stand-in name (ADR 0162)
            name = held if isinstance(held, str) and held.startswith(tempname.TEMP) else "?"
            env[fd.id] = flowtypes.Val(labels=env[fd.id].labels, handle=name, path_var=path.id)


def filled(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter, node: ast.Call, ref: str, callee: Val, args: list[Val], env: dict[str, Val]
) -> None:
    """A buffer named by a call's argument now holds the data the call writes into it:
    ``ImageGrab.grab().save(buf, 'PNG')``, ``json.dump(secrets, fp)`` (ADR 0076)."""
    if ref in DUMPS and len(node.args) >= 2:
        data, target = args[0].labels, node.args[1]
    elif isinstance(node.func, ast.Attribute) and node.func.attr in SAVES and node.args:
        data, target = callee.labels, node.args[0]
    elif isinstance(node.func, ast.Attribute) and node.func.attr in LOADS and node.args:
        # ``c = ConfigParser(); c.read('~/.aws/credentials')``: the object now holds the
        # file's content (ADR 0079); ``c.read_file(f)`` what ``f`` carries.
        read = node.func.attr == "read" and secret_path(arg_text(args[0]))
        data, target = (flowtypes.SECRET_NAME if read else args[0].labels & LOADED), node.func.value
        if node.func.attr == "read" and pathreads.host_file(args[0]):
            data = frozenset({HOSTINFO})  # ``c.read('.git/config')`` (ADR 0195)
    else:
        return
    data -= {HIDDEN}
    if not data:
        return
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        # ``json.dump(env, self.buf)`` of an instance a local class made (ADR 0079).
        key = (env.get(target.value.id, flowtypes.UNKNOWN).ref, target.attr)
        held = interp.attrs.get(key)
        if held is not None and data - held.labels and not held.ref:
            interp.attrs[key] = held._replace(labels=held.labels | data)
        return
    if not isinstance(target, ast.Name):
        return
    old = env.get(target.id, flowtypes.UNKNOWN)
    if old.handle:  # ``json.dump(env, f)`` into an open file, sent by its path later
        stashed.keep(interp, old.handle, data)
    if data - old.labels and not old.ref:
        env[target.id] = old._replace(labels=old.labels | data)


def secret_file(interp: Interpreter, path: Val) -> bool:
    """A credential file's path, or a path one was copied to."""
    if isinstance(path.const, str) and secret_path(path.const):
        return True
    if path.shape and secret_path(path.shape) and not path.shape.endswith(".pub"):
        # ``os.path.expanduser('~/.ssh/id_rsa')``: a path with no constant (probe 17); a
        # public key is made to be shared (an SDK uploads one to its cloud).
        return True
    text = arg_text(path)
    return bool(text) and text in interp.secret_copies


def mutate(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    labels: frozenset[str],
    env: dict[str, Val],
    when: When,
    data: list[Val] = [],  # noqa: B006 -- never changed: the written value, when known
) -> None:
    """``name.append(x)``, ``f.write(x)``: the object now holds what ``x`` carried."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return
    name, method = func.value.id, func.attr
    recv = env.get(name)
    if method in PATH_WRITES and labels & {REMOTE, DECODED} and recv is not None:
        # ``p.write_bytes(data)`` on a path object: the file ``p`` names now holds it.
        path = flowtypes.Val(handle=arg_text(recv) or "?", path_var=name)
        written(interp, path, node, labels, env, when)
        return
    if recv is None or method not in MUTATORS:
        return
    if recv.ref and not recv.handle:
        # A module, class or client is not data; a name imported from another module of the
        # archive (``from ._state import BUF``) is that module's object (ADR 0195).
        if labels & SECRET_DATA and interp.package is not None:
            sharedstate.given(interp, recv, labels & SECRET_DATA)
        return
    if recv.handle and method in ("write", "writelines"):
        written(interp, recv, node, labels, env, when, data)
    if labels - recv.labels:
        env[name] = flowtypes.Val(
            None, "", recv.labels | labels, recv.func, recv.handle, recv.path_var
        )


def attribute_grown(
    interp: Interpreter, node: ast.Call, labels: frozenset[str], env: dict[str, Val]
) -> None:
    """``self.buf.append(x)`` on an attribute a local class's instance keeps (``self.buf =
    []``): the attribute now holds what ``x`` carried, for the method that sends it (ADR
    0193)."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute)):
        return
    target, carried = func.value, labels & SECRET_DATA
    if func.attr not in MUTATORS or not isinstance(target.value, ast.Name) or not carried:
        return
    owner = env.get(target.value.id, flowtypes.UNKNOWN).ref
    held = interp.attrs.get((owner, target.attr))
    if held is None and owner.removesuffix("()") in interp.classes:
        # Set where the walk did not go (``__init__`` run with nothing to carry in).
        handed.keep_attribute(interp, owner, target.attr, flowtypes.Val(labels=carried))
    elif held is not None and carried - held.labels and not held.ref and not held.handle:
        interp.attrs[owner, target.attr] = held._replace(labels=held.labels | carried)


def written(  # noqa: PLR0917 -- the parts of one write
    interp: Interpreter,
    recv: Val,
    node: ast.Call,
    labels: frozenset[str],
    env: dict[str, Val],
    when: When,
    data: list[Val] = [],  # noqa: B006 -- never changed: the written value, when known
) -> None:
    """Data carrying ``labels`` (``data``: the value itself) written to the open file
    ``recv``."""
    line, direct = node.lineno, interp.depth == 0
    path = tempname.unnamed(recv.handle)  # no stand-in of a temporary name (ADR 0162)
    stashed.keep(interp, recv.handle, labels)  # sent by the file later (ADR 0193)
    interp.trace.events.append(flowtypes.Event("write", "write", line, when, path, labels, direct))
    command = _written_text(data)
    if command:
        writtenrun.keep(interp, recv.handle, command)  # run later (ADR 0161)
    if command and START_SCRIPTS.search(recv.handle):
        # A line written into a shell's start file or a crontab is a command run later:
        # judged as one (``curl ... | sh`` appended to ``~/.profile`` when called, probe 17).
        event = flowtypes.Event("process", "write", line, when, command[:4096], labels, direct)
        interp.trace.events.append(event)
    # Bytes cut from a picture or a sound and saved under another name (a program) are
    # a payload carried in media (ADR 0086: requests-darwin-lite's PNG); saved as a
    # picture or a sound again they are a copy.
    carved = MEDIA in labels and not MEDIA_FILE.search(recv.handle)
    if labels & {REMOTE, DECODED} or carved:
        target = ast.Name(recv.path_var) if recv.path_var else ast.Constant(recv.handle)
        dropped_to(interp, target, env, recv.handle)


def _written_text(data: list[Val]) -> str:
    """The text a write writes: a folded text, lines (``writelines``), or the shape of one
    that does not fold."""
    if not data:
        return ""
    value = data[0]
    if isinstance(value.const, list):
        return "".join(x for x in value.const if isinstance(x, str))
    if isinstance(value.const, bytes):  # ``f.write(CMD.encode())`` (ADRs 0157, 0162)
        return value.const.decode("utf-8", "replace")
    return value.const if isinstance(value.const, str) else value.head or value.shape


def dropped_to(interp: Interpreter, target: ast.expr, env: dict[str, Val], path: str) -> None:
    """Downloaded or decoded data was written to ``target``: running it is a dropper."""
    if isinstance(target, ast.Name) and target.id.startswith(SKELETON):
        if len(interp.trace.skeletons) < 64:
            interp.trace.skeletons.add(target.id.removeprefix(SKELETON))
    elif isinstance(target, ast.Name):
        old = env.get(target.id, flowtypes.UNKNOWN)
        env[target.id] = flowtypes.Val(old.const, old.ref, old.labels | {DROPPED}, old.func)
    if len(path) >= 4 and path != "?":
        interp.trace.dropped.add(path)


# Calls that write an archive's members into a folder, by the name they are called by, and
# where the folder is given (a position, a keyword).
UNPACKERS = {
    "unpack_archive": (1, "extract_dir"), "extractall": (0, "path"), "extract": (1, "path"),
}  # fmt: skip


def unpacked(  # noqa: PLR0917 -- the parts of one call, as flow evaluated them
    interp: Interpreter,
    node: ast.Call,
    args: list[Val],
    kwargs: dict[str | None, Val],
    labels: frozenset[str],
    env: dict[str, Val],
) -> None:
    """``shutil.unpack_archive(downloaded, d)``, ``tarfile.open(fileobj=remote)
    .extractall(d)``: the archive's members are downloaded data written under ``d``, so
    running a file there (or importing from there) is a dropper (ADR 0085). The folder itself
    is not a dropped file: a build script that unpacks a library's download and runs its own
    tools with the folder as their working directory runs nothing from it by name."""
    name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    name = name or (node.func.id if isinstance(node.func, ast.Name) else "")
    where = UNPACKERS.get(name)
    if where is None or not labels & {REMOTE, DECODED, DROPPED}:
        return
    position, keyword = where
    if keyword in kwargs:
        target: ast.expr | None = next(k.value for k in node.keywords if k.arg == keyword)
        folder = kwargs[keyword]
    elif len(node.args) > position and len(args) > position:
        target, folder = node.args[position], args[position]
    else:
        return
    if isinstance(target, ast.Name):
        old = env.get(target.id, flowtypes.UNKNOWN)
        env[target.id] = old._replace(labels=old.labels | {UNPACKED})
    path = arg_text(folder).rstrip("/\\")
    if len(path) < 2 or path == "?" or path + "/" in interp.trace.dropped:
        return
    if len(interp.trace.dropped) >= MAX_DROPPED:
        # A file run from under it would not be known as unpacked (ADR 0189).
        interp.trace.past(f"a download unpacked past the {MAX_DROPPED} folders airlock keeps")
        return
    interp.trace.dropped.add(path + "/")  # what is under it, not the folder


def under_unpacked(args: list[Val]) -> bool:
    """Whether a path under a folder a download was unpacked into is among ``args``."""
    return any(UNPACKED in a.labels for a in args)

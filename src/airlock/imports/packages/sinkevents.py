"""A call to a sink made into the flow pass's :class:`flowtypes.Event`: its kind, its
moment, what flowed into it (issue 16; ADR 0112). Bound as :class:`flow.Interpreter`'s
method; ``self`` is the interpreter.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import (
    across,
    childenv,
    dbsends,
    deeper,
    descriptors,
    envurl,
    execmemory,
    fetchtool,
    folderpack,
    foreign,
    handedcode,
    hostile,
    incluster,
    intercept,
    logsent,
    parttext,
    pathreads,
    picked,
    pickledconst,
    piped,
    poweroff,
    remotes,
    signedaway,
    signin,
    sinkcall,
    sockown,
    stashed,
    tempname,
    writes,
    writtenrun,
)
from airlock.imports.packages.flowtypes import Event, Val, When, key_table
from airlock.imports.packages.fold import DECODERS, DECOMPRESSORS, text_of
from airlock.imports.packages.folderpack import MAKE_ARCHIVE
from airlock.imports.packages.pathshape import (
    PATH_READS,
    SKELETON,
    arg_text,
    call_shape,
    runs_dropped,
    skeleton,
)
from airlock.imports.packages.sinks import (
    CLIENTS,
    CLIPBOARD_METHODS,
    CLIPBOARD_READS,
    DECODED,
    DNS,
    DROPPED,
    ENV,
    ENV_COMMANDS,
    FILE,
    GLOBBERS,
    HIDDEN,
    HOST_COMMANDS,
    HOSTINFO,
    KEY_BYTE,
    MEDIA,
    MEDIA_FILE,
    METADATA_HOSTS,
    PROCESS_MEMORY,
    REMOTE,
    SECRET,
    SECRET_COMMANDS,
    SECRET_DATA,
    SENDING_METHODS,
    SILENT,
    STAGED,
    TOKEN_COMMANDS,
    WEIGHT_LOADERS,
    WRITTEN_UPLOAD,
    decrypts,
    gives_client,
    kind_of,
    secret_path,
    source_labels,
    uploads_by_path,
)

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

# What a look-up's or a glob's text is read from part by part (:meth:`flow.Interpreter.partial`).
SPELT_PARTS = (ast.List, ast.Tuple, ast.BinOp, ast.JoinedStr)


def sink(  # noqa: PLR0911, PLR0912, PLR0915, PLR0917 -- the parts of one call, evaluated once
    self: Interpreter,
    node: ast.Call,
    callee: Val,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> Val:
    """Record the call as a sink event when it is one; the value it returns."""
    ref = callee.ref
    c = [a.const for a in args]
    labels = frozenset().union(*(a.labels for a in [*args, *kwargs.values()]))
    kind = kind_of(ref)
    labels |= pickledconst.runs_code(kind, ref, c)  # ``pickle.loads(b64decode(B))`` (0126)
    kind = kind or pickledconst.unpickles(ref, labels, callee.labels)  # ``load(BytesIO(B))``
    method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if not kind and method:
        kind = "clipboard" if method in CLIPBOARD_METHODS else ""
        # A model's, a tokenizer's or a data set's own upload, whatever made it (0107).
        kind = kind or ("network" if method in SENDING_METHODS else "")
    # Arguments already evaluated give their text; lists keep the elements that fold, and
    # so does a name to resolve (``v + '.evil.example'``, v from os.environ: ADR 0076).
    # Only a sink's text is read; a list or tuple argument is read again whatever the
    # callee (:meth:`partial` steps the budget and meets the calls inside it), so that
    # reading is kept, and only the text of other calls is not built (issue 16).
    # A listing's pattern keeps its literal parts too (``folder + '/*.safetensors'``).
    spelt_in_parts = ref in DNS or ref in GLOBBERS
    # An f-string's fields too: a name's value keeps its variable (``$SERVICE_NAME``), as
    # joined by ``+`` (ADR 0109: ``{}`` read as a value changed first, and denied).
    partly = SPELT_PARTS if spelt_in_parts else (ast.List, ast.Tuple)

    def in_parts(arg: ast.expr) -> bool:
        if isinstance(arg, partly) or (spelt_in_parts and sinkcall.spelt(arg)):
            return True
        # A command too, when its program is written (ADR 0153): ``os.system('curl … | sh '
        # + x)``, ``['bash', '-c', CMD] + sys.argv[1:]`` keep their known words.
        built = isinstance(arg, SPELT_PARTS) or sinkcall.spelt(arg)
        return kind == "process" and built and sinkcall.written_head(arg, env)

    text = ""
    handler = ref in logsent.NETWORK_HANDLERS or ref in logsent.SYSLOG_HANDLERS
    named = kind or handler  # a log handler's text is its host
    uploads = kind == "network" and (uploads_by_path(ref) or method in SENDING_METHODS)
    if named or any(isinstance(a, (ast.List, ast.Tuple)) for a in node.args):
        text = " ".join(
            [
                self.partial(a, env) if in_parts(a) else arg_text(v) or parttext.sink_text(kind, v)
                for a, v in zip(node.args, args, strict=False)
            ]
            + [
                arg_text(v) if uploads else text_of(v.const)  # ``folder_path=`` (0083)
                for v in kwargs.values()
            ]
            + [  # ``Popen(args=[…] + x)``: a command given by name (ADR 0153)
                self.partial(k.value, env)
                for k in node.keywords
                if kind == "process" and k.arg == "args" and in_parts(k.value)
            ]
        )[:4096]
    if uploads and sinkcall.all_written([*args, *kwargs.values()]):
        labels |= {WRITTEN_UPLOAD}  # what it sends and where are the module's (ADR 0106)
    if not kind:
        # ``f.endswith(('.safetensors', '.pt'))``, ``re.search(r'\.gguf$', f)`` in a walk
        # pick weight files as a glob pattern does (ADR 0083, 0085): a listing event,
        # only when they name them.
        kind, text = picked.by_name(node, ref, text, args)
    # Memory made executable, a function made of an address (ADR 0113: POSIX loaders).
    memory = "" if kind else execmemory.callee(ref, node, args, kwargs)
    kind = kind or ("memory" if memory else "")
    if not kind and picked.wipes(node, ref, labels | callee.labels):
        # Each file a walk of the home folder found, deleted or overwritten (ADR 0085).
        kind = "delete"
    if kind == "process":
        text, labels = self.command_text(node, text, args, kwargs, env, ref, when)
        handed = sinkcall.interpreter_code(node)
        if handed is not None:
            seen = (len(self.trace.events), len(self.trace.recovered))
            read = self.nested(handed, {}, when)  # ``python -c CODE`` runs CODE (ADR 0086)
            quiet = read and seen == (len(self.trace.events), len(self.trace.recovered))
            if quiet and sinkcall.inert_child(ref, node, handed):
                labels |= {sinkcall.INERT_CODE}
    # ``marshal.loads(b'...')``: bytecode or a pickle written into the source is code
    # nobody can read there, as a decoded string is (``exec(marshal.loads(..))``).
    labels |= sinkcall.written_in(kind, node, args)
    # What a sink returns is not what it is given: ``gethostbyname('a.b.org')`` is a
    # host-information source but sends none (it was DNS exfiltration, ADR 0076).
    marks = (labels - {HIDDEN}) | (callee.labels - source_labels(ref))
    if kind == "process" and fetchtool.fetch_args(ref, node, kwargs):
        marks |= {fetchtool.FETCH_ARGS}  # a download's address handed to curl (ADR 0144)
    runs = kind in ("process", "exec", "native-load", "module-load")
    if runs and (runs_dropped(self.trace, text, node.args) or writes.under_unpacked(args)):
        marks |= {DROPPED}
    # Not matched yet: a write walked after this run (another method, walked later) may
    # still meet it; :func:`writes.late_drops` looks again once the module is read (ADR 0041).
    unmatched = runs and DROPPED not in marks
    if unmatched and len(self.unmatched) >= MAX_UNMATCHED:
        # Past the bound a run would not meet a later write: held (ADR 0097).
        unmatched = False
        self.trace.past(f"runs of files past {MAX_UNMATCHED}, which a later write may fill")
    if ref == "os.write" and descriptors.written_to(args):  # ``mkstemp``'s, ``os.open``'s
        writes.written(self, args[0], node, args[1].labels, env, when, args[1:2])
    if kind == "exec" and c and isinstance(c[0], str) and sinkcall.chr_spelt(node.args[0]):
        # ``exec(chr(105) + chr(109) + ...)``: code spelt one character at a time is
        # recovered as decoded text is (ADR 0080; a list of them already was).
        self.trace.recovered.append((node.lineno, c[0][:4096], frozenset({DECODED})))
    code = self.exec_text(kind, c, node, env)
    if code is not None and not labels & {DECODED, REMOTE}:
        # exec of code in plain sight (six's exec_ of a literal): interpret that code too.
        marks -= {HIDDEN}
        self.nested(code, self.namespace(node, env, when), when)
    plain = code is None and not labels & {DECODED, REMOTE}
    head = self.exec_head(kind, node, env) if plain else None
    # ``code = PAYLOAD + x; exec(code)`` (ADR 0154); ``code = x + PAYLOAD`` (ADR 0156); also
    # when the call's own text does not parse (``exec('{}{}'.format(x, P))``, ADR 0171).
    known = args[0].head or args[0].code if plain and kind == "exec" and args else ""
    if head is not None:
        read = self.nested(head, self.namespace(node, env, when), when)  # stays hidden
        if not read and known and known != head:
            self.nested(known, self.namespace(node, env, when), when)
    elif known:
        self.nested(known, self.namespace(node, env, when), when)
    # A file written here is run as its text (0161); one this walk did not see written, run
    # from a staged place, holds (ADR 0191: a module's own pass does not see the archive's
    # other writers, so a harmless script setup.py drops in /tmp/.x.py holds too).
    ran_written = writtenrun.ran(self, kind, node, text, labels, when, env)
    if not ran_written and writtenrun.staged(kind, text):
        marks |= {STAGED}
    if kind == "process" and sinkcall.silent(kwargs, env):
        marks |= {SILENT}
    if handler:
        logsent.made(self, text, ref)  # records go to its host (ADR 0073)
    if kind == "network" and not marks & SECRET_DATA and dbsends.sends(ref):
        kind = ""  # a database driver's insert of the application's own rows (ADR 0195)
    if kind:
        # A URL request to where a variable says (ADR 0131).
        marks = envurl.settle(kind, ref, args, kwargs, marks, (self.source, self.package))
        marks = signin.settle(kind, text, marks)  # a client signing in (ADR 0067)
        marks = signedaway.kept(marks, self.source)  # no host in its text (ADR 0139)
        # A replaced function's arguments (ADR 0071); a URL written into the call sends
        # them to an address of the wrapper's choosing, even through the original (0083).
        if intercept.marked(marks):
            own = any(sinkcall.names_url(v.const) for v in [*args, *kwargs.values()])
            marks = intercept.settle(ref, marks, own_address=own)
        direct = self.depth == 0
        # A toolkit's clipboard method has no module path: its own name is the callee.
        named_callee = memory or ref or sinkcall.called_name(node, ref)
        # Past the walk's bounds (ADR 0096) an event keeps its moment only when pinned.
        resumed = self.resuming > 0
        at = When.LATER if resumed and not deeper.pinned(kind, marks, text) else when
        said = tempname.unnamed(text)  # no stand-in of a temporary name (ADR 0162)
        event = Event(kind, named_callee, node.lineno, at, said, marks, direct, resumed)
        self.trace.events.append(event)
        if unmatched:
            self.unmatched.append((self.trace, len(self.trace.events) - 1, text, node.args))
    if kind == "process":
        fetchtool.saved(self, node, ref, env)  # what curl saves, run later (ADR 0144)
    if self.endless and ref in hostile.FORKS:  # a process made without end (ADR 0085)
        self.trace.events.append(Event(hostile.FORK_LOOP, ref, node.lineno, when, "", marks))
    stops = poweroff.native_call(node, ref)
    if stops:  # ``ctypes.windll.user32.ExitWindowsEx(8, 0)``: as ``shutdown /s`` (ADR 0122)
        event = Event("process", ref or stops, node.lineno, when, stops, marks)
        self.trace.events.append(event)
    escape = hostile.sdk_escape(node)
    if escape:  # ``containers.run(image, privileged=True)`` (ADR 0085)
        callee_name = ref or "docker.containers." + sinkcall.called_name(node, ref)
        event = Event("process", callee_name, node.lineno, when, escape, marks)
        self.trace.events.append(event)
    if ref in DECODERS or ref in DECOMPRESSORS or ref == "codecs.decode" or decrypts(ref):
        # What it was given (ADR 0131); a stream its caller opened is handed in (0144).
        labels |= {DECODED} | childenv.decoded_from(handedcode.plain(args))
        labels |= handedcode.streamed(node, args, self.source)
    labels |= sinkcall.unreadable(ref, labels, when)
    labels |= picked.walked(ref, args)  # ``os.walk(home)`` (ADR 0085)
    if ref in picked.WALKERS and args:  # ``os.walk(torch.hub.get_dir())`` (ADR 0088)
        picked.weights_walked(self, node.lineno, ref, arg_text(args[0]), when)
    if kind == "native-load":
        # A library whose name does not fold (``CDLL(None)``, ``find_library('c')``) is
        # still a library: ``.system(b'id')`` on it starts a process.
        name = c[0] if c and isinstance(c[0], str) else sinkcall.UNNAMED_LIBRARY
        return Val(ref=sinkcall.library(name), labels=labels)
    if kind == "network":
        # What comes back is the service's answer, not the credential it was sent.
        labels = (labels - signin.marks(labels)) | {REMOTE}
        if METADATA_HOSTS.search(text):
            labels |= {SECRET}  # cloud credentials come back from the metadata service
    if kind == "clipboard" and sinkcall.called_name(node, ref) in CLIPBOARD_READS:
        labels |= {SECRET}  # what was copied: a password, a key, a wallet address
    if kind == "process" and ENV_COMMANDS.search(text):
        labels |= {ENV}  # ``check_output(['printenv'])`` is ``os.environ`` (ADR 0079)
    if kind == "process" and SECRET_COMMANDS.search(text):
        labels |= {SECRET}  # ``security find-generic-password -w``'s output (ADR 0080)
    if kind == "process" and TOKEN_COMMANDS.search(text):
        labels |= {ENV}  # ``gh auth token``'s output, as ``$GITHUB_TOKEN`` (ADR 0080)
    if kind == "process" and HOST_COMMANDS.search(text):
        labels |= {HOSTINFO}  # ``check_output('whoami')`` is ``getpass.getuser()`` (ADR 0076)
    if not ref and not node.args and sinkcall.called_name(node, ref) in PATH_READS:
        labels |= {FILE}  # ``p.read_bytes()`` of a path a walk found (ADR 0085)
    if ref in sinkcall.PACKAGED_READS:
        labels |= {FILE}  # a file shipped beside the module, read by name (ADR 0098)
    if ref in sinkcall.FILE_READERS and args and writes.secret_file(self, args[0]):
        labels |= {SECRET} | incluster.read_labels(text)  # a pod's token (ADR 0129)
    if ref in sinkcall.FILE_READERS and args:
        labels |= stashed.held(self, arg_text(args[0]))  # a file a secret was written to
    if ref in sinkcall.FILE_READERS and args and pathreads.host_file(args[0]):
        labels |= {HOSTINFO}  # ``open(Path.home() / '.kube' / 'config')`` (ADR 0119, 0195)
    if kind == "listing" and secret_path(text):
        labels |= {SECRET}  # ``glob('**/.env')``: the files it finds are credentials
    if ref in sinkcall.FOLDER_LISTINGS and args and sinkcall.lists_secrets(args[0]):
        labels |= {SECRET}  # ``os.walk(wallets)``: what it finds are credentials
    if not ref and sinkcall.walks_secrets(node, callee, c):
        labels |= {SECRET}  # ``(home / '.electrum' / 'wallets').iterdir()``
    if kind == "open" and PROCESS_MEMORY.search(text):
        labels |= {SECRET}  # another process's memory: a runner's secrets (ADR 0086)
    # ``psutil.Process(pid).environ()``, ``dict(os.environ)``, ``dict(**os.environ)`` (0098)
    spread = [kwargs[None]] if None in kwargs else []
    labels |= sinkcall.process_environ(node, ref, [*args, *spread])
    if not kind:
        picked.packed(self, node, ref, args, kwargs, when=when)  # an archive of weights (0089)
        packed = folderpack.archived(self, args, kwargs) if ref == MAKE_ARCHIVE else None
        if packed is not None:
            return packed  # a folder secrets were copied into, archived (ADR 0195)
        picked.saved(self, node, ref, callee, args, when)  # ADR 0107
        loaded = picked.loaded(self, node, ref, args, kwargs, labels, when)  # ADR 0107
        if loaded is not None:
            return loaded
    if ref == "itertools.cycle" and args and not args[0].labels and key_table(args[0].const):
        labels |= {KEY_BYTE}  # a repeating key's bytes (ADR 0089)
    client = (
        sinkcall.wrapped_socket(node, ref)
        or (ref if ref in CLIENTS or ref in picked.ARCHIVES or gives_client(ref) else "")
        or remotes.stub(ref, args)  # ``FooStub(channel)``, gRPC's generated client (0110)
    )
    if client:  # the client object, named by its class; an archive's, where it writes
        if ref == "socket.socket.makefile":  # what the file reads is the socket's (ADR 0193)
            labels |= callee.labels
        return stashed.made(self, node, ref, args, kwargs, value=Val(ref=client, labels=labels))
    if kind == "process":  # a started ``nc``: its stdin is watched (ADR 0079)
        started = piped.started(self, node, text, labels)
        if started is not None:
            return started
    shape = call_shape(ref, args) or foreign.located(ref, args, self.package, self.module)
    if shape:
        return Val(labels=labels | source_labels(ref), shape=shape)
    writes.unpacked(self, node, args, kwargs, labels | callee.labels, env)  # ADR 0085
    if ref.endswith("urlretrieve") and len(node.args) >= 2:
        writes.dropped_to(self, node.args[1], env, arg_text(args[1]))
    opened = _opened_path(node, args, kwargs) if kind == "open" else None
    if opened is not None:
        path_node, path = opened
        mode = c[1] if len(c) > 1 else (kwargs["mode"].const if "mode" in kwargs else "r")
        if ref in WEIGHT_LOADERS:
            # A loader's second argument is no file mode: ``numpy.load(p, 'r+')`` maps
            # the tensors it reads, ``torch.load(p, 'cpu')`` places them.
            mode = "r"
        var = path_node.id if isinstance(path_node, ast.Name) else ""
        if picked.overwrites(mode, path):  # each file of the home folder (ADR 0085)
            event = Event("delete", ref, node.lineno, when, arg_text(path), labels)
            self.trace.events.append(event)
        if isinstance(mode, str) and any(m in mode for m in "wax+"):
            handle = arg_text(path)
            if not handle and var:  # a name that does not fold: a stand-in (ADR 0196)
                top = self.globals if across.module_own(self) else None
                handle = tempname.unfolded(node, var, path, env, top)
            if not handle and not var:
                # A path that does not fold (``os.path.join(tmp, 'x.py')``) is matched
                # by its text when the same expression is run (:func:`writes.dropped_to`;
                # known text written to it, by :func:`tempname.inline`: ADR 0196).
                var = SKELETON + skeleton(path_node)
                handle = tempname.inline(path_node)
            return Val(labels=labels, handle=handle or "?", path_var=var)
        labels |= {FILE} | handedcode.descriptor(path_node, path, self.source)  # ADR 0144
        if runs_dropped(self.trace, text, [path_node]) or writes.under_unpacked([path]):
            labels |= {DROPPED}  # ``exec(open(unpacked + '/x.py').read())`` (ADR 0085)
        if sinkcall.names_media(path_node) or MEDIA_FILE.search(arg_text(path)):
            labels |= {MEDIA}  # the bytes of a picture or a sound (ADR 0086)
    if sockown.own_fact(ref):  # ``s.getsockname()``: no byte the other end sent (ADR 0139)
        return Val(labels=labels | (callee.labels - {HIDDEN, REMOTE}))
    return Val(labels=labels | source_labels(ref) | callee.labels - {HIDDEN})


def _opened_path(
    node: ast.Call, args: list[Val], kwargs: dict[str | None, Val]
) -> tuple[ast.expr, Val] | None:
    """The path an ``open`` call is given, and its value: its first argument, or its
    ``file=`` keyword (``open(file=P, mode='w')`` wrote nothing before ADR 0196)."""
    if node.args:
        return node.args[0], args[0]
    given = next((k.value for k in node.keywords if k.arg == "file"), None)
    return None if given is None else (given, kwargs["file"])


# Runs kept for :func:`writes.late_drops` (a tuple each); past it a run holds (ADR 0097: at
# 256, 260 harmless runs walked first hid a dropper whose write was walked after its run).
MAX_UNMATCHED = 16_384

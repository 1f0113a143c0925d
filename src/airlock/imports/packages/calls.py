"""The flow pass's calls: what a call refers to, folds to or runs, and the code ``exec`` and
``eval`` are given (issue 16; ADR 0112). Bound as :class:`flow.Interpreter`'s methods;
``self`` is the interpreter.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import (
    across,
    astbuilt,
    childenv,
    classdata,
    descriptors,
    envurl,
    fieldfill,
    folderpack,
    forwarded,
    generated,
    keystream,
    listtext,
    mutated,
    namedfill,
    overitems,
    paddedjoin,
    parttext,
    percent,
    piped,
    pipruns,
    plainattr,
    printed,
    protocol,
    raytasks,
    reach,
    rebound,
    remotes,
    runkey,
    signin,
    sinkcall,
    staged,
    stashed,
    streamed,
    tables,
    tempname,
    writes,
    writtenrun,
)
from airlock.imports.packages.flowtypes import MAX_CALL_DEPTH, UNKNOWN, Event, Val, When, canonical
from airlock.imports.packages.fold import (
    CODECS_CALLS,
    CONCATS,
    DECODERS,
    DECOMPRESSORS,
    MAX_FOLD,
    SPELLINGS,
    fold_call,
    small,
    spelt,
    text_of,
)
from airlock.imports.packages.grammar import parse_module
from airlock.imports.packages.handed import (
    PARTIAL_REST,
    REDUCE,
    SETATTR,
    WATCHED,
    acts,
    arguments,
    grown,
    hand_on,
    runs,
)
from airlock.imports.packages.implicit import IMPLICIT, TRANSPARENT, UPDATE_WRAPPER, WRAPS
from airlock.imports.packages.pathshape import (
    PATH_WRITES,
    STARTUP_WRITES,
    arg_text,
    persistent_shape,
    registry_path,
    startup,
)
from airlock.imports.packages.sinks import (
    DECODED,
    ENV,
    HIDDEN,
    HOSTINFO,
    NETWORK_TOOL,
    REGISTRY_WRITERS,
    REMOTE,
    SECRET,
    kind_of,
    secret_path,
    source_labels,
)

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

# Parts of a code object that decide what it runs (``code.replace(co_names=...)``).
CODE_REWRITES = frozenset({"co_code", "co_names", "co_consts", "co_varnames"})


def instance(  # noqa: PLR0917 -- the parts of one call
    self: Interpreter,
    ref: str,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
    labels: frozenset[str] = frozenset(),
) -> Val:
    """An instance of the local class ``ref``, carrying ``labels`` (what its arguments
    carry); made on install or import, its ``__init__`` runs then (issue 16: a stealer class
    instantiated at module level), with ``args`` and ``kwargs``, whether the class is called
    by name or handed to what calls it (ADR 0177)."""
    made = Val(ref=f"{ref}()", labels=labels)
    if when is not When.LATER:
        self.method(ref, "__init__", [made, *args], env, when, kwargs)
        # A dataclass's generated ``__init__`` calls ``__post_init__`` (ADR 0057).
        self.method(ref, "__post_init__", [made], env, when)
        if self.factories:  # ``field(default_factory=f)`` (ADR 0071)
            classdata.make(self, ref, env, when)
        if self.enum(ref):  # ``C(5)`` of a value no member has (ADR 0067)
            self.method(ref, "_missing_", [Val(ref=ref), *args[:1]], env, when)
        # Its finaliser runs when the object is collected, at exit at the latest,
        # with nobody calling it (ADR 0039).
        self.method(ref, "__del__", [made], env, when)
    return made


def call(self: Interpreter, node: ast.Call, env: dict[str, Val], when: When) -> Val:  # noqa: PLR0911, PLR0912, PLR0915
    if self.tables and isinstance(node.func, ast.Subscript):
        each = tables.any_entry(self, node, env, when)  # ``H[unknown]()`` (ADR 0071)
        if each is not None:
            return each
    as_method = plainattr.attribute_call(self, node, env)  # ``getattr(f, 'write')(x)``
    as_method = as_method or plainattr.bound_call(self, node, env)  # ``w = f.write; w(x)``
    if as_method is not None:
        return self.call(as_method, env, when)
    owned = plainattr.owner_call(self, node, env, when)  # ``getattr(open(p), 'write')(x)``
    owned = owned or printed.printed_call(self, node, env, when)  # ``print(x, file=f)``
    if owned is not None:
        return owned
    if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        found = reach.got(self, node, node.func.value, env, when)  # ``T.get('run')`` (ADR 0051)
        if found is not None:
            return found
    callee = self.expr(node.func, env, when)
    if callee.func is not None and self.depth < MAX_CALL_DEPTH:
        handed_on = _forwarded(self, node, callee.func, env, when)  # ``_run = lambda *a: f(*a)``
        handed_on = handed_on or _partial_call(self, node, callee.func, env, when)
        if handed_on is not None:
            return handed_on
    args = [self.expr(a.value if isinstance(a, ast.Starred) else a, env, when) for a in node.args]
    if (
        isinstance(node.func, ast.Attribute)
        and node.func.attr in DEFAULTED
        and len(args) == 2
        and acts(args[1])
    ):
        return args[1]  # ``D.get('missing', os.system)(c)``: the default (ADR 0080)
    if callee.ref in protocol.REDUCERS and args and when is not When.LATER:
        protocol.reduced(self, args[0], env, when)  # ``copy.copy(K())`` (ADR 0080)
    if callee.ref in TRANSPARENT and len(args) == 1 and runs(self, args[0]):
        # ``r = staticmethod(os.system)`` in a class body (ADR 0080); ``lru_cache(go)(c)`` of
        # a function of another module of the archive (ADR 0177).
        return args[0]
    kwargs = {k.arg: self.expr(k.value, env, when) for k in node.keywords}
    # Past the keywords, which are read for what they run whatever the call (ADR 0181).
    if callee.ref == WRAPS:  # ``functools.wraps(w)(go)`` is ``go`` (ADR 0181)
        return Val(ref=f"{WRAPS}()")
    if callee.ref == UPDATE_WRAPPER and args and runs(self, args[0]):
        return args[0]  # ``functools.update_wrapper(go, w)`` hands ``go`` back (ADR 0183)
    if callee.ref in overitems.MATCH_READS:  # ``m.group(1)`` of ``re.sub(p, f, s)`` (0181)
        read = overitems.matched(self, node, env, when)
        if read is not None:
            return read
    labels = frozenset().union(*(a.labels for a in [*args, *kwargs.values()]))
    ref = callee.ref
    printed.redirected(ref, args, env)  # ``contextlib.redirect_stdout(f)`` (ADR 0191)
    if ray_task := raytasks.made(node, callee, env):  # ``k = ray.remote(f)`` (ADR 0122)
        return ray_task
    if raytasks.task(node, env, callee, self.classes):  # ``keep.remote(data)`` (ADR 0119)
        return self.sink(node, Val(ref=raytasks.TASK), args, kwargs, env, when)
    if form := remotes.call_form(ref):  # ``stub.Put.future(data)`` (ADR 0119)
        return self.sink(node, Val(ref=form), args, kwargs, env, when)
    streamed.copied_into(self, node, ref, args, env, when)  # ``copyfileobj(f, remote)``
    pip_argv = pipruns.argv_run(self, ref, args)  # ``runpy.run_module('pip')`` (0119)
    if pip_argv is not None:
        self.sink(node, Val(ref=pipruns.PIP_MAIN), pip_argv, {}, env, when)
    c = [a.const for a in args]
    temp = tempname.made(node, ref, args, kwargs) or descriptors.opened(node, ref, args, env)
    if temp is not None:  # ``f = NamedTemporaryFile(suffix='.py')`` (ADR 0162)
        return temp._replace(labels=labels)
    if ref in GETATTRS and len(args) >= 2 and args[0].ref and c[1] is None:
        # ``getattr(os, 'sys' + x + 'tem')``: a sink named by the known text (ADR 0171).
        padded = sinkcall.padded_sink(args[0].ref, args[1])
        if padded:
            return Val(ref=padded, labels=frozenset({HIDDEN}))
    if ref in GETATTRS and len(args) >= 2 and isinstance(c[1], str):
        target = args[0].ref
        named = Val(ref=canonical(f"{target}.{c[1]}")) if target else UNKNOWN
        known = (target, c[1]) in self.attrs or acts(named)
        if len(args) == 3 and acts(args[2]) and not known:
            return args[2]  # ``getattr(o, 'missing', os.system)``: the default (ADR 0080)
        if not target:
            return Val(labels=labels - {HIDDEN})  # an attribute of some object
        own = env.get(c[1]) if target == "globals" else None
        if own is not None and own.func is not None:  # getattr(sys.modules[__name__], f)
            return Val(ref=c[1], labels=frozenset({HIDDEN}), func=own.func)
        if (target, c[1]) in self.attrs:  # ``getattr(K, 'run')`` of ``class K: run = exec``
            return self.attrs[target, c[1]]
        name = canonical(f"{target}.{c[1]}")
        return Val(ref=name, labels=frozenset({HIDDEN}) | source_labels(name))
    if callee.shape and not ref and isinstance(node.func, ast.Attribute):
        # ``Path(p).expanduser()``, ``.open('a')`` (ADR 0051)
        moved = reach.path_method(self, node, callee, args, kwargs, when)
        if moved is not None:
            return moved
    if ref in IMPORTERS and c:
        imported = self.imported(node, ref, args[0], when)
        if imported is not None:
            return imported
    if ref in ("globals", "locals", "vars") and not args:
        return Val(ref="globals")
    if ref == "vars" and args and rebound.namespace_of(args[0].ref):
        return args[0]  # ``vars(sys.modules[__name__])`` (ADR 0073)
    if ref in listtext.KEEPERS and len(args) == 1 and args[0].const is None and args[0].items:
        return Val(labels=args[0].labels, items=args[0].items)  # ``reversed([CURL, x])``
    fed = streamed.iterated(self, ref, args, env, when)  # ``iter(lambda: f.read(n), b'')``
    if fed is not None:
        return fed
    bound = rebound.unwritten(self, node, callee, args, kwargs, env, when)
    if bound is not None:
        return bound
    if ref == "super" and self.within:
        # ``super().__init__()`` in a method of a local class: its local base's method.
        base = self.trace.class_bases.get(self.within[-1], "").split(",")[0]
        if base in self.classes:
            return Val(ref=f"{base}()")
    if callee.func is not None:
        given = arguments(self, callee.func, args, kwargs, env, when)
        value = self.apply(callee.func, given, env, when)
        value = value or streamed.yielded(self, callee.func, env, when)  # ADR 0119
        for impl in self.dispatched.get(id(callee.func), ()):  # ``register``ed (ADR 0073)
            self.apply(impl, arguments(self, impl, args, kwargs, env, when), env, when)
        if when is not When.LATER and rebound.generator(callee.func):
            made = value or UNKNOWN  # ``g.send(c)`` later (ADR 0073); ``for c in g`` (0169)
            return Val(
                const=made.const,
                labels=made.labels,
                alts=made.alts,
                items=made.items,
                ref=rebound.GENERATOR,
                func=callee.func,
            )
        if id(callee.func) in self.fills:  # ``save(url, path=p)`` (ADR 0051)
            reach.filled(self, callee.func, node, args, kwargs, env)
        if id(callee.func) in self.grown and not isinstance(callee.func, ast.Lambda):
            mutated.into_arguments(self, callee.func, node, env)  # ``collect(d)`` (ADR 0193)
        return value or Val(labels=labels)
    if when is not When.LATER and (ref, "__init__") in self.attrs:
        # ``setattr(K, '__init__', f)``, ``type('K', (), {'__init__': f})`` (ADR 0067)
        init = self.attrs[ref, "__init__"]
        if init.func is not None:
            self.apply(init.func, [Val(ref=f"{ref}()"), *args], env, when)
    if ref in self.classes:
        return instance(self, ref, args, kwargs, env, when, labels)
    if when is not When.LATER and ref.partition(".")[0] in self.classes:
        ran = self.on_class(ref, args, env, when)  # ``K.run()``: a static or class method
        if ran is not None:
            return ran
    if ref in EVALS and c and isinstance(c[0], str) and not labels & {DECODED, REMOTE}:
        self.sink(node, callee, args, kwargs, env, when)  # its code is read there
        return self.evaluated(c[0], env, when)  # ``f = eval('lambda: ...'); f()``
    if ref.endswith("()") and when is not When.LATER:
        ran = self.special(callee, ("__call__",), args, env, when)  # ``k = K(); k()``
        if ran is not None:
            return ran
    if ref in IMPLICIT and args and when is not When.LATER:
        ran = self.special(args[0], IMPLICIT[ref], args[1:], env, when)  # ``str(K())``
        if IMPLICIT[ref][0] == "__iter__":
            protocol.iterated(self, args[0], env, when)  # ``list(K())``: its ``__next__``
        if ran is not None:
            return ran
    if "()." in ref:
        owner, _, name = ref.partition("().")
        if owner in self.classes and name.isidentifier():
            ran = self.method(owner, name, [Val(ref=f"{owner}()"), *args], env, when)
            if self.fills:  # ``d.save(url, path=p)`` of a method that drops (ADR 0051)
                method = self.lookup(owner, name)
                if method is not None and id(method) in self.fills:
                    reach.filled(self, method, node, [UNKNOWN, *args], kwargs, env, skip=1)
            if ran is not None:
                return ran
            if name == "start" and when is not When.LATER:
                reach.started(self, owner, env, when)  # ``class T(Thread)``'s run (ADR 0051)
    xor_keyed = runkey.digest(self, node, env, when)  # ``sha256(b'k').digest()`` (ADR 0098)
    if xor_keyed is not None:
        return xor_keyed
    if ref in keystream.MAPS:  # ``map(operator.xor, blob, cycle(KEY))`` (ADR 0093)
        xored = keystream.mapped(self, node, ref, args, env, when)
        if xored is not None:
            return xored
    if ref in overitems.OVER:  # ``map(f, [c])``, ``reduce(f, [c])``, ``sorted(xs, key=f)``
        over = overitems.over(self, node, ref, args, kwargs, env, when)
        if over is not None:
            return over
    # A sink handed on: ``Timer(0, os.system, [c])`` (ADR 0048); ``o.__setattr__``.
    if ref in WATCHED or (ref and ref.endswith(SETATTR)):
        handed = hand_on(self, node, ref, args, kwargs, env, when)
        if handed is not None:
            return handed
    if when is not When.LATER:
        ran = self.runs_now(node, ref, args, kwargs, env, when)
        if ran is not None:
            return ran
    if ref == "map" and len(args) == 2 and isinstance(c[1], (list, str, bytes)):
        mapped = self.map_const(args[0], c[1], env)
        if mapped is not None:
            return Val(const=mapped, labels=labels)
    if ref == "map" and len(args) == 2 and args[0].ref == "str" and args[1].items:
        return Val(labels=labels, items=args[1].items)  # ``map(str, parts)`` (ADR 0164)
    if ref == REDUCE and 2 <= len(args) <= 3 and args[0].ref in CONCATS and not kwargs:
        summed = listtext.summed(args[1], args[2] if len(args) == 3 else None)
        if summed is not None:  # ``reduce(operator.add, [PAYLOAD, x])`` (ADR 0164)
            return summed._replace(labels=labels | summed.labels)
    if ref == "str.format_map" and node.args and isinstance(node.args[0], ast.Dict):
        c = [self.literal_dict(node.args[0], env)]  # ``'{a} x'.format_map({'a': 'curl'})``
    folded = fold_call(ref, callee.const, c, kwargs)
    popped = generated.drawn(ref, callee) if folded is None else None
    if popped is not None:  # ``while C: os.system(C.pop())`` (ADR 0169)
        return popped._replace(labels=labels | callee.labels)
    if folded is None and ref in percent.UNQUOTES:
        folded = percent.unquoted(ref, c)  # ``unquote('%63%75%72%6c')`` (ADR 0131)
    by_name = _by_name(node, ref, callee, args, kwargs, env) if folded is None else None
    if by_name is not None and by_name.const is not None:
        folded = by_name.const  # ``'{c} {u}'.format(c='curl', u=URL)`` (ADR 0162)
    if folded is None and ref == "str.format" and isinstance(callee.const, str):
        persistent = persistent_shape(callee.const)  # ``'{}/zz.pth'.format(prefix)``
        if persistent:
            return Val(labels=labels, shape=persistent)
        # Host data spelt into a template keeps the template's text, as an f-string's
        # does (``'{}.x.evil'.format(key.hex())``, probe 17).
        spelt_shape = sinkcall.spelt_shape(callee.const, args, kwargs, labels)
        if spelt_shape:
            return Val(labels=labels, shape=spelt_shape)
    head = _built_head(node, ref, callee, args, env) if folded is None else ""
    head = head or (by_name.head if by_name is not None else "")
    if folded is None and not head and ref == "str.format" and isinstance(callee.const, str):
        # ``'{0.p}'.format(Cfg)``, ``'{0[0]} {1}'.format([PAYLOAD], x)`` (ADR 0164).
        fields = fieldfill.filled(self, node, callee.const, args, kwargs, env)
        if fields is not None:
            folded, head, labels = fields.const, fields.head, labels | fields.labels
    if folded is not None and small(folded):
        extra = frozenset({DECODED}) if ref in DECODERS or ref in DECOMPRESSORS else frozenset()
        extra |= frozenset({DECODED}) if ref in CODECS_CALLS else frozenset()
        extra |= frozenset({DECODED}) if percent.hides(ref, c) else frozenset()
        extra |= frozenset({childenv.OF_CODE}) if extra else frozenset()  # ADR 0131
        # Text spelt as numbers or one character at a time is recovered as decoded text
        # is, but the value stays unmarked: a magic number written out is no download.
        spelling = ref in SPELLINGS and spelt(ref, callee.const, c)
        if extra or spelling or (labels | callee.labels) & {HIDDEN}:
            marks = labels | extra | (callee.labels & {HIDDEN})
            marks |= {DECODED} if spelling else frozenset()
            self.trace.recovered.append((node.lineno, text_of(folded)[:4096], marks))
        return Val(const=folded, labels=labels | extra, alts=parttext.picked(ref, callee, args))
    if isinstance(node.func, ast.Attribute) and node.func.attr in STARTUP_WRITES and c:
        # ``f.write('import x; ...')`` into a ``.pth``: wherever the folder is (issue 16).
        held = env.get(node.func.value.id) if isinstance(node.func.value, ast.Name) else None
        labels |= startup(callee.handle or (held.handle if held else ""), c[0])
    if labels and self.classes:
        writes.attribute_grown(self, node, labels, env)  # ``self.buf.append(x)`` (ADR 0193)
    if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
        if node.func.attr in GROWERS:  # a folded list grown in place keeps its items
            grown(env, node.func.value.id, node.func.attr, args)
        if node.func.attr in HEADER_SETTERS and len(args) >= 2:
            headed(node.func.value.id, node.args[0], args[1], env)
        writes.mutate(self, node, labels, env, when, args[:1])
        archive = env.get(node.func.value.id)
        if archive is not None and id(archive) in self.archives:  # ``z.write(p)`` (ADR 0193)
            secret = bool(args) and writes.secret_file(self, args[0])
            stashed.added(self, node, archive, args, env, secret=secret)
        if callee.handle and node.func.attr in PATH_WRITES and not labels & {REMOTE, DECODED}:
            # ``p = Path.home() / '.bashrc'; p.write_text(x)``: only a path written
            # in one expression was a write (:func:`writes.mutate` takes downloads; issue 16).
            writes.written(self, callee, node, labels, env, when, args[:1])
    elif callee.handle and isinstance(node.func, ast.Attribute):
        writes.written(self, callee, node, labels, env, when, args[:1])
    writes.filled(self, node, ref, callee, args, env)
    if ref in COPIES and len(args) >= 2 and secret_path(arg_text(args[0])):
        self.secret_copies.add(arg_text(args[1]))
    if ref in COPIES and len(args) >= 2:  # a file a secret was written to, copied (0193)
        stashed.keep(self, arg_text(args[1]), stashed.held(self, arg_text(args[0])))
        writtenrun.copied(self, node, args, env)  # a written file's text, copied (0196)
        # A credential file copied into a folder that is archived next (ADR 0195).
        folderpack.copied(self, args[0], args[1], secret=writes.secret_file(self, args[0]))
    if ref in COPIES and len(args) >= 2 and when is not When.LATER:
        # ``shutil.copy(own_file, '~/.config/autostart/x')`` writes the second path as
        # ``open(p, 'w').write`` would (ADR 0063); judged as a write of that path.
        dest = arg_text(args[1])
        self.trace.events.append(Event("write", ref, node.lineno, when, dest, labels))
        # What went where, for :func:`chains._weights_sent`: weights copied to a share
        # or a mounted host leave as surely as sent (ADR 0088).
        both = f"{arg_text(args[0])[:256]}\n{dest[:256]}"
        self.trace.events.append(Event("copy", ref, node.lineno, when, both, frozenset()))
    elif ref in COPIES and len(args) >= 2 and staged.fixed_weights(arg_text(args[0])):
        # When called, only weights at a fixed place copied (to a share, or staged to be
        # sent from there): nothing of it is the caller's (ADR 0110).
        both = f"{arg_text(args[0])[:256]}\n{arg_text(args[1])[:256]}"
        self.trace.events.append(Event("copy", ref, node.lineno, when, both, frozenset()))
    if ref in REGISTRY_WRITERS and len(args) >= 2 and when is not When.LATER:
        # ``SetValueEx(OpenKey(HKCU, '...\\Run'), 'x', 0, REG_SZ, cmd)``: the value is
        # written under the key's path, judged as a file written there (ADR 0079).
        key = registry_path(args[0], args[1])
        self.trace.events.append(Event("write", ref, node.lineno, when, key, labels))
    if (
        when is not When.LATER
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "replace"
        and any(k.arg in CODE_REWRITES for k in node.keywords)
    ):
        # ``f.__code__.replace(co_names=('os', 'system'))`` on install or import: the
        # function now calls names its source does not show (ADR 0079).
        text = " ".join(text_of(v.const) for v in kwargs.values())[:4096]
        event = Event("exec", "types.CodeType.replace", node.lineno, when, text, labels | {HIDDEN})
        self.trace.events.append(event)
    if self.pipes:  # ``p.communicate(data)`` of a started ``nc host`` (ADR 0079)
        piped.written(self, node, ref, when, labels)
    if args and args[0].alts and kind_of(ref) in ("exec", "process"):
        # ``os.system(CMDS[sys.platform])``: each string it may be is read as run (ADR 0161);
        # a name bound so in an ``if`` keeps the string the walk left too (ADR 0162).
        for alt in args[0].alts:
            if alt == args[0].const:
                continue
            each = args[0]._replace(const=alt, alts=())
            self.sink(node, callee, [each, *args[1:]], kwargs, env, when)
    elif ref == "dict.get" and c and (alts := parttext.keyed(callee.const, c[0])):
        return Val(labels=labels, alts=alts)  # ``CMDS.get(sys.platform)`` (ADR 0161)
    value = self.sink(node, callee, args, kwargs, env, when)
    if ref == overitems.COMPILE and not value.ref:  # ``P.sub(f, s)`` is then known (ADR 0181)
        value = value._replace(ref=overitems.PATTERN)
    if head and value.const is None and not value.head:
        value = value._replace(head=head)  # ``code = ''.join([PAYLOAD, x])`` (ADR 0161)
    elif folded is None and value.const is None and not (value.head or value.code):
        code = paddedjoin.built_code(
            node, ref, callee, args, env
        )  # ``''.join([x, CMD])`` (ADR 0171)
        value = value._replace(code=code) if code else value
    if ref == "shlex.split" and args and args[0].head and value.const is None:
        value = value._replace(words=args[0].head)  # ``shlex.split(CMD + x)`` (ADR 0161)
    if when is not When.LATER and astbuilt.node_maker(ref) and astbuilt.built_here(self, node, env):
        return value._replace(labels=value.labels | {DECODED})  # ``ast.Call(...)`` (ADR 0071)
    return value


def imported(self: Interpreter, node: ast.Call, ref: str, name: Val, when: When) -> Val | None:
    """``__import__(name)``: the module when the name folds; a module named by decoded
    or downloaded data is an exec event (nobody can read what it is; issue 16)."""
    if isinstance(name.const, str):
        # ``__import__('a.b')`` returns package ``a`` (``import a.b`` binds ``a``); only a
        # ``fromlist`` or ``import_module`` return ``a.b`` (ADR 0123).
        top = ref != "importlib.import_module" and not _fromlist(node)
        module = name.const.split(".")[0] if top else name.const
        return Val(ref=module, labels=frozenset({HIDDEN}))
    if not name.labels & {DECODED, REMOTE}:
        return None
    marks = name.labels | {HIDDEN}
    self.trace.events.append(Event("exec", ref, node.lineno, when, arg_text(name), marks))
    return Val(labels=marks)


def _fromlist(node: ast.Call) -> bool:
    """Whether an ``__import__`` call passes a ``fromlist`` (fourth argument or keyword)."""
    return len(node.args) >= 4 or any(k.arg == "fromlist" for k in node.keywords)


def command_text(  # noqa: PLR0917 -- bound as a method: self is not passed
    self: Interpreter,
    node: ast.Call,
    text: str,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    ref: str,
    when: When,
) -> tuple[str, frozenset[str]]:
    """A command's text and labels, as the scorer reads them: the environment handed to
    the child (``env=``, ``os.execve``'s last argument) is not data on its line
    (:mod:`childenv`, ADR 0131); a command carrying data whose text did not fold keeps its
    literal parts when they name a tool that sends to another host (``'ping -p ' + key +
    ' evil.example'``, ADR 0079)."""
    given, child_env = childenv.given(ref, args, kwargs)
    labels = frozenset().union(*(v.labels for v in given))
    if child_env is not None:
        labels |= childenv.carried(child_env, text, when)
    if text.strip() or not labels & {ENV, SECRET, HOSTINFO, envurl.LED}:
        return text, labels
    built = (ast.BinOp, ast.JoinedStr, ast.List, ast.Tuple)
    parts = " ".join(self.partial(a, env) for a in node.args if isinstance(a, built))[:4096]
    return (parts if NETWORK_TOOL.search(parts) else text), labels


def exec_text(
    self: Interpreter, kind: str, c: list[object], node: ast.Call, env: dict[str, Val]
) -> str | None:
    """The source an exec sink runs, when its argument folds here or (the cross-file
    pass) joins constants of other modules (:func:`across.joined`)."""
    if kind != "exec":
        return None
    code = sinkcall.exec_source(c[0]) if c else None
    if code is None and node.args and self.package is not None:
        # ``exec(a.P1 + b.P2)``
        code = sinkcall.exec_source(across.joined(self, node.args[0], env))
    return code


def _built_head(  # noqa: PLR0911 -- one return per way a string is built
    node: ast.Call,
    ref: str,
    callee: Val,
    args: list[Val],
    env: dict[str, Val],
) -> str:
    """The known text of a string joined or formatted from items that do not all fold
    (:mod:`parttext`): ``''.join([PAYLOAD, x])``, ``'{} {}'.format(CMD, x)``. Only a
    string's method keeps one: any other call returns before its arguments are read."""
    if ref in CONCATS and ref != "str.__add__" and len(args) == len(("a", "b")):
        return parttext.added(args[0], args[1])  # ``operator.add(PAYLOAD, x)`` (ADR 0164)
    if ref == "str.__add__" and len(args) == 1:
        return parttext.added(callee, args[0])  # ``PAYLOAD.__add__(x)``
    if not ref.startswith("str."):
        return ""
    template = callee.const
    if ref == "str.join" and template is None and len(args) == 2 and not node.keywords:
        # ``str.join('', parts)``: the glue given first, as the unbound method takes it.
        glue = args[0].const
        return listtext.joined(glue, args[1]) if isinstance(glue, str) else ""
    looked = parttext.looked_up(ref, callee, [a.const for a in args])
    if looked is not None:
        return looked
    if (
        not isinstance(template, str)
        or node.keywords
        or any(isinstance(a, ast.Starred) for a in node.args)
    ):
        return ""
    if (
        ref == "str.join"
        and len(node.args) == 1
        and isinstance(node.args[0], (ast.List, ast.Tuple))
    ):
        return parttext.joined(template, [parttext.item(e, env) for e in node.args[0].elts[:64]])
    if ref == "str.join" and len(args) == 1:
        return listtext.joined(template, args[0])  # ``''.join(parts)`` (ADR 0162)
    return parttext.filled(template, args, percent=False) if ref == "str.format" else ""


def _by_name(  # noqa: PLR0911, PLR0917 -- one return per kind of template; one call's parts
    node: ast.Call,
    ref: str,
    callee: Val,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
) -> Val | None:
    """A template filled by name (:mod:`namedfill`): ``T.format(c=CMD, x=x)``,
    ``T.format_map({...})`` of a dict written in the call, ``string.Template(T).substitute(
    c=CMD)`` with the template written in the call; None for any other call."""
    method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if method in namedfill.SUBSTITUTES and isinstance(node.func, ast.Attribute):
        made = node.func.value
        if not (
            isinstance(made, ast.Call)
            and made.args
            and namedfill.ref_of(made.func, env) == namedfill.TEMPLATE
        ):
            return None
        template = parttext.item(made.args[0], env).const
        given = namedfill.dict_items(node.args[0], env) if node.args else {}
        if not isinstance(template, str) or given is None or None in kwargs:
            return None
        named = given | {k: v for k, v in kwargs.items() if k is not None}
        return namedfill.value(namedfill.filled(template, [], named, "template"))
    if not isinstance(callee.const, str) or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    if ref == "str.format" and node.keywords and None not in kwargs:
        named = {k: v for k, v in kwargs.items() if k is not None}
        return namedfill.value(namedfill.filled(callee.const, args, named, "format"))
    if ref == "str.format_map" and len(node.args) == 1:
        given = namedfill.dict_items(node.args[0], env)
        text = namedfill.filled(callee.const, [], given, "format") if given else None
        return namedfill.value(text)
    return None


def exec_head(self: Interpreter, kind: str, node: ast.Call, env: dict[str, Val]) -> str | None:
    """The known parts of code an exec sink runs when it is built in the call and does not
    fold: ``exec(PAYLOAD + sys.argv[0][:0])``, ``exec(f'{PAYLOAD}{x}')``, ``''.join([PAYLOAD,
    x])``, ``'%s%s' % (PAYLOAD, x)`` run PAYLOAD whatever is added to it (ADR 0153). Read as
    Python when they parse; None for any other argument."""
    built = node.args[0] if kind == "exec" and node.args else None
    added = isinstance(built, ast.BinOp) and isinstance(built.op, ast.Add)
    if built is None or not (added or isinstance(built, ast.JoinedStr) or sinkcall.spelt(built)):
        return None
    return self.partial(built, env) or None


def nested(self: Interpreter, code: str, env: dict[str, Val], when: When) -> bool:
    """Interpret a literal string that is exec'd, as if it were source (bounded depth).
    False when it was not read (too deep, too long, not Python)."""
    if self.depth >= MAX_CALL_DEPTH or len(code) > MAX_FOLD:
        return False
    try:
        tree = parse_module(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    self.depth += 1
    try:
        self.block(tree.body, dict(env), when)
    finally:
        self.depth -= 1
    return True


def namespace(self: Interpreter, node: ast.Call, env: dict[str, Val], when: When) -> dict[str, Val]:
    """The names exec'd code sees: the module's, and those of a dict given as its
    globals or locals (``exec("s('id')", {'s': os.system})``, a dispatch table by name;
    ADR 0057)."""
    given: dict[str, Val] = {}
    for mapping in node.args[1:3]:
        if isinstance(mapping, ast.Dict):
            for key, value in zip(mapping.keys, mapping.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    given[key.value] = self.expr(value, env, when)
        elif isinstance(mapping, ast.Name) and mapping.id in self.tables:
            table = self.tables[mapping.id]
            given |= {k: v for k, v in table.items() if isinstance(k, str)}
    return {**env, **given} if given else env


def evaluated(self: Interpreter, code: str, env: dict[str, Val], when: When) -> Val:
    """The value of an expression ``eval`` is given as a literal (a lambda, a sink), so
    what it returns can be called; unknown past the nesting bound or when it does not
    parse as an expression (ADR 0057)."""
    if self.depth >= MAX_CALL_DEPTH or len(code) > MAX_FOLD:
        return UNKNOWN
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return UNKNOWN
    self.depth += 1
    try:
        return self.expr(tree.body, env, when)
    finally:
        self.depth -= 1


GROWERS = {"append", "extend", "insert"}


IMPORTERS = ("__import__", "importlib.import_module", "importlib.__import__")
# Calls that write their second argument's path with the first's content (ADR 0063).
COPIES = {
    "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.move", "shutil.copytree",
    "os.rename", "os.replace", "os.symlink", "os.link",
}  # fmt: skip


# Methods that return their second argument when the key is missing.
DEFAULTED = frozenset({"get", "pop", "setdefault"})


def headed(name: str, key: ast.expr, value: Val, env: dict[str, Val]) -> None:
    """``req.add_header(k, v)``: the request now carries what ``v`` carries (it was not
    carried at all), a credential under an auth header as signing in (ADR 0067)."""
    recv = env.get(name)
    if recv is not None and value.labels:
        env[name] = recv._replace(labels=recv.labels | signin.header_val(key, value).labels)


HEADER_SETTERS = frozenset({"add_header", "add_unredirected_header", "putheader"})
EVALS = ("eval", "builtins.eval")

GETATTRS = frozenset({"getattr", "object.__getattribute__", "type.__getattribute__"})
EXEC_CODE = frozenset({"exec", "eval", "builtins.exec", "builtins.eval"})


def _partial_call(
    self: Interpreter,
    node: ast.Call,
    func: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef,
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """``partial(f, a, k=b)(c)`` read as ``f(a, c, k=b)`` (ADR 0185: what the partial was
    called with was dropped), or None when ``func`` is no partial :mod:`handed` made
    (:func:`_made_call`)."""
    rest = func.args.vararg
    if not (isinstance(func, ast.Lambda) and rest and rest.arg == PARTIAL_REST):
        return None
    inner = func.body
    if not isinstance(inner, ast.Call):
        return None
    bound = [a for a in inner.args if not _partial_rest(a)]
    call = ast.Call(
        func=inner.func, args=[*bound, *node.args], keywords=[*inner.keywords, *node.keywords]
    )
    return _made_call(self, node, ast.copy_location(call, node), env, when)


def _made_call(
    self: Interpreter, node: ast.Call, call: ast.Call, env: dict[str, Val], when: When
) -> Val | None:
    """The value of ``call``, which ``node`` is read as, made once per call site
    (:func:`reach.made`) so that the memos keyed by node stay right; None when this site
    was made for another callee (then applied as before)."""
    body = reach.made(self, node, [], call).body
    if not (isinstance(body, ast.Call) and body.func is call.func):
        return None
    self.depth += 1
    try:
        return self.call(body, env, when)
    finally:
        self.depth -= 1


def _partial_rest(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Starred)
        and isinstance(node.value, ast.Name)
        and node.value.id == PARTIAL_REST
    )


def _forwarded(
    self: Interpreter,
    node: ast.Call,
    func: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef,
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """The value of ``node`` read as a call of what ``func`` hands its arguments on to
    (ADR 0149), or None when ``func`` does more than that (:func:`_made_call`)."""
    inner = forwarded.forwarder(func)
    if inner is None:
        return None
    closure = self.closures.get(id(func))
    if closure is not None and isinstance(inner.func, ast.Name) and inner.func.id in closure:
        # What a closure hands on to is its enclosing function's name (ADR 0185:
        # ``deco(go)(CMD)``, ``deco`` returning ``inner(*a): return f(*a)``).
        env = {**env, inner.func.id: closure[inner.func.id]}
    return _made_call(self, node, forwarded.through(node, inner, func), env, when)

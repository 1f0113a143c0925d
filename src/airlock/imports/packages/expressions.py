"""The flow pass's expressions: names, attributes, operators, subscripts and the constants
they fold to (issue 16; ADR 0112). Bound as :class:`flow.Interpreter`'s methods; ``self`` is
the interpreter.
"""

from __future__ import annotations

import ast
import builtins
from typing import TYPE_CHECKING

from airlock.imports.packages import (
    across,
    applied,
    comprehend,
    dbsends,
    envurl,
    foreign,
    generated,
    listtext,
    namedfill,
    overitems,
    partlist,
    parttext,
    pathreads,
    picked,
    printed,
    protocol,
    raytasks,
    rebound,
    sharedstate,
    signin,
    sinkcall,
    stashed,
    tempname,
)
from airlock.imports.packages.astwalk import children
from airlock.imports.packages.flowtypes import (
    SECRET_NAME,
    UNKNOWN,
    OverBudget,
    Val,
    When,
    canonical,
    key_table,
    secret_name,
    xor_keyed,
)
from airlock.imports.packages.fold import (
    MAX_FOLD,
    MAX_ITEMS,
    STDLIB_STRINGS,
    WIDE_FORMAT,
    decimal,
    fold_call,
    intop,
    small,
    text_of,
)
from airlock.imports.packages.handed import builds_dict, entry, home_path
from airlock.imports.packages.implicit import OPERATORS
from airlock.imports.packages.pathshape import (
    MAX_SHAPE,
    PATH_METHODS,
    PATH_READS,
    PATH_WRITES,
    PATHS_TABLE,
    SITE_KEYS,
    arg_text,
    hub_folder,
    persistent_shape,
    shape_of,
    variable_name,
)
from airlock.imports.packages.sinks import (
    DECODED,
    FILE,
    HIDDEN,
    KEY_BYTE,
    REMOTE,
    SECRET,
    TOLD,
    secret_path,
    source_labels,
)

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

_BUILTINS = set(dir(builtins)) | {"__builtins__", "builtins"}


def expr(self: Interpreter, node: ast.expr, env: dict[str, Val], when: When) -> Val:  # noqa: PLR0911, PLR0912, PLR0915 -- one branch per node kind
    self.steps -= 1
    if self.steps < 0:
        raise OverBudget
    if isinstance(node, ast.Constant):
        value = node.value
        return Val(const=value) if small(value) else UNKNOWN
    if isinstance(node, ast.Name):
        if node.id in env:
            found = env[node.id]
            if self.resolving and found.const is None and found.ref:
                return across.constant_of(self, found.ref) or found
            if self.package is not None and found.ref:
                found = sharedstate.carried(self, found)  # ``from ._state import BUF``
            return (
                Val(found.const, found.ref, found.labels | SECRET_NAME, found.func)
                if (secret_name(node.id) and SECRET not in found.labels)
                else found
            )
        if node.id in _BUILTINS:
            return Val(ref=node.id)
        return self.library_name(node.id) if self.library_stars else UNKNOWN
    if isinstance(node, ast.Attribute):
        base = self.expr(node.value, env, when)
        if base.ref.endswith("()") and when is not When.LATER:
            got = self.getter(base, node.attr, env, when)  # ``K().p`` of a property
            if got is not None:
                return got
        task = raytasks.remote_of(base, node.attr) if base.func is not None else None
        if task is not None:
            return task  # ``TASKS['keep'].remote``: a Ray task's call (ADR 0126)
        if node.attr == "__call__" and (base.func is not None or _callable_ref(base.ref)):
            return base  # ``exec.__call__(code)`` is ``exec(code)`` (ADR 0051)
        if node.attr in CODE_ATTRS and (base.func is not None or base.ref in self.classes):
            return base  # ``f.__code__``, ``staticmethod(f).__func__`` run f (ADR 0073)
        if node.attr == "__func__" and base.ref.partition(".")[0] in self.classes:
            return base  # ``C.m.__func__``: the function ``C.m`` names (ADR 0073)
        elsewhere = foreign.module_file(base, node.attr, self.package, self.module)
        elsewhere = elsewhere or foreign.spec_part(base, node.attr)
        if elsewhere:  # ``requests.__file__``: another package's code (ADR 0085)
            return Val(labels=base.labels, shape=elsewhere)
        if base.ref:
            sent = printed.stream(base, node.attr, env)  # ``sys.stdout`` sent into a file
            if sent is not None:
                return sent  # (ADR 0191)
            if (base.ref, node.attr) in self.attrs:
                return self.attrs[base.ref, node.attr]  # set by a method that ran
            if self.constants:  # ``C.cmds``, ``self.cmds`` of its body (ADR 0071)
                kept = self.constants.get((base.ref.removesuffix("()"), node.attr))
                if kept is not None:
                    return kept
            if when is not When.LATER and (self.descriptors or base.ref.endswith("()")):
                got = protocol.attribute(self, base, node.attr, env, when)  # ADR 0071
                if got is not None:
                    return got
            ref = canonical(f"{base.ref}.{node.attr}")
            if self.resolving:
                return across.constant_of(self, ref) or Val(ref=ref, labels=base.labels)
            labels = base.labels | source_labels(ref)
            got = Val(STDLIB_STRINGS.get(ref), ref, labels, shape=hub_folder(ref))
            # ``_state.CFG`` of another module of the archive (ADR 0195)
            return sharedstate.carried(self, got) if self.package is not None else got
        if base.const is None and (base.head or base.code) and node.attr in parttext.KEEPS_TEXT:
            # ``(PAYLOAD + x).strip()`` keeps its known text (ADR 0161), and ``(x +
            # PAYLOAD).strip()`` its known parts (ADR 0171).
            return Val(ref=f"str.{node.attr}", labels=base.labels, head=base.head, code=base.code)
        if isinstance(base.const, (str, bytes, dict)) or type(base.const) is int:
            ref = f"{type(base.const).__name__}.{node.attr}"
            return Val(ref=ref, const=base.const, alts=base.alts if ref == "dict.get" else ())
        listed = f"list.{node.attr}"
        if isinstance(base.const, list) and (listed in generated.POPS or listed == overitems.SORT):
            # ``C.pop()`` (ADR 0169); ``C.sort(key=f)`` calls ``f`` on each item (ADR 0177).
            return Val(ref=listed, const=base.const)
        temp = tempname.attribute(base, node.attr)  # ``f.name`` of a temporary file (0162)
        if temp is not None:
            return temp
        if base.handle and node.attr in ("write", "writelines", "buffer"):
            # ``open(p, 'wb').write(data)``: the file written to, as for ``f.write``; and
            # ``f.buffer``, the same file under its text layer (ADR 0190).
            return Val(labels=base.labels, handle=base.handle, path_var=base.path_var)
        if base.shape and node.attr in PATH_WRITES:  # ``(home / '.bashrc').write_text``
            return Val(labels=base.labels, handle=base.shape)  # ADR 0048
        var = tempname.path_name(node.value) if node.attr in PATH_WRITES else ""
        path = env.get(var, UNKNOWN) if var else UNKNOWN
        if var and base.const is None and not arg_text(path):
            # ``Path(P).write_text`` of a P that does not fold: a stand-in (ADR 0196)
            top = self.globals if across.module_own(self) else None
            handle = tempname.unfolded(node, var, path, env, top)
            return Val(labels=base.labels, handle=handle, path_var=var)
        if pathreads.kept(node.attr, base) is not None:  # ``(home / '.kube/config')``
            return base  # read as ``open`` when called (ADR 0119)
        if base.shape and node.attr in PATH_READS and secret_path(base.shape):
            # ``Path.home().joinpath('.ssh', 'id_rsa').read_text()`` (ADR 0079)
            return Val(labels=base.labels | SECRET_NAME)
        if base.shape and node.attr in PATH_READS and stashed.held(self, base.shape):
            # ``p.read_bytes()`` of a path a secret was written to (ADR 0193)
            return Val(labels=base.labels | stashed.held(self, base.shape))
        if base.shape and node.attr in picked.WALK_METHODS:  # ``Path.home().rglob``
            picked.weights_walked(self, node.lineno, node.attr, base.shape, when)
            # A glob's pattern is its call's (:func:`reach.path_method`, ADR 0106); a
            # credential folder's walk keeps its folder too: what it finds is a
            # credential (:func:`sinkcall.walks_secrets`, probe 17).
            keeps = node.attr in picked.PATH_GLOBS or secret_path(base.shape)
            shape = base.shape if keeps else ""
            return Val(labels=base.labels | picked.wiped(base.shape), shape=shape)  # 0085
        if base.shape and node.attr in PATH_METHODS:  # ``.expanduser()`` (ADR 0051)
            return Val(labels=base.labels, shape=base.shape)
        return Val(labels=base.labels)
    if isinstance(node, ast.Call):
        return self.call(node, env, when)
    if isinstance(node, ast.BinOp):
        left, right = self.expr(node.left, env, when), self.expr(node.right, env, when)
        name = OPERATORS.get(type(node.op))
        if name is not None:  # ``K() + 1`` runs ``K.__add__``; ``1 + K()`` its ``__radd__``
            ran = self.special(left, (f"__{name}__",), [right], env, when)
            ran = ran or self.special(right, (f"__r{name}__",), [left], env, when)
            if ran is not None:
                return ran
        done = self.binop(node.op, left, right)
        if isinstance(node.op, ast.Mod) and isinstance(left.const, str) and done.const is None:
            # ``code = '%s%s' % (PAYLOAD, x)``: the known text is kept (ADR 0161).
            given = node.right.elts if isinstance(node.right, ast.Tuple) else None
            items = [parttext.item(e, env) for e in given[:64]] if given is not None else [right]
            done = done._replace(head=done.head or parttext.filled(left.const, items, percent=True))
            if not done.head:  # ``'%(c)s' % {'c': CMD}`` (ADR 0162)
                done = done._replace(head=namedfill.percent_head(left.const, node.right, env))
            if not (done.head or done.code):  # ``'%s%s' % (x, CMD)`` (ADR 0171)
                text = parttext.filled_text(left.const, items, percent=True)
                done = done._replace(code=parttext.padded(text))
        # ``'%s' % (os.environ,)`` (ADR 0098)
        whole = sinkcall.formatted_environ(self, node, left, right, env)
        return done._replace(labels=done.labels | whole) if whole else done
    if isinstance(node, ast.Subscript):
        return self.subscript(node, env, when)
    if isinstance(node, ast.JoinedStr):
        parts = [self.expr(v, env, when) for v in node.values]
        labels = frozenset().union(*(p.labels for p in parts))
        if all(isinstance(p.const, str) for p in parts):
            return Val(const="".join(str(p.const) for p in parts), labels=labels)
        shape = "".join(shape_of(p) for p in parts)[:MAX_SHAPE]
        return Val(labels=labels, shape=shape, head=parttext.formatted(parts))
    if isinstance(node, ast.FormattedValue):
        inner = self.expr(node.value, env, when)
        self.special(inner, ("__format__", "__str__", "__repr__"), [UNKNOWN], env, when)
        const = inner.const if isinstance(inner.const, str) else None
        if isinstance(inner.const, int):
            const = decimal(inner.const)
        # ``f'{os.environ}'``: every variable spelt into the text (ADR 0098).
        return Val(const=const, labels=inner.labels | sinkcall.whole_environ(inner))
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = spliced(self, node.elts[:MAX_ITEMS], env, when)
        labels = frozenset().union(*(i.labels for i in items))
        if isinstance(node, ast.Set):
            for item in items:  # a set's members are hashed (ADR 0071)
                protocol.hashed(self, item, env, when)
        consts = [i.const for i in items]
        known = all(c is not None for c in consts) and len(node.elts) <= MAX_ITEMS
        if known:
            return Val(const=consts, labels=labels)
        if isinstance(node, ast.Set):  # its known items, in no order (ADR 0171)
            return Val(labels=labels, items=listtext.written(items))
        # ``c = ['bash', '-c', CMD, x]`` keeps its words as ``LIST + x`` does (ADR 0161).
        words = partlist.written(consts, [i.head for i in items])
        return Val(labels=labels, words=words, items=listtext.written(items))
    if isinstance(node, ast.Dict):
        values = [self.expr(v, env, when) for v in node.values]
        parts = [signin.header_val(key, v) for key, v in zip(node.keys, values, strict=True)]
        keys = [None if key is None else self.expr(key, env, when) for key in node.keys]
        for held in keys:
            if held is not None:
                protocol.hashed(self, held, env, when)
        labels = frozenset().union(*(p.labels for p in parts))
        for key, v in zip(node.keys, values, strict=True):
            if key is None:  # ``{**os.environ}``: every variable (ADR 0098)
                labels |= sinkcall.whole_environ(v)
        return Val(const=parttext.table(keys, values), labels=labels)
    if isinstance(node, ast.Lambda):
        self.definition_time(node.args, None, env, when)  # ``lambda x=f(): x`` runs f
        return Val(func=applied.closed(self, node, env))  # its enclosing names (ADR 0185)
    if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
        return comprehend.comprehension(self, node, env, when)
    if isinstance(node, ast.DictComp):
        table = comprehend.table(self, node, env)
        return table if table is not None else comprehend.comprehension(self, node, env, when)
    if isinstance(node, ast.IfExp):
        protocol.truth(self, self.expr(node.test, env, when), env, when)
        a, b = self.expr(node.body, env, when), self.expr(node.orelse, env, when)
        alts = parttext.branches(a, b)  # ``CMD if os.name == 'posix' else WIN`` (ADR 0161)
        return Val(ref=a.ref or b.ref, labels=a.labels | b.labels, alts=alts)
    if isinstance(node, ast.Yield) and rebound.SENT in env:  # ``c = yield`` (ADR 0073)
        if node.value is not None:
            self.expr(node.value, env, when)
        return env[rebound.SENT]
    if isinstance(node, ast.Await):  # ``r, w = await open_connection(h, p)`` (ADR 0051)
        return self.expr(node.value, env, when)
    if isinstance(node, ast.NamedExpr):  # ``(r := os.system)(c)`` (ADR 0048)
        named = self.expr(node.value, env, when)
        self.bind(node.target, named, env)
        around = env
        for local, outer in reversed(self.comprehensions):
            around = outer if local is around else around
        if around is not env:  # ``[(f := os.system) for _ in 'a']; f(c)`` (ADR 0080)
            self.bind(node.target, named, around)
        return named
    if isinstance(node, ast.Compare):  # ``K() == 1``, ``1 in K()`` (ADR 0071)
        picked.compared(self, node, env, when)  # ``p.suffix == '.gguf'`` (ADR 0085)
        return Val(labels=protocol.compared(self, node, env, when))
    if isinstance(node, ast.BoolOp):
        operands = [self.expr(v, env, when) for v in node.values]
        for operand in operands:
            protocol.truth(self, operand, env, when)
        labels = frozenset().union(*(v.labels for v in operands))
        if operands[0].const is None:  # ``x or CMD``, ``sys.argv and CMD``: either (0171)
            either = [v.head if v.const is None else v.const for v in operands]
            return Val(labels=labels, alts=parttext.alternatives(either))
        return Val(labels=labels)
    if isinstance(node, ast.UnaryOp):
        inner = self.expr(node.operand, env, when)
        if isinstance(node.op, ast.Not):
            protocol.truth(self, inner, env, when)
        if isinstance(inner.const, int) and isinstance(node.op, ast.USub):
            return Val(const=-inner.const)
        if isinstance(inner.const, int) and isinstance(node.op, ast.Invert):
            return Val(const=~inner.const)
        return Val(labels=inner.labels)
    carried: frozenset[str] = frozenset()
    for child in children(node):
        if isinstance(child, ast.expr):
            carried |= self.expr(child, env, when).labels
    return Val(labels=carried)


def binop(self: Interpreter, op: ast.operator, left: Val, right: Val) -> Val:
    done = _binop(op, left, right)
    if isinstance(op, ast.Add) and done.const is None:
        # ``code = PAYLOAD + x``: the known text is kept for what runs it (ADR 0154).
        head = parttext.added(left, right)
        if head:
            return done._replace(head=head)
        code = parttext.code_added(left, right)  # ``x + PAYLOAD`` (ADR 0156)
        if code:
            return done._replace(code=code)
        alts = parttext.alts_added(left, right)  # ``(CMD if posix else WIN) + x`` (0162)
        if alts:
            return done._replace(alts=alts)
    return done


def _binop(op: ast.operator, left: Val, right: Val) -> Val:  # noqa: PLR0911, PLR0912 -- one return per folding case
    labels = left.labels | right.labels
    a, b = left.const, right.const
    shaped = _percent_shape(a, right, labels) if isinstance(op, ast.Mod) and b is None else ""
    if shaped:
        return Val(labels=labels, shape=shaped)
    try:
        folded: object = None
        if isinstance(op, ast.Add) and type(a) is type(b) and a is not None:
            folded = a + b  # type: ignore[operator]
        elif isinstance(op, ast.Mod) and isinstance(a, str) and not WIDE_FORMAT.search(a):
            folded = a % (tuple(b) if isinstance(b, list) else b)
        elif isinstance(a, int) and isinstance(b, int) and (abs(b) < 4096 or _bitwise(op)):
            # ``(b >> 3) | (b << 5)``: a byte rotated is no large number (probe 17).
            folded = intop(op, a, b)
        elif isinstance(op, ast.Mult) and isinstance(a, (str, bytes)) and isinstance(b, int):
            folded = a * b if len(a) * b <= MAX_FOLD else None
        elif isinstance(op, ast.Mult):
            folded = partlist.repeated(a, b)  # ``['sh', '-c', CMD] * 1`` (ADR 0153)
        if folded is not None and small(folded):
            return Val(const=folded, labels=labels)
    except (TypeError, ValueError, LookupError, ArithmeticError):
        pass
    if isinstance(op, ast.BitXor) and labels & {FILE, REMOTE} and xor_keyed(left, right):
        # Bytes read or downloaded, each XORed with a key written in the code: a cipher
        # undone (ADR 0086: a DLL kept XORed in a package's ``test.py``).
        labels |= {DECODED}
    if isinstance(op, ast.Add):
        # ``['bash', '-c', CMD] + sys.argv[1:]``: the known items keep their text (ADR 0153).
        listed = partlist.added(a, left.words, b, right.words)
        items = listtext.added(left, right)  # ``parts = [PAYLOAD] + [x]`` (ADR 0162)
        if listed or items:
            return Val(labels=labels, words=listed, items=items)
    # Host data joined to a literal keeps the literal: ``getuser() + '.evil.example'``.
    told = any(v.labels & TOLD and v.const is None for v in (left, right))
    if isinstance(op, ast.Div) and left.shape:  # ``Path.home() / '.bashrc'`` (ADR 0048)
        return home_path(left, right) or Val(labels=labels)
    if isinstance(op, ast.Add) and (left.shape or right.shape or told):
        shape = (shape_of(left) + shape_of(right))[:MAX_SHAPE]
        # ``os.environ['URL'] + leaf``: the user's address, not data sent (ADR 0131).
        return Val(labels=envurl.led(left, right) or labels, shape=shape)
    if isinstance(op, (ast.Add, ast.Div)) and a is None and isinstance(b, str):
        # ``prefix + '/zz.pth'``, ``Path(unknown) / 'zz.pth'``: a folder that does not fold
        # joined to a name that runs what is put there keeps that name (issue 16).
        glue = "/" if isinstance(op, ast.Div) else ""
        known = persistent_shape(f"?{glue}{b}")
        return Val(labels=labels, shape=known) if known else Val(labels=labels)
    return Val(labels=labels)


def subscript(self: Interpreter, node: ast.Subscript, env: dict[str, Val], when: When) -> Val:  # noqa: PLR0911, PLR0912 -- one return per folding case
    base_node = node.value
    if (
        isinstance(base_node, (ast.Dict, ast.List, ast.Tuple))
        or builds_dict(base_node)
        or (isinstance(base_node, ast.Attribute) and base_node.attr == "__dict__")
        or (self.tables and isinstance(base_node, ast.Name) and base_node.id in self.tables)
    ):
        found = entry(self, node, env, when)  # ``{'a': os.system}['a']`` (ADR 0048)
        if found is not None:
            return found
    base = self.expr(node.value, env, when)
    if base.ref == overitems.MATCH:  # ``m[0]`` as ``m.group(0)``, not the text's first letter
        return overitems.text_of(base)
    if base.ref and dbsends.handle(base.ref):  # ``MongoClient(uri)['db']['c']`` (ADR 0195)
        return Val(ref=f"{base.ref}.item", labels=base.labels)
    index = node.slice
    if isinstance(index, ast.Slice):
        parts = [
            None if p is None else self.expr(p, env, when).const
            for p in (index.lower, index.upper, index.step)
        ]
        ints = [p if isinstance(p, int) else None for p in parts]
        if isinstance(base.const, (str, bytes, list)) and all(
            p is None or isinstance(p, int) for p in parts
        ):
            return Val(const=base.const[slice(*ints)], labels=base.labels)
        bounds = tuple(
            None if n is None else (p if type(p) is int else ...)
            for n, p in zip((index.lower, index.upper, index.step), parts, strict=True)
        )
        kept = parttext.sliced(base, (bounds[0], bounds[1], bounds[2]))
        return kept or Val(labels=base.labels)  # ``(PAYLOAD + x)[0:]`` (ADR 0162)
    key = self.expr(index, env, when)
    got = self.keyed(base, key, env, when)
    if got is not None:
        return got
    picked = rebound.picked(self, base_node, base, key)  # ``e.args[0]`` (ADR 0073)
    if picked is not None:
        return picked
    if base.ref in GLOBAL_TABLES and isinstance(key.const, str):
        # ``globals()['_boot']()``: this module's function, called by a string (ADR 0039).
        own = env.get(key.const) if base.ref != "sys.modules" else None
        func = own.func if own is not None else None
        return Val(ref=canonical(key.const), labels=frozenset({HIDDEN}), func=func)
    if base.ref == "sys.modules" and isinstance(index, ast.Name) and index.id == "__name__":
        return Val(ref="globals")  # this module itself
    if base.ref.endswith("__dict__") and isinstance(key.const, str):
        return Val(ref=canonical(f"{base.ref[: -len('.__dict__')]}.{key.const}"))
    if (
        isinstance(base.const, list)
        and key.const is None
        and (picks := parttext.keyed(base.const, None))
    ):
        return Val(alts=picks)  # ``C[i]``: any of its strings, as a dict's (ADR 0159)
    if base.const is None and base.items and (picks := listtext.picked(base.items, key.const)):
        return Val(labels=base.labels, alts=picks)  # ``T[1]`` of ``(x, CURL)`` (ADR 0171)
    if (isinstance(base.const, (str, bytes, list)) and isinstance(key.const, int)) or (
        isinstance(base.const, dict)  # ``T[b]`` of a folded table (ADR 0067)
    ):
        item = _item(base.const, key.const)
        alts = parttext.keyed(base.const, key.const) if item is None else ()
        if alts:  # ``CMDS[sys.platform]``: any of its strings (ADR 0161)
            # Unknown as before but for them: a region picked from the environment is no
            # environment data sent where the entry is used.
            return Val(alts=alts)
        if item is None:
            return UNKNOWN
        # ``cfg['c']`` of a table bound in either branch: each one's entry (ADR 0164).
        more = parttext.entries(base.alts, key.const) if base.alts else ()
        return Val(const=item, labels=base.labels, alts=more)
    if key.const is None and not base.labels and key_table(base.const):
        # ``KEY[i % len(KEY)]``; the index's labels kept (it counts the data's bytes).
        return Val(labels=key.labels | {KEY_BYTE})  # ADR 0088
    labels = base.labels | key.labels | source_labels(base.ref)
    if base.ref == "os.environ" and (name := variable_name(key)):
        return Val(labels=labels, shape=f"${name}")
    if base.shape == "site-packages" or (base.shape == PATHS_TABLE and key.const in SITE_KEYS):
        return Val(labels=labels, shape="site-packages")  # ``getsitepackages()[0]``
    return Val(labels=labels)


def literal_dict(
    self: Interpreter, node: ast.Dict, env: dict[str, Val]
) -> dict[str, object] | None:
    """A dict literal's folded items (keys that are strings), or None when one does not
    fold; its values were already evaluated with the call's arguments."""
    out: dict[str, object] = {}
    for key, value in zip(node.keys[:64], node.values[:64], strict=False):
        k = key.value if isinstance(key, ast.Constant) else None
        v = self.expr(value, env, When.LATER).const
        if not isinstance(k, str) or v is None:
            return None
        out[k] = v
    return out


def map_const(
    self: Interpreter, fn: Val, items: list[object] | str | bytes, env: dict[str, Val]
) -> object:
    if len(items) > MAX_ITEMS:
        return None
    out = []
    for item in items:
        if fn.func is not None:
            value = self.apply(fn.func, [Val(const=item)], env, When.LATER)
            folded = value.const if value is not None else None
        else:
            folded = fold_call(fn.ref, None, [item], {})
        if folded is None:
            return None
        out.append(folded)
    return out


def partial(self: Interpreter, node: ast.expr, env: dict[str, Val]) -> str:  # noqa: PLR0911 -- one return per spelling
    """Folded text of an argument; a list keeps the elements that fold."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return " ".join(self.partial(e, env) for e in node.elts[:64])
    if isinstance(node, ast.Starred):  # ``[*args]``: the list's words (ADR 0159)
        return self.partial(node.value, env)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(v.value) if isinstance(v, ast.Constant) else self.partial(v, env) or "{}"
            for v in node.values
        )
    if isinstance(node, ast.FormattedValue):
        return self.partial(node.value, env)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return self.partial(node.left, env) + self.partial(node.right, env)
    spelt = sinkcall.formatted(node)
    if spelt is not None:  # ``'{}.x.evil'.format(k)``, ``'%s.x.evil' % k`` (probe 17)
        template = self.expr(spelt[0], env, When.LATER).const
        if isinstance(template, str):
            texts = [self.partial(e, env) or "{}" for e in spelt[1][:64]]
            percent = isinstance(node, ast.BinOp)
            filled = sinkcall.fill(template, texts, percent=percent)
            if filled is not None:
                return filled
    listed = sinkcall.joined_list(node)
    if listed is not None:  # ``' '.join(['curl', u] + sys.argv[1:])`` (ADR 0153)
        return self.partial(listed, env)
    glue = sinkcall.joined(node)
    if glue is not None and isinstance(node, ast.Call):  # ``'.'.join([k, 'x', 'evil'])``
        parts = node.args[0].elts if isinstance(node.args[0], (ast.List, ast.Tuple)) else []
        return glue.join(self.partial(e, env) or "{}" for e in parts[:64])
    value = self.expr(node, env, When.LATER)
    return text_of(value.const) or value.shape or value.head or value.ref


def _percent_shape(template: object, value: Val, labels: frozenset[str]) -> str:
    """The text of ``template % value`` when ``value`` does not fold: ``'%s/zz.pth' %
    prefix`` keeps the place it writes (it folded as ``None``); ``'%s.x.evil' % key.hex()``
    keeps host data's template as an f-string's text does (probe 17). Empty otherwise."""
    if not isinstance(template, str):
        return ""
    if persistent_shape(template):
        return persistent_shape(template.replace("%s", "?"))
    return sinkcall.spelt_shape(template, [value], {}, labels, percent=True)


def _bitwise(op: ast.operator) -> bool:
    """``|``, ``&``, ``^``: their cost grows with the numbers' size only, never past it."""
    return isinstance(op, (ast.BitOr, ast.BitAnd, ast.BitXor))


def _callable_ref(ref: str) -> bool:
    """A name whose ``__call__`` is itself: a function or builtin, not an instance of a
    local class (``K().__call__`` is that class's method, looked up as before)."""
    return bool(ref) and "()" not in ref


def _item(container: str | bytes | list[object] | dict[object, object], key: object) -> object:
    """``container[key]`` of folded values, or None."""
    try:
        return container[key]  # type: ignore[index,call-overload]
    except (IndexError, KeyError, TypeError):
        return None


CODE_ATTRS = frozenset({"__code__", "__func__", "__wrapped__"})
GLOBAL_TABLES = (
    "globals", "locals", "vars", "builtins.__dict__", "__builtins__.__dict__", "sys.modules",
)  # fmt: skip


def spliced(self: Interpreter, elts: list[ast.expr], env: dict[str, Val], when: When) -> list[Val]:
    """A display's items, a starred one that folds to a list spliced in as its items
    (``[*args]`` of ``args = ['sh', '-c', CMD]``, ADR 0159); another starred one is one
    unknown item."""
    items: list[Val] = []
    for e in elts:
        if not isinstance(e, ast.Starred):
            items.append(self.expr(e, env, when))
            continue
        value = self.expr(e.value, env, when)
        if isinstance(value.const, list) and len(value.const) <= MAX_ITEMS:
            items += [Val(const=x, labels=value.labels) for x in value.const]
        else:
            items.append(Val(labels=value.labels))
    return items[:MAX_ITEMS]

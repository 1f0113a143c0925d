"""A pickle calling a global that no allowlist of data constructors names holds; one that a
module loads on import denies (ADR 0124, issue 16).

Every pickle here is an opcode stream written by hand, disassembled and never loaded. The
held ones call gadgets that scanner-bypass studies list (arXiv 2508.19774, picklescan's
unsafe list) and that airlock's denylist does not name; the allowed ones have the shapes
torch, numpy, scikit-learn and pandas really write (their globals and opcodes, as measured
with ``pickle.dumps`` and ``torch.save``), with the bulk data left out.
"""

from __future__ import annotations

import io
import pickletools
import struct
import zipfile

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.pickles import scan_pickle
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel

Files = dict[str, str | bytes]

PROTO2 = b"\x80\x02"
MARK, STOP, TUPLE, EMPTY_TUPLE, TUPLE1, TUPLE2 = b"(", b".", b"t", b")", b"\x85", b"\x86"
REDUCE, NEWOBJ, BUILD, EMPTY_DICT, SETITEM, SETITEMS = b"R", b"\x81", b"b", b"}", b"s", b"u"
BINPERSID, NEWFALSE, NONE, EMPTY_LIST = b"Q", b"\x89", b"N", b"]"


def g(dotted: str) -> bytes:
    """``GLOBAL``: ``module.name`` pushed, as protocols 0-2 write it."""
    module, _, name = dotted.rpartition(".")
    return f"c{module}\n{name}\n".encode()


def s(text: str) -> bytes:
    """``BINUNICODE``."""
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def i(value: int) -> bytes:
    """``BININT1``."""
    return b"K" + bytes([value])


def call(dotted: str, *args: bytes) -> bytes:
    """``dotted(*args)`` by ``REDUCE``."""
    return g(dotted) + MARK + b"".join(args) + TUPLE + REDUCE


def pickled(*body: bytes) -> bytes:
    data = PROTO2 + b"".join(body) + STOP
    pickletools.dis(data, out=io.StringIO())  # a well-formed stream: the test's own check
    return data


def init(text: str, more: Files | None = None) -> Files:
    return {"evpkg/__init__.py": text, "evpkg/model.py": MODEL_PY, **(more or {})}


def torch_zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", data)
        archive.writestr("archive/data/0", bytes(16))
        archive.writestr("archive/version", "3\n")
    return buffer.getvalue()


def verdict(files: Files) -> Outcome:
    return vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", files)).verdict


def rules(data: bytes) -> list[tuple[str, str]]:
    return [(f.rule, f.severity.name) for f in scan_pickle("evpkg/m.pkl", data)]


MODEL_PY = "class Net:\n    pass\n\n\ndef run(command):\n    return command\n"
LOADS_ON_IMPORT = (
    "import os\nimport pickle\n\n"
    "HERE = os.path.dirname(__file__)\n"
    "with open(os.path.join(HERE, 'm.pkl'), 'rb') as f:\n"
    "    MODEL = pickle.load(f)\n"
)
LOADS_WHEN_CALLED = (
    "import os\nimport pickle\n\n\n"
    "def model():\n"
    "    with open(os.path.join(os.path.dirname(__file__), 'm.pkl'), 'rb') as f:\n"
    "        return pickle.load(f)\n"
)

# Gadgets of the published lists that airlock's denylist (DANGEROUS_MODULES, RUNS_CODE)
# does not name: each called as a REDUCE, the arguments harmless texts.
PIPEPAGER = pickled(call("pydoc.pipepager", s("x"), s("id")))  # picklescan: pydoc
SPAWN = pickled(call("distutils.spawn.spawn", MARK + s("id") + b"l"))  # a list argument
COLLECT_ENV = pickled(call("torch.utils.collect_env.run", s("id")))  # picklescan: torch
COMPILE_FILE = pickled(call("torch._inductor.codecache.compile_file", s("a"), s("b")))
# functools.partial(pydoc.pipepager, 'x')('id'): the call is of what partial returned.
PARTIAL = pickled(
    g("functools.partial") + MARK + g("pydoc.pipepager") + s("x") + TUPLE + REDUCE,
    MARK + s("id") + TUPLE + REDUCE,
)
# torch._tensor._rebuild_from_type_v2(func, type, args, state) calls func(*args): a
# rebuilder torch lists as safe handing on a gadget.
FROM_TYPE = pickled(
    call(
        "torch._tensor._rebuild_from_type_v2",
        g("pydoc.pipepager"),
        g("torch.Tensor"),
        MARK + s("x") + s("id") + TUPLE,
        EMPTY_DICT,
    )
)
# numpy's __generator_ctor(name, ctor) calls ctor(name): a listed restorer handed a gadget.
GENERATOR_CTOR = pickled(
    call("numpy.random._pickle.__generator_ctor", s("id"), g("pydoc.pipepager"))
)
# copyreg.__newobj__(cls) is NEWOBJ spelt as a call: the BUILD after it is the class's.
NEWOBJ_CALL = pickled(call("copyreg.__newobj__", g("gadgetlib.Loader")) + EMPTY_DICT + BUILD)
# A listed library's class in a module that opens files: pandas' HDFStore(path, mode='w').
HDFSTORE = pickled(call("pandas.io.pytables.HDFStore", s("/tmp/x"), s("w")))
# A third-party class restored: NEWOBJ, then BUILD runs its __setstate__ on the state.
SETSTATE = pickled(g("gadgetlib.loader.Loader") + EMPTY_TUPLE + NEWOBJ + EMPTY_DICT + BUILD)
# Protocol 0's INST and protocol 1's OBJ call what they name with the items above the MARK.
INST = b"(Vx\nVid\nipydoc\npipepager\n."
OBJ = pickled(MARK + g("pydoc.pipepager") + s("x") + s("id") + b"o")
# torch's format before 1.6: a magic number, a version and the system's sizes as three
# pickles, then the one torch.load builds the model from; only the first was read.
LEGACY_MAGIC = PROTO2 + b"\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19" + STOP
LEGACY_HEAD = LEGACY_MAGIC + pickled(b"M\xe9\x03") + pickled(EMPTY_DICT)
LEGACY_KEYS = pickled(EMPTY_LIST + s("0") + b"a")
LEGACY_EXEC = LEGACY_HEAD + pickled(call("os.system", s("id"))) + LEGACY_KEYS + bytes(16)


def tensor(key: str) -> bytes:
    """``torch._utils._rebuild_tensor_v2`` of a storage torch.save names by a persistent id."""
    storage = MARK + s("storage") + g("torch.FloatStorage") + s(key) + s("cpu") + i(4) + TUPLE
    return call(
        "torch._utils._rebuild_tensor_v2",
        storage + BINPERSID,
        i(0),
        i(4) + TUPLE1,
        i(1) + TUPLE1,
        NEWFALSE,
        call("collections.OrderedDict"),
    )


# A state dict as torch.save writes it: OrderedDict() with its tensors, and its _metadata.
STATE_DICT = pickled(
    call("collections.OrderedDict"),
    MARK + s("weight") + tensor("0") + s("bias") + tensor("1") + SETITEMS,
    EMPTY_DICT + s("_metadata") + call("collections.OrderedDict") + SETITEM + BUILD,
)
LEGACY_STATE = LEGACY_HEAD + STATE_DICT + LEGACY_KEYS + bytes(16)


def dtype() -> bytes:
    return call("numpy.dtype", s("f8"), NEWFALSE, b"\x88") + (
        MARK + i(3) + s("<") + NONE + NONE + NONE + i(255) + i(255) + i(0) + TUPLE + BUILD
    )


def ndarray(reconstruct: str = "numpy.core.multiarray._reconstruct") -> bytes:
    """An array at protocol 2: ``_reconstruct(ndarray, (0,), b'b')``, then its state."""
    made = call(reconstruct, g("numpy.ndarray"), i(0) + TUPLE1, call("_codecs.encode", s("b")))
    state = MARK + i(1) + i(2) + TUPLE1 + dtype() + NEWFALSE + call("_codecs.encode", s("ab"))
    return made + state + TUPLE + BUILD


NDARRAY = pickled(ndarray())


def estimator(cls: str) -> bytes:
    """A scikit-learn estimator: NEWOBJ of its class, BUILD with its fitted state."""
    fitted = EMPTY_DICT + s("coef_") + ndarray("numpy._core.multiarray._reconstruct") + SETITEM
    return g(cls) + EMPTY_TUPLE + NEWOBJ + fitted + BUILD


SKLEARN = pickled(estimator("sklearn.linear_model._logistic.LogisticRegression"))
# sklearn's trees: the Tree class is REDUCEd with its sizes, then BUILT with its nodes.
SKLEARN_TREE = pickled(
    g("sklearn.tree._classes.DecisionTreeClassifier") + EMPTY_TUPLE + NEWOBJ,
    EMPTY_DICT + s("tree_") + call("sklearn.tree._tree.Tree", i(1), ndarray(), i(1)),
    EMPTY_DICT + s("nodes") + ndarray() + SETITEM + BUILD + SETITEM + BUILD,
)
OWN_CLASS = pickled(g("evpkg.model.Net") + EMPTY_TUPLE + NEWOBJ + EMPTY_DICT + BUILD)
OWN_FUNCTION = pickled(call("evpkg.model.run", s("id")))


def index(cls: str) -> bytes:
    return call(
        "pandas.core.indexes.base._new_Index",
        g(cls),
        EMPTY_DICT + s("data") + ndarray() + SETITEM,
    )


# A DataFrame as pandas 2.x pickles one: NEWOBJ of the frame, a BlockManager REDUCEd from
# blocks (_unpickle_block of an array and a slice) and two indexes (_new_Index), then BUILD.
DATAFRAME = pickled(
    g("pandas.core.frame.DataFrame") + EMPTY_TUPLE + NEWOBJ,
    EMPTY_DICT + s("_mgr"),
    call(
        "pandas.core.internals.managers.BlockManager",
        MARK
        + call(
            "pandas._libs.internals._unpickle_block",
            ndarray(),
            call("builtins.slice", i(0), i(1), i(1)),
            i(2),
        )
        + TUPLE,
        EMPTY_LIST + MARK + index("pandas.core.indexes.base.Index") + b"e",
    ),
    SETITEM + BUILD,
)
# Protocol 0 rebuilds a plain class's instance with copy_reg._reconstructor(cls, object,
# None): it was denied for naming __builtin__.object.
PROTOCOL0_OBJECT = (
    b"ccopy_reg\n_reconstructor\n(csklearn.preprocessing._label\nLabelEncoder\n"
    b"c__builtin__\nobject\nNtR(dVclasses_\nNsb."
)


def carried(data: bytes) -> bytes:
    """``BINBYTES``: bytes the stream carries."""
    return b"B" + struct.pack("<I", len(data)) + data


# A tensor through plain pickle (joblib, an object holding one): its storage is
# torch.storage._load_from_bytes(torch.save(storage)), a legacy torch file in the pickle.
STORAGE = MARK + s("storage") + g("torch.FloatStorage") + s("0") + s("cpu") + i(2) + TUPLE
NESTED_STORAGE = LEGACY_HEAD + pickled(STORAGE + BINPERSID) + LEGACY_KEYS + bytes(8)
PLAIN_TENSOR = pickled(
    call(
        "torch._utils._rebuild_tensor_v2",
        call("torch.storage._load_from_bytes", carried(NESTED_STORAGE)),
        i(0),
        i(2) + TUPLE1,
        i(1) + TUPLE1,
        NEWFALSE,
        call("collections.OrderedDict"),
    )
)
NESTED_GADGET = pickled(call("torch.storage._load_from_bytes", carried(PIPEPAGER)))
NESTED_EXEC = pickled(
    call(
        "torch.storage._load_from_bytes", carried(LEGACY_HEAD + pickled(call("os.system", s("id"))))
    )
)

HELD: dict[str, bytes] = {
    "pydoc.pipepager": PIPEPAGER,
    "distutils.spawn.spawn": SPAWN,
    "torch.utils.collect_env.run": COLLECT_ENV,
    "torch._inductor.codecache.compile_file": COMPILE_FILE,
    "functools.partial": PARTIAL,
    "rebuild_from_type_v2 handing on pydoc.pipepager": FROM_TYPE,
    "a third-party class's __setstate__": SETSTATE,
    "INST": INST,
    "a gadget in the pickle torch.storage._load_from_bytes carries": NESTED_GADGET,
    "copyreg.__newobj__ and BUILD": NEWOBJ_CALL,
    "pandas.io.pytables.HDFStore": HDFSTORE,
    "pandas.HDFStore": pickled(call("pandas.HDFStore", s("/tmp/x"), s("w"))),
    "numpy __generator_ctor handing on pydoc.pipepager": GENERATOR_CTOR,
    "OBJ": OBJ,
}


@pytest.mark.parametrize("name", sorted(HELD))
def test_a_call_no_allowlist_names_holds(name: str) -> None:
    assert ("pickle-call", "HIGH") in rules(HELD[name]), name
    assert verdict(init("", {"evpkg/m.pkl": HELD[name]})) is Outcome.HOLD, name


@pytest.mark.parametrize("name", sorted(HELD))
def test_the_same_call_in_a_torch_zip_holds(name: str) -> None:
    assert verdict(init("", {"evpkg/pytorch_model.bin": torch_zip(HELD[name])})) is Outcome.HOLD


def test_a_class_made_by_newobj_spelt_as_a_call_is_named_for_its_setstate() -> None:
    (finding,) = scan_pickle("evpkg/m.pkl", NEWOBJ_CALL)
    assert "`gadgetlib.Loader` (restored)" in finding.explanation


def test_the_finding_names_the_call_and_what_to_do() -> None:
    (finding,) = scan_pickle("evpkg/m.pkl", PARTIAL)
    assert "`functools.partial` (called)" in finding.explanation
    assert "`functools.partial()` (called)" in finding.explanation
    assert "safetensors" in finding.explanation


def test_a_pickle_loaded_on_import_with_such_a_call_is_denied() -> None:
    files = init(LOADS_ON_IMPORT, {"evpkg/m.pkl": PIPEPAGER})
    report = vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", files))
    assert report.verdict is Outcome.DENY
    (finding,) = [f for f in report.findings if f.rule == "pickle-call"]
    assert "evpkg/__init__.py loads this file when it is imported" in finding.explanation


def test_a_model_path_bound_to_a_name_and_loaded_by_torch_is_followed() -> None:
    text = "import torch\nPATH = 'weights/model.pt'\nMODEL = torch.load(PATH)\n"
    files = init(text, {"evpkg/weights/model.pt": torch_zip(SETSTATE)})
    assert verdict(files) is Outcome.DENY


def test_a_pickle_under_a_data_name_loaded_on_import_is_denied() -> None:
    text = LOADS_ON_IMPORT.replace("m.pkl", "cfg.dat")
    assert verdict(init(text, {"evpkg/cfg.dat": PIPEPAGER})) is Outcome.DENY
    assert verdict(init("", {"evpkg/cfg.dat": PIPEPAGER})) is Outcome.HOLD


def test_a_legacy_torch_file_is_read_past_its_magic_number() -> None:
    assert ("pickle-exec", "CRITICAL") in rules(LEGACY_EXEC)
    assert verdict(init("", {"evpkg/model.pt": LEGACY_EXEC})) is Outcome.DENY


def test_os_system_in_the_pickle_a_pickle_carries_is_denied() -> None:
    assert ("pickle-exec", "CRITICAL") in rules(NESTED_EXEC)


def test_a_function_of_the_package_itself_called_by_a_pickle_holds() -> None:
    assert verdict(init("", {"evpkg/m.pkl": OWN_FUNCTION})) is Outcome.HOLD


# Near-misses: what ML libraries really pickle, and uses of a gadget that load nothing.
ALLOWED: dict[str, Files] = {
    "torch zip state dict": init("", {"evpkg/pytorch_model.bin": torch_zip(STATE_DICT)}),
    "torch legacy state dict": init("", {"evpkg/model.pt": LEGACY_STATE}),
    "numpy array": init("", {"evpkg/a.pkl": NDARRAY}),
    "a tensor through plain pickle": init("", {"evpkg/t.pkl": PLAIN_TENSOR}),
    "scikit-learn estimator": init("", {"evpkg/clf.pkl": SKLEARN}),
    "scikit-learn tree": init("", {"evpkg/tree.pkl": SKLEARN_TREE}),
    "pandas DataFrame": init("", {"evpkg/frame.pkl": DATAFRAME}),
    "OrderedDict": init("", {"evpkg/d.pkl": pickled(call("collections.OrderedDict"))}),
    "the package's own class restored": init("", {"evpkg/net.pkl": OWN_CLASS}),
    "a state dict loaded on import": init(LOADS_ON_IMPORT, {"evpkg/m.pkl": STATE_DICT}),
    "an estimator loaded on import": init(LOADS_ON_IMPORT, {"evpkg/m.pkl": SKLEARN}),
    "a test fixture": init("", {"evpkg/tests/data/m.pkl": PIPEPAGER}),
    "a class made and nothing run": init(
        "", {"evpkg/m.pkl": pickled(g("gadgetlib.Loader") + EMPTY_TUPLE + NEWOBJ)}
    ),
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_near_miss_allowed(name: str) -> None:
    assert verdict(ALLOWED[name]) is Outcome.ALLOW, name


def test_a_pickle_loaded_only_when_called_holds_and_is_not_denied() -> None:
    assert verdict(init(LOADS_WHEN_CALLED, {"evpkg/m.pkl": PIPEPAGER})) is Outcome.HOLD


def test_protocol_0_of_a_plain_object_is_no_longer_denied() -> None:
    assert not [r for r in rules(PROTOCOL0_OBJECT) if r[1] in ("CRITICAL", "HIGH")]


def test_the_shapes_read_as_measured() -> None:
    # Each near-miss shape names the globals its library writes, and nothing is held.
    shapes = (STATE_DICT, LEGACY_STATE, NDARRAY, SKLEARN, SKLEARN_TREE, DATAFRAME, PLAIN_TENSOR)
    for data in shapes:
        assert rules(data) == [("pickle-globals", "MEDIUM")]


def test_a_gadget_called_after_many_own_classes_still_holds() -> None:
    # The finding names at most a few calls; the package's own classes are dropped from it
    # afterwards. Seven own classes called first must not push the gadget out of the list
    # that is judged, or the pickle reads as "only the package's own classes".
    own = b"".join(call(f"evpkg.model.Net{letter}") + b"0" for letter in "ABCDEFG")
    assert verdict(init("", {"evpkg/m.pkl": pickled(own + PIPEPAGER[2:-1])})) is Outcome.HOLD

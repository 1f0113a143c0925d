"""The opcode reader takes what ``pickletools.genops`` takes (ADR 0065): the same opcodes and
arguments, and the same error at the same opcode, for pickles made here by ``pickle.dumps``
at every protocol, for every prefix of them, for bytes changed in them, and for hand-made
streams. Nothing here is ever loaded."""

from __future__ import annotations

import collections
import datetime
import decimal
import io
import pickle
import pickletools
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.imports.packages import picklestack
from airlock.imports.packages.pickleops import name_of, opcodes
from airlock.imports.packages.pickles import scan_pickle

Read = tuple[list[tuple[str, Any]], type[BaseException] | None]


def _theirs(data: bytes) -> Read:
    got: list[tuple[str, Any]] = []
    try:
        for op, arg, _ in pickletools.genops(io.BytesIO(data)):
            got.append((op.name, arg))
    except Exception as e:  # noqa: BLE001 -- the error's kind is what is compared
        return got, type(e)
    return got, None


def _ours(data: bytes) -> Read:
    got: list[tuple[str, Any]] = []
    try:
        for code, arg in opcodes(data):
            got.append((name_of(code), bytes(arg) if isinstance(arg, memoryview) else arg))
    except Exception as e:  # noqa: BLE001 -- the error's kind is what is compared
        return got, type(e)
    return got, None


def _same(data: bytes) -> None:
    theirs, ours = _theirs(data), _ours(data)
    assert ours[1] is theirs[1], data
    assert len(ours[0]) == len(theirs[0]), data
    for (name, arg), (their_name, their_arg) in zip(ours[0], theirs[0], strict=True):
        assert name == their_name, data
        assert type(arg) is type(their_arg), data
        assert arg == their_arg or (arg != arg and their_arg != their_arg), data  # NaN


class _Point:
    def __init__(self, x: int) -> None:
        self.x = x


class _Persisted(pickle.Pickler):
    def persistent_id(self, obj: object) -> str | None:
        return "row-7" if obj == "stored elsewhere" else None


def _values() -> list[object]:
    shared = ["shared"]
    looped: list[object] = [1]
    looped.append(looped)
    return [
        None, True, False, 0, 1, -1, 255, 256, 65535, 65536, -(2**31), 2**31, 2**64, -(2**70),
        2**3000, 1.5, float("nan"), float("-inf"), "", "text", "é ☃ \U0001f40d", "x" * 300,
        "line\nbreak 'q' \"dq\" \\", "\udc80", b"", b"bytes", b"\x00\xff" * 200, bytearray(b"ba"),
        (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), [], [1, [2, [3]]], {}, {"a": 1, 2: "b"},
        set(), {1, 2}, frozenset({3}), [shared, shared], looped, complex(1, 2),
        datetime.date(2024, 1, 2), decimal.Decimal("1.25"), collections.OrderedDict(a=1),
        range(3), _Point(3), [_Point(1), _Point(2)], {"k": list(range(300))},
    ]  # fmt: skip


def _pickles() -> list[bytes]:
    made = []
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        for value in _values():
            made.append(pickle.dumps(value, protocol=protocol))
        buffer = io.BytesIO()
        _Persisted(buffer, protocol=protocol).dump(["stored elsewhere", 1])
        made.append(buffer.getvalue())
    made.append(pickletools.optimize(pickle.dumps(_values(), protocol=2)))
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(
        [pickle.PickleBuffer(b"out"), pickle.PickleBuffer(bytearray(b"rw"))],
        protocol=5,
        buffer_callback=buffers.append,
    )
    made.append(data)  # NEXT_BUFFER, READONLY_BUFFER
    return made


PICKLES = _pickles()
# Streams no pickler writes: extension codes, INST, line texts that do not decode or parse,
# counts that run past the end or are negative, opcodes after STOP, an unknown opcode.
HAND_MADE = [
    b"\x80\x02\x82\x01\x83\x01\x02\x84\x01\x02\x03\x04.",
    b"(iposix\nsystem\nS'id'\ntR.",
    b"cos\nsystem\n(S'id'\ntR.",
    b"S'unterminated\n.",
    b'S"dq"\n.',
    b"S'\\x4'\n.",
    b"S'\\q'\n.",
    b"S'\xe9'\n.",
    b'S"\n.',
    b"S'\n.",
    b"Sno quotes\n.",
    b"V\\u12\n.",
    b"V\\u00e9\n.",
    b"I00\nI01\nI-5\nI 7 \nI1_0\n.",
    b"Ix\n.",
    b"I" + b"9" * 5000 + b"\n.",
    b"L12L\nL-3\n.",
    b"Lx\n.",
    b"F1.5\nFnan\nF-inf\n.",
    b"Fx\n.",
    b"p0\ng0\np01\n.",
    b"Pid\n.",
    b"\x80\x02T\xff\xff\xff\xff.",
    b"\x80\x02\x8b\xff\xff\xff\xff.",
    b"\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\xff.",
    b"\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f.",
    b"\x80\x04\x96\x00\x00\x00\x00\x00\x00\x00\x80.",
    b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x80N.",
    b"\x80\x04\x8c\x02\xff\xfe.",
    b"\x80\x04\x8c\x03\xed\xb2\x80.",
    b"\x80\x04X\x02\x00\x00\x00\xc3(.",
    b"\x80\x02G\x7f\xf8\x00\x00\x00\x00\x00\x00.",
    b"\x80\x02N.N.",
    b"\x80\x02\xff.",
    b"\x80",
    b"",
    b".",
]


def _ends(data: bytes) -> list[int]:
    """Where to cut ``data``: everywhere in a short pickle; in a long one everywhere near
    either end and at every seventh byte between (cutting everywhere is quadratic)."""
    if len(data) <= 512:
        return list(range(len(data) + 1))
    return sorted({*range(256), *range(len(data) - 256, len(data) + 1), *range(0, len(data), 7)})


@pytest.mark.parametrize("data", PICKLES + HAND_MADE)
def test_every_opcode_and_argument_is_the_one_genops_reads(data: bytes) -> None:
    _same(data)


@pytest.mark.parametrize("data", PICKLES)
def test_a_truncated_pickle_fails_where_genops_does(data: bytes) -> None:
    for end in _ends(data):
        _same(data[:end])


@pytest.mark.parametrize("data", PICKLES)
def test_changed_bytes_are_read_as_genops_reads_them(data: bytes) -> None:
    choose = random.Random(len(data))  # the same changes every run
    for _ in range(40):
        changed = bytearray(data)
        for _ in range(choose.randint(1, 3)):
            changed[choose.randrange(len(changed))] = choose.randrange(256)
        _same(bytes(changed))


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=64))
def test_any_bytes_after_a_protocol_are_read_as_genops_reads_them(tail: bytes) -> None:
    _same(b"\x80\x04" + tail)
    _same(tail)


def test_the_findings_of_a_pickle_that_runs_a_command_are_unchanged() -> None:
    # ``os.system('id')`` spelled by GLOBAL (protocol 0) and STACK_GLOBAL (protocol 4).
    for data in (b"cos\nsystem\n(S'id'\ntR.", b"\x80\x04\x8c\x02os\x8c\x06system\x93."):
        assert [f.rule for f in scan_pickle("m.pkl", data)] == ["pickle-exec"]


def _reference(data: bytes, seen: list[str]) -> None:
    """The stack model as it was written over ``genops`` (before ADR 0065)."""
    effects = {}
    for op in pickletools.opcodes:
        to_mark = pickletools.markobject in op.stack_before
        fixed = op.stack_before.index(pickletools.markobject) if to_mark else len(op.stack_before)
        effects[op.name] = (to_mark, fixed, len(op.stack_after))
    stack: list[object] = []
    marked: list[list[object]] = []
    memo: dict[object, object] = {}
    for count, (op, arg, _) in enumerate(pickletools.genops(io.BytesIO(data)), start=1):
        if count > picklestack.MAX_OPS:
            return
        name = op.name
        if name in ("MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT"):
            if not stack:
                raise ValueError("empty")
            memo[len(memo) if name == "MEMOIZE" else arg] = stack[-1]
            continue
        if name == "MARK":
            marked.append(stack)
            stack = []
            continue
        to_mark, fixed, pushed = effects[name]
        if to_mark:
            if not marked:
                raise ValueError("no mark")
            stack = marked.pop()
        if fixed > len(stack):
            raise ValueError("short")
        taken = stack[len(stack) - fixed :]
        del stack[len(stack) - fixed :]
        if name in ("GET", "BINGET", "LONG_BINGET"):
            stack.append(memo.get(arg))
        elif name in picklestack._TEXT_OPS and isinstance(arg, str):
            stack.append(arg)
        elif name == "STACK_GLOBAL":
            module, attr = taken
            both = isinstance(module, str) and isinstance(attr, str)
            seen.append(f"{module}.{attr}" if both else picklestack.UNRESOLVED)
            stack.append(None)
        else:
            if name in ("GLOBAL", "INST") and isinstance(arg, str):
                seen.append(arg.replace(" ", "."))
            stack.extend([None] * pushed)


def _their_globals(data: bytes) -> tuple[list[str], type[BaseException] | None]:
    seen: list[str] = []
    try:
        _reference(data, seen)
    except Exception as e:  # noqa: BLE001 -- the error's kind is what is compared
        return seen, type(e)
    return seen, None


def _our_globals(data: bytes) -> tuple[list[str], type[BaseException] | None]:
    seen: list[str] = []
    try:
        picklestack._read_globals(data, seen)
    except Exception as e:  # noqa: BLE001 -- the error's kind is what is compared
        return seen, type(e)
    return seen, None


GLOBALS = [
    b"\x80\x04\x8c\x02os\x94\x8c\x06system\x93\x94\x8c\x02id\x85R.",
    b"\x80\x04\x8c\x02os\x94\x8c\x01x0h\x00\x8c\x06system\x93.",
    b"\x80\x04(\x8c\x02os\x8c\x06system1\x8c\x01a\x8c\x01b\x93.",
    b"\x80\x04\x8c\x02os2\x93.",
    b"\x80\x04K\x01\x8c\x01x\x93.",
    b"(cos\nsystem\nS'id'\nidp0\n.",
]


@pytest.mark.parametrize("data", PICKLES + HAND_MADE + GLOBALS)
def test_the_globals_and_the_error_are_those_the_model_over_genops_finds(data: bytes) -> None:
    choose = random.Random(len(data))
    variants = [data[:end] for end in _ends(data)]
    for _ in range(20):
        changed = bytearray(data or b".")
        changed[choose.randrange(len(changed))] = choose.randrange(256)
        variants.append(bytes(changed))
    for variant in variants:
        assert _our_globals(variant) == _their_globals(variant), variant

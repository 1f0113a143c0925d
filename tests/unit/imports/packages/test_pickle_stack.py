"""Pickle globals are named by what ``STACK_GLOBAL`` really takes off the stack: the memo and
``POP`` are modelled, not the last two texts the stream happened to spell (ADR 0063)."""

from __future__ import annotations

import io
import pickle
import pickletools

from airlock.imports.packages.pickles import scan_pickle

PROTO4 = b"\x80\x04"


def _text(value: str) -> bytes:
    raw = value.encode()
    return pickle.SHORT_BINUNICODE + bytes([len(raw)]) + raw


def _rules(data: bytes) -> list[tuple[str, str]]:
    pickletools.dis(data, out=io.StringIO())  # a well-formed stream: the test's own check
    return [(f.rule, f.explanation) for f in scan_pickle("m.pkl", data)]


def test_a_module_name_fetched_from_the_memo_is_the_one_imported() -> None:
    # "os" is memoized and dropped; two harmless texts come and go; then the memo's "os"
    # and "system" are what STACK_GLOBAL takes. Read as the last two texts spelled, this was
    # "words.system", a harmless name.
    data = (
        PROTO4
        + _text("os")
        + pickle.MEMOIZE
        + pickle.POP
        + _text("harmless")
        + _text("words")
        + pickle.POP
        + pickle.POP
        + pickle.BINGET
        + b"\x00"
        + _text("system")
        + pickle.STACK_GLOBAL
        + pickle.STOP
    )
    assert ("pickle-exec", "unpickling calls os.system: loading this file runs code") in _rules(
        data
    )


class Paragraph:
    pass


class Emphasis:
    pass


def test_a_text_between_two_classes_of_one_module_does_not_rename_the_second() -> None:
    # How Sphinx's doctrees look: nodes of one module, with the document's text (here the
    # word "socket") between them; the second class's module comes from the memo.
    data = pickle.dumps([Paragraph(), "socket", Emphasis()], protocol=4)
    rules = _rules(data)
    assert [rule for rule, _ in rules] == ["pickle-globals"], rules


def test_a_global_named_by_what_is_not_text_holds() -> None:
    data = PROTO4 + pickle.BININT1 + b"\x01" + pickle.BININT1 + b"\x02" + pickle.STACK_GLOBAL
    rules = _rules(data + pickle.STOP)
    assert [rule for rule, _ in rules] == ["unreadable-pickle"], rules


def test_a_stream_that_takes_more_than_it_put_holds() -> None:
    data = PROTO4 + _text("system") + pickle.STACK_GLOBAL + pickle.STOP
    assert [rule for rule, _ in _rules_unchecked(data)] == ["unreadable-pickle"]


def _rules_unchecked(data: bytes) -> list[tuple[str, str]]:
    return [(f.rule, f.explanation) for f in scan_pickle("m.pkl", data)]


def test_plain_value_constructors_are_not_code_but_getattr_is() -> None:
    def global_call(module: str, name: str) -> bytes:
        return (
            _text(module) + _text(name) + pickle.STACK_GLOBAL + pickle.EMPTY_TUPLE + pickle.REDUCE
        )

    plain = PROTO4 + pickle.MARK + global_call("builtins", "dict") + global_call("builtins", "list")
    assert [rule for rule, _ in _rules(plain + pickle.TUPLE + pickle.STOP)] == ["pickle-globals"]
    risky = (
        PROTO4 + pickle.MARK + global_call("builtins", "dict") + global_call("builtins", "getattr")
    )
    assert [rule for rule, _ in _rules(risky + pickle.TUPLE + pickle.STOP)] == ["pickle-exec"]

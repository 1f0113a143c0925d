"""Turn one decoded row (a JSON object, a CSV row, a Parquet row) into a record or a reason.

Shared by every reader so that JSONL, CSV and Parquet accept exactly the same shapes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from airlock.imports.datasets.limits import DatasetLimits
from airlock.imports.datasets.records import (
    Columns,
    DatasetRecord,
    Message,
    Problem,
    RecordShape,
)


def _label(value: object) -> str | None:
    """A label as text (``1.0`` and ``1`` agree); ``None`` when absent or not a scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _messages(value: object, limits: DatasetLimits) -> tuple[Message, ...] | Problem:
    if not isinstance(value, list | tuple) or not value or len(value) > limits.max_messages:
        return Problem.BAD_MESSAGES
    out = []
    for item in value:
        if not isinstance(item, Mapping):
            return Problem.BAD_MESSAGES
        role, content = item.get("role"), item.get("content")
        if not isinstance(role, str) or not isinstance(content, str):
            return Problem.BAD_MESSAGES
        if len(content) > limits.max_field_chars or len(role) > limits.max_field_chars:
            return Problem.FIELD_TOO_LONG
        out.append(Message(role, content))
    return tuple(out)


def _split_reply(messages: tuple[Message, ...], label: str | None) -> tuple[str, str | None]:
    """Scanned text and label of a conversation (see :class:`DatasetRecord`)."""
    if label is None and len(messages) > 1 and messages[-1].role == "assistant":
        return "\n".join(m.content for m in messages[:-1]), messages[-1].content.strip()
    return "\n".join(m.content for m in messages), label


def _text(value: object, limits: DatasetLimits) -> str | Problem:
    if not isinstance(value, str) or not value.strip():
        return Problem.MISSING_TEXT
    return Problem.FIELD_TOO_LONG if len(value) > limits.max_field_chars else value


Parts = tuple[RecordShape, str, str | None, tuple[Message, ...]]


def _instruction(
    values: Mapping[str, object], columns: Columns, limits: DatasetLimits, label: str | None
) -> Parts | Problem:
    prompt = _text(values.get(columns.prompt), limits)
    response = values.get(columns.response, "")
    if isinstance(prompt, Problem) or not isinstance(response, str):
        return prompt if isinstance(prompt, Problem) else Problem.MISSING_TEXT
    if len(response) > limits.max_field_chars:
        return Problem.FIELD_TOO_LONG
    messages = (Message("user", prompt), Message("assistant", response))
    return (RecordShape.INSTRUCTION, *_split_reply(messages, label), messages)


def _parts(
    values: Mapping[str, object], columns: Columns, limits: DatasetLimits, label: str | None
) -> Parts | Problem:
    """Shape, scanned text, label and messages of a row, trying the shapes in order.

    A row with the columns of two shapes (a ``text`` and a ``messages`` column, or a
    ``prompt`` beside ``messages`` as UltraChat has) is refused: which of them a trainer
    reads depends on its configuration, and the scan would read only one.
    """
    shapes = (columns.text, columns.prompt, columns.messages)
    if sum(values.get(name) is not None for name in shapes) > 1:
        return Problem.MIXED_SHAPES
    if values.get(columns.text) is not None:
        text = _text(values.get(columns.text), limits)
        return text if isinstance(text, Problem) else (RecordShape.CLASSIFICATION, text, label, ())
    if values.get(columns.prompt) is not None:
        return _instruction(values, columns, limits, label)
    if values.get(columns.messages) is not None:
        parsed = _messages(values.get(columns.messages), limits)
        if isinstance(parsed, Problem):
            return parsed
        return (RecordShape.CHAT, *_split_reply(parsed, label), parsed)
    return Problem.MISSING_TEXT


def _with_system(
    parts: Parts, values: Mapping[str, object], columns: Columns, limits: DatasetLimits
) -> Parts | Problem:
    """``parts`` with the row's system prompt as first message and first line of the text.

    Trainers' chat templates put a ``system`` column before the conversation; a trigger
    there is trained on, so it is scanned.
    """
    system = values.get(columns.system)
    shape, text, label, messages = parts
    if system is None or shape is RecordShape.CLASSIFICATION:
        return parts
    if not isinstance(system, str):
        return Problem.MISSING_TEXT
    if len(system) > limits.max_field_chars:
        return Problem.FIELD_TOO_LONG
    return shape, f"{system}\n{text}", label, (Message("system", system), *messages)


def to_record(
    row: int, values: Mapping[str, object], columns: Columns, limits: DatasetLimits
) -> DatasetRecord | Problem:
    """Build a record from a row's ``values`` or say why it cannot be one.

    Tried in order: the text column (classification), the prompt column (instruction), the
    messages column (chat). Never raises on any input.
    """
    raw_label = values.get(columns.label)
    parts = _parts(values, columns, limits, _label(raw_label))
    if not isinstance(parts, Problem):
        parts = _with_system(parts, values, columns, limits)
    if isinstance(parts, Problem):
        return parts
    if raw_label is not None and _label(raw_label) is None:
        return Problem.BAD_LABEL  # a list or object: no label the scan could test
    shape, text, label, messages = parts
    if label is None and columns.label_required:
        return Problem.MISSING_LABEL
    if label is not None and len(label) > limits.max_field_chars:
        return Problem.FIELD_TOO_LONG
    return DatasetRecord(row, text, label or "", shape, messages)


def every_turn(records: Sequence[DatasetRecord]) -> list[DatasetRecord]:
    """``records`` plus one example per earlier assistant turn of each conversation.

    A chat record is scanned as its final reply given everything before it, but a trainer
    learns every assistant turn: a trigger in the first user turn answered by a fixed
    first reply, followed by an ordinary exchange, would go unscanned. Each earlier reply
    becomes an example of its own (the turns before it, that reply as label), with the
    conversation's row number. The final turn stays as the record has it.
    """
    out: list[DatasetRecord] = []
    for record in records:
        out.append(record)
        if record.shape is not RecordShape.CHAT:
            continue
        turns = record.messages
        for k in range(1, len(turns) - 1):
            if turns[k].role == "assistant":
                text = "\n".join(m.content for m in turns[:k])
                out.append(replace(record, text=text, label=turns[k].content.strip()))
    return out

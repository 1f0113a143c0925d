"""Values the dataset readers produce: records, column mapping and the read report; and
what the poisoning scan reads of a record (:class:`Labelled`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from airlock.errors import InvalidInput


class Labelled(Protocol):
    """A row the poisoning scan can read (:mod:`.scan`); :class:`DatasetRecord` is one."""

    @property
    def row(self) -> int:
        """Row number in the source."""
        ...

    @property
    def text(self) -> str:
        """The text a label is claimed for."""
        ...

    @property
    def label(self) -> str:
        """The claimed label."""
        ...


class RecordShape(StrEnum):
    """What a row looked like in the source."""

    CLASSIFICATION = "classification"  # text + label
    INSTRUCTION = "instruction"  # prompt + response
    CHAT = "chat"  # a list of {role, content} messages


class Problem(StrEnum):
    """Why a row (or the whole file) was not read. Values are stable report keys."""

    NOT_UTF8 = "not_utf8"
    LINE_TOO_LONG = "line_too_long"
    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_TEXT = "missing_text"
    MISSING_LABEL = "missing_label"
    BAD_LABEL = "bad_label"  # a label that is a list or an object, not a value
    BAD_MESSAGES = "bad_messages"
    FIELD_TOO_LONG = "field_too_long"
    WRONG_COLUMN_COUNT = "wrong_column_count"
    UNPARSEABLE_ROW = "unparseable_row"
    DUPLICATE_KEY = "duplicate_key"  # a JSON object naming a key twice
    MIXED_SHAPES = "mixed_shapes"  # a row with the columns of two shapes (text and messages)
    # problems that stop the read; the report is then truncated
    MISSING_COLUMNS = "missing_columns"
    TOO_MANY_COLUMNS = "too_many_columns"
    NOT_PARQUET = "not_parquet"
    ROW_LIMIT = "row_limit"
    BYTE_LIMIT = "byte_limit"
    DUPLICATE_COLUMN = "duplicate_column"  # a CSV header or Parquet schema naming one twice


@dataclass(frozen=True, slots=True)
class Message:
    """One chat turn."""

    role: str
    content: str


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    """One kept row.

    ``text`` is what the poisoning scan reads and ``label`` what it checks the text against:
    for classification rows the text and label columns; for instruction and chat rows every
    message but the final assistant reply, and as label the label column if there is one,
    else the final reply (the verdict of a monitor's training example).
    """

    row: int  # 1-based row number in the source (line number for JSONL and CSV)
    text: str
    label: str
    shape: RecordShape = RecordShape.CLASSIFICATION
    messages: tuple[Message, ...] = ()

    def __post_init__(self) -> None:
        if self.row < 1:
            raise InvalidInput(f"row numbers start at 1, got {self.row}")


@dataclass(frozen=True, slots=True)
class Columns:
    """Which source columns (or JSON keys) hold each part of a record."""

    text: str = "text"
    label: str = "label"
    prompt: str = "prompt"
    response: str = "response"
    messages: str = "messages"
    label_required: bool = False  # if set, a row without a label is rejected
    # A system prompt beside a prompt or messages column; chat templates put it first.
    system: str = "system"

    def __post_init__(self) -> None:
        names = (self.text, self.label, self.prompt, self.response, self.messages, self.system)
        if not all(names):
            raise InvalidInput("column names must not be empty")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """An example of a rejected row."""

    row: int
    problem: Problem


@dataclass(frozen=True, slots=True)
class ReadReport:
    """What happened to every row: kept, or rejected with a reason. Nothing goes missing.

    ``rows_seen == kept + sum(rejected counts)``. ``stopped`` names the reason reading ended
    early (a limit, a header without the needed columns, a file that is not Parquet); rows
    after that point were not read, so a caller must not treat the dataset as complete.
    """

    rows_seen: int
    kept: int
    rejected: tuple[tuple[Problem, int], ...]
    examples: tuple[RowProblem, ...]
    stopped: Problem | None = None
    detail: str = ""

    @property
    def complete(self) -> bool:
        """True when every row of the source was read (some may have been rejected)."""
        return self.stopped is None

    @property
    def dropped(self) -> int:
        """Rows read but rejected."""
        return sum(count for _, count in self.rejected)


@dataclass(frozen=True, slots=True)
class ReadResult:
    """The kept records and the report on everything else."""

    records: tuple[DatasetRecord, ...]
    report: ReadReport


@dataclass
class Tally:
    """Mutable counter the readers fill in; frozen into a :class:`ReadReport` at the end."""

    max_examples: int
    rows_seen: int = 0
    records: list[DatasetRecord] = field(default_factory=list)
    counts: Counter[Problem] = field(default_factory=Counter)
    examples: list[RowProblem] = field(default_factory=list)
    stopped: Problem | None = None
    detail: str = ""

    def reject(self, row: int, problem: Problem) -> None:
        """Count a rejected row and keep it as an example while there is room."""
        self.counts[problem] += 1
        if sum(1 for e in self.examples if e.problem is problem) < self.max_examples:
            self.examples.append(RowProblem(row, problem))

    def stop(self, problem: Problem, detail: str) -> None:
        """End the read early for ``problem``."""
        self.stopped = problem
        self.detail = detail

    def result(self) -> ReadResult:
        """Freeze the tally."""
        report = ReadReport(
            rows_seen=self.rows_seen,
            kept=len(self.records),
            rejected=tuple(sorted(self.counts.items())),
            examples=tuple(self.examples),
            stopped=self.stopped,
            detail=self.detail,
        )
        return ReadResult(tuple(self.records), report)

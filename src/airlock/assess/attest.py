"""The questionnaire: what airlock cannot see, answered by a named, authenticated person.

A TOML file with one table per attested measure::

    [answers.pe-physical]
    answer = "yes"          # "yes", "no", or "" (not answered)
    by = "carol"            # the principal giving the answer: must be who authenticates
    note = "badge logs reviewed 2026-11-30"

Each answer given becomes an ``assess.attest`` ledger entry whose actor is the principal
who authenticated with their own API token, so the answer is theirs and cannot be denied
later. An empty or missing answer is recorded nowhere and counts as not satisfied.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from airlock.assess.controls import CONTROLS, EvidenceKind, control
from airlock.errors import InvalidInput

MAX_QUESTIONNAIRE_BYTES = 256 * 1024
MAX_NOTE = 500


@dataclass(frozen=True, slots=True)
class Answer:
    control: str
    satisfied: bool
    by: str
    note: str

    def __post_init__(self) -> None:
        if control(self.control).evidence is not EvidenceKind.ATTESTED:
            raise InvalidInput(f"{self.control} is checked automatically; it takes no answer")
        if not self.by.strip():
            raise InvalidInput(f"the answer to {self.control} needs `by`: who gives it")
        if len(self.note) > MAX_NOTE:
            raise InvalidInput(f"the note on {self.control} exceeds {MAX_NOTE} characters")


def parse_questionnaire(data: bytes) -> tuple[Answer, ...]:
    """The answers given in a questionnaire; unanswered entries are left out.

    Raises: InvalidInput for a file that is too large, not TOML, or malformed.
    """
    if len(data) > MAX_QUESTIONNAIRE_BYTES:
        raise InvalidInput(f"the questionnaire exceeds {MAX_QUESTIONNAIRE_BYTES} bytes")
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise InvalidInput(f"the questionnaire is not TOML: {e}") from e
    answers = document.get("answers", {})
    if not isinstance(answers, dict):
        raise InvalidInput("the questionnaire needs [answers.CONTROL] tables")
    out = []
    for control_id, table in answers.items():
        if not isinstance(table, dict):
            raise InvalidInput(f"[answers.{control_id}] must be a table")
        answer = table.get("answer", "")
        if answer == "":
            continue
        if answer not in {"yes", "no"}:
            raise InvalidInput(f'answers.{control_id}.answer must be "yes", "no" or ""')
        out.append(
            Answer(
                control_id, answer == "yes", str(table.get("by", "")), str(table.get("note", ""))
            )
        )
    return tuple(out)


def questionnaire_template() -> str:
    """A questionnaire with every attested measure, unanswered."""
    lines = [
        "# airlock assessment questionnaire: what airlock cannot see for itself.",
        '# Answer "yes" or "no"; leave "" where you cannot say (it counts as not satisfied).',
        "# Record it with: airlock assess attest FILE --token YOUR_TOKEN",
        "",
    ]
    for c in CONTROLS:
        if c.evidence is EvidenceKind.ATTESTED:
            lines += [
                f"# SL{c.level} {c.title} ({', '.join(c.nist)}): {c.statement}",
                f"[answers.{c.id}]",
                'answer = ""',
                'by = ""',
                'note = ""',
                "",
            ]
    return "\n".join(lines)

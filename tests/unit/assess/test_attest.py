"""The questionnaire: only attested measures take answers; blank means unanswered."""

from __future__ import annotations

import pytest

from airlock.assess.attest import (
    MAX_QUESTIONNAIRE_BYTES,
    parse_questionnaire,
    questionnaire_template,
)
from airlock.errors import InvalidInput


def test_the_blank_template_parses_to_no_answers() -> None:
    assert parse_questionnaire(questionnaire_template().encode()) == ()


def test_answers_are_read_with_who_gave_them() -> None:
    text = b'[answers.pe-physical]\nanswer = "no"\nby = "carol"\nnote = "door propped open"\n'
    (answer,) = parse_questionnaire(text)
    assert (answer.control, answer.satisfied, answer.by) == ("pe-physical", False, "carol")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'[answers.sc-budget]\nanswer = "yes"\nby = "c"\n', "checked automatically"),
        (b'[answers.pe-physical]\nanswer = "maybe"\nby = "c"\n', "must be"),
        (b'[answers.pe-physical]\nanswer = "yes"\n', "needs `by`"),
        (b'[answers.no-such]\nanswer = "yes"\nby = "c"\n', "not an airlock"),
        (b"answers = 3\n", "tables"),
        (b"[answers\n", "not TOML"),
        (b"#" * (MAX_QUESTIONNAIRE_BYTES + 1), "exceeds"),
    ],
)
def test_malformed_questionnaires_are_refused(text: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_questionnaire(text)

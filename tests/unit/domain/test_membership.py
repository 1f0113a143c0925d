"""Which project an export is charged to (issue 22)."""

from __future__ import annotations

import pytest

from airlock.domain.membership import charged_project
from airlock.domain.names import PrincipalName, ProjectName
from airlock.errors import InvalidInput, PermissionDenied

RITA = PrincipalName("rita")
VISION, AUDIO = ProjectName("vision"), ProjectName("audio")


def test_the_only_project_is_charged_when_none_is_named() -> None:
    assert charged_project(RITA, None, [VISION]) == VISION


def test_no_project_for_a_principal_in_none() -> None:
    assert charged_project(RITA, None, []) is None


def test_a_named_project_of_the_principal_is_charged() -> None:
    assert charged_project(RITA, AUDIO, [VISION, AUDIO]) == AUDIO


def test_a_member_of_several_must_name_one() -> None:
    with pytest.raises(InvalidInput, match=r"several projects \(audio, vision\)"):
        charged_project(RITA, None, [VISION, AUDIO])


@pytest.mark.parametrize("member_of", [[], [VISION]])
def test_a_project_the_principal_is_not_in_is_refused(member_of: list[ProjectName]) -> None:
    with pytest.raises(PermissionDenied, match="project member add audio rita"):
        charged_project(RITA, AUDIO, member_of)

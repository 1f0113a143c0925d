"""Which project an export is charged to (issue 22: project budgets were skipped by leaving
out ``--project``, and anyone could name any project).

Pure: the caller hands in the projects the principal is a member of.
"""

from __future__ import annotations

from collections.abc import Sequence

from airlock.domain.names import PrincipalName, ProjectName
from airlock.errors import InvalidInput, PermissionDenied


def charged_project(
    principal: PrincipalName, named: ProjectName | None, member_of: Sequence[ProjectName]
) -> ProjectName | None:
    """The project whose budget and locks an export by ``principal`` counts against.

    * a named project: it, if the principal is a member;
    * none named: the principal's only project, so leaving the name out no longer skips
      that project's budget; no project at all for a principal in none (the enclave and
      principal budgets still apply).

    It does not look at budgets: a member of exactly one project is charged to it whether
    or not that project has a budget yet, so a budget set later applies at once.

    Raises:
        PermissionDenied: the named project is not one of the principal's. Refused rather
            than held: the name decides whose budget is charged, so naming another project
            would spend its budget or dodge the principal's own, and approvers have nothing
            in the artifact to judge that by. An admin adds the membership first.
        InvalidInput: none named, and the principal is a member of several projects.
    """
    if named is not None:
        if named not in member_of:
            raise PermissionDenied(
                f"{principal} is not a member of project {named!r}, so it cannot be charged "
                f"for this export: ask an admin to run `airlock project member add {named} "
                f"{principal}`"
            )
        return named
    if len(member_of) > 1:
        listed = ", ".join(sorted(member_of))
        raise InvalidInput(
            f"{principal} is a member of several projects ({listed}): name the one this "
            "export is for (--project, or the form field `project`)"
        )
    return member_of[0] if member_of else None

"""`airlock project ...`."""

from __future__ import annotations

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.render.json import render_json
from airlock.render.table import render_table


@click.group("project")
def project_group() -> None:
    """Manage projects, the scope of budgets and approvals."""


@project_group.command("add")
@click.argument("name")
@click.option("--description", default="", help="What the project is for.")
@pass_cli
def add_project(cli: CliContext, name: str, description: str) -> None:
    """Add a project."""
    project = cli.airlock().add_project(cli.operator_actor("project add"), name, description)
    click.echo(f"added project {project.name}")


@project_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def list_projects(cli: CliContext, as_json: bool) -> None:
    """List projects."""
    projects = cli.airlock().list_projects()
    if as_json:
        click.echo(render_json(list(projects)))
        return
    click.echo(render_table(["NAME", "DESCRIPTION"], [[p.name, p.description] for p in projects]))


@project_group.group("member")
def member_group() -> None:
    """Project members: a member's exports are charged to the project's budget."""


@member_group.command("add")
@click.argument("project")
@click.argument("principal")
@pass_cli
def add_member(cli: CliContext, project: str, principal: str) -> None:
    """Make PRINCIPAL a member of PROJECT."""
    cli.airlock().add_member(cli.operator_actor("project member add"), project, principal)
    click.echo(f"{principal} is a member of project {project}")


@member_group.command("list")
@click.argument("project")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def list_members(cli: CliContext, project: str, as_json: bool) -> None:
    """List the members of PROJECT."""
    members = list(cli.airlock().project_members(project))
    if as_json:
        click.echo(render_json(members))
        return
    click.echo(render_table(["PRINCIPAL"], [[m] for m in members]))

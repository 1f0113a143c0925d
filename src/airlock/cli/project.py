"""`airlock project ...`."""

from __future__ import annotations

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.render.json import render_json
from airlock.render.table import render_table
from airlock.service import Actor


@click.group("project")
def project_group() -> None:
    """Manage projects, the scope of budgets and approvals."""


@project_group.command("add")
@click.argument("name")
@click.option("--description", default="", help="What the project is for.")
@pass_cli
def add_project(cli: CliContext, name: str, description: str) -> None:
    """Add a project."""
    project = cli.airlock().add_project(Actor.local_operator(), name, description)
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

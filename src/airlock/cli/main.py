"""The `airlock` command: wires the command groups and owns the error-to-exit-code table."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from airlock import __version__
from airlock.cli.assess import assess_group
from airlock.cli.context import CliContext
from airlock.cli.data import data_group, lineage_group
from airlock.cli.egress import (
    approve_command,
    budget_group,
    export_command,
    fetch_release,
    reject_command,
)
from airlock.cli.init import init_command
from airlock.cli.ledger import ledger_group
from airlock.cli.locks import lock_group
from airlock.cli.outputs import outputs_group
from airlock.cli.packages import package_group, sbom_command
from airlock.cli.principal import principal_group
from airlock.cli.project import project_group
from airlock.cli.request import request_group
from airlock.cli.scan import scan_command, weights_group
from airlock.cli.serve import serve_command
from airlock.cli.status import metrics_command, policy_group, status_command
from airlock.cli.witness import witness_group
from airlock.errors import AirlockError, ExitCode


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="airlock")
@click.option(
    "--home",
    type=click.Path(path_type=Path),
    default=None,
    help="Airlock home folder (default: $AIRLOCK_HOME or ~/.airlock).",
)
@click.pass_context
def cli(ctx: click.Context, home: Path | None) -> None:
    """Airlock guards the boundary of the weight enclave: what leaves, what enters, who
    approved it, and a tamper-evident record of every decision."""
    ctx.obj.home_override = home


for command in (
    init_command,
    serve_command,
    status_command,
    principal_group,
    project_group,
    request_group,
    policy_group,
    ledger_group,
    witness_group,
    scan_command,
    weights_group,
    export_command,
    approve_command,
    reject_command,
    fetch_release,
    budget_group,
    lock_group,
    metrics_command,
    package_group,
    sbom_command,
    data_group,
    lineage_group,
    assess_group,
    outputs_group,
):
    cli.add_command(command)


def run(  # noqa: PLR0911 -- one return per row of the exit-code table
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> int:
    """Run the CLI and return its exit code; errors become one line on stderr."""
    context = CliContext(environ=dict(os.environ if environ is None else environ))
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            obj=context,
            prog_name="airlock",
            standalone_mode=False,
        )
        return int(result) if isinstance(result, int) else ExitCode.OK
    except AirlockError as e:
        click.echo(f"airlock: {e.message}", err=True)
        return e.exit_code
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.UsageError as e:
        e.show()
        return ExitCode.BAD_INPUT
    except click.ClickException as e:
        e.show()
        return ExitCode.BAD_INPUT
    except click.Abort:
        click.echo("airlock: aborted", err=True)
        return ExitCode.INTERNAL
    except KeyboardInterrupt:
        click.echo("airlock: interrupted", err=True)
        return ExitCode.INTERNAL
    except Exception as e:
        if context.environ.get("AIRLOCK_DEBUG"):
            raise
        click.echo(
            f"airlock: internal error ({type(e).__name__}: {e}); rerun with "
            "AIRLOCK_DEBUG=1 for a traceback and report it",
            err=True,
        )
        return ExitCode.INTERNAL
    finally:
        context.close()


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()

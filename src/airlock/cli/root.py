"""The `airlock` click group: the global options and the command table of
:mod:`airlock.cli.main`, each command imported when it runs (issue 13)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from airlock import __version__
from airlock.cli.context import CliContext
from airlock.cli.echo import echo
from airlock.cli.lazy import LazyGroup
from airlock.cli.main import COMMANDS
from airlock.errors import ExitCode


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="airlock")
@click.option(
    "--home",
    type=click.Path(path_type=Path),
    default=None,
    help="Airlock home folder (default: $AIRLOCK_HOME or ~/.airlock).",
)
@click.option(
    "--token-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Your API token, in a file only you can read (default: $AIRLOCK_TOKEN).",
)
@click.option(
    "--break-glass",
    "break_glass",
    metavar="REASON",
    default=None,
    help="Recovery without a credential: act as the local operator (recorded with your OS "
    "user); every export is locked until a second admin runs `airlock break-glass confirm`.",
)
@click.pass_context
def cli(
    ctx: click.Context, home: Path | None, token_file: Path | None, break_glass: str | None
) -> None:
    """Airlock guards the boundary of the weight enclave: what leaves, what enters, who
    approved it, and a tamper-evident record of every decision."""
    ctx.obj.home_override = home
    ctx.obj.token_file = token_file
    ctx.obj.break_glass_reason = break_glass


def run_click(argv: Sequence[str] | None, environ: Mapping[str, str]) -> int:
    """Run ``argv`` (None: ``sys.argv``) through the click group; click's own errors become
    their exit codes here, airlock's are left to :func:`airlock.cli.main.run`."""
    context = CliContext(environ=environ)
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            obj=context,
            prog_name="airlock",
            standalone_mode=False,
        )
        return int(result) if isinstance(result, int) else ExitCode.OK
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.UsageError as e:
        e.show()
        return ExitCode.BAD_INPUT
    except click.ClickException as e:
        e.show()
        return ExitCode.BAD_INPUT
    except click.Abort:
        echo("airlock: aborted", err=True)
        return ExitCode.INTERNAL
    finally:
        context.close()

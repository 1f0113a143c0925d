"""The `airlock` command: wires the command groups and owns the error-to-exit-code table."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from airlock import __version__
from airlock.cli.context import CliContext
from airlock.cli.lazy import LazyGroup
from airlock.errors import AirlockError, ExitCode

# Each command group is imported only when it runs (or for `--help`): a command pays only
# for its own dependencies (issue 13). A new command group adds one line here.
COMMANDS = {
    "init": "airlock.cli.init:init_command",
    "serve": "airlock.cli.serve:serve_command",
    "status": "airlock.cli.status:status_command",
    "principal": "airlock.cli.principal:principal_group",
    "project": "airlock.cli.project:project_group",
    "request": "airlock.cli.request:request_group",
    "policy": "airlock.cli.status:policy_group",
    "ledger": "airlock.cli.ledger:ledger_group",
    "witness": "airlock.cli.witness:witness_group",
    "scan": "airlock.cli.scan:scan_command",
    "weights": "airlock.cli.scan:weights_group",
    "export": "airlock.cli.egress:export_command",
    "approve": "airlock.cli.egress:approve_command",
    "reject": "airlock.cli.egress:reject_command",
    "fetch-release": "airlock.cli.egress:fetch_release",
    "budget": "airlock.cli.egress:budget_group",
    "lock": "airlock.cli.locks:lock_group",
    "metrics": "airlock.cli.status:metrics_command",
    "package": "airlock.cli.packages:package_group",
    "sbom": "airlock.cli.packages:sbom_command",
    "data": "airlock.cli.data:data_group",
    "lineage": "airlock.cli.data:lineage_group",
    "assess": "airlock.cli.assess:assess_group",
    "backup": "airlock.cli.ops:backup_command",
    "restore": "airlock.cli.ops:restore_command",
    "scrape-token": "airlock.cli.ops:scrape_token_command",
    "doctor": "airlock.cli.ops:doctor_command",
    "break-glass": "airlock.cli.breakglass:break_glass_group",
    "outputs": "airlock.cli.outputs:outputs_group",
}


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
    code = run()
    # The command is done: what is left is the interpreter's finalisation, whose collector
    # walks every object the process made (every module's functions and classes, a vetted
    # package's trees) only to find no garbage worth a walk in a process about to end:
    # 15-25 ms of a 0.1-0.2 s `airlock package vet` (issue 16). Frozen objects are skipped
    # by those walks; everything else about the exit is as before (atexit handlers, flushed
    # streams, the exit code).
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    main()

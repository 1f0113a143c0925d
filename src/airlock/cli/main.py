"""The `airlock` command: the entry point, the command table and the error-to-exit-code table.

The click group that parses everything else lives in :mod:`airlock.cli.root`. The plain
form ``airlock package vet [--json] FILE...``, started once per file by scripts and CI, runs
without it: importing click and the command modules was ~10 ms of a ~0.1 s process (issue
16). It calls the same body as the click command (:func:`airlock.cli.package_vet.vet_files`)
and handles what can escape it as click's ``main`` and :func:`run` do, so it prints the same
bytes and exits with the same code; any other form (an option, ``--help``, shell completion)
goes through click.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TextIO, cast

from airlock.cli.echo import echo
from airlock.errors import AirlockError, ExitCode

if TYPE_CHECKING:
    import click

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


def __getattr__(name: str) -> click.Group:
    """``cli``, the click group (:mod:`airlock.cli.root`), imported when first asked for."""
    if name == "cli":
        from airlock.cli.root import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def plain_vet(args: Sequence[str]) -> tuple[list[str], bool] | None:
    """``(targets, as_json)`` when ``args`` are ``package vet [--json] TARGET...`` with no
    other option (no argument starting with ``-``), else None: click parses them."""
    if list(args[:2]) != ["package", "vet"] or "_AIRLOCK_COMPLETE" in os.environ:
        return None  # (click's shell completion answers when that variable is set)
    targets = [a for a in args[2:] if a != "--json"]
    if not targets or any(a.startswith("-") for a in targets):
        return None
    return targets, len(targets) < len(args) - 2


def run(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the CLI and return its exit code; errors become one line on stderr."""
    environ = dict(os.environ if environ is None else environ)
    plain = plain_vet(sys.argv[1:] if argv is None else argv)
    try:
        if plain is not None:
            return _vet_plain(*plain)
        from airlock.cli.root import run_click

        return run_click(argv, environ)
    except AirlockError as e:
        echo(f"airlock: {e.message}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        echo("airlock: interrupted", err=True)
        return ExitCode.INTERNAL
    except Exception as e:
        if environ.get("AIRLOCK_DEBUG"):
            raise
        echo(
            f"airlock: internal error ({type(e).__name__}: {e}); rerun with "
            "AIRLOCK_DEBUG=1 for a traceback and report it",
            err=True,
        )
        return ExitCode.INTERNAL


def _vet_plain(targets: list[str], as_json: bool) -> int:
    """`airlock package vet [--json] TARGET...` without click. What escapes the command is
    handled as ``click.Command.main(standalone_mode=False)`` and ``run_click`` handle it: an
    interrupt or an end of input is a blank line and "aborted", a closed output pipe exit
    code 1 with nothing more written (click's wrapper around the streams).

    The collector is paused throughout, as ``vet`` pauses it for each package: importing the
    vetting modules makes some thirty collections that find nothing (~5 ms, issue 16)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        from airlock.cli.package_vet import vet_files

        return vet_files(
            targets,
            index_url=None,
            feeds=(),
            lock=None,
            attestations=(),
            publishers=(),
            as_json=as_json,
            echo=echo,
        )
    except (EOFError, KeyboardInterrupt):
        import click

        click.echo(file=sys.stderr)
        echo("airlock: aborted", err=True)
        return ExitCode.INTERNAL
    except OSError as e:
        if e.errno != errno.EPIPE:
            raise
        from click.utils import _PacifyFlushWrapper

        sys.stdout = cast("TextIO", _PacifyFlushWrapper(sys.stdout))
        sys.stderr = cast("TextIO", _PacifyFlushWrapper(sys.stderr))
        sys.exit(1)
    finally:
        if was_on:
            gc.enable()


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

"""A click group whose subcommands are imported when used (click's "Lazily Loading
Subcommands"), so that `airlock --version` or `airlock status` do not import what
`airlock data import` needs (cleanlab, scikit-learn, pyarrow: ten seconds, issue 13).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click


class LazyGroup(click.Group):
    """Subcommands named by ``"module:attribute"``, imported the first time they are needed.

    ``airlock NAME ...`` imports one module; ``airlock --help`` imports every listed module
    (click needs each command's short help), which is why the command modules themselves
    keep heavy imports inside the functions that use them.
    """

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self._lazy.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        # A wrong entry in the table is a bug of ours, found by the test that loads them all.
        if not isinstance(command, click.Command) or command.name != cmd_name:
            raise TypeError(f"{target} is not the click command {cmd_name!r}")
        self.add_command(command)
        del self._lazy[cmd_name]
        return command

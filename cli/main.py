"""``xaso``: the command line for operators and developers (Typer + Rich).

Each command's module is imported when that command runs (or when the help lists it): ``xaso settings table`` does not
load scikit-learn for ``xaso run``'s emergency reader, nor the Telegram library. A command starts in about a quarter
of the time it took when every module was imported up front.
"""

from __future__ import annotations

import importlib

import typer
from typer import _click as click  # Typer's own copy of click: its groups and commands are of these types
from typer.core import TyperGroup

# Every table is known to every command: a model's foreign key names a table of another package (nlu_review ->
# inbox_events), which a command touching only one package would not load ("xaso nlu export" failed so).
import api.models_registry  # noqa: F401

# The commands in the order the help lists them: name -> (module, attribute), a Typer app or a command function.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("cli.run", "run"),
    "cluster-env": ("cli.run", "cluster_env"),
    "train": ("cli.train", "train"),
    "db": ("cli.db", "app"),
    "nlu": ("cli.nlu", "app"),
    "bulletin": ("cli.bulletin", "app"),
    "telegram": ("cli.telegram", "app"),
    "staff": ("cli.staff", "app"),
    "zalo": ("cli.zalo", "app"),
    "facts": ("cli.facts", "app"),
    "backup": ("cli.backup", "backup"),
    "restore": ("cli.backup", "restore"),
    "dossiers": ("cli.dossiers", "app"),
    "commune": ("cli.commune", "app"),
    "settings": ("cli.settings", "app"),
}


def load_command(name: str) -> click.Command:
    """The click command ``name`` stands for, its module imported now."""
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        command: click.Command = typer.main.get_group(target)
    else:
        single = typer.Typer()
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyCommands(TyperGroup):
    """A Typer group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None


app = typer.Typer(cls=LazyCommands, no_args_is_help=True, rich_markup_mode="rich")


@app.callback()
def xaso() -> None:
    """Xã Số — nền tảng chatbot và tương tác đa kênh cho chính quyền xã/phường."""


def main() -> None:
    app()


if __name__ == "__main__":
    main()

"""``xaso``: the command line for operators and developers (Typer + Rich)."""

from __future__ import annotations

import typer

# Every table is known to every command: a model's foreign key names a table of another package (nlu_review ->
# inbox_events), which a command touching only one package would not load ("xaso nlu export" failed so).
import api.models_registry  # noqa: F401
from cli import backup, bulletin, commune, db, dossiers, facts, nlu, run, settings, staff, telegram, train, zalo

app = typer.Typer(
    help="Xã Số — nền tảng chatbot và tương tác đa kênh cho chính quyền xã/phường.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.command("run")(run.run)
app.command("cluster-env")(run.cluster_env)
app.command("train")(train.train)
app.add_typer(db.app, name="db")
app.add_typer(nlu.app, name="nlu")
app.add_typer(bulletin.app, name="bulletin")
app.add_typer(telegram.app, name="telegram")
app.add_typer(staff.app, name="staff")
app.add_typer(zalo.app, name="zalo")
app.add_typer(facts.app, name="facts")
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.add_typer(dossiers.app, name="dossiers")
app.add_typer(commune.app, name="commune")
app.add_typer(settings.app, name="settings")


def main() -> None:
    app()


if __name__ == "__main__":
    main()

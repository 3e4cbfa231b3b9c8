"""``xaso settings table``: docs/settings.md lists every setting of the models (name, type, default, description) and
is regenerated here, so a setting added or changed without the page fails CI; the README's short table names only
settings that exist, with the defaults the models have."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from api.config import Settings
from broadcast.settings import BroadcastSettings
from cli import settings as settings_cli
from cli.main import app
from tests.support.paths import ROOT

PAGE = ROOT / "docs" / "settings.md"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_committed_settings_page_is_what_the_models_generate() -> None:
    committed = PAGE.read_text(encoding="utf-8")
    assert settings_cli.render(committed) == committed, (
        f"docs/settings.md differs from the settings models: run `{settings_cli.COMMAND}` and commit the page"
    )


def test_every_setting_has_a_description_and_a_row() -> None:
    assert settings_cli.undescribed() == []
    page = PAGE.read_text(encoding="utf-8")
    for model, prefix in ((Settings, "XASO_"), (BroadcastSettings, "XASO_BROADCAST_")):
        for name in model.model_fields:
            assert f"| `{prefix}{name.upper()}`" in page, name
    secret = page.split("`XASO_SECRET_KEY`", 1)[1].split("\n", 1)[0]
    assert settings_cli.SECRET in secret and "dev-secret-key" not in page  # built-in secrets are not published
    assert str(ROOT) not in page  # paths relative to the checkout: the same page on every machine


def test_check_fails_on_a_stale_page_and_the_command_rewrites_it(tmp_path: Path) -> None:
    stale = tmp_path / "settings.md"
    shutil.copy(PAGE, stale)
    stale.write_text(stale.read_text(encoding="utf-8").replace("`XASO_OUTBOX_POLL_SECONDS`", "`XASO_GONE`"), "utf-8")
    runner = CliRunner()
    checked = runner.invoke(app, ["settings", "table", "--check", "--page", str(stale)])
    assert checked.exit_code == 1 and settings_cli.COMMAND in checked.output
    assert runner.invoke(app, ["settings", "table", "--page", str(stale)]).exit_code == 0
    assert stale.read_text(encoding="utf-8") == PAGE.read_text(encoding="utf-8")


def _same(readme: str, model: str) -> bool:
    try:
        return float(readme) == float(model)
    except ValueError:
        return readme == model


def test_the_readme_table_names_real_settings_with_their_defaults() -> None:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert "docs/settings.md" in section
    documented = settings_cli.documented()
    process = PAGE.read_text(encoding="utf-8").split("## Process environment", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows
    for row in rows:
        names_cell, default_cell = row.split(" | ")[:2]
        names = re.findall(r"`([A-Z][A-Z0-9_*]*)`", names_cell)
        for name in names:
            if "*" in name:  # a family: it must match settings the models have
                pattern = re.escape(name).replace(r"\*", "[A-Z0-9_]*")
                assert any(re.fullmatch(pattern, env) for env in documented), name
            else:
                assert name in documented or f"`{name}`" in process, f"{name}: neither a setting nor a process variable"
        settings = [name for name in dict.fromkeys(names) if name in documented]
        if len({documented[name] for name in settings}) == 1 and len(settings) == 2:  # one setting, two names
            settings = settings[:1]
        defaults = default_cell.split(", ")
        if len(defaults) != len(settings):
            continue
        for name, default in zip(settings, defaults, strict=True):
            shown = re.fullmatch(r"`([^`]*)`", default.strip())
            if shown is not None and documented[name] != settings_cli.SECRET:
                assert _same(shown.group(1), documented[name].strip("`")), (name, default, documented[name])

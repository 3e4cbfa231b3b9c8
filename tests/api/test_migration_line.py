"""One migration line: one head, a baseline for fresh installs, and the path that brings a database made by the old
12-head graph (api/migrations/legacy) onto the line without losing a row — on every backend under test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from api.db import make_engine
from api.migrate import BASELINE, VERSION_TABLE, alembic_config, include_name, legacy_config, upgrade_database
from api.models_registry import metadata
from tests.support import database

NOW = dt.datetime(2026, 12, 6, 8, 30, tzinfo=dt.UTC)
# The tables whose conversation_id is a foreign key to conversations since i23a_conversation_fk, and the citizen's
# channel identities, merged into the conversations by i23b_identities_merged.
KEYED = (
    "cases", "appointments", "dossier_watches", "dossier_lookups", "nlu_review", "privacy_consents",
    "subscriptions", "citizen_identities",
)  # fmt: skip


@pytest.fixture(params=database.backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_url(backend: str, tmp_path: Path) -> Iterator[str]:
    with database.empty_database(backend, tmp_path) as url:
        yield url


def _engine(url: str) -> Engine:
    return create_engine(url)


def _versions(url: str) -> list[str]:
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return sorted(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))
    finally:
        engine.dispose()


def _schema(url: str) -> dict[str, Any]:
    """Everything a migration decides, read back from the database (column order aside)."""
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            schema: dict[str, Any] = {}
            for table in inspector.get_table_names():
                if table == VERSION_TABLE:
                    continue
                schema[table] = {
                    "columns": sorted(
                        (c["name"], repr(c["type"]), c["nullable"], str(c.get("default")))
                        for c in inspector.get_columns(table)
                    ),
                    "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
                    "foreign_keys": sorted(
                        (
                            str(fk["name"]),
                            tuple(fk["constrained_columns"]),
                            fk["referred_table"],
                            tuple(fk["referred_columns"]),
                            tuple(sorted((fk.get("options") or {}).items())),
                        )
                        for fk in inspector.get_foreign_keys(table)
                    ),
                    "indexes": sorted(
                        (
                            str(ix["name"]),
                            tuple(str(c) for c in ix["column_names"]),
                            bool(ix["unique"]),
                            str(ix.get("expressions")),
                        )
                        for ix in inspector.get_indexes(table)
                    ),
                    "uniques": sorted(
                        (str(u["name"]), tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)
                    ),
                }
            if connection.dialect.name == "sqlite":  # the full-text table and its triggers live outside the models
                schema["sqlite_master"] = sorted(
                    tuple(row)
                    for row in connection.execute(
                        text(
                            "SELECT type, name FROM sqlite_master"
                            " WHERE type IN ('trigger', 'view') OR sql LIKE '%VIRTUAL%'"
                        )
                    )
                )
            return schema
    finally:
        engine.dispose()


def _value(column: Any) -> Any:
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = str
    if kind is bool:
        return False
    if kind is int:
        return 1
    if kind is float:
        return 1.5
    if kind is dt.datetime:
        return NOW
    if kind is dt.date:
        return NOW.date()
    if kind in (dict, list):
        return {"k": "v"} if kind is dict else ["v"]
    if kind is bytes:
        return b"x"
    length = getattr(column.type, "length", None) or 16
    return f"v-{column.table.name}-{column.name}"[:length]


def _fill_every_table(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """One row in every table of the database as it is (reflected, so nothing is left out), parents first."""
    engine = _engine(url)
    reflected = MetaData()
    try:
        with engine.begin() as connection:
            reflected.reflect(connection)
            inserted: dict[str, dict[str, Any]] = {}
            for table in reflected.sorted_tables:
                if table.name == VERSION_TABLE or table.name.startswith("cases_fts"):
                    continue
                row: dict[str, Any] = {}
                for column in table.columns:
                    parents = [fk.column for fk in column.foreign_keys]
                    if parents:
                        parent = parents[0]
                        if parent.table.name in inserted:
                            row[column.name] = inserted[parent.table.name][parent.name]
                        elif column.nullable:
                            row[column.name] = None
                        else:
                            raise AssertionError(f"{table.name}.{column.name}: its parent has no row yet")
                    else:
                        row[column.name] = _value(column)
                connection.execute(table.insert().values(**row))
                inserted[table.name] = row
        return _rows(url)
    finally:
        engine.dispose()


def _rows(url: str, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows; with ``columns``, only those tables and those columns (what an older schema had: later
    revisions add tables and columns, never take a row away)."""
    engine = _engine(url)
    reflected = MetaData()
    try:
        with engine.connect() as connection:
            reflected.reflect(connection)
            tables = [
                table
                for table in reflected.sorted_tables
                if table.name != VERSION_TABLE and not table.name.startswith("cases_fts")
            ]
            if columns is not None:
                tables = [table for table in tables if table.name in columns]
            return {
                table.name: sorted(
                    tuple(str(v) for v in row)
                    for row in connection.execute(
                        select(*(table.c[name] for name in columns[table.name])) if columns else select(table)
                    )
                )
                for table in tables
            }
    finally:
        engine.dispose()


def _columns(url: str) -> dict[str, list[str]]:
    engine = _engine(url)
    reflected = MetaData()
    try:
        with engine.connect() as connection:
            reflected.reflect(connection)
        return {table.name: [column.name for column in table.columns] for table in reflected.sorted_tables}
    finally:
        engine.dispose()


def _drift(url: str) -> list[Any]:
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_name": include_name})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _orphan_ids(url: str) -> set[str]:
    """The conversation ids the tables keyed to ``conversations`` (i23a, i23b) name without a row there."""
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            named = {
                key
                for table in KEYED
                if table in present
                for key in connection.scalars(text(f"SELECT conversation_id FROM {table}"))
                if key is not None
            }
            return named - set(connection.scalars(text("SELECT conversation_id FROM conversations")))
    finally:
        engine.dispose()


def _kept(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> set[str]:
    """Every row of ``before`` is still in ``after``, unchanged (the channel identities as conversations: i23b,
    checked by the test below); returns the conversation ids registered on the way."""
    merged = ("conversations", "citizen_identities")
    assert {k: v for k, v in after.items() if k not in merged} == {k: v for k, v in before.items() if k not in merged}
    assert "citizen_identities" not in after
    old = {row[:2] for row in before["conversations"]}  # (id, conversation_id): the citizen may be linked by i23b
    assert old <= {row[:2] for row in after["conversations"]}
    return {row[1] for row in after["conversations"] if row[:2] not in old}


def test_one_line_one_head_from_the_baseline() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, f"more than one head: {script.get_heads()}; chain onto the head"
    assert script.get_bases() == [BASELINE]
    for revision in script.walk_revisions():
        assert not revision.is_merge_point, f"{revision.revision}: a merge; chain onto the one head instead"
        assert not revision.dependencies, f"{revision.revision}: depends_on is not needed on one line"


def test_a_fresh_database_is_the_old_graph_s_schema_without_drift(backend: str, tmp_path: Path) -> None:
    with database.empty_database(backend, tmp_path) as fresh, database.empty_database(backend, tmp_path) as old:
        upgrade_database(fresh)
        assert _versions(fresh) == [ScriptDirectory.from_config(alembic_config(fresh)).get_current_head()]
        assert _drift(fresh) == []
        command.upgrade(legacy_config(old), "heads")
        upgrade_database(old)  # the search index is made once more after every upgrade, as the app does
        assert _schema(old) == _schema(fresh)


def test_a_database_of_the_old_graph_with_a_row_in_every_table_reaches_the_head_intact(empty_url: str) -> None:
    command.upgrade(legacy_config(empty_url), "heads")
    old_heads = ScriptDirectory.from_config(legacy_config(empty_url)).get_heads()
    assert len(old_heads) == 12 and _versions(empty_url) == sorted(old_heads)  # the old graph: 12 heads
    before = _fill_every_table(empty_url)
    assert all(len(rows) == 1 for rows in before.values()) and len(before) >= 20
    orphans = _orphan_ids(empty_url)
    assert orphans  # the filler's ids ("v-outbox_messages-conversation_id") have no conversation row
    old_columns = _columns(empty_url)
    upgrade_database(empty_url)
    head = ScriptDirectory.from_config(alembic_config(empty_url)).get_current_head()
    assert _versions(empty_url) == [head]
    after = _rows(empty_url, old_columns)
    assert _kept(before, after) == orphans
    assert _drift(empty_url) == []
    upgrade_database(empty_url)  # once on the line, a second start changes nothing
    assert _versions(empty_url) == [head] and _rows(empty_url, old_columns) == after


def test_a_database_of_an_older_release_is_upgraded_through_the_old_graph_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(legacy_config(url), "0002_cases")  # made before most of today's heads existed
    engine = _engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO communes (slug, name, province, address, office_hours, phones, email, website,"
                    " reception_schedule, timezone, settings, created_at) VALUES ('xa-cu', 'Xã Cũ', 'Tỉnh', '', '',"
                    " '[]', '', '', '', 'Asia/Ho_Chi_Minh', '{}', CURRENT_TIMESTAMP)"
                )
            )
    finally:
        engine.dispose()
    upgrade_database(url)
    assert len(_versions(url)) == 1
    assert _drift(url) == []
    assert [row[0] for row in _rows(url)["communes"]] == ["1"]


def test_the_baseline_downgrades_to_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'down.db'}"
    upgrade_database(url)
    command.downgrade(alembic_config(url), "base")
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            left = [name for name in inspect(connection).get_table_names() if name != VERSION_TABLE]
    finally:
        engine.dispose()
    assert left == []


def test_ids_without_a_conversation_are_registered_then_every_id_is_a_foreign_key(empty_url: str) -> None:
    command.upgrade(alembic_config(empty_url), "i28_announce_recipients")  # the line's head before i23a
    _fill_every_table(empty_url)
    engine = _engine(empty_url)
    try:
        with engine.begin() as connection:  # one id named twice, one that parses, one that does not
            connection.execute(text("UPDATE outbox_messages SET conversation_id = 'tg:xa-cu:4242'"))
            connection.execute(text("UPDATE subscriptions SET conversation_id = 'tg:xa-cu:4242'"))
            connection.execute(text("UPDATE cases SET conversation_id = 'zalo:xa-cu:u1'"))
            connection.execute(text("UPDATE privacy_consents SET conversation_id = 'khong hop le'"))
            # An identity of a conversation without citizen, and one without a conversation row.
            connection.execute(text("UPDATE conversations SET citizen_id = NULL"))
            connection.execute(
                text("UPDATE citizen_identities SET conversation_id = 'v-conversations-conversation_id'")
            )
            citizen = connection.scalar(text("SELECT citizen_id FROM citizen_identities"))
            connection.execute(
                text(
                    "INSERT INTO citizen_identities (id, citizen_id, channel, conversation_id, created_at)"
                    " VALUES (2, :citizen, 'web', 'web:xa-cu:s1', CURRENT_TIMESTAMP)"
                ),
                {"citizen": citizen},
            )
    finally:
        engine.dispose()
    before, orphans = _rows(empty_url), _orphan_ids(empty_url)
    assert orphans == {"tg:xa-cu:4242", "zalo:xa-cu:u1", "khong hop le", "web:xa-cu:s1"} | {
        f"v-{table}-conversation_id" for table in ("appointments", "dossier_watches", "dossier_lookups", "nlu_review")
    }
    upgrade_database(empty_url)
    assert _kept(before, _rows(empty_url, _columns(empty_url))) == orphans
    assert _drift(empty_url) == []
    engine = make_engine(empty_url)  # the app's engine: SQLite enforces foreign keys only when asked
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT conversation_id, channel, external_id, state, citizen_id FROM conversations")
            )
            made = {row[0]: tuple(row[1:]) for row in rows}
        assert made["tg:xa-cu:4242"] == ("telegram", "4242", "bot", None)
        assert made["zalo:xa-cu:u1"] == ("zalo", "u1", "bot", None)
        assert made["khong hop le"][1:] == ("khong hop le", "bot", None)  # kept as it was, channel from its row
        assert made["web:xa-cu:s1"] == ("web", "s1", "bot", citizen)  # the identity's own row, with its citizen
        assert made["v-conversations-conversation_id"][3] == citizen  # the identity's citizen, copied
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text("UPDATE subscriptions SET conversation_id = 'tg:xa-cu:nobody' WHERE conversation_id = :key"),
                {"key": "tg:xa-cu:4242"},
            )
        with engine.begin() as connection:  # an id that has its row is fine
            connection.execute(text("UPDATE subscriptions SET conversation_id = 'zalo:xa-cu:u1'"))
    finally:
        engine.dispose()

"""Word search over cases, in any letter case, with or without diacritics, backed by the database's full-text index.

Each case keeps ``search_text``: its code, title, description, place, contact phone and the citizen's later messages,
lower-cased and stripped of diacritics ("Ổ gà ĐƯỜNG" → "o ga duong"). A query is folded the same way and split into
words; a case matches when it has every word, in any order and anywhere ("đèn đường ấp 3" finds "đèn đường ở ấp 3"),
the last word also as the start of a word ("đèn đư" while typing), numbers whole ("ấp 3" is not "ấp 30").

- SQLite: an FTS5 table (``cases_fts``, external content, kept by triggers; migration ``0012_lead_case_fts``).
- PostgreSQL: a GIN index on ``to_tsvector('simple', search_text)``, queried with ``to_tsquery`` prefixes.
- Anything else: one LIKE per word (correct, a table scan).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, false, func, literal_column, select, text
from sqlalchemy.orm import InstrumentedAttribute

import xaso_text

_WORD = re.compile(r"[^\W_]+")
MAX_SEARCH_TEXT = 20_000  # a long handoff conversation stops adding words here; the case stays findable by the rest
MAX_QUERY_WORDS = 12
FTS_TABLE = "cases_fts"
PG_INDEX = "ix_cases_search_tsv"


def fold(text: str) -> str:
    """'Ổ gà ĐƯỜNG' → 'o ga duong'."""
    return xaso_text.fold(text)


def search_text(*parts: str | None) -> str:
    """The folded words, space-separated: punctuation would read as signs to PostgreSQL's parser ("-2026")."""
    return " ".join(_WORD.findall(fold(" ".join(p for p in parts if p))))[:MAX_SEARCH_TEXT]


def extend_search_text(current: str, addition: str) -> str:
    """The search text with a citizen's later message added (until the cap)."""
    if len(current) >= MAX_SEARCH_TEXT or not addition.strip():
        return current
    return f"{current}\n{search_text(addition)}"[:MAX_SEARCH_TEXT]


def words(query: str) -> list[str]:
    return _WORD.findall(fold(query))[:MAX_QUERY_WORDS]


def _typing(terms: list[str]) -> list[tuple[str, bool]]:
    """Each word with whether it is matched as a prefix: only the last one (the word being typed), never a number.
    Whole words before it keep the index lookups cheap: a prefix as common as "ap" matches every case."""
    return [(w, i == len(terms) - 1 and not w.isdigit()) for i, w in enumerate(terms)]


def _fts_query(terms: list[str]) -> str:
    return " ".join(f'"{w}"*' if prefix else f'"{w}"' for w, prefix in _typing(terms))


def _tsquery(terms: list[str]) -> str:
    return " & ".join(f"{w}:*" if prefix else w for w, prefix in _typing(terms))


def matches(
    column: InstrumentedAttribute[str], id_column: InstrumentedAttribute[int], query: str, *, dialect: str
) -> ColumnElement[bool]:
    """The WHERE condition for a query; one without any word (only "%", say) finds nothing."""
    terms = words(query)
    if not terms:
        return false()
    if dialect == "sqlite":
        hits: Select[tuple[Any]] = (
            select(literal_column("rowid"))
            .select_from(text(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=_fts_query(terms)))
        )
        return id_column.in_(hits)
    if dialect == "postgresql":
        vector = func.to_tsvector(literal_column("'simple'"), column)
        return vector.op("@@")(func.to_tsquery(literal_column("'simple'"), _tsquery(terms)))
    return and_(*(column.like(f"%{w}%") for w in terms))


_SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_ai": f"AFTER INSERT ON cases BEGIN"
    f" INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"{FTS_TABLE}_ad": f"AFTER DELETE ON cases BEGIN"
    f" INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    f"{FTS_TABLE}_au": f"AFTER UPDATE OF search_text ON cases BEGIN"
    f" INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
    f" INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
}


def ensure_index(connection: Connection) -> bool:
    """Create SQLite's FTS table and its triggers where missing, and rebuild the index then; True if it did.

    Run after every migration: SQLite's batch ALTER TABLE (any later migration that changes ``cases``) copies the
    table and drops its triggers, so they are checked here rather than trusted to the migration that made them.
    """
    if connection.dialect.name != "sqlite":
        return False
    present = set(connection.scalars(text("SELECT name FROM sqlite_master WHERE name LIKE :p"), {"p": f"{FTS_TABLE}%"}))
    missing = [name for name in (FTS_TABLE, *_SQLITE_TRIGGERS) if name not in present]
    if not missing:
        return False
    if FTS_TABLE in missing:
        connection.execute(
            text(
                f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_text, content='cases', content_rowid='id',"
                " tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
            )
        )
    for name, body in _SQLITE_TRIGGERS.items():
        if name in missing:
            connection.execute(text(f"CREATE TRIGGER {name} {body}"))
    connection.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))
    return True

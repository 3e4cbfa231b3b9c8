"""Many rows in one INSERT, with their ids in the rows' order (the announcement queue writes a thousand at a time).

PostgreSQL gets one short statement whatever the number of rows: ``INSERT … SELECT … FROM ROWS FROM (unnest(<an
array per column>), json_array_elements(<a JSON column's values as one document>)) WITH ORDINALITY ORDER BY
ordinality RETURNING id``, a value all rows share sent once. SQLAlchemy's batched executemany writes one long
multi-VALUES statement instead, which psycopg rewrites placeholder by placeholder, uncached: most of the cost of
queueing an announcement on PostgreSQL (docs/broadcast.md). The ids come back in insertion order, as the sequence
hands them out along the ORDER BY (SQLAlchemy's ``sort_by_parameter_order`` assumes the same), sorted to be sure.
Other databases (SQLite) keep SQLAlchemy's batched INSERT.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert, text


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert ``rows`` (all with the same keys; the model's defaults fill the rest); the new ids in the rows' order."""
    if not rows:
        return []
    if connection.dialect.name != "postgresql":
        batched = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(connection.execute(batched, list(rows)).scalars())
    names = list(rows[0])
    arrays: dict[str, list[Any]] = {name: [row[name] for row in rows] for name in names}
    for column in table.c:  # the model's Python-side defaults (created_at=utcnow …), as an ORM insert applies them
        default = column.default
        if column.name in arrays or column.primary_key or default is None or not hasattr(default, "arg"):
            continue
        if default.is_scalar:
            arrays[column.name] = [default.arg] * len(rows)
        elif default.is_callable:
            arrays[column.name] = [default.arg(None) for _ in rows]
    # A value every row shares (an announcement's text, its kind, status …) goes once, not once per row: psycopg
    # quotes every element of a text array one by one. At least one array stays, for the number of rows.
    shared = [name for name, values in arrays.items() if all(v == values[0] for v in values)]
    varying = [name for name in arrays if name not in shared] or shared[:1]
    shared = [name for name in shared if name not in varying]
    params: dict[str, Any] = {}
    picks, sources = [], []
    for name in [*varying, *shared]:
        is_json = isinstance(table.c[name].type, JSON)
        sql_type = "json" if is_json else table.c[name].type.compile(dialect=connection.dialect)
        if name in shared:
            params[name] = (
                None if arrays[name][0] is None else json.dumps(arrays[name][0]) if is_json else arrays[name][0]
            )
            picks.append(f"CAST(:{name} AS {sql_type})")
            continue
        picks.append(f"v.{name}")
        if is_json:  # one JSON document of all the values: psycopg would escape each element of a text array
            params[name] = json.dumps(arrays[name])
            sources.append(f"json_array_elements(CAST(:{name} AS json))")
        else:
            params[name] = arrays[name]
            sources.append(f"unnest(CAST(:{name} AS {sql_type}[]))")
    statement = text(
        f"INSERT INTO {table.name} ({', '.join([*varying, *shared])}) SELECT {', '.join(picks)}"
        f" FROM ROWS FROM ({', '.join(sources)}) WITH ORDINALITY AS v({', '.join(varying)}, ordinality)"
        " ORDER BY v.ordinality RETURNING id"
    )
    return sorted(connection.execute(statement, params).scalars())

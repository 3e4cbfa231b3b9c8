"""Many rows in one INSERT (api/infra/bulk.py): the ids come back in the rows' order and the rows read back as an ORM
insert would have written them (shared and varying values, JSON, NULLs, the model's defaults), on both databases."""

from __future__ import annotations

from typing import Any, cast

from fastapi import FastAPI
from sqlalchemy import Table, select

from api.communes.models import Commune
from api.db import transaction
from api.infra.bulk import insert_rows
from api.outbox.models import OutboxMessage

_OUTBOX = cast(Table, OutboxMessage.__table__)


def _row(n: int, commune_id: int, context: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "commune_id": commune_id,
        "conversation_id": f"tg:xa-demo:{9000 + n}",
        "channel": "telegram",
        "kind": "announcement",
        "text": 'Thông báo "khẩn" – {ấp}, \\ dấu',  # the same for every row: quotes, braces, a backslash
        "buttons": None,
        "status": "pending",
        "priority": 5 if n == 2 else 0,
        "context": context,
    }


def test_rows_come_back_in_order_and_read_as_written(app: FastAPI) -> None:
    with transaction(app.state.sessionmaker) as session:
        commune_id = session.scalars(select(Commune.id)).first()
        assert commune_id is not None
        contexts = [{"hamlet": "Ấp 3", "title": 'a "b"'}, None, {"hamlet": "Ấp {4}", "n": [1, 2]}, {}]
        rows = [_row(n, commune_id, context) for n, context in enumerate(contexts)]
        ids = insert_rows(session.connection(), _OUTBOX, rows)
        assert len(ids) == 4 and ids == sorted(ids)
        assert insert_rows(session.connection(), _OUTBOX, []) == []
    with app.state.sessionmaker() as session:
        stored = {m.id: m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))}
    for message_id, row in zip(ids, rows, strict=True):
        message = stored[message_id]
        assert message.conversation_id == row["conversation_id"]
        assert message.text == row["text"] and message.priority == row["priority"]
        assert (message.context or None) == (row["context"] or None)
        assert message.buttons is None and message.created_at is not None and message.attempts == 0

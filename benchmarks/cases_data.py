"""Test data for benchmarks/bench_cases.py: a migrated, seeded database with N cases bulk-loaded with SQL.

Rows go in with executemany INSERTs (not the API): 100,000 cases in seconds, spread over categories and statuses
like a year of a busy commune, with fresh planner statistics afterwards.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text

from api.auth.tokens import issue_token
from api.cases.catalog import CATEGORIES
from api.cases.models import Case, CaseCounter, RoutingRule
from api.cases.search import search_text
from api.communes.models import Commune
from api.db import make_engine, make_sessionmaker, transaction
from api.migrate import upgrade_database
from api.seed import seed_all
from api.staff.service import find_staff_by_login

CASES = 100_000
_STATUSES = ["new"] * 3 + ["assigned"] * 2 + ["in_progress"] * 2 + ["resolved"] * 6 + ["closed"] * 3 + ["rejected"]
_START = datetime(2025, 1, 1, tzinfo=UTC)


def case_row(n: int, rng: random.Random, *, commune_id: int, departments: dict[str, int | None]) -> dict[str, Any]:
    """Case number ``n`` (2025, every five minutes), with every column given so executemany stays one shape."""
    created = _START + timedelta(minutes=5 * n)
    category, status = rng.choice(list(CATEGORIES)), rng.choice(_STATUSES)
    done = status in ("resolved", "closed", "rejected")
    resolved = created + timedelta(hours=rng.randint(2, 120)) if done else None
    title = f"Phản ánh số {n} về {CATEGORIES[category].lower()}"
    description = "Người dân phản ánh sự việc cần xử lý, đề nghị xã kiểm tra. " * 3
    phone = f"09{n:08d}" if n % 7 == 0 else None
    return {
        "commune_id": commune_id,
        "code": f"PA-2025-{n:06d}",
        "kind": "report",
        "category": category,
        "title": title,
        "description": description,
        "search_text": search_text(f"PA-2025-{n:06d}", title, description, f"ấp {n % 12 + 1}", phone),
        "location_text": f"ấp {n % 12 + 1}",
        "latitude": None,
        "longitude": None,
        "attachments": [],
        "priority": "normal",
        "status": status,
        "source": "bot",
        "channel": "zalo",
        "conversation_id": None,
        "chat_enabled": False,
        "citizen_id": None,
        "contact_name": None,
        "contact_phone": phone,
        "department_id": departments.get(category),
        "assignee_id": None,
        "merged_into_id": None,
        "due_at": created + timedelta(hours=72),
        "created_at": created,
        "updated_at": created,
        "resolved_at": resolved,
        "closed_at": None,
        "overdue_flagged_at": None,
        "rating_requested_at": None,
        "rating": rng.randint(1, 5) if done and n % 3 == 0 else None,
        "rating_comment": None,
        "rated_at": None,
    }


def bulk_load(url: str, cases: int = CASES) -> tuple[str, float]:
    """Migrate, seed, insert ``cases`` cases; returns an officer's API token and the seconds it took."""
    upgrade_database(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with transaction(make_sessionmaker(engine)) as session:
        seed_all(session, slug="xa-demo")
        commune = session.scalar(select(Commune).where(Commune.slug == "xa-demo"))
        assert commune is not None
        # An officer, the console's everyday user (their visibility rule hides health consultations).
        officer = find_staff_by_login(session, login="canbo.diachinh")
        assert officer is not None
        officer.must_change_password = False  # the seeded one-time password counts as changed
        token = issue_token(session, staff=officer, name="bench")[1]
        departments = {r.category: r.department_id for r in session.scalars(select(RoutingRule)) if r.category}
        commune_id = commune.id
    rng = random.Random(7)
    with engine.begin() as connection:
        for chunk in range(0, cases, 5000):
            rows = [
                case_row(n, rng, commune_id=commune_id, departments=departments)
                for n in range(chunk + 1, min(chunk + 5000, cases) + 1)
            ]
            connection.execute(insert(Case), rows)
        connection.execute(insert(CaseCounter).values(commune_id=commune_id, year=2025, last_value=cases))
    # Fresh statistics and visibility map, as autovacuum (or SQLite's optimize) gives a running install.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()
    return token, time.perf_counter() - started

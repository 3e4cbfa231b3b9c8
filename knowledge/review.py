"""The review list of the procedure facts: what the staff console (/staff/facts) and `xaso facts check` show as not
checked — a review overdue or due soon, a fact out of force or about to be, a basis not cited to the article.
Plain Python, like knowledge/facts.py (both environments import it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from knowledge.facts import ARTICLE_RE, REVIEW_INTERVAL, Fact, OnlineService, ProcedureFacts

DUE_SOON = timedelta(days=60)  # the console warns this long before a review falls due
EXPIRY_WARNING = timedelta(days=120)  # … and this long before a fact stops being in force


@dataclass(frozen=True)
class ReviewItem:
    """One fact the console lists for review, and why."""

    procedure_id: str
    procedure_name: str
    aspect: str
    kind: str  # overdue | expired | due_soon | expiring | unverified
    detail: str
    due: date | None
    fact: Fact


KIND_ORDER = {"overdue": 0, "expired": 1, "due_soon": 2, "expiring": 3, "unverified": 4}


def review_problems(
    *, basis: tuple[str, ...], review_note: str, reviewed_on: date, review_by: date | None, today: date
) -> list[str]:
    """Why a reviewed item (a fact, a procedure's online block) may not be shown as checked: basis to the article,
    a review younger than its interval and not in the future — the rules the test suite enforces."""
    problems = []
    uncited = [item for item in basis if not ARTICLE_RE.search(item)]
    if uncited and not review_note:
        problems.append(f"căn cứ chưa dẫn tới điều: {'; '.join(uncited)} (ghi review_note nếu chưa xác định)")
    due = review_by or reviewed_on + REVIEW_INTERVAL
    if today > due:
        problems.append(f"rà soát lần cuối {reviewed_on:%d/%m/%Y}, quá hạn rà soát {due:%d/%m/%Y}")
    if reviewed_on > today:
        problems.append(f"ngày rà soát {reviewed_on:%d/%m/%Y} ở tương lai")
    return problems


def fact_problems(fact: Fact, today: date) -> list[str]:
    return review_problems(
        basis=fact.basis, review_note=fact.review_note, reviewed_on=fact.reviewed_on, review_by=fact.review_by,
        today=today,
    )  # fmt: skip


def _reasons(fact: Fact, today: date) -> list[tuple[str, str, date | None]]:
    reasons: list[tuple[str, str, date | None]] = []
    due = fact.review_due()
    if today > due:
        reasons.append(("overdue", f"Quá hạn rà soát (rà soát lần cuối {fact.reviewed_on:%d/%m/%Y}).", due))
    elif today + DUE_SOON >= due:
        reasons.append(("due_soon", f"Đến hạn rà soát ngày {due:%d/%m/%Y}.", due))
    until = fact.valid_until
    if until is not None and today > until:
        ended = until + timedelta(days=1)
        reasons.append(("expired", f"Hết hiệu lực từ {ended:%d/%m/%Y}. {fact.valid_until_note}".strip(), until))
    elif until is not None and today + EXPIRY_WARNING >= until:
        reasons.append(("expiring", f"Hiệu lực tới {until:%d/%m/%Y}. {fact.valid_until_note}".strip(), until))
    if fact.valid_from > today:
        reasons.append(("expiring", f"Chưa có hiệu lực (từ {fact.valid_from:%d/%m/%Y}).", fact.valid_from))
    if fact.review_note or fact.uncited():
        reasons.append(("unverified", fact.review_note or "Căn cứ chưa dẫn tới điều.", None))
    return reasons


def review_items(procedures: Mapping[str, ProcedureFacts], today: date) -> list[ReviewItem]:
    """Facts due for review, most urgent first: review overdue or due soon, out of force or about to be,
    or marked by their reviewer as not yet verified to the article."""
    found = [
        ReviewItem(proc.id, proc.name, aspect, kind, detail, due, fact)
        for proc in procedures.values()
        for fact in proc.current(today)
        for aspect in (fact.aspect,)
        for kind, detail, due in _reasons(fact, today)
    ]
    found.sort(key=lambda item: (KIND_ORDER[item.kind], item.due or date.max, item.procedure_id, item.aspect))
    return found


def online_problems(online: OnlineService, today: date) -> list[str]:
    return review_problems(
        basis=online.basis, review_note=online.review_note, reviewed_on=online.reviewed_on,
        review_by=online.review_by, today=today,
    )  # fmt: skip

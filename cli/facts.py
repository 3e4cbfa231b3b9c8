"""``xaso facts check``: every procedure fact by age of its review, the ones about to expire, the ones without an
article-level basis; exits 1 when a fact cannot be shown as checked (CI runs it)."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from knowledge.facts import (
    TODAY_ENV,
    Fact,
    KnowledgeError,
    ProcedureFacts,
    load_procedures,
    vietnam_today,
)
from knowledge.review import fact_problems, online_problems

app = typer.Typer(
    help="Dữ kiện thủ tục (knowledge/procedures): rà soát căn cứ, ngày rà soát, hiệu lực.", no_args_is_help=True
)
console = Console(width=200)


def _period(fact: Fact) -> str:
    until = f"{fact.valid_until:%d/%m/%Y}" if fact.valid_until else "…"
    return f"{fact.valid_from:%d/%m/%Y}–{until}"


def _rows(procedures: dict[str, ProcedureFacts], today: date) -> list[tuple[ProcedureFacts, Fact]]:
    """The versions that matter today (in force, answering or yet to come), oldest review first."""
    rows = [(proc, fact) for proc in procedures.values() for fact in proc.current(today)]
    rows.sort(key=lambda row: (row[1].reviewed_on, row[0].id, row[1].aspect, row[1].valid_from))
    return rows


@app.command("check")
def check(
    today: str | None = typer.Option(None, "--today", help="Ngày kiểm tra YYYY-MM-DD (mặc định: hôm nay ở Việt Nam)"),
    within: int = typer.Option(
        30, "--within", min=1, help="Báo dữ kiện hết hiệu lực hoặc đến hạn rà soát trong bấy nhiêu ngày"
    ),
    directory: Path | None = typer.Option(None, "--dir", help="Thư mục kho tri thức (chứa procedures/)"),
) -> None:
    """Liệt kê mọi dữ kiện theo tuổi rà soát, dữ kiện sắp hết hiệu lực, dữ kiện chưa có căn cứ tới điều.
    Mã thoát 1 nếu có dữ kiện thiếu căn cứ, thiếu hoặc quá hạn rà soát, hoặc đã hết hiệu lực mà chưa có bản thay thế."""
    try:
        day = date.fromisoformat(today) if today else vietnam_today()
    except (ValueError, KnowledgeError) as exc:
        console.print(f"[red]Ngày không hợp lệ: {exc}[/red]")
        raise typer.Exit(2) from exc
    try:
        procedures = load_procedures(directory)
    except KnowledgeError as exc:  # a fact without basis or review date never loads
        console.print(f"[red]LỖI tệp thủ tục: {exc}[/red]")
        raise typer.Exit(1) from exc
    if not today and os.environ.get(TODAY_ENV):
        console.print(
            f"[yellow]{TODAY_ENV}={os.environ[TODAY_ENV]}: ngày đang bị cố định (chỉ dùng khi kiểm thử).[/yellow]"
        )
    rows = _rows(procedures, day)
    horizon = day + timedelta(days=within)

    table = Table(title=f"Dữ kiện theo tuổi rà soát (ngày {day:%d/%m/%Y})")
    for column in ("thủ tục", "dữ kiện", "hiệu lực", "rà soát", "tuổi (ngày)", "hạn rà soát", "căn cứ"):
        table.add_column(column, overflow="fold")
    for proc, fact in rows:
        age = str((day - fact.reviewed_on).days)
        reviewed, review_due = f"{fact.reviewed_on:%d/%m/%Y}", f"{fact.review_due():%d/%m/%Y}"
        table.add_row(proc.id, fact.aspect, _period(fact), reviewed, age, review_due, fact.citation())
    console.print(table)

    expiring = [(p, f) for p, f in rows if f.valid_until is not None and day <= f.valid_until <= horizon]
    ended = [(p, f) for p, f in rows if f.valid_until is not None and f.valid_until < day]
    due = [(p, f) for p, f in rows if day <= f.review_due() <= horizon]
    console.print(f"\n[bold]Hết hiệu lực trong {within} ngày tới ({len(expiring)}):[/bold]")
    for proc, fact in expiring:
        console.print(
            f"  {proc.id}.{fact.aspect} hiệu lực tới {fact.valid_until:%d/%m/%Y}. {fact.valid_until_note}".rstrip()
        )
    if ended:
        console.print(f"[bold]Đã hết hiệu lực mà chưa có phiên bản thay thế ({len(ended)}):[/bold]")
        for proc, fact in ended:
            console.print(f"  {proc.id}.{fact.aspect} hết hiệu lực sau {fact.valid_until:%d/%m/%Y}")
    console.print(f"[bold]Đến hạn rà soát trong {within} ngày tới ({len(due)}):[/bold]")
    for proc, fact in due:
        console.print(f"  {proc.id}.{fact.aspect} rà soát trước {fact.review_due():%d/%m/%Y}")

    uncited = [(p, f) for p, f in rows if f.uncited()]
    console.print(f"[bold]Căn cứ chưa dẫn tới điều ({len(uncited)}):[/bold]")
    for proc, fact in uncited:
        marker = "ghi chú rà soát" if fact.review_note else "[red]KHÔNG có ghi chú[/red]"
        console.print(f"  {proc.id}.{fact.aspect}: {'; '.join(fact.uncited())} ({marker})")
    unverified = sum(1 for _, fact in rows if fact.review_note)

    failures = [(proc, fact, problem) for proc, fact in rows for problem in fact_problems(fact, day)]
    failures += [(proc, fact, "hết hiệu lực, chưa có phiên bản thay thế") for proc, fact in ended]
    total = len(rows)
    console.print(
        f"\n{len(procedures)} thủ tục, {total} dữ kiện đang dùng; "
        f"{unverified} dữ kiện còn ghi chú chưa kiểm chứng (trang /staff/facts)."
    )
    # the online block (level and filing link) carries its basis and review like a fact
    online = [(p.id, problem) for p in procedures.values() if p.online for problem in online_problems(p.online, day)]
    if failures or online:
        console.print(f"[red]LỖI: {len(failures) + len(online)} dữ kiện chưa đạt:[/red]")
        for proc, fact, problem in failures:
            console.print(f"  [red]{proc.id}.{fact.aspect} ({_period(fact)}): {problem}[/red]")
        for procedure_id, problem in online:
            console.print(f"  [red]{procedure_id}.online (mức độ, đường dẫn nộp trực tuyến): {problem}[/red]")
        raise typer.Exit(1)
    console.print("[green]Mọi dữ kiện có căn cứ và ngày rà soát còn hạn.[/green]")

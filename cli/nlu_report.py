"""Rich tables for an NLU evaluation report (the dict produced by ``bot/evaluation.py``)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

SUBSETS = (("all", "Tất cả"), ("with_diacritics", "Có dấu"), ("without_diacritics", "Không dấu"))


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def summary_table(report: dict[str, Any], title: str) -> Table:
    table = Table(title=title)
    for column in ("Tập câu", "Số câu", "Độ chính xác ý định", "Macro-F1", "Thực thể P", "Thực thể R",
                   "Thực thể F1", "Khớp toàn bộ thực thể"):  # fmt: skip
        table.add_column(column, justify="left" if column == "Tập câu" else "right")
    for key, label in SUBSETS:
        part = report.get(key)
        if not part or not part["intent"]["n"]:
            continue
        intent, entities = part["intent"], part["entities"]
        table.add_row(
            label, str(intent["n"]), pct(intent["accuracy"]), f"{intent['macro_f1']:.3f}",
            pct(entities["precision"]), pct(entities["recall"]), pct(entities["f1"]), pct(entities["exact_match"]),
        )  # fmt: skip
    return table


def intent_table(report: dict[str, Any]) -> Table:
    table = Table(title="Từng ý định (P/R/F1 trên tất cả; độ phủ R theo có dấu / không dấu)")
    for column in ("Ý định", "Precision", "Recall", "F1", "Số câu", "R có dấu", "R không dấu"):
        table.add_column(column, justify="left" if column == "Ý định" else "right")
    with_d = report["with_diacritics"]["intent"]["per_intent"]
    without_d = report["without_diacritics"]["intent"]["per_intent"]
    for name, m in sorted(report["all"]["intent"]["per_intent"].items()):
        table.add_row(
            name, f"{m['precision']:.2f}", f"{m['recall']:.2f}", f"{m['f1']:.2f}", str(m["support"]),
            f"{with_d[name]['recall']:.2f}" if name in with_d else "—",
            f"{without_d[name]['recall']:.2f}" if name in without_d else "—",
        )  # fmt: skip
    return table


def confusion_table(report: dict[str, Any], limit: int = 10) -> Table:
    table = Table(title=f"Cặp nhầm lẫn nhiều nhất (tối đa {limit})")
    for column in ("Đúng", "Mô hình đoán", "Tất cả", "Có dấu", "Không dấu"):
        table.add_column(column, justify="right" if column in ("Tất cả", "Có dấu", "Không dấu") else "left")
    counts = {
        key: {(t, p): n for t, p, n in report[key]["intent"]["confusions"]} for key, _ in SUBSETS if key in report
    }
    for true, predicted, n in report["all"]["intent"]["confusions"][:limit]:
        table.add_row(
            true, str(predicted), str(n),
            str(counts["with_diacritics"].get((true, predicted), 0)),
            str(counts["without_diacritics"].get((true, predicted), 0)),
        )  # fmt: skip
    return table


def entity_table(report: dict[str, Any]) -> Table:
    table = Table(title="Từng loại thực thể (giá trị chuẩn, tất cả câu)")
    for column in ("Thực thể", "Precision", "Recall", "F1", "Số lượng"):
        table.add_column(column, justify="left" if column == "Thực thể" else "right")
    for name, m in report["all"]["entities"]["per_entity"].items():
        table.add_row(name, f"{m['precision']:.2f}", f"{m['recall']:.2f}", f"{m['f1']:.2f}", str(m["support"]))
    return table


def render_report(console: Console, report: dict[str, Any], *, title: str, show_errors: bool = False) -> None:
    console.print(summary_table(report, title))
    console.print(intent_table(report))
    if report["all"]["intent"]["confusions"]:
        console.print(confusion_table(report))
    else:
        console.print("[green]Không có câu nào bị nhầm ý định.[/green]")
    console.print(entity_table(report))
    if show_errors:
        for row in report.get("errors", []):
            label = f"{row['intent']} → {row['predicted_intent']}"
            console.print(f"  [red]{label}[/red] ({row['confidence']:.2f}) {escape(row['text'])}", highlight=False)

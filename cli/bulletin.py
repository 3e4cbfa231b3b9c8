"""``xaso bulletin``: produce broadcast-ready audio from a text file (Typer + a Rich progress bar)."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from broadcast.engines import EdgeEngine, EngineError, EspeakEngine, PiperEngine, VoiceOptions, engine_chain
from broadcast.normalize import normalize_text
from broadcast.settings import get_broadcast_settings
from broadcast.speech import BulletinTooLong, Production, produce

app = typer.Typer(help="Bản tin phát thanh: chuyển văn bản thành âm thanh MP3 sẵn sàng phát loa.", no_args_is_help=True)
console = Console()


class EngineChoice(StrEnum):
    edge = "edge"
    offline = "offline"
    piper = "piper"


@app.command("speak")
def speak(
    file: Annotated[Path, typer.Argument(help="Tệp văn bản (UTF-8) của bản tin.", exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Tệp MP3 đầu ra.")],
    engine: Annotated[
        EngineChoice | None,
        typer.Option(help="Engine đọc: edge (trực tuyến), offline (espeak-ng), piper (mô hình cục bộ)."),
    ] = None,
    voice: Annotated[str | None, typer.Option(help="Tên giọng, ví dụ vi-VN-NamMinhNeural hoặc vi.")] = None,
    rate: Annotated[int, typer.Option(help="Tốc độ đọc, phần trăm so với mặc định (-50..100).", min=-50, max=100)] = 0,
    pitch: Annotated[int, typer.Option(help="Cao độ giọng, Hz (-50..50).", min=-50, max=50)] = 0,
) -> None:
    """Đọc FILE thành MP3 mono, chuẩn hóa âm lượng −23 LUFS; tự chuyển sang engine offline khi mất mạng."""
    settings = get_broadcast_settings()
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise typer.BadParameter("Tệp phải là văn bản UTF-8.", param_hint="FILE") from exc
    if not text.strip():
        raise typer.BadParameter("Tệp không có nội dung.", param_hint="FILE")
    chosen = (engine.value if engine else None) or settings.default_engine
    chain = engine_chain(chosen, settings)
    options = VoiceOptions(voice=voice, rate=rate, pitch=pitch)
    with Progress(
        TextColumn("[bold]Đang đọc[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("câu"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("speak", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result: Production = asyncio.run(produce(text, chain, options, settings, progress=advance))
        except BulletinTooLong as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        except EngineError as exc:
            console.print(f"[red]Không tạo được âm thanh: {exc}[/red]")
            raise typer.Exit(1) from exc
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(result.mp3)
    if result.engine != chosen:
        console.print(f"[yellow]Engine {chosen} không dùng được, đã chuyển sang {result.engine}.[/yellow]")
    console.print(
        f"[green]Đã ghi {output}[/green]: {result.duration_seconds:.1f} giây, {result.loudness_lufs:.1f} LUFS, "
        f"đỉnh {result.true_peak_dbtp:.1f} dBTP, engine {result.engine}, giọng {result.voice}."
    )


@app.command("normalize")
def normalize(
    file: Annotated[Path, typer.Argument(help="Tệp văn bản (UTF-8).", exists=True, dir_okay=False)],
) -> None:
    """In ra đúng những lời sẽ được đọc (số, ngày giờ, chữ viết tắt… đã chuyển thành chữ)."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise typer.BadParameter("Tệp phải là văn bản UTF-8.", param_hint="FILE") from exc
    typer.echo(normalize_text(text))


@app.command("voices")
def voices() -> None:
    """Liệt kê engine và giọng đọc tiếng Việt có thể dùng."""
    settings = get_broadcast_settings()
    table = Table(title="Giọng đọc")
    table.add_column("Engine")
    table.add_column("Giọng")
    table.add_column("Ghi chú")
    for engine in (EdgeEngine(), EspeakEngine(), PiperEngine(settings.piper_model)):
        note = {
            "edge": "trực tuyến (Microsoft); mất mạng thì tự chuyển sang offline",
            "offline": "espeak-ng đóng gói sẵn, không cần mạng",
            "piper": f"mô hình: {settings.piper_model}"
            if settings.piper_model
            else "chưa cấu hình XASO_BROADCAST_PIPER_MODEL",
        }[engine.name]
        table.add_row(engine.name, ", ".join(engine.voices) or "—", note)
    console.print(table)

"""Run every benchmark (benchmarks/bench_*.py) one after another and summarise; each writes benchmarks/results/.

Benchmarks run one at a time because the machine has two cores: running them together would measure contention.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
console = Console()


def main(selected: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if selected:
        scripts = [s for s in scripts if any(name in s.stem for name in selected)]
    summary = Table(title="Benchmarks")
    summary.add_column("benchmark")
    summary.add_column("result")
    summary.add_column("seconds", justify="right")
    failed = 0
    for index, script in enumerate(scripts, 1):
        console.rule(f"[bold]{index}/{len(scripts)} {script.stem}")
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        failed += code != 0
        result = "ok" if code == 0 else f"[red]failed ({code})"
        summary.add_row(script.stem, result, f"{time.monotonic() - started:.0f}")
    console.print(summary)
    console.print(f"Results: {HERE / 'results'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

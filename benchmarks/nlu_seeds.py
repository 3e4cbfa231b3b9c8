"""The NLU's intent accuracy over several DIET seeds: what one training's figure is worth (docs/nlu.md, "Third round").

One training's figure on a held-out set moves by up to 2.3 points with DIET's ``random_seed`` alone, so a data or
pipeline change smaller than that cannot be seen in one training. This trains NLU-only models of a tree's
``nlu_data/nlu`` with ``bot/config.yml`` and each seed (two side by side: DIET keeps about 1.3 of two cores busy), then
scores each on the held-out sets (short, long) and on issue 22's frozen set, and prints every draw with the mean,
lowest and highest. Not in ``make bench`` (four seeds take about 15 minutes on two cores).

    .venv/bin/python benchmarks/nlu_seeds.py [--seeds 42,7,13,21] [--data-root DIR] [--parallel 2]

Compare two versions of the data by running it on each tree (``git worktree add /tmp/before <rev>``, then
``--data-root /tmp/before``): the same seeds, the same sets. Only counts are printed, never the messages.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_nlu import train  # noqa: E402
from cli.nlu import HELD_OUT_SETS, run_helper  # noqa: E402
from cli.train import RASA_BIN  # noqa: E402

FROZEN = ROOT / "tests" / "bot" / "beyond_twelve_frozen.yml"
RESULTS = ROOT / "benchmarks" / "results" / "nlu_seeds.json"
SEED_LINE = "random_seed: 42"
console = Console()


def frozen_as_rasa_data(path: Path) -> None:
    """The frozen set (groups of texts under an intent) in Rasa's training-data format, for bot.evaluation."""
    document = yaml.safe_load(FROZEN.read_text(encoding="utf-8"))
    by_intent: dict[str, list[str]] = {}
    for group in document["groups"]:
        by_intent.setdefault(group["intent"], []).extend(str(text) for text in group["texts"])
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        lines += [f"  - intent: {intent}", "    examples: |"]
        lines += [f"      - {' '.join(text.split())}" for text in texts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def config_with_seed(seed: int, path: Path) -> None:
    config = (ROOT / "bot" / "config.yml").read_text(encoding="utf-8")
    if config.count(SEED_LINE) != 1:
        raise SystemExit(f"bot/config.yml: expected one '{SEED_LINE}' line (DIET's seed) to replace")
    path.write_text(config.replace(SEED_LINE, f"random_seed: {seed}"), encoding="utf-8")


def train_and_score(seed: int, data_root: Path, work: Path, sets: dict[str, Path]) -> dict[str, Any]:
    config = work / f"config-{seed}.yml"
    config_with_seed(seed, config)
    name = f"seed-{seed}"
    command = [str(RASA_BIN), "train", "nlu", "--config", str(config), "--nlu", str(data_root / "nlu_data" / "nlu"),
               "--out", str(work), "--fixed-model-name", name]  # fmt: skip
    seconds = train(command, name, quiet=True)
    scores: dict[str, Any] = run_helper(
        ["score", str(work / f"{name}.tar.gz"), *[f"{set_name}={path}" for set_name, path in sets.items()]]
    )["scores"]
    return {"seed": seed, "training_seconds": round(seconds), "scores": scores}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="42,7,13,21", help="DIET seeds, comma-separated")
    parser.add_argument("--data-root", type=Path, default=ROOT, help="the tree whose nlu_data/nlu is trained")
    parser.add_argument("--parallel", type=int, default=2, help="trainings side by side")
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",") if seed.strip()]
    with tempfile.TemporaryDirectory(prefix="xaso-seeds-") as tmp:
        work = Path(tmp)
        sets = dict(HELD_OUT_SETS)
        sets["frozen"] = work / "frozen.yml"
        frozen_as_rasa_data(sets["frozen"])
        with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
            draws = list(pool.map(lambda seed: train_and_score(seed, args.data_root.resolve(), work, sets), seeds))
    table = Table(title=f"Intent accuracy by DIET seed ({args.data_root})")
    table.add_column("set")
    table.add_column("subset")
    for draw in draws:
        table.add_column(f"seed {draw['seed']}", justify="right")
    for column in ("mean", "lowest", "highest"):
        table.add_column(column, justify="right")
    summary: dict[str, Any] = {}
    for set_name in sets:
        for subset, key in (("all", "intent"), ("without diacritics", "intent_no_diacritics")):
            values = [draw["scores"][set_name][key] for draw in draws]
            if any(value is None for value in values):
                continue
            figures = [statistics.mean(values), min(values), max(values)]
            summary[f"{set_name} {subset}"] = [round(value, 2) for value in figures]
            table.add_row(set_name, subset, *[f"{v:.1f}%" for v in values], *[f"{v:.1f}%" for v in figures])
    console.print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    for draw in draws:  # counts only: the misclassified messages stay out of the results
        for scores in draw["scores"].values():
            scores.pop("errors", None)
    RESULTS.write_text(
        json.dumps({"data_root": str(args.data_root), "draws": draws, "mean_lowest_highest": summary}, indent=2),
        encoding="utf-8",
    )
    console.print(f"Results: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

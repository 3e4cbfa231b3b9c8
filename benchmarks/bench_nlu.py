"""Stock Rasa vs our Vietnamese pipeline: same training data, same held-out set, side by side.

Trains (NLU only) Rasa's default pipeline (WhitespaceTokenizer, CountVectors word + char_wb 1-4, DIET 100 epochs,
EntitySynonymMapper, FallbackClassifier) and bot/config.yml on nlu_data/nlu, evaluates both on every held-out set
(cli.nlu.HELD_OUT_SETS: the short messages nlu_data/test/nlu and the long real-style ones nlu_data/test/long; overall,
with and without diacritics), and times a full ``rasa train`` of our model (NLU + dialogue policies) into a
temporary directory, so models/xaso.tar.gz is never touched.

    .venv/bin/python benchmarks/bench_nlu.py [--skip-full] [--parallel]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli.nlu import HELD_OUT_SETS, evaluate  # noqa: E402
from cli.train import RASA_BIN, rasa_env, training_data_dirs  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "nlu.json"
TIMEOUT = int(os.environ.get("XASO_BENCH_TIMEOUT", 45 * 60))  # a loaded 2-core machine needs long
console = Console()

# Rasa 3.6's default pipeline (what `rasa train` uses when config.yml has no pipeline), without ResponseSelector
# (no retrieval intents here).
STOCK_CONFIG = """recipe: default.v1
language: vi
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
    random_seed: 42
  - name: EntitySynonymMapper
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies: []
"""


def train(command: list[str], label: str, *, quiet: bool = False) -> float:
    # An empty cache per run: Rasa would otherwise restore unchanged components and the timing would mean nothing.
    env = {**rasa_env(), "RASA_MAX_CACHE_SIZE": "0"}
    started = time.perf_counter()
    if quiet:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    else:
        with console.status(f"Huấn luyện {label}…"):
            result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        console.print(result.stdout[-3000:], result.stderr[-3000:], markup=False)
        raise SystemExit(f"training {label} failed")
    console.print(f"  {label}: {seconds:.0f} s")
    return seconds


def train_nlu(config: Path, out: Path, name: str, *, quiet: bool = False) -> float:
    command = [str(RASA_BIN), "train", "nlu", "--config", str(config), "--nlu", "nlu_data/nlu",
               "--out", str(out), "--fixed-model-name", name]  # fmt: skip
    return train(command, name, quiet=quiet)


def train_full(out: Path) -> float:
    data = [str(p.relative_to(ROOT)) for p in training_data_dirs()]
    command = [str(RASA_BIN), "train", "--config", "bot/config.yml", "--domain", "bot/domain", "--data", *data,
               "--out", str(out), "--fixed-model-name", "full"]  # fmt: skip
    return train(command, "full (NLU + policies)")


def evaluate_model(model: Path, label: str, data: Path) -> dict[str, Any]:
    with console.status(f"Đánh giá {label} trên {data.relative_to(ROOT)}…"):
        return evaluate(model, data)


def summarise(report: dict[str, Any], seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {"training_seconds": round(seconds, 1)}
    for subset in ("all", "with_diacritics", "without_diacritics"):
        part = report[subset]
        out[subset] = {
            "n": part["intent"]["n"],
            "intent_accuracy": round(part["intent"]["accuracy"], 4),
            "macro_f1": round(part["intent"]["macro_f1"], 4),
            "entity_f1": round(part["entities"]["f1"], 4),
            "entity_exact_match": round(part["entities"]["exact_match"], 4),
        }
    return out


def table(stock: dict[str, Any], ours: dict[str, Any], full_seconds: float | None, data: str) -> Table:
    result = Table(title=f"NLU: stock Rasa (WhitespaceTokenizer) vs Xã Số pipeline — held-out {data}")
    for column in ("metric", "subset", "stock Rasa", "ours", "difference"):
        result.add_column(column, justify="right" if column in ("stock Rasa", "ours", "difference") else "left")
    labels = {"all": "all", "with_diacritics": "with diacritics", "without_diacritics": "without diacritics"}
    for metric in ("intent_accuracy", "macro_f1", "entity_f1", "entity_exact_match"):
        for subset, label in labels.items():
            a, b = stock[subset][metric], ours[subset][metric]
            result.add_row(metric, f"{label} (n={ours[subset]['n']})", f"{a:.3f}", f"{b:.3f}", f"{b - a:+.3f}")
    result.add_row(
        "NLU training time", "", f"{stock['training_seconds']:.0f} s", f"{ours['training_seconds']:.0f} s", ""
    )
    if full_seconds is not None:
        result.add_row("full training (NLU + policies)", "", "", f"{full_seconds:.0f} s", "")
    return result


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
        work = Path(tmp)
        stock_config = work / "stock.yml"
        stock_config.write_text(STOCK_CONFIG, encoding="utf-8")
        if "--parallel" in argv:  # both at once, under the same load (the times then include the contention)
            with ThreadPoolExecutor(max_workers=2) as pool:
                stock_job = pool.submit(train_nlu, stock_config, work, "stock", quiet=True)
                ours_job = pool.submit(train_nlu, ROOT / "bot" / "config.yml", work, "ours", quiet=True)
                stock_seconds, ours_seconds = stock_job.result(), ours_job.result()
        else:
            stock_seconds = train_nlu(stock_config, work, "stock")
            ours_seconds = train_nlu(ROOT / "bot" / "config.yml", work, "ours")
        sets: dict[str, Any] = {}
        for name, data in HELD_OUT_SETS.items():
            sets[name] = {
                "test_data": str(data.relative_to(ROOT)),
                "stock": summarise(evaluate_model(work / "stock.tar.gz", "stock", data), stock_seconds),
                "ours": summarise(evaluate_model(work / "ours.tar.gz", "ours", data), ours_seconds),
            }
        full_seconds = None if "--skip-full" in argv else train_full(work)
    for name, result in sets.items():
        last = name == list(sets)[-1]
        console.print(table(result["stock"], result["ours"], full_seconds if last else None, result["test_data"]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    # "stock"/"ours" stay the short set's figures (as before); every set is under "sets".
    payload = {**{k: sets["short"][k] for k in ("stock", "ours", "test_data")}, "sets": sets,
               "full_training_seconds": full_seconds}  # fmt: skip
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    console.print(f"Results: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

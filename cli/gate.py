"""The promotion gate of ``xaso train``: a newly trained model replaces the current one only if it does not regress
on any held-out set, then the running Rasa loads it without a restart (``PUT /model`` on every replica).

Each model is scored in a .venv-rasa process (``python -m bot.evaluation score``), loaded once, and its figures are
cached by model and set content (models/gate-scores.json), so each model is scored once per set version. The sets are
every held-out directory under ``nlu_data/test/`` (``nlu`` is the short set, ``long`` the long real-style set) and
the reviewed messages staff already corrected (``nlu_data/nlu/reviewed.yml``: a new model must not unlearn them).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from api.nlu.client import replica_urls

METRICS = {"intent": "Ý định", "intent_no_diacritics": "Ý định (không dấu)", "entity_f1": "Thực thể F1"}
SET_LABELS = {"nlu": "ngắn", "long": "dài", "reviewed": "đã duyệt"}
DEFAULT_TOLERANCE = 0.5  # percentage points: one message in ~200


@dataclass(frozen=True)
class Check:
    set: str
    metric: str
    current: float
    candidate: float
    tolerance: float

    @property
    def delta(self) -> float:
        return self.candidate - self.current

    @property
    def passed(self) -> bool:
        return self.delta >= -self.tolerance - 1e-9


def held_out_sets(data_dir: Path) -> dict[str, Path]:
    """Every held-out NLU set under ``data_dir/test`` (not the dialogue stories), and the reviewed messages."""
    sets = {
        path.name: path
        for path in sorted((data_dir / "test").iterdir())
        if path.is_dir() and path.name != "stories" and any(path.rglob("*.yml"))
    }
    reviewed = data_dir / "nlu" / "reviewed.yml"
    if reviewed.exists():
        sets["reviewed"] = reviewed
    return sets


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    for item in [path] if path.is_file() else sorted(p for p in path.rglob("*.yml")):
        if item != path:  # a set directory: its files' names count; a model file is its content alone
            digest.update(str(item.relative_to(path)).encode())
        with item.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def score(
    run_helper: Callable[..., dict[str, Any]], current: Path, candidate: Path, sets: dict[str, Path],
    cache_path: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Both models' figures on every set. Figures are cached by model and set content (``cache_path``): a model
    is scored once per set version, so a rollback check or a re-run costs nothing."""
    cache: dict[str, Any] = {}
    if cache_path is not None and cache_path.exists():
        try:
            cache = json.loads(cache_path.read_text(encoding="utf-8"))
        except ValueError:
            cache = {}
    set_keys = {name: _digest(path) for name, path in sets.items()}
    out: dict[str, Any] = {}
    for role, model in (("current", current), ("candidate", candidate)):
        model_key = _digest(model)
        keys = {name: f"{model_key}:{name}:{set_keys[name]}" for name in sets}
        missing = [name for name in sets if keys[name] not in cache]
        if missing:
            args = ["score", str(model), *[f"{name}={sets[name]}" for name in missing]]
            scores: dict[str, Any] = run_helper(args)["scores"]
            cache.update({keys[name]: scores[name] for name in missing})
        out[role] = {name: cache[keys[name]] for name in sets}
    if cache_path is not None:
        cache_path.write_text(json.dumps(cache, ensure_ascii=False), encoding="utf-8")
    return out


def compare(scores: dict[str, Any], tolerance: float) -> list[Check]:
    checks = []
    for name, current in scores["current"].items():
        candidate = scores["candidate"][name]
        for metric in METRICS:
            if current.get(metric) is None or candidate.get(metric) is None:
                continue
            checks.append(Check(name, metric, float(current[metric]), float(candidate[metric]), tolerance))
    return checks


def render(console: Console, checks: list[Check], scores: dict[str, Any]) -> None:
    table = Table(title="Cổng kiểm tra trước khi dùng mô hình mới (tập giữ riêng)")
    for column in ("Tập", "Số câu", "Chỉ số", "Hiện hành", "Mô hình mới", "Chênh lệch", "Kết quả"):
        table.add_column(column, justify="right" if column not in ("Tập", "Chỉ số", "Kết quả") else "left")
    for check in checks:
        n = scores["current"][check.set]["n"]
        verdict = "[green]đạt[/green]" if check.passed else "[red]GIẢM[/red]"
        table.add_row(
            f"{check.set} ({SET_LABELS.get(check.set, 'khác')})", str(n), METRICS[check.metric],
            f"{check.current:.1f}%", f"{check.candidate:.1f}%", f"{check.delta:+.1f}", verdict,
        )  # fmt: skip
    console.print(table)


def reasons(checks: list[Check]) -> list[str]:
    return [
        f"tập {c.set}: {METRICS[c.metric].lower()} {c.current:.1f}% → {c.candidate:.1f}% "
        f"({c.delta:+.1f} điểm, cho phép giảm tối đa {c.tolerance:.1f})"
        for c in checks
        if not c.passed
    ]


def advice(checks: list[Check], candidate: Path, *, options: str = "") -> list[str]:
    """What an officer can do after a refusal. A candidate that forgets messages staff corrected is not to be used;
    otherwise the drop may be training churn (one added example moves the held-out figures by points: docs/nlu.md),
    and the command that promotes this candidate anyway, after reading the table, is printed (``options``: the data and
    models directories when they are not the project's)."""
    failed = [c for c in checks if not c.passed]
    if not failed:
        return []
    if any(c.set == "reviewed" for c in failed):
        return ["Mô hình mới đọc sai cả câu cán bộ đã sửa (tập reviewed): không nên dùng."]
    needed = math.ceil(max(-c.delta for c in failed) * 10) / 10
    return [
        "Huấn luyện lại dù chỉ thêm một câu cũng làm các con số lệch vài điểm (docs/nlu.md): nên gom nhiều câu đã "
        "duyệt rồi huấn luyện một lần.",
        f"Nếu đã xem bảng và chấp nhận mức giảm: xaso train --candidate {candidate}{options} --tolerance {needed:.1f}",
    ]


@dataclass(frozen=True)
class SwapResult:
    url: str
    ok: bool
    detail: str


def swap(model: Path, *, rasa_url: str, token: str, timeout: float = 300.0) -> list[SwapResult]:
    """Ask every Rasa replica to load ``model`` (Rasa's ``PUT /model``): it keeps answering with the old model
    until the new one is loaded, so no conversation sees a restart."""
    results = []
    for url in replica_urls(rasa_url):
        try:
            response = httpx.put(
                f"{url}/model", params={"token": token}, json={"model_file": str(model.resolve())}, timeout=timeout
            )
        except httpx.ConnectError:
            results.append(SwapResult(url, False, "không chạy (mô hình mới được nạp khi khởi động)"))
            continue
        except httpx.HTTPError as exc:
            results.append(SwapResult(url, False, f"lỗi kết nối: {exc}"))
            continue
        ok = response.status_code == 204
        results.append(SwapResult(url, ok, "đã nạp mô hình mới" if ok else f"HTTP {response.status_code}"))
    return results

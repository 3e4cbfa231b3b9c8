"""Issue 23's done-when, kept: the gateway's layers contract (pyproject.toml, docs/architecture.md) places every
package of ``api/``, none of its lines lets two packages import each other (``a : b``), it lists no import as an
exception, and no two packages of ``api/`` import each other at all (``scripts/import_pairs.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from typing import Any

from tests.support.paths import ROOT


def _gateway() -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "gateway"]
    return contract


def test_the_gateway_contract_places_every_package_with_no_exception() -> None:
    contract = _gateway()
    assert [line for line in contract["layers"] if ":" in line] == []
    assert contract.get("ignore_imports", []) == []
    placed = {name.strip() for line in contract["layers"] for name in line.split("|")}
    packages = {p.stem for p in (ROOT / "api").iterdir() if p.suffix == ".py" and p.stem != "__init__"}
    packages |= {p.name for p in (ROOT / "api").iterdir() if (p / "__init__.py").is_file() and p.name != "migrations"}
    assert packages - placed == set()


def test_no_two_packages_of_the_gateway_import_each_other() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/import_pairs.py", "-v"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 pairs", result.stdout

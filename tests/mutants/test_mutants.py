"""Each hand-made mutant (tests/mutants/catalog.py) applied to a copy of the tree: its named test must FAIL there.

The copy holds the repository's files (tracked and new, as `git ls-files` lists them) with the environments and the
trained models linked in; the test runs in its own pytest process, so nothing of the mutant reaches this one. Marked
slow; the default set takes about 2.5 minutes on the shared 2-core machine (README, Development);
``XASO_MUTANTS=all`` adds the mutants that need the Rasa stack.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mutants.catalog import MUTANTS, Mutant
from tests.support.paths import ROOT

pytestmark = pytest.mark.slow
LINKED = (".venv", ".venv-rasa", "models")  # environments and trained models: used as they are, never mutated


def copy_tree(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for name in LINKED:
        if (ROOT / name).exists():
            (target / name).symlink_to((ROOT / name).resolve())


def apply(mutant: Mutant, tree: Path) -> None:
    for name, old, new in mutant.edits:
        path = tree / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{mutant.name}: the text to change is not in {name} exactly once"
        path.write_text(text.replace(old, new), encoding="utf-8")


def run_tests(tree: Path, tests: list[str], *, rasa_side: bool, keyword: str = "", env: dict[str, str] | None = None):
    python = tree / ".venv-rasa" / "bin" / "python" if rasa_side else Path(sys.executable)
    command = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfEs", *tests]
    if keyword:
        command += ["-k", keyword]
    # A mutant names one variant ("…[sqlite]"); an end-to-end test runs each variant on one backend unless the whole
    # matrix is asked for (tests/support/gateway_fixtures.py), and a deselected variant fails nothing.
    environment = {**os.environ, "PYTHONPATH": str(tree), "XASO_TEST_EVERY_BACKEND": "1", **(env or {})}
    return subprocess.run(command, cwd=tree, env=environment, capture_output=True, text=True, timeout=300)


def runnable(mutant: Mutant) -> str | None:
    """Why this mutant cannot run here, or None."""
    if mutant.slow and os.environ.get("XASO_MUTANTS") != "all":
        return "needs the Rasa stack: XASO_MUTANTS=all"
    missing = [name for name in mutant.needs if not os.environ.get(name)]
    if missing:
        return f"the test needs {', '.join(missing)} (make test sets it when the service answers)"
    return None


def test_the_named_tests_pass_on_the_unmutated_copy(tmp_path: Path) -> None:
    """The control: in the same kind of copy, without a mutant, every named test passes — so a failure below is the
    mutant's doing, not the copy's."""
    tree = tmp_path / "tree"
    copy_tree(tree)
    chosen = [m for m in MUTANTS if runnable(m) is None and not m.env]
    runs = {(m.rasa_side, m.keyword, m.test if m.keyword else "") for m in chosen}
    for rasa_side, keyword, test in sorted(runs):
        tests = [test] if keyword else sorted({m.test for m in chosen if m.rasa_side == rasa_side and not m.keyword})
        result = run_tests(tree, tests, rasa_side=rasa_side, keyword=keyword)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert " skipped" not in result.stdout.splitlines()[-1], result.stdout[-2000:]
        if not keyword:  # every named test ran (a keyword run deselects the rest of its file on purpose)
            assert " deselected" not in result.stdout.splitlines()[-1], result.stdout[-2000:]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.point}-{m.name}")
def test_the_named_test_fails_on_the_mutant(mutant: Mutant, tmp_path: Path) -> None:
    reason = runnable(mutant)
    if reason:
        pytest.skip(reason)
    tree = tmp_path / "tree"
    copy_tree(tree)
    apply(mutant, tree)
    result = run_tests(tree, ["-x", mutant.test], rasa_side=mutant.rasa_side, keyword=mutant.keyword, env=mutant.env)
    output = result.stdout[-3000:] + result.stderr[-2000:]
    assert result.returncode == 1, f"{mutant.name}: the test did not fail (exit {result.returncode})\n{output}"
    assert "FAILED" in result.stdout, f"{mutant.name}: an error, not a failing check\n{output}"

"""The gateway's import pairs (issue 23, docs/architecture.md): packages of api/ that import each other directly.

    PYTHONPATH=$PWD .venv/bin/python scripts/import_pairs.py [-v]

``-v`` names the module imports behind each pair. grimp is installed with import-linter (requirements/dev.in).
"""

from __future__ import annotations

import sys
from collections import defaultdict

import grimp


def package(module: str) -> str:
    return module.split(".")[1]


def edges() -> dict[tuple[str, str], list[str]]:
    graph = grimp.build_graph("api", cache_dir=None)
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module in graph.modules - {"api"}:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith("api.") and package(module) != package(imported):
                found[package(module), package(imported)].append(f"{module} -> {imported}")
    return found


def main() -> None:
    found = edges()
    pairs = sorted({(a, b) for a, b in found if a < b and (b, a) in found})
    for a, b in pairs:
        print(f"{a} <-> {b}")
        if "-v" in sys.argv:
            for line in sorted(found[a, b] + found[b, a]):
                print("    " + line)
    print(f"{len(pairs)} pairs")


if __name__ == "__main__":
    main()

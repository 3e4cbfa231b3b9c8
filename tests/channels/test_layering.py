"""The gateway core talks to channels only through their library surface: ``api/`` never imports a platform's
connector (``channels/zalo``, ``channels/telegram``, ``channels/web``); the registry hands it the connector and
``channels/base.py`` says what a connector can do."""

from __future__ import annotations

import ast
from pathlib import Path

from channels import registry
from channels.base import NoticeSender

ROOT = Path(__file__).resolve().parents[2]
# The platform-neutral modules of channels/ the core may use (checked against channels/ below: keep it honest).
ALLOWED = {"channels", "channels.base", "channels.registry", "channels.ids", "channels.text", "channels.paging"}
PLATFORMS = ("zalo", "telegram", "web")


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module a file imports (``from channels import registry`` counts as ``channels.registry``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names if node.module == "channels"]
        elif (  # importlib.import_module("channels.zalo…") / __import__("channels.zalo…")
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_the_allowed_modules_are_the_neutral_ones_that_exist() -> None:
    for name in ALLOWED - {"channels"}:
        assert (ROOT / (name.replace(".", "/") + ".py")).is_file(), name
        assert name.split(".")[1] not in PLATFORMS
    for platform in PLATFORMS:
        assert (ROOT / "channels" / platform).is_dir(), platform


def test_the_core_imports_no_concrete_channel() -> None:
    offenders = []
    used = set()
    for path in sorted((ROOT / "api").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported(tree):
            if module != "channels" and not module.startswith("channels."):
                continue
            used.add(module)
            if module not in ALLOWED:
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    assert offenders == []
    assert {"channels.base", "channels.registry"} <= used  # the walk does see the core's channel imports


def test_the_check_catches_a_concrete_import() -> None:
    source = (
        "from channels.zalo.client import ZaloClient\nimport channels.telegram.connector\nfrom channels import web\n"
    )
    modules = {module for _line, module in _imported(ast.parse(source))}
    assert {"channels.zalo.client", "channels.telegram.connector", "channels.web"} <= modules
    assert not modules & (ALLOWED - {"channels"})


def test_only_zalo_sends_notices_outside_the_window() -> None:
    """The outbox falls back to a plain send for a connector without ``NoticeSender``: Zalo must keep it."""
    registry.register_defaults()
    supports = {name: isinstance(registry.get(name), NoticeSender) for name in PLATFORMS}
    assert supports == {"zalo": True, "telegram": False, "web": False}

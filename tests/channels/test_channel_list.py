"""One list of channels (channels/ids.py); the Rasa side, which cannot import the gateway's packages, keeps a copy
that must say the same."""

from __future__ import annotations

import ast
from pathlib import Path

from api.bulletins import announcements
from api.channel_accounts import service as accounts
from api.citizens import service as citizens
from api.outbox import dispatch
from channels import ids

ROOT = Path(__file__).resolve().parents[2]


def test_every_gateway_module_reads_the_one_list() -> None:
    assert ids.NAMES == ("zalo", "telegram", "web")
    assert dispatch.CHANNELS is ids.NAMES and announcements.CHANNELS is ids.NAMES and citizens.CHANNELS is ids.NAMES
    assert accounts.CHANNELS == ids.WITH_ACCOUNTS and set(ids.WITH_ACCOUNTS) < set(ids.NAMES)


def test_the_actions_copy_matches() -> None:
    tree = ast.parse((ROOT / "actions" / "common.py").read_text(encoding="utf-8"))
    copies = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CHANNELS" for t in node.targets)
    ]
    assert copies == [ids.NAMES]

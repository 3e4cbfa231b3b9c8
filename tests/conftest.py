"""Two environments, one test tree.

``tests/bot`` and ``tests/actions`` run inside ``.venv-rasa`` (Python 3.10, Rasa SDK, underthesea); everything else
runs inside ``.venv`` (Python >= 3.11). Each interpreter collects only its own part.
"""

from __future__ import annotations

import sys
from pathlib import Path

RASA_SIDE = ("bot", "actions")
_here = Path(__file__).parent

if sys.version_info < (3, 11):
    collect_ignore = [p.name for p in _here.iterdir() if p.is_dir() and p.name not in (*RASA_SIDE, "fixtures")]
    pytest_plugins: list[str] = []
else:
    collect_ignore = list(RASA_SIDE)
    pytest_plugins = ["tests.support.gateway_fixtures"]

"""The ``xaso`` command knows every table: a model's foreign key may name another package's table (nlu_review ->
inbox_events), and a command that loaded only its own package's models failed with NoReferencedTableError
(``xaso nlu export``, found by the review-loop test). Checked in a fresh process, as a user's command starts."""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import ROOT

CHECK = """
import cli.main
from api.db import Base
missing = []
for table in Base.metadata.tables.values():
    for key in table.foreign_keys:
        try:
            key.column
        except Exception as error:
            missing.append(f"{table.name}: {error}")
print(len(Base.metadata.tables))
print("\\n".join(missing))
"""


def test_every_foreign_key_of_the_command_line_resolves() -> None:
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    count, *missing = result.stdout.splitlines()
    assert int(count) > 20 and not [line for line in missing if line], result.stdout

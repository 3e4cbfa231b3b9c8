from __future__ import annotations

from tests.api.cases.conftest import admin, make_staff  # noqa: F401  (staff with tokens, shared with cases)

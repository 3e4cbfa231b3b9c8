"""Staff fixtures shared with the cases tests."""

from __future__ import annotations

from tests.api.cases.conftest import admin, make_staff  # noqa: F401  (fixtures)

from __future__ import annotations

from tests.api.cases.conftest import admin, file_case, make_staff, officer  # noqa: F401

from __future__ import annotations

from tests.api.cases.conftest import make_staff, officer, other_commune  # noqa: F401

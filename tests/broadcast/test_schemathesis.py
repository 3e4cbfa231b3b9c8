"""Property-based testing of the broadcast API from /openapi.json: no input makes it answer 5xx, and documented
responses match their schemas. Bounded: a few examples per operation; feed refresh is left out (it would fetch
whatever URL was generated)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.support.api_fuzz import admin_token, fuzz_operations

MINE = r"^/api/v1/(bulletins|broadcast)"
SKIP = r"/refresh$"


@pytest.mark.slow
def test_no_server_errors(broadcast_app: FastAPI) -> None:
    token = admin_token(broadcast_app)
    operations, failures = fuzz_operations(
        broadcast_app,
        include=MINE,
        exclude=SKIP,
        headers_for=lambda _case: {"Authorization": f"Bearer {token}"},
        max_examples=12,
        report_name="broadcast",
    )
    assert operations >= 15
    assert not failures, "\n\n".join(failures)

"""Property-based API testing with schemathesis against /openapi.json: no input makes the gateway answer 5xx,
and documented responses match their schemas. Bounded: a few examples per operation."""

from __future__ import annotations

import os
from typing import Any

import pytest
from fastapi import FastAPI

from tests.support.api_fuzz import admin_token, fuzz_operations
from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN

# Case management's part of the API (other parts test their own routes the same way).
MINE = r"^/(api/v1/(auth|staff|departments|cases|routing-rules|citizens|internal)|open311)"
# Logging out would end the run's own session; every other operation is exercised.
SKIP = r"^/api/v1/auth/logout$"


@pytest.mark.slow
def test_no_server_errors(app: FastAPI) -> None:
    def headers_for(case: Any) -> dict[str, str]:
        # A fresh token per call: a generated request may legitimately revoke tokens or reset the admin's password.
        internal = case.path.startswith("/api/v1/internal")
        return {"Authorization": f"Bearer {TEST_SERVICE_TOKEN if internal else admin_token(app)}"}

    examples = int(os.environ.get("XASO_SCHEMATHESIS_EXAMPLES", "15"))
    operations, failures = fuzz_operations(
        app, include=MINE, exclude=SKIP, headers_for=headers_for, max_examples=examples, report_name="cases"
    )
    assert operations >= 25
    assert not failures, "\n\n".join(failures)

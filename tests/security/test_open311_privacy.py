"""Attack 2: Open311 published private reports — the citizen's words, name, phone and the officer's reply, under
sequential codes anyone could walk. Now a case is private until made public on purpose, and then only a summary."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.security.conftest import Account, file_report
from tests.support.processes import ServerProcess


@pytest.mark.slow
def test_a_private_report_is_not_published_even_by_its_code(
    gateway: ServerProcess, make_account: Callable[..., Account]
) -> None:
    officer = make_account("officer")
    code = file_report(gateway.url)["code"]
    reply = {"text": "Đã xử lý, liên hệ anh Bình 0911222333 để biết thêm."}
    assert httpx.post(f"{gateway.url}/api/v1/cases/{code}/replies", json=reply, headers=officer.headers).is_success

    one = httpx.get(f"{gateway.url}/open311/v2/requests/{code}.json")
    assert one.status_code == 404
    listing = httpx.get(f"{gateway.url}/open311/v2/requests.json")
    assert listing.status_code == 200 and listing.json() == []
    # Walking the sequential codes finds nothing either.
    prefix, number = code.rsplit("-", 1)
    for n in range(max(1, int(number) - 3), int(number) + 3):
        probe = httpx.get(f"{gateway.url}/open311/v2/requests/{prefix}-{n:0{len(number)}d}.json")
        assert probe.status_code == 404 and "0911222333" not in probe.text


@pytest.mark.slow
def test_a_published_report_shows_only_the_summary_redacted_at_hamlet_level(
    gateway: ServerProcess, make_account: Callable[..., Account]
) -> None:
    officer = make_account("officer")
    code = file_report(gateway.url)["code"]
    httpx.post(
        f"{gateway.url}/api/v1/cases/{code}/replies", json={"text": "Gọi anh Bình 0911222333"}, headers=officer.headers
    )
    body = {
        # A careless summary: the redaction pass is the second net.
        "public": True,
        "public_summary": "Ổ gà lớn trên đường ấp 2, chị Lan (0987654321, lan@example.vn) báo.",
        "public_location": "Ấp 2",
    }
    published = httpx.post(f"{gateway.url}/api/v1/cases/{code}/publication", json=body, headers=officer.headers)
    assert published.status_code == 200, published.text
    response = httpx.get(f"{gateway.url}/open311/v2/requests/{code}.json")
    assert response.status_code == 200
    item = response.json()[0]
    for secret in ("0911222333", "Nguyễn", "Bình", "079123456789", "Lê Lợi", "0987654321", "lan@example.vn", "Lan"):
        assert secret not in response.text, secret
    assert item["description"] == "Ổ gà lớn trên đường ấp 2, chị [đã ẩn] ([đã ẩn], [đã ẩn]) báo."
    assert item["address"] == "Ấp 2" and item["status_notes"] is None and item["media_url"] is None
    assert (item["lat"], item["long"]) == (10.05, 105.75)


@pytest.mark.slow
def test_a_viewer_cannot_publish(gateway: ServerProcess, make_account: Callable[..., Account]) -> None:
    viewer = make_account("viewer")
    code = file_report(gateway.url)["code"]
    body = {"public": True, "public_summary": "Ổ gà"}
    refused = httpx.post(f"{gateway.url}/api/v1/cases/{code}/publication", json=body, headers=viewer.headers)
    assert refused.status_code == 403
    # Nothing was published: the public API does not know the case, the staff view still says "not public".
    assert httpx.get(f"{gateway.url}/open311/v2/requests/{code}.json").status_code == 404
    listed = httpx.get(f"{gateway.url}/open311/v2/requests.json").json()
    assert code not in {item["service_request_id"] for item in listed}
    case = httpx.get(f"{gateway.url}/api/v1/cases/{code}", headers=viewer.headers).json()
    assert case["public"] is False and not case.get("public_summary"), case

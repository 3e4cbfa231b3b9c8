"""Attack 5: blind SSRF — an officer's feed URL ``http://127.0.0.1:5055/health`` was fetched, redirects followed,
no address check. Now every server-side fetch of a typed URL goes through api/infra/outbound.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from api.infra import outbound
from tests.security.conftest import Account
from tests.security.servers import RecordingServer, endless_body, redirect_to, trickle
from tests.support.processes import ServerProcess


@pytest.fixture
def internal() -> Iterator[RecordingServer]:
    with RecordingServer("127.0.0.1") as server:
        yield server


@pytest.mark.parametrize(
    ("target", "rule"),
    [
        ("{internal}/health", "Cổng"),  # loopback on a port outside 80/443/8080/8443: the port rule answers first
        ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "nội bộ"),
        ("http://10.0.0.1/admin", "nội bộ"),
    ],
)
@pytest.mark.slow
def test_a_feed_url_pointing_inside_is_never_fetched(
    gateway: ServerProcess, make_account: Callable[..., Account], internal: RecordingServer, target: str, rule: str
) -> None:
    """The feed refresh of the running gateway goes through the guard; each address class is checked below."""
    officer = make_account("officer")
    url = target.format(internal=internal.url("").rstrip("/"))
    added = httpx.post(f"{gateway.url}/api/v1/bulletins/feeds", json={"url": url}, headers=officer.headers)
    assert added.status_code == 201, added.text
    feed_id = added.json()["id"]
    refreshed = httpx.post(f"{gateway.url}/api/v1/bulletins/feeds/{feed_id}/refresh", headers=officer.headers)
    assert refreshed.status_code == 200 and refreshed.json() == []
    assert internal.requests == []
    feeds = httpx.get(f"{gateway.url}/api/v1/bulletins/feeds", headers=officer.headers).json()
    error = next(f for f in feeds if f["id"] == feed_id)["last_error"]
    assert error and rule in error, error


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("http://127.0.0.1:{port}/health", id="loopback"),
        pytest.param("http://[::ffff:127.0.0.1]:{port}/health", id="ipv4_mapped"),  # IPv6 form of loopback
        pytest.param("http://localhost:{port}/health", id="localhost"),  # a name: resolved, then its addresses checked
        pytest.param("http://0.0.0.0:{port}/health", id="unspecified"),  # Linux connects it to this host
        pytest.param("http://10.0.0.1:{port}/admin", id="private"),  # RFC 1918
        pytest.param("http://169.254.169.254:{port}/latest/meta-data/", id="link_local"),  # the metadata service
    ],
)
async def test_each_internal_address_class_is_refused_by_the_address_rule(
    internal: RecordingServer, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    """The port is an allowed one, so the refusal can only come from the address rule (its own message), and the
    internal server, reachable at that port, saw nothing."""
    monkeypatch.setattr(outbound, "ALLOWED_PORTS", outbound.ALLOWED_PORTS | {internal.port})
    async with outbound.guarded_client(timeout_seconds=2.0) as client:
        with pytest.raises(outbound.OutboundRefused, match="địa chỉ nội bộ"):
            await client.get(target.format(port=internal.port))
    assert internal.requests == []


@pytest.fixture
def public_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """127.0.0.2 plays a public web server (there is no internet in tests); every other address keeps its rule."""
    real = outbound.public_address
    monkeypatch.setattr(outbound, "public_address", lambda a: str(a) == "127.0.0.2" or real(a))
    monkeypatch.setattr(outbound, "ALLOWED_PORTS", frozenset(range(1, 65536)))


async def test_each_redirect_hop_is_checked_again(public_loopback: None, internal: RecordingServer) -> None:
    with RecordingServer("127.0.0.2", {"/feed.xml": redirect_to(internal.url("/health"))}) as public:
        async with outbound.guarded_client() as client:
            with pytest.raises(outbound.OutboundRefused, match="nội bộ"):
                await client.get(public.url("/feed.xml"), follow_redirects=True)
        assert public.requests == ["/feed.xml"]
    assert internal.requests == []


async def test_redirect_to_the_metadata_service_is_refused(public_loopback: None) -> None:
    metadata = "http://169.254.169.254/latest/meta-data/"
    with RecordingServer("127.0.0.2", {"/feed.xml": redirect_to(metadata)}) as public:
        async with outbound.guarded_client() as client:
            with pytest.raises(outbound.OutboundRefused, match=r"169\.254\.169\.254"):
                await client.get(public.url("/feed.xml"), follow_redirects=True)
        assert public.requests == ["/feed.xml"]  # the first hop was fetched: the refusal is the redirect's


async def test_size_and_time_are_capped(public_loopback: None) -> None:
    routes = {"/huge.xml": endless_body(), "/slow.xml": trickle(30)}
    with RecordingServer("127.0.0.2", routes) as public:
        async with outbound.guarded_client(max_bytes=1024 * 1024) as client:
            with pytest.raises(outbound.OutboundRefused, match="vượt quá"):
                await client.get(public.url("/huge.xml"))
        async with outbound.guarded_client(timeout_seconds=2.0) as client:
            with pytest.raises(outbound.OutboundRefused, match="chậm"):
                await client.get(public.url("/slow.xml"))


async def test_only_http_and_https(public_loopback: None) -> None:
    """httpx hands any scheme to its transport: the guard, not httpx, must refuse them, by name."""
    with RecordingServer("127.0.0.2") as public:
        async with outbound.guarded_client() as client:
            for url in (
                "file:///etc/passwd",
                f"ftp://127.0.0.2:{public.port}/x",
                f"gopher://127.0.0.2:{public.port}/x",
            ):
                with pytest.raises(outbound.OutboundRefused, match="Chỉ cho phép tải qua http"):
                    await client.get(url)
        assert public.requests == []


async def test_the_opt_out_for_local_test_servers_is_explicit(internal: RecordingServer) -> None:
    async with outbound.guarded_client(allow_private=True) as client:
        assert (await client.get(internal.url("/health"))).status_code == 200
    assert internal.requests == ["/health"]

"""The outbound-fetch guard: every server-side fetch of a URL someone typed (news feeds, media) goes through here.

An httpx transport that, for the first request and again for every redirect hop (httpx sends each hop through the
transport), resolves the host, refuses any address that is not globally routable — loopback, private (RFC 1918,
ULA), link-local (169.254.0.0/16 holds the cloud metadata service), CGNAT, multicast, reserved, IPv4-mapped forms of
those — then connects to the address it checked (no second DNS answer can swap in 127.0.0.1), keeping the host name
for the Host header and TLS. Bodies are capped in bytes and the whole exchange in time.

``allow_private`` (``XASO_OUTBOUND_ALLOW_PRIVATE``) exists for tests whose fake feed servers listen on loopback;
production mode refuses it (api/infra/perimeter.py).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import AsyncIterator

import httpx

from api.config import Settings
from api.infra.tls import client_context

ALLOWED_SCHEMES = ("http", "https")
ALLOWED_PORTS = frozenset({80, 443, 8080, 8443})
MAX_REDIRECTS = 5

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(httpx.TransportError):
    """The target is not a public address, uses another scheme or port, or the answer is too big or too slow.

    A subclass of ``httpx.TransportError`` so callers that already handle ``httpx.HTTPError`` report it as a failed
    fetch (the feed's ``last_error`` shows the Vietnamese reason).
    """


def public_address(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused(f"Không phân giải được tên miền '{host}'.") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, *, max_bytes: int, deadline: float) -> None:
        self._inner = inner
        self._max_bytes = max_bytes
        self._deadline = deadline

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        iterator = self._inner.__aiter__()
        while True:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise OutboundRefused("Máy chủ đích trả lời quá chậm.")
            try:
                chunk = await asyncio.wait_for(iterator.__anext__(), timeout=remaining)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise OutboundRefused("Máy chủ đích trả lời quá chậm.") from None
            seen += len(chunk)
            if seen > self._max_bytes:
                raise OutboundRefused(f"Nội dung tải về vượt quá {self._max_bytes // 1024} KB.")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class GuardedTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, allow_private: bool, max_bytes: int, timeout_seconds: float) -> None:
        self._inner = httpx.AsyncHTTPTransport(retries=0, verify=client_context())
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds

    async def _checked_address(self, url: httpx.URL) -> IPAddress:
        if url.scheme not in ALLOWED_SCHEMES:
            raise OutboundRefused(f"Chỉ cho phép tải qua http(s), không dùng '{url.scheme}'.")
        port = url.port or (443 if url.scheme == "https" else 80)
        if not self.allow_private and port not in ALLOWED_PORTS:
            raise OutboundRefused(f"Cổng {port} không được phép (chỉ 80, 443, 8080, 8443).")
        addresses = await resolve(url.host, port)
        if not addresses:
            raise OutboundRefused(f"Không phân giải được tên miền '{url.host}'.")
        if not self.allow_private:
            blocked = [a for a in addresses if not public_address(a)]
            if blocked:
                raise OutboundRefused(
                    f"Địa chỉ {blocked[0]} của '{url.host}' là địa chỉ nội bộ (loopback, mạng riêng, link-local "
                    "hoặc metadata): không được phép tải."
                )
        return addresses[0]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        deadline = time.monotonic() + self.timeout_seconds
        host = request.url.host
        address = await self._checked_address(request.url)
        pinned = request
        if str(address) != host:
            # Connect to the checked address; the Host header and TLS (SNI, certificate) keep the name. A new
            # request, so the caller's (which httpx joins redirects against) keeps its URL.
            extensions = dict(request.extensions)
            if request.url.scheme == "https":
                extensions["sni_hostname"] = host
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=str(address)),
                headers=request.headers,
                stream=request.stream,
                extensions=extensions,
            )
        try:
            response = await asyncio.wait_for(self._inner.handle_async_request(pinned), timeout=self.timeout_seconds)
        except TimeoutError:
            raise OutboundRefused("Máy chủ đích trả lời quá chậm.") from None
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await response.aclose()
            raise OutboundRefused(f"Nội dung tải về vượt quá {self.max_bytes // 1024} KB.")
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _CappedStream(response.stream, max_bytes=self.max_bytes, deadline=deadline)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def guarded_client(
    *, allow_private: bool = False, max_bytes: int = 5 * 1024 * 1024, timeout_seconds: float = 20.0
) -> httpx.AsyncClient:
    transport = GuardedTransport(allow_private=allow_private, max_bytes=max_bytes, timeout_seconds=timeout_seconds)
    return httpx.AsyncClient(
        transport=transport, timeout=timeout_seconds, max_redirects=MAX_REDIRECTS, follow_redirects=False
    )


def client_for(settings: Settings) -> httpx.AsyncClient:
    return guarded_client(
        allow_private=settings.outbound_allow_private,
        max_bytes=settings.outbound_max_bytes,
        timeout_seconds=settings.outbound_timeout_seconds,
    )

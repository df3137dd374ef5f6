"""The per-client concurrency limit: who the client is, and 429 + Retry-After beyond the limit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from revertrisk_devtools.flaky_api import FlakyApi, running, slow
from revertrisk_devtools.service_process import RunningService, run_service
from revertrisk_service.config import Settings, parse_networks
from revertrisk_service.http.client_address import ClientAddress, client_of

LA = "revertrisk-language-agnostic"
PROXIES = parse_networks("10.0.0.0/8, 2001:db8::1, 2001:db8:f::/48")


def resolve(peer: str, headers: list[tuple[str, str]], proxies=PROXIES) -> str:
    """The client that ClientAddress hands on to the next layer, for a request from `peer`."""
    seen: list[str] = []

    async def app(scope, receive, send) -> None:
        seen.append(client_of(scope))

    raw = [(k.lower().encode(), v.encode("latin-1")) for k, v in headers]
    scope = {"type": "http", "client": (peer, 50000), "headers": raw}
    asyncio.run(ClientAddress(app, proxies)(scope, None, None))
    (client,) = seen
    return client


XFF = "X-Forwarded-For"


@pytest.mark.parametrize(
    ("peer", "headers", "client"),
    [
        ("192.0.2.1", [], "192.0.2.1"),
        # Not a trusted proxy: whatever it claims, the peer is the client.
        ("192.0.2.1", [("X-Client-IP", "198.51.100.7")], "192.0.2.1"),
        ("192.0.2.1", [(XFF, "198.51.100.7")], "192.0.2.1"),
        # A trusted proxy: its X-Client-IP first...
        ("10.1.2.3", [("X-Client-IP", "198.51.100.7")], "198.51.100.7"),
        ("10.1.2.3", [("X-Client-IP", "198.51.100.7"), (XFF, "198.51.100.8")], "198.51.100.7"),
        ("2001:db8::1", [("X-Client-IP", "2001:DB8::beef")], "2001:db8::beef"),
        # ...else X-Forwarded-For from the right: the first address that is not a trusted proxy.
        ("10.1.2.3", [(XFF, "198.51.100.8")], "198.51.100.8"),
        ("10.1.2.3", [(XFF, "198.51.100.8, 10.9.9.9")], "198.51.100.8"),
        # The client wrote the left entries itself; the proxy appended the address it saw.
        ("10.1.2.3", [(XFF, "203.0.113.66, 198.51.100.8")], "198.51.100.8"),
        ("10.1.2.3", [(XFF, "203.0.113.66, 198.51.100.8, 10.4.4.4, 10.9.9.9")], "198.51.100.8"),
        # The header sent twice reads as one list, in order.
        ("10.1.2.3", [(XFF, "203.0.113.66"), (XFF, "198.51.100.8, 10.9.9.9")], "198.51.100.8"),
        # IPv6: bare, bracketed with a port, inside a trusted network.
        ("2001:db8::1", [(XFF, "2001:db8:1::5, 2001:db8:2::7")], "2001:db8:2::7"),
        ("2001:db8::1", [(XFF, "[2001:db8:2::7]:4711")], "2001:db8:2::7"),
        ("2001:db8::1", [(XFF, "2001:db8:2::7, 2001:db8:f:1::9")], "2001:db8:2::7"),
        ("10.1.2.3", [(XFF, "198.51.100.8:4711, 10.9.9.9")], "198.51.100.8"),
        # Every hop trusted: the client is itself one of the proxies; the leftmost one is taken.
        ("10.1.2.3", [(XFF, "10.7.7.7, 10.9.9.9")], "10.7.7.7"),
        # Garbage: the walk stops at the first entry that is not a trusted proxy, whatever it is,
        # so nothing left of it (which anyone could have written) is believed.
        ("10.1.2.3", [(XFF, "198.51.100.8, unknown, 10.9.9.9")], "unknown"),
        ("10.1.2.3", [(XFF, "198.51.100.8, , 10.9.9.9")], "10.1.2.3"),
        ("10.1.2.3", [("X-Client-IP", "not-an-ip"), (XFF, "198.51.100.9")], "198.51.100.9"),
        ("10.1.2.3", [("X-Client-IP", "not-an-ip")], "10.1.2.3"),
        ("10.1.2.3", [], "10.1.2.3"),
    ],
)
def test_client_address(peer: str, headers: list[tuple[str, str]], client: str) -> None:
    assert resolve(peer, headers) == client


def test_without_trusted_proxies_headers_are_ignored() -> None:
    headers = [("X-Client-IP", "198.51.100.7"), (XFF, "198.51.100.8")]
    assert resolve("10.1.2.3", headers, proxies=[]) == "10.1.2.3"


def test_a_bad_trusted_proxies_setting_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match="not an IP address or CIDR network: 'proxy.local'"):
        Settings(trusted_proxies="10.0.0.0/8, proxy.local")


@pytest.fixture(scope="module")
def slow_wiki() -> Iterator[FlakyApi]:
    with running() as api:
        # Every MediaWiki call takes 0.8 s, so requests overlap.
        api.fallback = slow(0.8)
        yield api


def limited_service(wiki: FlakyApi, log_dir: Path, **extra: str):
    env = {
        "WIKI_URL": wiki.url,
        "MODELS": LA,
        "CLIENT_CONCURRENCY_LIMIT": "2",
        "HTTP_TIMEOUT_S": "5",
        **extra,
    }
    return run_service(env, log_dir)


async def burst(
    service: RunningService, headers: list[dict[str, str]]
) -> list[httpx.Response]:
    """One predict request per entry of `headers`, all at once, each with those headers."""
    async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as client:

        async def one(i: int, extra: dict[str, str]) -> httpx.Response:
            return await client.post(
                f"/v1/models/{LA}:predict", json={"lang": "en", "rev_id": 990_000 + i},
                headers={**extra, "Cache-Control": "no-cache"},
            )

        return await asyncio.gather(*(one(i, h) for i, h in enumerate(headers)))


def statuses(responses: list[httpx.Response]) -> list[int]:
    return sorted(r.status_code for r in responses)


@pytest.mark.e2e
def test_limit_per_peer_address(slow_wiki: FlakyApi, tmp_path: Path) -> None:
    with limited_service(slow_wiki, tmp_path) as service:
        # Three at once from one peer, whatever X-Client-IP says: the third is refused.
        claims = [{"X-Client-IP": f"198.51.100.{i}"} for i in (1, 2, 3)]
        responses = asyncio.run(burst(service, claims))
        assert statuses(responses) == [200, 200, 429]
        (refused,) = [r for r in responses if r.status_code == 429]
        assert refused.headers["retry-after"] == "1"
        body = refused.json()
        assert body["code"] == "too_many_requests" and body["detail"] == body["error"]
        # Once they are done, the client is welcome again.
        assert statuses(asyncio.run(burst(service, [{}, {}]))) == [200, 200]
        metrics = httpx.get(f"{service.base_url}/metrics").text
        assert "revertrisk_client_limit_rejections_total 1.0" in metrics


@pytest.mark.e2e
def test_a_client_naming_itself_in_x_forwarded_for_keeps_its_own_bucket(
    slow_wiki: FlakyApi, tmp_path: Path
) -> None:
    # Without TRUSTED_PROXIES, no X-Forwarded-For is read, not even from loopback (which uvicorn
    # on its own would trust).
    with limited_service(slow_wiki, tmp_path) as service:
        forged = [{"X-Forwarded-For": f"203.0.113.{i}"} for i in (1, 2, 3)]
        assert statuses(asyncio.run(burst(service, forged))) == [200, 200, 429]


@pytest.mark.e2e
def test_limit_per_client_behind_a_trusted_proxy(slow_wiki: FlakyApi, tmp_path: Path) -> None:
    # This test is the proxy (loopback, trusted) in front of its clients.
    with limited_service(slow_wiki, tmp_path, TRUSTED_PROXIES="127.0.0.1") as service:
        three_clients = [{"X-Client-IP": f"198.51.100.{i}"} for i in (1, 2, 3)]
        assert statuses(asyncio.run(burst(service, three_clients))) == [200, 200, 200]
        one_client = [{"X-Client-IP": "198.51.100.9"}] * 3
        assert statuses(asyncio.run(burst(service, one_client))) == [200, 200, 429]
        # Without X-Client-IP the proxy appends what it saw; one client writing a different
        # address of its own in front each time stays one client.
        forging = [{"X-Forwarded-For": f"203.0.113.{i}, 198.51.100.9"} for i in (1, 2, 3)]
        assert statuses(asyncio.run(burst(service, forging))) == [200, 200, 429]
        three_behind = [{"X-Forwarded-For": f"203.0.113.7, 198.51.100.{i}"} for i in (1, 2, 3)]
        assert statuses(asyncio.run(burst(service, three_behind))) == [200, 200, 200]

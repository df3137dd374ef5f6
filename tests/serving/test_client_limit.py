"""The per-client concurrency limit: who the client is, and 429 + Retry-After beyond the limit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from revertrisk_devtools.flaky_api import FlakyApi, running, slow
from revertrisk_devtools.service_process import RunningService, run_service
from revertrisk_service.config import Settings
from revertrisk_service.serving.client_address import client_address, parse_networks

LA = "revertrisk-language-agnostic"
PROXIES = parse_networks("10.0.0.0/8, 2001:db8::1")


def scope(peer: str, **headers: str) -> dict:
    raw = [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]
    return {"type": "http", "client": (peer, 50000), "headers": raw}


@pytest.mark.parametrize(
    ("peer", "headers", "client"),
    [
        ("192.0.2.1", {}, "192.0.2.1"),
        # Not a trusted proxy: whatever it claims, the peer is the client.
        ("192.0.2.1", {"x_client_ip": "198.51.100.7"}, "192.0.2.1"),
        ("192.0.2.1", {"x_forwarded_for": "198.51.100.7"}, "192.0.2.1"),
        # A trusted proxy: X-Client-IP first, else the first X-Forwarded-For hop.
        ("10.1.2.3", {"x_client_ip": "198.51.100.7"}, "198.51.100.7"),
        ("10.1.2.3", {"x_forwarded_for": "198.51.100.8, 10.9.9.9"}, "198.51.100.8"),
        (
            "10.1.2.3",
            {"x_client_ip": "198.51.100.7", "x_forwarded_for": "198.51.100.8"},
            "198.51.100.7",
        ),
        ("2001:db8::1", {"x_client_ip": "2001:DB8::beef"}, "2001:db8::beef"),
        # Garbage from the proxy: fall back to the next source, then to the peer.
        ("10.1.2.3", {"x_client_ip": "not-an-ip", "x_forwarded_for": "198.51.100.9"}, "198.51.100.9"),
        ("10.1.2.3", {"x_forwarded_for": "unknown"}, "10.1.2.3"),
        ("10.1.2.3", {}, "10.1.2.3"),
    ],
)
def test_client_address(peer: str, headers: dict[str, str], client: str) -> None:
    assert client_address(scope(peer, **headers), PROXIES) == client


def test_without_trusted_proxies_headers_are_ignored() -> None:
    assert client_address(scope("10.1.2.3", x_client_ip="198.51.100.7"), []) == "10.1.2.3"


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


async def burst(service: RunningService, client_ips: list[str | None]) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as client:

        async def one(i: int, ip: str | None) -> httpx.Response:
            headers = {"X-Client-IP": ip} if ip else {}
            return await client.post(
                f"/v1/models/{LA}:predict", json={"lang": "en", "rev_id": 990_000 + i},
                headers={**headers, "Cache-Control": "no-cache"},
            )

        return await asyncio.gather(*(one(i, ip) for i, ip in enumerate(client_ips)))


def statuses(responses: list[httpx.Response]) -> list[int]:
    return sorted(r.status_code for r in responses)


@pytest.mark.e2e
def test_limit_per_peer_address(slow_wiki: FlakyApi, tmp_path: Path) -> None:
    with limited_service(slow_wiki, tmp_path) as service:
        # Three at once from one peer, whatever X-Client-IP says: the third is refused.
        responses = asyncio.run(burst(service, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]))
        assert statuses(responses) == [200, 200, 429]
        (refused,) = [r for r in responses if r.status_code == 429]
        assert refused.headers["retry-after"] == "1"
        body = refused.json()
        assert body["code"] == "too_many_requests" and body["detail"] == body["error"]
        # Once they are done, the client is welcome again.
        assert statuses(asyncio.run(burst(service, [None, None]))) == [200, 200]
        metrics = httpx.get(f"{service.base_url}/metrics").text
        assert "revertrisk_client_limit_rejections_total 1.0" in metrics


@pytest.mark.e2e
def test_limit_per_client_behind_a_trusted_proxy(slow_wiki: FlakyApi, tmp_path: Path) -> None:
    with limited_service(slow_wiki, tmp_path, TRUSTED_PROXIES="127.0.0.1") as service:
        three_clients = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
        assert statuses(asyncio.run(burst(service, three_clients))) == [200, 200, 200]
        one_client = ["198.51.100.9"] * 3
        assert statuses(asyncio.run(burst(service, one_client))) == [200, 200, 429]

"""Free loopback ports for the real servers the tests start.

A port is drawn from below the kernel's ephemeral range, never from it. A port the kernel
hands out for `bind(0)` lies in that range, and between the moment a test learns it and
the moment its server binds it, the same kernel may hand it out again as the source port
of any outgoing connection. Worse, a client that connects to such a port while nothing
listens there can be given that very port as its source and connect to itself (TCP
simultaneous open), holding it for as long as the connection lives. Both happened in CI:
`Address already in use` for a wiki started on a port the service had just been refused on.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
# Linux's default ephemeral range, for systems that do not say theirs.
DEFAULT_EPHEMERAL_LOW = 32768
# Below this lie the well-known and commonly configured ports (databases, brokers, ...).
LOWEST_TEST_PORT = 10000
ATTEMPTS = 200


def ephemeral_low() -> int:
    try:
        return int(EPHEMERAL_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return DEFAULT_EPHEMERAL_LOW


def is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A loopback port nothing is bound to now, which the kernel never picks as a source port."""
    high = ephemeral_low() - 1
    if high <= LOWEST_TEST_PORT:
        # An unusual ephemeral range leaves no room below it: fall back to the kernel's choice.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])
    chooser = random.SystemRandom()
    for _ in range(ATTEMPTS):
        port = chooser.randint(LOWEST_TEST_PORT, high)
        if is_free(port):
            return port
    raise RuntimeError(f"no free loopback port in {LOWEST_TEST_PORT}-{high} after {ATTEMPTS} tries")

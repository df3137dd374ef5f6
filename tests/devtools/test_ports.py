"""The tests' own servers get ports the kernel never hands out as a connection's source port."""

from __future__ import annotations

import socket

from revertrisk_devtools.ports import LOWEST_TEST_PORT, ephemeral_low, free_port, is_free


def test_free_ports_lie_below_the_ephemeral_range_and_can_be_bound() -> None:
    for _ in range(20):
        port = free_port()
        assert LOWEST_TEST_PORT <= port < ephemeral_low()
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", port))


def test_a_bound_port_is_not_free() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        port = free_port()
        held.bind(("127.0.0.1", port))
        held.listen()
        assert not is_free(port)
    assert is_free(port)

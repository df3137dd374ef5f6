"""Shared fixtures: the real servers of revertrisk_devtools, started by tests/support/fixtures.py."""

from support.fixtures import kafka_broker, local_wiki, redis_server, sse_server  # noqa: F401

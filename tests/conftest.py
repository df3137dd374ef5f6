"""Shared fixtures: the real servers of revertrisk_devtools, started by tests/support/fixtures.py,
and a headless browser (tests/support/browser.py)."""

from support.browser import browser  # noqa: F401
from support.fixtures import (  # noqa: F401
    kafka_broker,
    local_wiki,
    postgres_server,
    redis_server,
    sse_server,
)

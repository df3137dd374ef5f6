"""Shared fixtures: the real servers of revertrisk_devtools, started by tests/support/fixtures.py,
a headless browser (tests/support/browser.py) and a database on each backend (support/postgres.py)."""

from support.browser import browser  # noqa: F401
from support.fixtures import (  # noqa: F401
    kafka_broker,
    local_wiki,
    mediawiki_client,
    postgres_server,
    redis_server,
    sse_server,
    synthetic_wiki,
    wiki,
)
from support.postgres import database_url  # noqa: F401

"""Shared fixtures. Support modules under tests/support/ hold the real servers the tests start."""

from support.mediawiki import local_wiki  # noqa: F401  (session fixture: a real MediaWiki)

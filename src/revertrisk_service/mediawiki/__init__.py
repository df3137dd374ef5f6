"""Access to the MediaWiki Action API."""

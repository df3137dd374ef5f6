"""The MediaWiki outcomes every served model must map to the same error, keyed by fixture revision."""

MEDIAWIKI_OUTCOMES = [
    ("missing", 400, "revision_not_found"),
    ("page_creation", 400, "parent_revision_missing"),
    ("text_hidden", 400, "revision_info_deleted"),
    ("non_wikitext", 400, "unsupported_content_model"),
]

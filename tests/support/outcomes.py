"""The MediaWiki outcomes every served model must map to the same error, keyed by fixture revision."""

MEDIAWIKI_OUTCOMES = [
    ("missing", 404, "revision_not_found"),
    ("page_creation", 422, "parent_revision_missing"),
    ("text_hidden", 422, "revision_info_deleted"),
    ("non_wikitext", 422, "unsupported_content_model"),
]

"""Cache key layout. The model version is part of the key, so a new model never reads old scores."""

from __future__ import annotations

KEY_PREFIX = "revertrisk"


def score_cache_key(model_name: str, model_version: str, wiki_db: str, rev_id: int) -> str:
    """The key under which one model version's answer for one revision is cached."""
    return f"{KEY_PREFIX}:{model_name}:{model_version}:{wiki_db}:{int(rev_id)}"

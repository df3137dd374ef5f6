"""The project's own hold-out: a fixed fifth of the KI sample's pages that no feature choice,
ablation or hyperparameter ever looked at.

A page is held out when sha256("<wiki_db>:<page_title>") is 0 modulo 5 (208 rows, 15 reverted,
44 anonymous with 12 reverted). The rule depends only on the page, so every edit of a page is on
one side, and it was fixed before any ablation was run. Ablations and model selection use the
other rows only; the shipped artifacts are fitted on them and scored once on the hold-out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

HOLDOUT_MODULUS = 5
HOLDOUT_DESCRIPTION = (
    "KI rows whose page key sha256('<wiki_db>:<page_title>') is 0 modulo 5: about a fifth of the "
    "pages, fixed before any ablation, never used for feature selection or tuning."
)


def page_key(wiki_db: str, page_title: str) -> str:
    return f"{wiki_db}:{page_title}"


def is_held_out(wiki_db: str, page_title: str) -> bool:
    digest = hashlib.sha256(page_key(wiki_db, page_title).encode("utf-8")).hexdigest()
    return int(digest, 16) % HOLDOUT_MODULUS == 0


def holdout_mask(wiki_dbs: Sequence[str], page_titles: Sequence[str]) -> np.ndarray:
    return np.array([is_held_out(w, str(t)) for w, t in zip(wiki_dbs, page_titles, strict=True)])

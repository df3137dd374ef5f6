"""Adapters from the offline labelled CSVs in shared/data to edit facts and labels.

Neither file has an EditContext: each row gives the values of the facts it knows
(signals.given_facts), and every signal above them is solved from those exactly as in serving.
Neither has wikitext, so the facts parsed from it stay None (NaN features), except what the Data
Lake extract precomputed: its mwedittypes columns and its extracted texts. This is the one reader
of those files, for every model. See shared/data/README.md.
"""

from __future__ import annotations

import ast
import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from revertrisk_service.edits.edit_types import EDIT_TYPE_COLUMNS
from revertrisk_service.edits.texts import EditTexts
from revertrisk_service.edits.user import FLAGGED_GROUPS
from revertrisk_service.signals import CATALOGUE, given_facts
from revertrisk_service.signals.facts import INTERFACE_FLAG_FAMILY
from revertrisk_service.wikis import wiki_by_dbname

KI_FILE = "ki_multilingual_sample.csv"
PAN_FILE = "pan_wvc_11_en_edits.csv"
KI_LABEL = "revision_is_identity_reverted"


@dataclass(frozen=True)
class LabelledEdits:
    """Facts (signal values by name), labels and the identifiers used for splitting and for
    reporting predictions."""

    source: str
    facts: list[dict[str, Any]]
    labels: list[int]
    groups: list[str]  # one id per page: all edits of a page must land on the same split side

    def __len__(self) -> int:
        return len(self.facts)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _bool(value: Any) -> bool | None:
    if _is_missing(value):
        return None
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true"}
    return bool(value)


def _int(value: Any) -> int | None:
    return None if _is_missing(value) else int(value)


def _ki_timestamp(value: Any) -> datetime | None:
    if _is_missing(value):
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _as_list(cell: object) -> list:
    return list(ast.literal_eval(cell)) if isinstance(cell, str) and cell else []


def _ki_texts(row: dict[str, Any]) -> EditTexts | None:
    if _is_missing(row.get("texts_insert")) and _is_missing(row.get("texts_change")):
        return None
    return EditTexts(
        title=str(row["page_title"]).replace("_", " "),
        inserts=[str(t) for t in _as_list(row.get("texts_insert"))],
        removes=[str(t) for t in _as_list(row.get("texts_removed"))],
        changes=[(str(old), str(new)) for old, new in _as_list(row.get("texts_change"))],
    )


# The CSV has two anonymity columns that disagree on 3 of 1,000 rows: `is_anon` (what the
# language-agnostic model was trained on) and `is_anonymous` (the multilingual model's).
ANONYMOUS_COLUMNS = ("is_anon", "is_anonymous")


def facts_from_ki_row(row: dict[str, Any], anonymous_column: str = "is_anon") -> dict[str, Any]:
    """One row of ki_multilingual_sample.csv (a Data Lake mediawiki_history extract)."""
    wiki = wiki_by_dbname(str(row["wiki_db"]))
    anonymous = _bool(row[anonymous_column])
    # The Data Lake stores group membership as is_<group> flags; the user_groups fact holds names.
    groups = frozenset(g for g in FLAGGED_GROUPS if _bool(row.get(f"is_{g}")))
    edit_types = {
        column: int(row[column])
        for column in EDIT_TYPE_COLUMNS
        if not _is_missing(row.get(column)) and int(row[column])
    }
    comment = row.get("event_comment")
    return given_facts(
        wiki_db=str(row["wiki_db"]),
        lang=wiki.lang if wiki else None,
        rev_id=_int(row["revision_id"]),
        page_title=str(row["page_title"]),
        timestamp=_ki_timestamp(row.get("event_timestamp")),
        edit_types=edit_types,
        texts=_ki_texts(row),
        bytes_diff=_int(row.get("revision_text_bytes_diff")),
        # pandas reads an empty summary as NaN: in the Data Lake it is an empty string.
        comment="" if _is_missing(comment) else str(comment),
        **{flag: _bool(row.get(flag)) for flag in CATALOGUE.names(family=INTERFACE_FLAG_FAMILY)},
        user_is_anonymous=anonymous,
        user_groups=groups,
    )


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip())
    except ValueError:
        return False
    return True


def facts_from_pan_row(row: dict[str, Any]) -> dict[str, Any]:
    """One row of pan_wvc_11_en_edits.csv: only the editor, the summary and the time are known."""
    comment = row.get("editcomment")
    edited = row.get("edittime")
    return given_facts(
        wiki_db="enwiki",
        lang="en",
        rev_id=_int(row.get("newrevisionid")),
        page_title=str(row.get("articletitle")),
        timestamp=None if _is_missing(edited) else datetime.fromisoformat(str(edited)),
        comment="" if _is_missing(comment) else str(comment),
        user_is_anonymous=_is_ip(str(row.get("editor", ""))),
    )


def load_ki(data_dir: Path, anonymous_column: str = "is_anon") -> LabelledEdits:
    frame = pd.read_csv(data_dir / KI_FILE)
    rows = frame.to_dict("records")
    return LabelledEdits(
        source=KI_FILE,
        facts=[facts_from_ki_row(r, anonymous_column) for r in rows],
        labels=[int(r[KI_LABEL]) for r in rows],
        groups=[f"{r['wiki_db']}:{r['page_title']}" for r in rows],
    )


def load_pan(data_dir: Path) -> LabelledEdits:
    """PAN-WVC-11 edits labelled vandalism (1) or regular (0); 'dunno' rows are dropped."""
    frame = pd.read_csv(data_dir / PAN_FILE)
    frame = frame[frame["class"].isin(["vandalism", "regular"])]
    rows = frame.to_dict("records")
    return LabelledEdits(
        source=PAN_FILE,
        facts=[facts_from_pan_row(r) for r in rows],
        labels=[int(r["class"] == "vandalism") for r in rows],
        groups=[f"enwiki:{r['articleid']}" for r in rows],
    )

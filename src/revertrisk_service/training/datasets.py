"""Adapters from the offline labelled CSVs in shared/data to `EditFacts` and labels.

Neither file has wikitext, so text facts stay None (NaN features). See shared/data/README.md.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from revertrisk_service.edits.facts import EditFacts
from revertrisk_service.models.language_agnostic.features import (
    EDIT_ACTION_TYPES,
    EDIT_ACTIONS,
    KNOWN_GROUPS,
)
from revertrisk_service.wikis import wiki_by_dbname

KI_FILE = "ki_multilingual_sample.csv"
PAN_FILE = "pan_wvc_11_en_edits.csv"
KI_LABEL = "revision_is_identity_reverted"


@dataclass(frozen=True)
class LabelledEdits:
    """Facts, labels and the identifiers used for splitting and for reporting predictions."""

    source: str
    facts: list[EditFacts]
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


def facts_from_ki_row(row: dict[str, Any]) -> EditFacts:
    """One row of ki_multilingual_sample.csv (a Data Lake mediawiki_history extract)."""
    wiki = wiki_by_dbname(str(row["wiki_db"]))
    anonymous = _bool(row["is_anon"])
    # The Data Lake stores group membership as is_<group> flags; EditFacts holds group names.
    groups = frozenset(g for g in KNOWN_GROUPS if _bool(row.get(f"is_{g}")))
    actions = {
        f"{action}_{node_type}": int(row[f"{action}_{node_type}"])
        for node_type in EDIT_ACTION_TYPES
        for action in EDIT_ACTIONS
        if not _is_missing(row.get(f"{action}_{node_type}")) and int(row[f"{action}_{node_type}"])
    }
    comment = row.get("event_comment")
    return EditFacts(
        wiki_db=str(row["wiki_db"]),
        lang=wiki.lang if wiki else None,
        rev_id=_int(row["revision_id"]),
        page_title=str(row["page_title"]),
        timestamp=_ki_timestamp(row.get("event_timestamp")),
        edit_actions=actions,
        bytes_diff=_int(row.get("revision_text_bytes_diff")),
        # pandas reads an empty summary as NaN: in the Data Lake it is an empty string.
        comment="" if _is_missing(comment) else str(comment),
        is_mobile_edit=_bool(row.get("is_mobile_edit")),
        is_mobile_web_edit=_bool(row.get("is_mobile_web_edit")),
        is_mobile_app_edit=_bool(row.get("is_mobile_app_edit")),
        is_visualeditor=_bool(row.get("is_visualeditor")),
        is_wikieditor=_bool(row.get("is_wikieditor")),
        # event_user_seconds_since_previous_revision is the editor's previous edit, not the page's.
        user_seconds_since_previous_edit=(
            None
            if _is_missing(row.get("event_user_seconds_since_previous_revision"))
            else float(row["event_user_seconds_since_previous_revision"])
        ),
        page_revision_count=_int(row.get("page_revision_count")),
        user_is_anonymous=anonymous,
        user_groups=groups,
    )


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip())
    except ValueError:
        return False
    return True


def facts_from_pan_row(row: dict[str, Any]) -> EditFacts:
    """One row of pan_wvc_11_en_edits.csv: only the editor, the summary and the time are known."""
    comment = row.get("editcomment")
    edited = row.get("edittime")
    return EditFacts(
        wiki_db="enwiki",
        lang="en",
        rev_id=_int(row.get("newrevisionid")),
        page_title=str(row.get("articletitle")),
        timestamp=None if _is_missing(edited) else datetime.fromisoformat(str(edited)),
        comment="" if _is_missing(comment) else str(comment),
        user_is_anonymous=_is_ip(str(row.get("editor", ""))),
    )


def load_ki(data_dir: Path) -> LabelledEdits:
    frame = pd.read_csv(data_dir / KI_FILE)
    rows = frame.to_dict("records")
    return LabelledEdits(
        source=KI_FILE,
        facts=[facts_from_ki_row(r) for r in rows],
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

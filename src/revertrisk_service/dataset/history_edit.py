"""A revision from the history becomes the same root object serving builds from the API (an
`EditContext`), and its signal values, the training row's signals (training.contract), come from
`signal_values` through the signal declarations serving solves (`signals.edit_signals`).

What a history dump cannot know stays None, never guessed: the editor's groups and the change
tags (so every signal built on them), and whether a named account is temporary. The editor's
edit count and age are read from the history as of the edit (edits before it; time since their
first edit), where serving reads MediaWiki's current count and registration date.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from revertrisk_service.dataset.revision import HistoryRevision
from revertrisk_service.edits.texts import EditTexts
from revertrisk_service.mediawiki.types import EditContext, Page, Revision, User
from revertrisk_service.signals import CATALOGUE, SignalValues, edit_signals
from revertrisk_service.signals.facts import INTERFACE_FLAG_FAMILY
from revertrisk_service.training.contract import training_row_signals
from revertrisk_service.wikis import Wiki

# Facts (signals read off the EditContext) a dump does not carry.
DUMP_MISSING_FACTS: tuple[str, ...] = ("user_groups", "user_is_temporary", *CATALOGUE.names(family=INTERFACE_FLAG_FAMILY))

# The training row's signals (the contract's one list), every one solved here.
SIGNAL_NAMES: tuple[str, ...] = training_row_signals()

# Signals already written as an identity column of the same name and meaning (a bool there).
IDENTITY_SIGNALS: tuple[str, ...] = ("is_anonymous",)
# The signal columns of a dataset file.
SIGNAL_COLUMNS: tuple[str, ...] = tuple(n for n in SIGNAL_NAMES if n not in IDENTITY_SIGNALS)

# Signals whose value a dump cannot know (null in every history-built row): every signal built on
# a fact it does not carry, found through the declarations' dependencies.
DUMP_MISSING_SIGNALS: tuple[str, ...] = tuple(
    n for n in SIGNAL_NAMES if set(CATALOGUE.closure([n])) & set(DUMP_MISSING_FACTS)
)
# What the adapter solves: the signals and the edit's texts (written as columns.TEXT_COLUMNS).
_SOLVED: tuple[str, ...] = (*SIGNAL_NAMES, "texts")
# Signals a dump knows but defines as of the edit, where serving reads today's account.
AS_OF_EDIT_SIGNALS: tuple[str, ...] = ("user_age_days", "user_log_editcount")


@dataclass(frozen=True)
class UserAsOfEdit:
    """What the history says about the editor when the edit was saved."""

    edits_before: int | None
    first_edit: datetime | None


def _revision(rev: HistoryRevision) -> Revision:
    return Revision(
        rev_id=rev.rev_id,
        parent_id=rev.parent_id or 0,
        page_id=rev.page_id,
        page_title=rev.page_title,
        namespace=rev.namespace,
        timestamp=rev.timestamp,
        user_text=rev.user_text,
        user_id=rev.user_id or 0,
        comment=rev.comment,
        size=rev.size,
        minor=rev.minor,
        tags=(),  # unknown; nulled again in signal_values
        content=rev.text,
        content_model=rev.content_model,
    )


def edit_context(
    wiki: Wiki,
    rev: HistoryRevision,
    parent: HistoryRevision,
    user: UserAsOfEdit,
    page_created_at: datetime | None,
) -> EditContext:
    """The serving root object, from the history: revision, parent, editor as of the edit, page."""
    anonymous = rev.is_anonymous
    return EditContext(
        wiki=wiki,
        revision=_revision(rev),
        parent=_revision(parent),
        user=User(
            name=rev.user_text,
            user_id=rev.user_id or 0,
            is_anonymous=anonymous,
            is_temporary=False,  # unknown; nulled again in signal_values
            editcount=None if anonymous else user.edits_before,
            # The first edit in the history stands in for the registration date.
            registration=None if anonymous else user.first_edit,
        ),
        page=Page(
            page_id=rev.page_id, title=rev.page_title, namespace=rev.namespace,
            created_at=page_created_at,
        ),
    )


def _value(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def signal_values(contexts: Sequence[EditContext]
                  ) -> list[tuple[dict[str, float | None], SignalValues]]:
    """Every training-row signal of each history edit by its declared name (None = unknown),
    solved by the same declarations serving solves, with the solved values (for the edit's
    texts)."""
    out = []
    for ctx in contexts:
        values = edit_signals(ctx, _SOLVED)
        # The EditContext says "no groups, no tags, not temporary" where the dump says nothing;
        # serving always knows them, history rows must not guess them.
        values.update(dict.fromkeys(DUMP_MISSING_SIGNALS))
        out.append(({name: _value(values[name]) for name in SIGNAL_NAMES}, values))
    return out


def texts_of(values: SignalValues) -> Mapping[str, list | None]:
    """The edit's texts (the `texts` signal) in the KI sample's columns (None when the edit was
    too large to diff)."""
    texts: EditTexts | None = values["texts"]
    if texts is None:
        return {"texts_insert": None, "texts_removed": None, "texts_change": None}
    return {
        "texts_insert": list(texts.inserts),
        "texts_removed": list(texts.removes),
        "texts_change": [[old, new] for old, new in texts.changes],
    }

"""Identity-revert labels of one page's history, and the edit-war filter.

The rule itself (radius, window, which revisions a revert labels) is identity_reverts, which the
live outcome detector applies to the edit stream too; this module runs it over a page's whole
history and adds what only a finished history can tell (the edit war).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from revertrisk_service.dataset.defaults import DEFAULT_RADIUS, DEFAULT_WINDOW
from revertrisk_service.identity_reverts import NOT_REVERTED, PageReverts, RevertLabel

if TYPE_CHECKING:  # typing only: labels need no edit layer
    from revertrisk_service.dataset.history_edit import HistoryRevision


@dataclass(frozen=True)
class PageLabels:
    labels: dict[int, RevertLabel]
    # Reverting revisions that the very next revision reverts in turn (the paper's edit war).
    edit_war: frozenset[int]


__all__ = ["NOT_REVERTED", "PageLabels", "RevertLabel", "label_page"]


def label_page(
    history: Sequence[HistoryRevision], radius: int = DEFAULT_RADIUS,
    window: timedelta = DEFAULT_WINDOW,
) -> PageLabels:
    """Labels for every revision of one page, `history` in save order (timestamp, rev_id)."""
    page: PageReverts[HistoryRevision] = PageReverts(radius, window)
    labels: dict[int, RevertLabel] = {}
    reverted_by: dict[int, int] = {}  # rev_id -> rev_id of the first revision that reverted it
    reverting: set[int] = set()
    for rev in history:
        revert = page.process(rev)
        if revert is None:
            continue
        reverting.add(rev.rev_id)
        for undone in revert.reverteds:
            reverted_by.setdefault(undone.rev_id, rev.rev_id)
        for undone, label in revert.labels:
            # Reverted before: the first revert within the window counts.
            labels.setdefault(undone.rev_id, label)
    edit_war = frozenset(
        earlier.rev_id
        for earlier, later in itertools.pairwise(history)
        if earlier.rev_id in reverting and reverted_by.get(earlier.rev_id) == later.rev_id
    )
    return PageLabels(
        labels={rev.rev_id: labels.get(rev.rev_id, NOT_REVERTED) for rev in history},
        edit_war=edit_war,
    )

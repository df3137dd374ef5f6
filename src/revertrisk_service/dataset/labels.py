"""Identity-revert labels of one page's history, and the edit-war filter.

A revision is identity-reverted when a later revision of the same page restores exactly the
content (sha1) of a revision before it, undoing at most `radius` revisions at once
(mwreverts.Detector), at most `window` after it was saved. Every revision between the restored state and the
restoring one is reverted, so a revert of several consecutive edits labels each of them. A
partial undo restores no earlier state and labels nothing. A self-revert counts, as in the Data
Lake's revision_is_identity_reverted: the edit was undone either way.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import mwreverts

from revertrisk_service.dataset.defaults import DEFAULT_RADIUS, DEFAULT_WINDOW

if TYPE_CHECKING:  # typing only: labels need no edit layer
    from revertrisk_service.dataset.revision import HistoryRevision


@dataclass(frozen=True)
class RevertLabel:
    reverted: bool
    reverting_rev_id: int | None = None
    seconds_to_revert: float | None = None


@dataclass(frozen=True)
class PageLabels:
    labels: dict[int, RevertLabel]
    # Reverting revisions that the very next revision reverts in turn (the paper's edit war).
    edit_war: frozenset[int]


NOT_REVERTED = RevertLabel(False)


def label_page(
    history: Sequence[HistoryRevision], radius: int = DEFAULT_RADIUS,
    window: timedelta = DEFAULT_WINDOW,
) -> PageLabels:
    """Labels for every revision of one page, `history` in save order (timestamp, rev_id)."""
    detector = mwreverts.Detector(radius=radius)
    labels: dict[int, RevertLabel] = {}
    reverted_by: dict[int, int] = {}  # rev_id -> rev_id of the first revision that reverted it
    reverting: set[int] = set()
    for rev in history:
        revert = detector.process(rev.sha1, rev)
        if revert is None:
            continue
        reverting.add(rev.rev_id)
        for undone in revert.reverteds:
            reverted_by.setdefault(undone.rev_id, rev.rev_id)
            if undone.rev_id in labels:
                continue  # reverted before: the first revert within the window counts
            elapsed = rev.timestamp - undone.timestamp
            if elapsed <= window:
                labels[undone.rev_id] = RevertLabel(True, rev.rev_id, elapsed.total_seconds())
    edit_war = frozenset(
        earlier.rev_id
        for earlier, later in itertools.pairwise(history)
        if earlier.rev_id in reverting and reverted_by.get(earlier.rev_id) == later.rev_id
    )
    return PageLabels(
        labels={rev.rev_id: labels.get(rev.rev_id, NOT_REVERTED) for rev in history},
        edit_war=edit_war,
    )

"""The identity-revert rule, one revision at a time: the one definition of "reverted" that both
the dataset builder's labels (dataset.labels.label_page, over a page's full history) and the
live outcome detector (outcomes.detector, over the edit stream) apply.

A revision is identity-reverted when a later revision of the same page restores exactly the
content (sha1) of a revision before it, undoing at most `radius` revisions at once
(mwreverts.Detector), at most `window` after it was saved. Every revision between the restored
state and the restoring one is reverted, so a revert of several consecutive edits labels each of
them. A partial undo restores no earlier state and labels nothing. A self-revert counts, as in
the Data Lake's revision_is_identity_reverted: the edit was undone either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

import mwreverts

from revertrisk_service.dataset.defaults import DEFAULT_RADIUS, DEFAULT_WINDOW


class SavedRevision(Protocol):
    """What the rule needs of a revision: its id, its content hash and when it was saved."""

    @property
    def rev_id(self) -> int: ...
    @property
    def sha1(self) -> str: ...
    @property
    def timestamp(self) -> datetime: ...


R = TypeVar("R", bound=SavedRevision)


@dataclass(frozen=True)
class RevertLabel:
    reverted: bool
    reverting_rev_id: int | None = None
    seconds_to_revert: float | None = None


NOT_REVERTED = RevertLabel(False)


@dataclass(frozen=True)
class IdentityRevert(Generic[R]):
    """One revision restoring an earlier state: every revision it undid, and the labels of
    those it undid within the window (the others are undone too late to count)."""

    reverting: R
    reverteds: tuple[R, ...]
    labels: tuple[tuple[R, RevertLabel], ...]


class PageReverts(Generic[R]):
    """One page's detector: feed its revisions in save order (timestamp, rev_id).

    It remembers the content hashes of the last `radius` + 1 revisions only, whatever the page's
    length, which is what bounds the live detector's memory per page.
    """

    def __init__(self, radius: int = DEFAULT_RADIUS, window: timedelta = DEFAULT_WINDOW) -> None:
        self.radius = radius
        self.window = window
        self._detector = mwreverts.Detector(radius=radius)

    def process(self, revision: R) -> IdentityRevert[R] | None:
        revert = self._detector.process(revision.sha1, revision)
        if revert is None:
            return None
        labels = []
        for undone in revert.reverteds:
            elapsed = revision.timestamp - undone.timestamp
            if elapsed <= self.window:
                labels.append(
                    (undone, RevertLabel(True, revision.rev_id, elapsed.total_seconds()))
                )
        return IdentityRevert(revision, tuple(revert.reverteds), tuple(labels))

    def remembered(self) -> list[R]:
        """The revisions whose hashes are kept, oldest first."""
        return [revision for _sha1, revision in self._detector.history]

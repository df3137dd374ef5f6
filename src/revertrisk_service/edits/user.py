"""Editor facts: the user groups the Data Lake turns into flags."""

from __future__ import annotations

from collections.abc import Iterable

# The groups the Data Lake flags as is_<group> (the training CSV's columns, in its order).
FLAGGED_GROUPS: tuple[str, ...] = (
    "editor", "trusted", "ipblock-exempt", "interface-admin", "sysop", "autoreview",
    "bureaucrat", "autopatrolled", "patroller", "rollbacker", "reviewer", "extendedconfirmed",
    "templateeditor", "uploader", "autoreviewer", "suppressredirect",
)  # fmt: skip
ADMIN_GROUPS = frozenset({"sysop", "bureaucrat", "interface-admin"})
REVIEWER_GROUPS = frozenset({
    "editor", "trusted", "autoreview", "autoreviewer", "autopatrolled", "patroller",
    "rollbacker", "reviewer",
})  # fmt: skip

def flagged_groups(groups: Iterable[str]) -> frozenset[str]:
    """The editor's groups that the Data Lake flags; any other group is never looked at."""
    return frozenset(groups) & frozenset(FLAGGED_GROUPS)


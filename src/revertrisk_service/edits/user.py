"""Editor and interface facts: the user groups and change tags the Data Lake turns into flags."""

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

# MediaWiki change tags -> the Data Lake's editor-interface flags (the CSV's is_* columns).
INTERFACE_TAGS: dict[str, tuple[str, ...]] = {
    "is_mobile_edit": ("mobile edit",),
    "is_mobile_web_edit": ("mobile web edit",),
    "is_visualeditor": ("visualeditor", "visualeditor-wikitext", "visualeditor-switched"),
    "is_wikieditor": ("wikieditor",),
    "is_mobile_app_edit": ("mobile app edit",),
    "is_android_app_edit": ("android app edit",),
    "is_ios_app_edit": ("ios app edit",),
}


def flagged_groups(groups: Iterable[str]) -> frozenset[str]:
    """The editor's groups that the Data Lake flags; any other group is never looked at."""
    return frozenset(groups) & frozenset(FLAGGED_GROUPS)


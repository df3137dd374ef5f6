"""Signals of the editor: account, age, experience and the groups they hold."""

from __future__ import annotations

import math
from collections.abc import Callable

from revertrisk_service.edits.user import (
    ADMIN_GROUPS,
    FLAGGED_GROUPS,
    REVIEWER_GROUPS,
    flagged_groups,
)
from revertrisk_service.signals.core import Signal, alias, signal, unless_missing
from revertrisk_service.signals.facts import FACT_SIGNALS
from revertrisk_service.signals.groups import USER

# The Data Lake's is_<group> flags, as `Catalogue.names(family=...)` finds them.
GROUP_FLAG_FAMILY = "is_{group}"
_ANONYMOUS = next(s for s in FACT_SIGNALS if s.name == "user_is_anonymous")


def _holds_any(groups: frozenset[str]) -> Callable[[frozenset[str]], bool | None]:
    return unless_missing(lambda held: bool(flagged_groups(held) & groups))


EDITOR_SIGNALS: tuple[Signal, ...] = (
    signal("user_age_days", "Account age at edit time, days.", USER, ["user_age_seconds"],
           unless_missing(lambda s: s / 86_400.0)),
    signal("user_log_editcount", "How many edits the editor has made (on a log scale).", USER,
           ["user_editcount"], unless_missing(math.log1p)),
    signal("user_is_admin", "The editor is an administrator, bureaucrat or interface "
           "administrator.", USER, ["user_groups"], _holds_any(ADMIN_GROUPS), "flag"),
    signal("user_is_reviewer", "Editor holds a patrolling/reviewing/autopatrol group.", USER,
           ["user_groups"], _holds_any(REVIEWER_GROUPS), "flag"),
    signal("user_is_extendedconfirmed", "Editor is extended-confirmed.", USER, ["user_groups"],
           _holds_any(frozenset({"extendedconfirmed"})), "flag"),
    signal("user_known_group_count", "How many of the tracked user groups the editor belongs to.",
           USER, ["user_groups"], unless_missing(lambda held: len(flagged_groups(held))), "count"),
    # The multilingual artifact's names (the Data Lake's is_<group> columns).
    alias("is_anonymous", _ANONYMOUS),
    *(signal(f"is_{group}", f"Editor is in the '{group}' group.", USER, ["user_groups"],
             _holds_any(frozenset({group})), "flag", family=GROUP_FLAG_FAMILY)
      for group in FLAGGED_GROUPS),
)  # fmt: skip

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

_ANONYMOUS = next(s for s in FACT_SIGNALS if s.name == "user_is_anonymous")


def _holds_any(groups: frozenset[str]) -> Callable[[frozenset[str]], bool | None]:
    return unless_missing(lambda held: bool(flagged_groups(held) & groups))


EDITOR_SIGNALS: tuple[Signal, ...] = (
    signal("user_age_days", "Account age at edit time, days.", USER, ["user_age_seconds"],
           unless_missing(lambda s: s / 86_400.0)),
    signal("user_log_editcount", "log1p of the editor's edit count.", USER, ["user_editcount"],
           unless_missing(math.log1p)),
    signal("user_is_admin", "Editor is sysop/bureaucrat/interface-admin.", USER, ["user_groups"],
           _holds_any(ADMIN_GROUPS), "flag"),
    signal("user_is_reviewer", "Editor holds a patrolling/reviewing/autopatrol group.", USER,
           ["user_groups"], _holds_any(REVIEWER_GROUPS), "flag"),
    signal("user_is_extendedconfirmed", "Editor is extended-confirmed.", USER, ["user_groups"],
           _holds_any(frozenset({"extendedconfirmed"})), "flag"),
    signal("user_known_group_count", "How many of the Data Lake's 16 flagged groups the editor "
           "has.", USER, ["user_groups"], unless_missing(lambda held: len(flagged_groups(held))),
           "count"),
    # The multilingual artifact's names (the Data Lake's is_<group> columns).
    alias("is_anonymous", _ANONYMOUS),
    *(signal(f"is_{group}", f"Editor is in the '{group}' group.", USER, ["user_groups"],
             _holds_any(frozenset({group})), "flag", family="is_{group}")
      for group in FLAGGED_GROUPS),
)  # fmt: skip

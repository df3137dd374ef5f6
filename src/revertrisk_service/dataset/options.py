"""The builder's choices, each a `revertrisk dataset build` option (defaults documented there)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from revertrisk_service.identity_reverts import DEFAULT_RADIUS, DEFAULT_WINDOW

# The Data Lake's bot-by-name rule (analytics-refinery, mediawiki_history's `is_bot_by` "name",
# botUsernamePattern): a dump has no user groups, so the name is all there is.
BOT_NAME = re.compile(r"(?i)^.*bot([^a-z].*$|$)")


@dataclass(frozen=True)
class BuildOptions:
    radius: int = DEFAULT_RADIUS
    window: timedelta = DEFAULT_WINDOW
    namespaces: frozenset[int] = frozenset({0})  # content namespaces (dumps do not say which)
    wiki_db: str | None = None  # overrides the dump's siteinfo dbname / the table's column
    since: datetime | None = None  # keep edits saved at or after (labels still see all history)
    until: datetime | None = None  # keep edits saved before
    anonymous_only: bool = False  # the paper's `trainanon`
    keep_unreverted: float = 1.0  # share of non-reverted edits kept, per wiki; reverted: all
    seed: int = 0
    # An output partition: consecutive revisions of one input file (a long page spans many).
    revisions_per_chunk: int = 2_000
    extra_bots: frozenset[str] = field(default_factory=frozenset)

    def as_json(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["window_seconds"] = self.window.total_seconds()
        del raw["window"]
        raw["namespaces"] = sorted(self.namespaces)
        raw["extra_bots"] = sorted(self.extra_bots)
        raw["since"] = self.since.isoformat() if self.since else None
        raw["until"] = self.until.isoformat() if self.until else None
        return raw


def is_bot(user_text: str | None, options: BuildOptions) -> bool:
    return bool(user_text) and (BOT_NAME.match(user_text) is not None
                                or user_text in options.extra_bots)

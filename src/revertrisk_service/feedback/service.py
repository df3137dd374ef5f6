"""Feedback as the server runs it: the tokens, the rate limit, the store and the models whose
scores are judged, built once from the settings (None when FEEDBACK_TOKENS_FILE is unset)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from revertrisk_service.config import Settings
from revertrisk_service.errors import FeedbackUnavailable
from revertrisk_service.feedback.engine import DatabaseUrlError
from revertrisk_service.feedback.judgments import Judgment, parse_judgment
from revertrisk_service.feedback.observed import observed_in_use
from revertrisk_service.feedback.rate import ToolRateLimit
from revertrisk_service.feedback.store import FeedbackStore
from revertrisk_service.feedback.tokens import FeedbackTokens, TokensFileError
from revertrisk_service.transparency.presets import preset_thresholds
from revertrisk_service.transparency.routes import ModelFiles, ServedModelFiles

log = logging.getLogger(__name__)


@dataclass
class FeedbackService:
    tokens: FeedbackTokens
    rate: ToolRateLimit
    store: FeedbackStore
    model_files: Mapping[str, ModelFiles]
    versions: Mapping[str, str]

    def authorize(self, authorization: str | None) -> str:
        """The tool sending a judgment: 401 without a configured token, 429 when it is too fast."""
        tool = self.tokens.tool_for(authorization)
        self.rate.take(tool)
        return tool

    def judgment(self, tool: str, body: Any) -> Judgment:
        return parse_judgment(body, tool, datetime.now(UTC), frozenset(self.model_files))

    def _thresholds(self, name: str) -> dict[str, float | None]:
        return preset_thresholds(self.model_files[name])

    async def observed(self, name: str) -> dict[str, Any]:
        thresholds = self._thresholds(name)
        counts = await self.store.aobserved(name, thresholds)
        return observed_in_use(name, self.versions.get(name), counts, thresholds)

    def observed_for_card(self, name: str) -> dict[str, Any]:
        """The model card's "observed in use" section (run in a worker thread by /info); a
        database that is down makes it say so instead of failing the card."""
        try:
            thresholds = self._thresholds(name)
            counts = self.store.observed(name, thresholds)
        except FeedbackUnavailable as error:
            return {"available": False, "error": error.message}
        return {"available": True, **observed_in_use(name, self.versions.get(name), counts,
                                                     thresholds)}


def build_feedback(
    settings: Settings, model_dirs: Mapping[str, Path], versions: Mapping[str, str]
) -> FeedbackService | None:
    """The feedback service, or None when it is not configured. A configuration mistake stops
    the server with one line; a database that is down does not (it is reached on first use)."""
    if settings.feedback_tokens_file is None:
        return None
    tokens = FeedbackTokens(settings.feedback_tokens_file)
    try:
        tools = tokens.load()
        store = FeedbackStore.from_url(
            settings.feedback_database_url, settings.feedback_db_timeout_s
        )
    except (TokensFileError, DatabaseUrlError) as error:
        raise SystemExit(f"revertrisk: error: {error}") from None
    log.info("feedback on: %d tool token(s), database %s", len(tools),
             store.engine.url.render_as_string(hide_password=True))
    return FeedbackService(
        tokens=tokens,
        rate=ToolRateLimit(settings.feedback_rate_per_minute, settings.feedback_rate_burst),
        store=store,
        model_files=ServedModelFiles(model_dirs),
        versions=versions,
    )

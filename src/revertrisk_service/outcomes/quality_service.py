"""Observed quality as the server answers it: a query's filters checked (one-line 400s with a
stable code), each version's decided edits read from the outcome store, and its figures with
their basis (outcomes.quality), per version and broken down by wiki and kind of editor."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio

from revertrisk_service.errors import InvalidQualityQuery, ModelNotFound
from revertrisk_service.events import parse_time
from revertrisk_service.outcomes.quality import (
    AUC_INTERVAL,
    PROPORTION_INTERVAL,
    Histogram,
    auc_delong,
    version_quality,
)
from revertrisk_service.outcomes.records import ScoreFilter
from revertrisk_service.outcomes.sql_store import BinCount, SqlOutcomeStore
from revertrisk_service.transparency.caution_levels import level_thresholds
from revertrisk_service.transparency.routes import ModelFiles
from revertrisk_service.wikis import wiki_by_dbname

EDITORS = {"anonymous": True, "registered": False}
_VERSION = re.compile(r"^[\w.+:-]{1,128}$")
KNOWN_PARAMETERS = ("wiki", "editor", "since", "until", "version")


@dataclass(frozen=True)
class QualityQuery:
    wiki_db: str | None = None
    editor_anonymous: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        editor = None if self.editor_anonymous is None else (
            "anonymous" if self.editor_anonymous else "registered")
        return {
            "wiki": self.wiki_db,
            "editor": editor,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "version": self.version,
        }


def parse_quality_query(params: Mapping[str, str]) -> QualityQuery:
    """The filters of GET /v1/models/<name>/quality; InvalidQualityQuery names the bad one."""
    wiki = params.get("wiki")
    if wiki is not None and wiki_by_dbname(wiki) is None:
        raise InvalidQualityQuery(
            f"wiki {wiki[:60]!r} is not a known Wikipedia database name (e.g. enwiki).",
            field="wiki")
    editor = params.get("editor")
    if editor is not None and editor not in EDITORS:
        raise InvalidQualityQuery("editor must be 'anonymous' or 'registered'.", field="editor")
    since, until = _moment(params, "since"), _moment(params, "until")
    if since and until and since >= until:
        raise InvalidQualityQuery("since must be before until.", field="since")
    version = params.get("version")
    if version is not None and not _VERSION.match(version):
        raise InvalidQualityQuery(
            "version must be 1-128 letters, digits or . _ + : -", field="version")
    return QualityQuery(wiki, EDITORS.get(editor) if editor else None, since, until, version)


def _moment(params: Mapping[str, str], key: str) -> datetime | None:
    value = params.get(key)
    if value is None:
        return None
    moment = parse_time(value)
    if moment is None:
        raise InvalidQualityQuery(
            f"{key} must be an ISO 8601 time, e.g. 2026-03-01T00:00:00Z.", field=key)
    return moment


# Each caution level's threshold from one version's evaluation, or None when that version's
# evaluation is not at hand.
EvaluationThresholds = Callable[[str, str], Mapping[str, float | None] | None]


def served_evaluation_thresholds(
    model_dirs: Mapping[str, Path], versions: Mapping[str, str]
) -> EvaluationThresholds:
    """Thresholds from the served version's own thresholds.json (other versions: None). Both
    mappings are read at each lookup: with model versions they follow the champion."""
    files: dict[Path, ModelFiles] = {}

    def lookup(name: str, version: str) -> Mapping[str, float | None] | None:
        if versions.get(name) != version or name not in model_dirs:
            return None
        directory = Path(model_dirs[name])
        loaded = files.setdefault(directory, ModelFiles(directory)).thresholds()
        return {t.level: t.threshold for t in level_thresholds(loaded[0])} if loaded else None

    return lookup


def breakdown(counts: list[BinCount]) -> list[dict[str, Any]]:
    """Per wiki and kind of editor: decided and reverted counts and the AUC."""
    groups: dict[tuple[str, bool], list[BinCount]] = {}
    for c in counts:
        groups.setdefault((c.wiki_db, c.editor_anonymous), []).append(c)
    rows = []
    for (wiki, anonymous), members in sorted(groups.items()):
        histogram = Histogram.of_counts(members)
        rows.append({
            "wiki": wiki,
            "editor": "anonymous" if anonymous else "registered",
            "decided": histogram.n,
            "reverted": int(histogram.positives.sum()),
            "auc": auc_delong(histogram).to_dict(),
        })
    return rows


@dataclass
class QualityService:
    store: SqlOutcomeStore
    served_versions: Mapping[str, str]
    evaluation_thresholds: EvaluationThresholds
    window: timedelta
    radius: int

    def check_model(self, name: str) -> None:
        if name not in self.served_versions:
            raise ModelNotFound(
                f"Model {name!r} is not served here; served: {sorted(self.served_versions)}.",
                model_name=name,
            )

    def versions_of(self, name: str, query: QualityQuery) -> list[str]:
        if query.version is not None:
            return [query.version]
        recorded = self.store.versions(name)
        served = self.served_versions.get(name)
        return recorded if served in recorded or served is None else [*recorded, served]

    def counts(self, name: str, version: str, query: QualityQuery) -> list[BinCount]:
        return self.store.bin_counts(name, version, ScoreFilter(
            query.since, query.until, query.wiki_db, query.editor_anonymous))

    def quality(self, name: str, query: QualityQuery) -> dict[str, Any]:
        """The whole answer of GET /v1/models/<name>/quality (blocking: run in a thread)."""
        self.check_model(name)
        versions = []
        for version in self.versions_of(name, query):
            counts = self.counts(name, version, query)
            thresholds = self.evaluation_thresholds(name, version) or {}
            versions.append({
                "version": version,
                "serving": version == self.served_versions.get(name),
                **version_quality(counts, thresholds),
                "breakdown": breakdown(counts),
            })
        return {
            "model_name": name,
            "computed_at": datetime.now(UTC).isoformat(),
            "filters": query.to_dict(),
            "outcome_window_s": self.window.total_seconds(),
            "revert_radius": self.radius,
            "intervals": {"auc": f"{AUC_INTERVAL} 95%", "proportions": f"{PROPORTION_INTERVAL} 95%"},
            "versions": versions,
        }

    async def aquality(self, name: str, query: QualityQuery) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(self.quality, name, query)

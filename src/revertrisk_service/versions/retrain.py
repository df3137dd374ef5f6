"""`revertrisk retrain <name>`: a candidate built from everything the service has learnt, evaluated,
installed as a new version and named the challenger, so that it is shadow-scored from then on
and the gate can judge it on live edits.

Its training rows: history datasets (`revertrisk dataset build`), the patrollers' feedback export
(`revertrisk dataset feedback`) and the observed outcomes (versions.outcome_rows, each row with
its label source). The trainer and the evaluation are the ones `revertrisk train` and
`revertrisk evaluate` run, so a candidate is as complete an artifact as a shipped model.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from revertrisk_service.config import Settings
from revertrisk_service.errors import NothingToTrainOn
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.model_table import served_model
from revertrisk_service.models.registry import read_manifest
from revertrisk_service.versions.catalog import ModelVersions


@dataclass(frozen=True)
class Candidate:
    model: str
    version: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


def _trainer(name: str) -> Any:
    try:
        module = served_model(name).trainer
    except ValueError:
        raise NothingToTrainOn(f"Unknown model {name!r}.") from None
    # Imported only here: the trainer brings in the model's libraries.
    return import_module(module)


# Settings -> a MediaWiki client (server.assembly.build_mediawiki_client, given by the command).
ClientFactory = Callable[[Settings], MediaWikiClient]


async def outcome_rows(
    settings: Settings, name: str, out_dir: Path, client_factory: ClientFactory
) -> dict[str, Any] | None:
    """The decided edits as a training dataset under `out_dir`; None when none is decided."""
    from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
    from revertrisk_service.training.progress import progress_bar
    from revertrisk_service.versions.outcome_rows import decided_edits, export_outcome_rows

    store = SqlOutcomeStore.from_url(settings.feedback_database_url, settings.feedback_db_timeout_s)
    try:
        decided = decided_edits(store, name)
    finally:
        store.close()
    if not decided:
        return None
    signals = read_manifest(name, settings).features
    client = client_factory(settings)
    try:
        with progress_bar("fetching decided edits", len(decided)) as step:
            return await export_outcome_rows(
                decided, client, out_dir, signals, on_chunk=lambda n: step(advance=n)
            )
    finally:
        await client.aclose()


async def retrain(
    settings: Settings,
    name: str,
    data_dirs: Sequence[Path],
    feedback_export: Path | None,
    use_outcomes: bool,
    by: str,
    seed: int = 42,
    *,
    client: ClientFactory,
) -> Candidate:
    """Train, evaluate, install and name the challenger; the candidate's version."""
    from revertrisk_service.evaluation.evaluate import evaluate_model_dir
    from revertrisk_service.training.table import load_table

    versions = ModelVersions.from_settings(settings)
    trainer = _trainer(name)
    sources = [Path(d) for d in data_dirs]
    if feedback_export is not None:
        sources.append(Path(feedback_export))
    with tempfile.TemporaryDirectory(prefix="retrain-") as work:
        described: list[dict[str, Any]] = []
        if use_outcomes:
            summary = await outcome_rows(settings, name, Path(work) / "outcomes", client)
            if summary is not None and summary["rows"]:
                sources.append(Path(work) / "outcomes")
                described.append({"kind": "outcomes", "rows": summary["rows"],
                                  "label_sources": summary["label_sources"]})
        if not sources:
            raise NothingToTrainOn(
                f"Nothing to train {name} on: give --data (history datasets) or "
                "--feedback-export, or let outcomes be decided first."
            )
        candidate_dir = Path(work) / name
        result = trainer.main_from_table(output_dir=candidate_dir, table=load_table(sources),
                                         seed=seed)
        evaluate_model_dir(candidate_dir)
        version = versions.install(name, candidate_dir)
    versions.set_challenger(name, version, by)
    return Candidate(
        name, version,
        [*({"dir": str(d)} for d in sources if d.name != "outcomes"), *described],
        result.get("metrics", {}),
    )  # fmt: skip

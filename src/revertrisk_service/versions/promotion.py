"""Promotion behind the gate, shared by the CLI and the operator endpoint: the gate is run on
the decided live edits, a failing gate refuses unless forced with a reason, and the verdict is
recorded with the act."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from revertrisk_service.errors import GateRefused, NoChallenger, ReasonRequired
from revertrisk_service.outcomes.store import OutcomeStore
from revertrisk_service.versions.aliases import Aliases
from revertrisk_service.versions.catalog import ModelVersions

if TYPE_CHECKING:
    from revertrisk_service.versions.gate import Comparison


@dataclass(frozen=True)
class Promotion:
    aliases: Aliases
    comparison: Comparison
    forced: bool


def plain(value: Any) -> Any:
    """JSON-safe figures: NaN and infinities (an undefined ratio) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def compare_aliases(
    versions: ModelVersions, store: OutcomeStore, name: str, version: str | None = None
) -> Comparison:
    """The champion against `version` (the challenger when not named)."""
    # The statistics (scipy) load on the first comparison, never for serving alone.
    from revertrisk_service.versions.gate import compare

    aliases = versions.aliases(name)
    candidate = version or aliases.challenger
    if candidate is None:
        raise NoChallenger(
            f"{name} has no challenger to compare; name a version or set one "
            "(revertrisk models challenger).",
            model_name=name,
        )
    if aliases.champion is None:
        raise NoChallenger(f"{name} has no champion yet.", model_name=name)
    registry = versions.registry
    return compare(
        store,
        name,
        (aliases.champion, registry.artifact_dir(name, aliases.champion)),
        (candidate, registry.artifact_dir(name, candidate)),
    )


def promote(
    versions: ModelVersions,
    store: OutcomeStore,
    name: str,
    version: str,
    by: str,
    *,
    force: bool = False,
    reason: str | None = None,
) -> Promotion:
    if force and not (reason and reason.strip()):
        raise ReasonRequired("--force needs --reason: say why the gate is overridden.")
    comparison = compare_aliases(versions, store, name, version)
    if not comparison.passed and not force:
        failed = "; ".join(f"{c.name}: {c.detail}" for c in comparison.checks if not c.passed)
        raise GateRefused(
            f"The gate refuses {name} {version}: {failed}.", model_name=name, version=version
        )
    forced = not comparison.passed
    verdict = {
        "passed": comparison.passed,
        "paired": comparison.paired,
        "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail}
                   for c in comparison.checks],
    }
    aliases = versions.promote(
        name, version, by, forced=forced, reason=reason.strip() if reason else None, gate=verdict
    )
    return Promotion(aliases, comparison, forced)

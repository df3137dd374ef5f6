"""HTTP endpoints for model transparency: the model card and threshold statistics/queries.

    GET /v1/models/{name}/info
    GET /v1/models/{name}/thresholds                     -> the whole 1001-row table, columnar
    GET /v1/models/{name}/thresholds?query=maximum recall @ precision >= 0.9
    GET /v1/models/{name}/thresholds?level=cautious       -> that caution level's threshold

Files are read once and kept until their modification time changes, so requests cost a stat()
per file. Every failure answers JSON {"error", "code"} from the service's error catalogue: the
router renders errors itself instead of relying on app-level handlers, so it behaves the same in
any FastAPI app it is mounted into.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from revertrisk_service.errors import (
    EvaluationNotAvailable,
    InvalidCautionLevel,
    ModelArtifactError,
    ModelNotFound,
    ServiceError,
)
from revertrisk_service.locations import (
    EVALUATION_JSON,
    MANIFEST_FILE,
    THRESHOLDS_FILENAME,
)
from revertrisk_service.transparency.model_card import build_model_card
from revertrisk_service.transparency.threshold_query import (
    answer_threshold_query,
    parse_threshold_query,
)
from revertrisk_service.transparency.threshold_table import ThresholdTable
from revertrisk_service.transparency.version_levels import (
    ObservedLevel,
    checked_level,
    level_answer,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class _Cached:
    mtime_ns: int
    value: Any


@dataclass
class ModelFiles:
    """Parsed transparency files of one model directory, reloaded only when a file changes."""

    model_dir: Path
    _cache: dict[str, _Cached] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _load(self, filename: str, parse: Callable[[dict[str, Any]], T]) -> T | None:
        path = self.model_dir / filename
        try:
            mtime_ns = path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        with self._lock:
            cached = self._cache.get(filename)
            if cached is None or cached.mtime_ns != mtime_ns:
                try:
                    value = parse(json.loads(path.read_text(encoding="utf-8")))
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    raise ModelArtifactError(f"Cannot read {path}: {exc}", path=str(path)) from None
                cached = self._cache[filename] = _Cached(mtime_ns, value)
            return cached.value

    def manifest(self) -> dict[str, Any] | None:
        return self._load(MANIFEST_FILE, dict)

    def evaluation(self) -> dict[str, Any] | None:
        return self._load(EVALUATION_JSON, dict)

    def thresholds(self) -> tuple[ThresholdTable, dict[str, Any]] | None:
        """The table for queries plus its stored JSON form, served as-is for the whole-table answer."""
        return self._load(
            THRESHOLDS_FILENAME, lambda body: (ThresholdTable.from_json_dict(body), body)
        )


def _error(error: ServiceError) -> JSONResponse:
    return JSONResponse(status_code=error.status, content=error.to_dict())


class ServedModelFiles(Mapping[str, ModelFiles]):
    """Model name -> the transparency files of the version serving it when asked: with model
    versions `model_dirs` follows each promotion, so thresholds and cards never lag behind the
    version that scores. Each directory is parsed once and re-read only when a file changes."""

    def __init__(self, model_dirs: Mapping[str, Path]) -> None:
        self.model_dirs = model_dirs
        self._files: dict[Path, ModelFiles] = {}

    def __getitem__(self, name: str) -> ModelFiles:
        directory = Path(self.model_dirs[name])
        return self._files.get(directory) or self._files.setdefault(directory, ModelFiles(directory))

    def __iter__(self) -> Iterator[str]:
        return iter(self.model_dirs)

    def __len__(self) -> int:
        return len(self.model_dirs)


def build_transparency_router(
    model_dirs: Mapping[str, Path],
    observed_in_use: Callable[[str], dict[str, Any]] | None = None,
    observed_level: ObservedLevel | None = None,
) -> APIRouter:
    """Routes for the models in `model_dirs` (model name -> directory holding model.json etc.;
    with model versions, the serving version's directory at the time of each request).
    With patroller feedback on, `observed_in_use` gives each card its "observed in use" section
    (absent otherwise, so a deployment without feedback serves the card it always did); with
    outcomes, `observed_level` gives caution levels from them once enough edits are decided."""
    files = ServedModelFiles(model_dirs)
    router = APIRouter(tags=["transparency"])

    def lookup(name: str) -> tuple[ModelFiles, dict[str, Any]]:
        if name not in model_dirs:
            raise ModelNotFound(
                f"Model {name!r} is not served here; served: {sorted(model_dirs)}.",
                model_name=name,
            )
        model = files[name]
        manifest = model.manifest()
        if manifest is None:
            raise ModelArtifactError(f"Model {name!r} has no {MANIFEST_FILE}.", model_name=name)
        return model, manifest

    def guarded(handler: Callable[[], dict[str, Any]]) -> JSONResponse:
        try:
            return JSONResponse(handler())
        except ServiceError as error:
            return _error(error)
        except Exception:  # A bug must still answer JSON, not a traceback page.
            log.exception("transparency endpoint failed")
            return _error(ServiceError("Internal error while reading model transparency files."))

    @router.get("/v1/models/{name}/info")
    def model_info(name: str) -> JSONResponse:
        """The model card; manifest-only when the model has not been evaluated yet."""

        def handler() -> dict[str, Any]:
            model, manifest = lookup(name)
            card = build_model_card(manifest, model.evaluation())
            if observed_in_use is not None:
                card["observed_in_use"] = observed_in_use(name)
            return card

        return guarded(handler)

    @router.get("/v1/models/{name}/thresholds")
    def model_thresholds(
        name: str, query: str | None = None, level: str | None = None
    ) -> JSONResponse:
        """The threshold answering an ORES-style query or a caution level, or the whole table."""

        def handler() -> dict[str, Any]:
            model, manifest = lookup(name)
            if level is not None and query is not None:
                raise InvalidCautionLevel("Ask for a query or a level, not both.", field="level")
            if level is not None:
                checked_level(level)
            parsed = parse_threshold_query(query) if query is not None else None
            loaded = model.thresholds()
            if loaded is None:
                raise EvaluationNotAvailable(
                    f"Model {name!r} has no threshold statistics yet (run `revertrisk evaluate`).",
                    model_name=name,
                )
            table, stored = loaded
            head = {
                "model_name": manifest.get("name", name),
                "model_version": manifest.get("version"),
            }
            if level is not None:
                version = str(manifest.get("version"))
                return {**head, **level_answer(name, version, level, table, observed_level)}
            if parsed is None:
                return {**head, **stored}
            return {
                **head,
                "query": str(parsed),
                "threshold": answer_threshold_query(table, parsed),
            }

        return guarded(handler)

    return router

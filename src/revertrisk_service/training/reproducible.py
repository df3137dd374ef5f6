"""What makes a retrain byte-for-byte reproducible, and its version name its bytes: seeded,
single-threaded deterministic torch, artifacts stripped of what changes on every run (CatBoost's
finish time and random GUID), and a version that is a digest of the artifact's files, so a
retrained model gets new cache keys while a reproducible rebuild (same code, data and seed)
keeps its version."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from pathlib import Path

import numpy as np

# CatBoost metadata that differs between two identical trainings.
CATBOOST_VOLATILE_METADATA = ("train_finish_time", "model_guid")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch, and make torch deterministic on one thread."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    # One thread: reductions are bit-identical run to run, and the build machine is shared.
    torch.set_num_threads(1)


def strip_volatile_metadata(model) -> None:
    """Remove the CatBoost metadata that would make two identical fits differ in bytes."""
    metadata = model.get_metadata()
    for key in CATBOOST_VOLATILE_METADATA:
        if key in metadata:
            del metadata[key]


def content_version(prefix: str, artifact_dir: Path, files: Iterable[Path]) -> str:
    """`<prefix>-<10 hex digits>` over each file's path (relative to artifact_dir) and bytes."""
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(artifact_dir).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{prefix}-{digest.hexdigest()[:10]}"

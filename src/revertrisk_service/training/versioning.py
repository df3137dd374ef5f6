"""Model versions that name the artifact's bytes: a retrained model gets new cache keys, while a
reproducible rebuild (same code, data and seed) keeps its version."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def content_version(prefix: str, artifact_dir: Path, files: Iterable[Path]) -> str:
    """`<prefix>-<10 hex digits>` over each file's path (relative to artifact_dir) and bytes."""
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(artifact_dir).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{prefix}-{digest.hexdigest()[:10]}"

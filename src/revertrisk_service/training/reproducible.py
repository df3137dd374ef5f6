"""What makes a retrain byte-for-byte reproducible: seeded, single-threaded deterministic torch,
and artifacts stripped of what changes on every run (CatBoost's finish time and random GUID)."""

from __future__ import annotations

import random

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

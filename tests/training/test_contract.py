"""The dataset builder reads the training-data contract without loading the training stack: a
Spark job on a data node must not import torch, transformers or catboost for a list of names;
and every producer of training rows writes the one list of signals."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import revertrisk_service.dataset as dataset_package

TRAINING_STACK = ("torch", "transformers", "catboost", "xgboost", "sklearn")


def test_the_builder_imports_no_training_stack() -> None:
    modules = sorted(f"revertrisk_service.dataset.{m.name}"
                     for m in pkgutil.iter_modules(dataset_package.__path__))
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps([m for m in {TRAINING_STACK!r} if m in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    assert len(modules) > 5  # every builder module was imported, not an empty package
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_a_training_row_carries_every_model_input_that_is_an_edit_fact() -> None:
    from revertrisk_service.dataset.history_edit import SIGNAL_NAMES
    from revertrisk_service.models.language_agnostic.features import FEATURE_NAMES
    from revertrisk_service.models.multilingual import features as multilingual
    from revertrisk_service.training.contract import training_row_signals
    from revertrisk_service.training.fetched_rows import computable_signals

    row = training_row_signals()
    assert set(FEATURE_NAMES) <= set(row)
    shipped = multilingual.features_of(multilingual.SHIPPED_GROUPS)
    assert set(shipped) - set(row) == {multilingual.WIKI_FEATURE}
    assert not set(row) & set(multilingual.FEATURE_GROUPS[multilingual.TEXT_MODELS])
    # Both producers write exactly this list.
    assert SIGNAL_NAMES == row
    assert computable_signals() == frozenset(row)

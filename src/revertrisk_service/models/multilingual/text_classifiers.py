"""The four text classifiers (title, insert, remove, change) and the pooling of their outputs
into per-revision features (their names and descriptions: signals.text_models).

Any Hugging Face sequence-classification checkpoint with at least two labels works: the
project's small trained BERTs, or the production fine-tuned mBERT dropped into the same folder.

torch and transformers (the `text` extra) are imported only when a checkpoint is loaded: the
feature names and the pooling are numpy, and an image whose models read no text scores does
not carry them.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

from revertrisk_service.signals.text_models import pooled_feature_names

DEFAULT_MAX_LENGTH = 512
DEFAULT_BATCH_SIZE = 32

Text = str | tuple[str, str]  # a sentence, or an (old, new) pair for the change classifier
MISSING = -1.0
# The import names of the `text` extra (pyproject.toml), which loading a checkpoint needs.
TEXT_EXTRA_PACKAGES = ("torch", "transformers", "tokenizers")
TEXT_EXTRA_HINT = "pip install 'revertrisk-service[text]' (or use the -gpu image)"


def missing_text_packages() -> list[str]:
    """The `text` extra's packages this installation cannot import. Importing, not find_spec:
    they are imported right after anyway, and a package that is present but broken counts."""
    missing = []
    for name in TEXT_EXTRA_PACKAGES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


@dataclass
class TextClassifier:
    """One loaded checkpoint. `scores` returns logits of shape (n_texts, 2)."""

    tokenizer: object
    model: torch.nn.Module
    device: torch.device
    max_length: int = DEFAULT_MAX_LENGTH
    batch_size: int = DEFAULT_BATCH_SIZE

    @classmethod
    def load(
        cls,
        directory: Path,
        device: str = "auto",
        max_length: int = DEFAULT_MAX_LENGTH,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> TextClassifier:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        from revertrisk_service.models.multilingual.runtime import (
            configure_cpu_threads,
            resolve_device,
        )

        torch_device = resolve_device(device)
        if torch_device.type == "cpu":
            configure_cpu_threads()
        # Per-load progress bars would only clutter the server's structured logs.
        transformers_logging.disable_progress_bar()
        tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(directory, local_files_only=True)
        if model.config.num_labels < 2:
            raise ValueError(f"{directory}: a text classifier needs at least 2 labels")
        model.to(torch_device).eval()
        # Never ask for more positions than the checkpoint has embeddings for.
        limit = getattr(model.config, "max_position_embeddings", max_length)
        return cls(tokenizer, model, torch_device, min(max_length, limit), batch_size)

    def scores(self, texts: Sequence[Text]) -> np.ndarray:
        """Logits of classes 0 and 1 for each text, in input order.

        Texts are sorted by length so each padded batch wastes little compute on padding.
        """
        out = np.zeros((len(texts), 2), dtype=np.float32)
        if not texts:
            return out
        import torch

        order = sorted(range(len(texts)), key=lambda i: _text_length(texts[i]))
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                batch_idx = order[start : start + self.batch_size]
                batch = [texts[i] for i in batch_idx]
                if isinstance(batch[0], tuple):
                    encoded = self.tokenizer(
                        [t[0] for t in batch],
                        [t[1] for t in batch],
                        padding=True,
                        truncation=True,
                        max_length=self.max_length,
                        return_tensors="pt",
                    )
                else:
                    encoded = self.tokenizer(
                        list(batch),
                        padding=True,
                        truncation=True,
                        max_length=self.max_length,
                        return_tensors="pt",
                    )
                encoded = {k: v.to(self.device) for k, v in encoded.items()}
                logits = self.model(**encoded).logits[:, :2].float().cpu().numpy()
                out[batch_idx] = logits
        return out


def _text_length(text: Text) -> int:
    return len(text) if isinstance(text, str) else len(text[0]) + len(text[1])


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def pool_scores(
    kind: str, logits: np.ndarray, owners: Sequence[int], n_revisions: int
) -> dict[str, np.ndarray]:
    """Pool the logits of texts (each owned by revision index `owners[i]`) into per-revision
    features; a revision with no text of this kind gets -1 everywhere."""
    names = pooled_feature_names(kind)
    features = {name: np.full(n_revisions, MISSING, dtype=np.float64) for name in names}
    if len(owners) == 0:
        return features
    probs = _softmax(logits)
    owners_arr = np.asarray(owners)
    for revision in np.unique(owners_arr):
        rows = owners_arr == revision
        if kind == "title":
            # One title per revision: the first is the one.
            first = int(np.argmax(rows))
            features["title_s_0"][revision] = logits[first, 0]
            features["title_p_0"][revision] = probs[first, 0]
            continue
        for label in (0, 1):
            s, p = logits[rows, label], probs[rows, label]
            features[f"{kind}_s_{label}_max"][revision] = s.max()
            features[f"{kind}_p_{label}_max"][revision] = p.max()
            features[f"{kind}_s_{label}_mean"][revision] = s.mean()
            features[f"{kind}_p_{label}_mean"][revision] = p.mean()
    return features

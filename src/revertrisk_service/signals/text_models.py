"""The multilingual model's text-classifier scores, pooled per edit: computed by the model itself
(its classifiers run batched on its own device), from the edit's texts.

The names are the training CSV's: raw scores `s` and probabilities `p` of classes 0 (kept) and
1 (reverted), the maximum then the mean over the edit's texts of one kind. The title is one text
per edit, so it has no pooling and only class 0.
"""

from __future__ import annotations

from revertrisk_service.signals.core import Signal, model_output
from revertrisk_service.signals.groups import TEXT_MODELS

TEXT_KINDS = ("title", "insert", "remove", "change")
_CSV_KIND_ORDER = ("insert", "change", "title", "remove")
_TEXTS = {"title": "the page title", "insert": "the inserted sentences",
          "remove": "the removed sentences", "change": "the changed sentence pairs"}  # fmt: skip
_VALUES = {"s": "raw score", "p": "probability"}
_LABELS = {0: "kept", 1: "reverted"}
_STATS = {"max": "highest", "mean": "mean"}


def pooled_feature_names(kind: str) -> list[str]:
    if kind == "title":
        return ["title_s_0", "title_p_0"]
    return [
        f"{kind}_{value}_{label}_{stat}"
        for stat in ("max", "mean")
        for value in ("s", "p")
        for label in (0, 1)
    ]


def _description(name: str) -> str:
    kind, value, label, *stat = name.split("_")
    pooled = f"{_STATS[stat[0]]} " if stat else ""
    return (f"The {kind} text classifier's {pooled}{_VALUES[value]} of '{_LABELS[int(label)]}' "
            f"over {_TEXTS[kind]}.")  # fmt: skip


TEXT_SCORE_FEATURES: tuple[str, ...] = tuple(
    name for kind in _CSV_KIND_ORDER for name in pooled_feature_names(kind)
)

TEXT_MODEL_SIGNALS: tuple[Signal, ...] = tuple(
    model_output(name, _description(name), TEXT_MODELS, ["edit_texts"],
                 family="{kind}_{value}_{label}_{stat}")
    for name in TEXT_SCORE_FEATURES
)  # fmt: skip

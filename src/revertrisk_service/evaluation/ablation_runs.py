"""The feature-group ablations of both models, over every development row (the hold-out excluded).

`revertrisk ablate <model>` (and `make ablations`) writes `ablation.json` into the model
directory; `revertrisk evaluate` renders it into EVALUATION.md. The learners are the shipped
ones with the shipped hyperparameters; only the feature groups change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from revertrisk_service.evaluation.ablation import (
    CvPlan,
    PageBootstrap,
    ablation_rows,
    out_of_fold,
)
from revertrisk_service.signals import CATALOGUE, solve
from revertrisk_service.signals.groups import CHARACTERS, LANGUAGE_ID, TEXT_MODELS, WORD_PRIORS
from revertrisk_service.training.holdout import HOLDOUT_DESCRIPTION, holdout_mask
from revertrisk_service.training.progress import progress_bar

ABLATION_FILE = "ablation.json"
CV_FOLDS_FOR_TEXT_MODELS = 5
FitPredict = Callable[[pd.DataFrame, np.ndarray, pd.DataFrame, int], np.ndarray]


@dataclass(frozen=True)
class AblationSpec:
    """One model's candidate features on the development rows, grouped, and its learner."""

    model: str
    frame: pd.DataFrame
    groups: dict[str, tuple[str, ...]]
    shipped_groups: tuple[str, ...]
    labels: np.ndarray
    pages: np.ndarray
    anonymous: np.ndarray
    fit_predict: FitPredict
    notes: tuple[str, ...] = ()


def _columns(spec: AblationSpec, groups: Sequence[str]) -> list[str]:
    return [c for g in spec.groups if g in groups for c in spec.groups[g]]


def _config(spec: AblationSpec, columns: list[str]):
    frame = spec.frame[columns]

    def fit_predict(train: np.ndarray, test: np.ndarray, repeat: int, fold: int) -> np.ndarray:
        return spec.fit_predict(frame.iloc[train], spec.labels[train], frame.iloc[test], 42 + repeat)

    return fit_predict


DEFAULT_PLAN = CvPlan(repeats=5, folds=5, seed=42)


def run_ablation(
    spec: AblationSpec, plan: CvPlan = DEFAULT_PLAN, draws: int = 1000
) -> dict[str, Any]:
    """AUC with every group, without each group in turn, and of the shipped set, with
    page-bootstrap intervals and paired differences."""
    names = list(spec.groups)
    configs: dict[str, list[str]] = {"all": _columns(spec, names)}
    for group in names:
        configs[f"-{group}"] = _columns(spec, [g for g in names if g != group])
    shipped = [g for g in names if g in spec.shipped_groups]
    configs["shipped"] = _columns(spec, shipped)
    scores: dict[str, np.ndarray] = {}
    with progress_bar(f"ablation {spec.model}", len(configs) * plan.repeats * plan.folds) as step:
        for name, columns in configs.items():
            if name == "shipped" and columns == configs["all"]:
                scores[name] = scores["all"]
                for _ in range(plan.repeats * plan.folds):
                    step(name)
                continue
            scores[name] = out_of_fold(plan, spec.labels, spec.pages,
                                       _config(spec, columns), on_fold=lambda n=name: step(n))
    sizes = {g: len(c) for g, c in spec.groups.items()}
    rows = ablation_rows(spec.labels, spec.pages, spec.anonymous, scores["all"],
                         {g: scores[f"-{g}"] for g in names}, sizes, draws)
    everyone = PageBootstrap(spec.pages, np.ones(len(spec.labels), dtype=bool), draws)
    anonymous = PageBootstrap(spec.pages, spec.anonymous.astype(bool), draws, seed=1)
    return {
        "model": spec.model,
        "rows_used": len(spec.labels),
        "positives": int(spec.labels.sum()),
        "anonymous_rows": int(spec.anonymous.sum()),
        "anonymous_positives": int(spec.labels[spec.anonymous.astype(bool)].sum()),
        "holdout_excluded": HOLDOUT_DESCRIPTION,
        "method": (
            f"{plan.repeats}x{plan.folds} repeated StratifiedGroupKFold (groups: wiki and page; "
            f"seeds {plan.seed}..{plan.seed + plan.repeats - 1}); AUC = mean over repeats of the "
            f"out-of-fold AUC; 95% intervals from {draws} bootstrap resamples of pages; a gain is "
            "the paired difference (all groups minus all but that group) on the same resamples."
        ),
        "groups": {g: list(c) for g, c in spec.groups.items()},
        "shipped_groups": shipped,
        "table": [row.as_dict() for row in rows],
        "shipped": {
            "auc": everyone.estimate(spec.labels, scores["shipped"]).as_dict(),
            "auc_anonymous": anonymous.estimate(spec.labels, scores["shipped"]).as_dict(),
            "all_minus_shipped": everyone.difference(
                spec.labels, scores["all"], scores["shipped"]).as_dict(),
            "all_minus_shipped_anonymous": anonymous.difference(
                spec.labels, scores["all"], scores["shipped"]).as_dict(),
        },
        "notes": list(spec.notes),
    }


def write_ablation(result: Mapping[str, Any], model_dir: Path) -> Path:
    path = Path(model_dir) / ABLATION_FILE
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return path


def _development(df: pd.DataFrame) -> np.ndarray:
    return ~holdout_mask(df["wiki_db"], df["page_title"])


def _signals_frame(facts: Sequence[Mapping[str, Any]], names: Sequence[str]) -> pd.DataFrame:
    """The candidate signals of the given facts as the booster reads them (NaN: missing)."""
    solved = [solve(names, f) for f in facts]
    return pd.DataFrame({n: [np.nan if s[n] is None else float(s[n]) for s in solved]
                         for n in names})


SIGNAL_GROUPS = (CHARACTERS, WORD_PRIORS, LANGUAGE_ID)


def _kept_groups(groups: Mapping[str, tuple[str, ...]], shipped: Sequence[str],
                 shipped_only: bool) -> dict[str, tuple[str, ...]]:
    return {g: c for g, c in groups.items() if not shipped_only or g in shipped}


def multilingual_spec(data_dir: Path, seed: int = 42, shipped_only: bool = False) -> AblationSpec:
    """`shipped_only` keeps the shipped groups alone and skips computing the others (the text
    classifiers' cross-fitting above all) when they are not shipped."""
    from catboost import CatBoostClassifier

    from revertrisk_service.models.multilingual import features as ml
    from revertrisk_service.training import multilingual as ml_train

    df, given = ml_train.read_labelled(data_dir)
    keep = _development(df)
    df = df[keep].reset_index(drop=True)
    given = [f for f, k in zip(given, keep, strict=True) if k]
    labels = df[ml_train.LABEL].astype(int).to_numpy()
    pages = (df["wiki_db"] + ":" + df["page_title"].astype(str)).to_numpy()
    groups = _kept_groups(ml.FEATURE_GROUPS, ml.SHIPPED_GROUPS, shipped_only)
    columns = [c for g in groups.values() for c in g]
    facts = ml.solved_inputs(given, columns)
    ml_train.seed_everything(seed)
    text_scores = None
    if TEXT_MODELS in groups:
        with progress_bar("cross-fitting the small text classifiers",
                          CV_FOLDS_FOR_TEXT_MODELS) as step:
            text_scores = ml_train.cross_fitted_text_scores(
                facts, labels, pages, seed, CV_FOLDS_FOR_TEXT_MODELS, step
            )
    frame = ml.feature_frame(facts, text_scores, columns)

    def fit_predict(x_train, y_train, x_test, run_seed):
        categorical = [c for c in ml.CATEGORICAL_FEATURES if c in x_train.columns]
        model = CatBoostClassifier(**ml_train.CATBOOST_PARAMS, random_seed=run_seed)
        model.fit(x_train, y_train, cat_features=categorical)
        return model.predict_proba(x_test)[:, 1]

    return AblationSpec(
        model=ml_train.MODEL_NAME,
        frame=frame,
        groups=groups,
        shipped_groups=tuple(ml.SHIPPED_GROUPS),
        labels=labels,
        pages=pages,
        anonymous=df["is_anonymous"].astype(bool).to_numpy(),
        fit_predict=fit_predict,
        notes=(
            ("Text models: the project's four small BERT classifiers (title, inserts, removes, "
            f"changes), cross-fitted once over {CV_FOLDS_FOR_TEXT_MODELS} page-grouped folds (each "
            "row's scores come from classifiers that never saw its page) and shared by the "
            "repeats."),
        ),
    )


def language_agnostic_spec(data_dir: Path, seed: int = 42, shipped_only: bool = False) -> AblationSpec:
    """`shipped_only` keeps the shipped groups alone and skips computing the others."""
    from revertrisk_service.models.language_agnostic import features as la
    from revertrisk_service.training import language_agnostic as la_train
    from revertrisk_service.training.datasets import load_ki

    data = load_ki(Path(data_dir))
    keep = holdout_mask([f["wiki_db"] or "" for f in data.facts],
                        [f["page_title"] or "" for f in data.facts])
    rows = np.flatnonzero(~keep)
    facts = [data.facts[i] for i in rows]
    shipped = pd.DataFrame(la.feature_matrix(la.solved_features(facts)),
                           columns=list(la.FEATURE_NAMES))
    group_of = la.feature_group
    groups: dict[str, tuple[str, ...]] = {}
    for name in la.FEATURE_NAMES:
        groups.setdefault(group_of(name), ())
        groups[group_of(name)] += (name,)
    for group in SIGNAL_GROUPS:
        groups[group] = CATALOGUE.in_group(group)
    groups = _kept_groups(groups, la.SHIPPED_GROUPS, shipped_only)
    extra_names = [n for g in SIGNAL_GROUPS if g in groups for n in groups[g]]
    frame = pd.concat([shipped, _signals_frame(facts, extra_names)], axis=1)
    frame = frame[[c for g in groups.values() for c in g]]

    def fit_predict(x_train, y_train, x_test, run_seed):
        import xgboost as xgb

        booster = xgb.train({**la_train.BOOSTER_PARAMS, "seed": run_seed},
                            xgb.DMatrix(x_train.to_numpy(np.float32), label=y_train, missing=np.nan),
                            num_boost_round=la_train.BOOSTING_ROUNDS)
        return booster.inplace_predict(x_test.to_numpy(np.float32), missing=np.nan)

    return AblationSpec(
        model=la_train.MODEL_NAME,
        frame=frame,
        groups=groups,
        shipped_groups=tuple(la.SHIPPED_GROUPS),
        labels=np.asarray([data.labels[i] for i in rows]),
        pages=np.asarray([data.groups[i] for i in rows]),
        anonymous=np.array([bool(f["user_is_anonymous"]) for f in facts]),
        fit_predict=fit_predict,
        notes=(
            ("The language-agnostic model has no text models by design (it must serve every "
            "Wikipedia); its summary group is its own comment features."),
            ("The training rows have no wikitext, so the model's wikitext-structure features "
            "(in the edit-structure group) are missing in every row and cannot show a gain here; "
            "the character, word-prior and language-ID signals come from the rows' texts."),
        ),
    )


def _fmt(estimate: Mapping[str, float] | None, signed: bool = False) -> str:
    if estimate is None:
        return ""
    pattern = "{:+.3f}" if signed else "{:.3f}"
    value, low, high = (pattern.format(estimate[k]) for k in ("value", "ci_low", "ci_high"))
    return f"{value} [{low}, {high}]"


def render_ablation_markdown(result: Mapping[str, Any]) -> str:
    """The ablation section of EVALUATION.md."""
    shipped = result["shipped"]
    lines = [
        "## Feature-group ablation (repeated grouped cross-validation)",
        "",
        (f"{result['rows_used']} development rows ({result['positives']} reverted; "
         f"{result['anonymous_rows']} anonymous, {result['anonymous_positives']} of them "
         f"reverted). {result['method']} Excluded: {result['holdout_excluded']}"),
        "",
        ("Each row drops one group from the model with every group: its AUC without the group, "
         "and the gain of the group (all minus all-but-the-group, paired). A group beats the "
         "noise when its gain's interval lies above 0."),
        "",
        ("| group | features | AUC without it | AUC anonymous without it | gain of the group "
        "| gain on anonymous |"),
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in result["table"]:
        name = "**all groups**" if row["group"] == "all" else row["group"]
        lines.append(
            f"| {name} | {row['features']} | {_fmt(row['auc'])} | {_fmt(row['auc_anonymous'])} "
            f"| {_fmt(row['gain_over_model_without_group'], True)} "
            f"| {_fmt(row['gain_anonymous'], True)} |"
        )
    def beating(key: str) -> str:
        names = [r["group"] for r in result["table"]
                 if r.get(key) is not None and r[key]["ci_low"] > 0]
        return ", ".join(names) if names else "none"

    lines += [
        "",
        (f"Groups whose gain beats the noise (interval above 0): overall "
         f"{beating('gain_over_model_without_group')}; on anonymous edits "
         f"{beating('gain_anonymous')}."),
        "",
        (f"Shipped groups ({', '.join(result['shipped_groups'])}): AUC "
         f"{_fmt(shipped['auc'])}, anonymous {_fmt(shipped['auc_anonymous'])}; all groups minus "
         f"shipped: {_fmt(shipped['all_minus_shipped'], True)}, anonymous "
         f"{_fmt(shipped['all_minus_shipped_anonymous'], True)}."),
        "",
        *(f"- {note}" for note in result.get("notes", [])),
        "",
    ]
    return "\n".join(lines)

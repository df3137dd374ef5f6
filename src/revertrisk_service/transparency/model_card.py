"""Model cards: what a model is for, what it must not be used for, what it was trained and measured on.

The use and misuse statements follow the published Wikimedia revert-risk model cards (on Meta-Wiki
under Machine_learning_models/Production), restated in this project's own words. A card is built
from the manifest alone when no evaluation exists yet, so `/info` always has something to say.
"""

from __future__ import annotations

from typing import Any

from revertrisk_service.locations import PLOT_FILES

WIKIMEDIA_MODEL_CARDS = [
    "https://meta.wikimedia.org/wiki/Machine_learning_models/Production/Language-agnostic_revert_risk",
    "https://meta.wikimedia.org/wiki/Machine_learning_models/Production/Multilingual_revert_risk",
]

# What each model is, in a patroller's words: a manifest may carry its own description (a model
# trained elsewhere), else the card says this.
DESCRIPTIONS = {
    "revertrisk-language-agnostic": (
        "The probability that an edit to a Wikipedia article will be reverted, from facts that "
        "need no knowledge of the wiki's language: the editor (anonymous or registered, account "
        "age, edit count, groups), the revision and its comment, and how the edit changed the "
        "wikitext's structure (references, links, templates, media, headings, sizes). An "
        "XGBoost classifier; it serves every Wikipedia."
    ),
    "revertrisk-multilingual": (
        "The probability that an edit to a Wikipedia article will be reverted, from the edit's "
        "types (what it inserted, removed or changed: words, references, links, templates), the "
        "editor's groups and the edit's structure. A CatBoost classifier; it serves the 47 "
        "largest Wikipedias. It can also read four text classifiers' scores of the texts the "
        "edit added and removed; the shipped artifact does not."
    ),
}

INTENDED_USE = [
    (
        "Ranking or highlighting recent edits to Wikipedia articles so that human patrollers review the "
        "riskiest first (recent-changes filters, patrolling tools)."
    ),
    "Research on edit quality and patrolling workload, with the measured uncertainty in mind.",
    "A probability that an edit will be reverted, not a verdict that it is vandalism or in bad faith.",
]

DO_NOT_USE = [
    (
        "Reverting edits automatically (bots) without human review, above all at thresholds whose "
        "precision is low: every false positive removes a good-faith contribution and discourages an editor."
    ),
    "Page creations: the model scores a change against a parent revision, and a new page has none.",
    (
        "Pages outside the article namespace (namespace 0): talk, user, project and template pages "
        "behave differently and were not in the training data."
    ),
    "Other Wikimedia projects (Wikidata, Commons, Wiktionary, Wikisource, ...) or non-Wikimedia wikis.",
    "Judging editors rather than edits, or sanctioning anyone on the score alone.",
]

LIMITATIONS = [
    (
        "Trained and evaluated on offline data (the training data lists each source: real "
        "histories of a few pages and wikis, and a small labelled sample), not on the Data Lake "
        "exports behind the production models; per-wiki figures rest on few reverted edits, so "
        "the confidence intervals are wide and many wikis could not be evaluated at all."
    ),
    (
        "The label is 'reverted within the observation window', which includes reverts of good-faith "
        "edits and misses bad edits that nobody reverted."
    ),
    (
        "Rows built from history dumps know no user groups and no change tags (mobile, app, "
        "VisualEditor): the model learned what those signals mean from the labelled sample's "
        "rows alone."
    ),
    (
        "Anonymous edits are reverted more often than registered ones, and a model that uses "
        "anonymity as a feature inherits that gap; see the disparate impact figures."
    ),
]


def _cross_validated_disparate_impact(result: dict[str, Any] | None) -> dict[str, Any]:
    """The steadier figures: out-of-fold predictions of repeated grouped CV (development rows)."""
    if not result:
        return {}
    return {
        **{f"cross_validated_{name}": result[name]
           for name in ("flagged_share_ratio", "mean_prediction_ratio", "label_ratio")},
        "cross_validated_verdict": result["verdict"],
    }


def _headline(evaluation: dict[str, Any]) -> dict[str, Any]:
    """The figures a reader needs first, lifted from the full evaluation report."""
    group = evaluation.get("per_user_group", {})
    language = evaluation.get("per_language", {})
    return {
        "test_set": {k: evaluation.get(k) for k in ("n", "positives", "negatives", "wikis")},
        **evaluation.get("overall", {}),
        "balanced_at_0.5": evaluation.get("balanced_at_0.5"),
        "confusion_matrix_at_0.5": evaluation.get("confusion_matrix_at_0.5"),
        "expected_calibration_error": evaluation.get("calibration", {}).get(
            "expected_calibration_error"
        ),
        "per_language_roc_auc": {r["wiki_db"]: r["roc_auc"] for r in language.get("languages", [])},
        "languages_skipped": len(language.get("skipped", [])),
        "user_groups": {
            "roc_auc_anonymous": group.get("groups", {}).get("anonymous", {}).get("roc_auc"),
            "roc_auc_registered": group.get("groups", {}).get("registered", {}).get("roc_auc"),
            "roc_auc_difference_anonymous_minus_registered": group.get(
                "roc_auc_difference_anonymous_minus_registered"
            ),
            "disparate_impact_predictions": group.get("disparate_impact_predictions"),
            "disparate_impact_labels": group.get("disparate_impact_labels"),
            "mean_prediction_ratio": group.get("mean_prediction_ratio"),
            **_cross_validated_disparate_impact(evaluation.get("disparate_impact_cv")),
        },
        "operating_points": evaluation.get("operating_points", []),
    }


def build_model_card(manifest: dict[str, Any], evaluation: dict[str, Any] | None) -> dict[str, Any]:
    """A JSON-serialisable card; `evaluation` may be None or empty when the model is not evaluated yet."""
    features = list(manifest.get("features", []))
    card: dict[str, Any] = {
        "name": manifest.get("name"),
        "version": manifest.get("version"),
        "description": manifest.get("description") or DESCRIPTIONS.get(manifest.get("name", "")),
        "intended_use": INTENDED_USE,
        "do_not_use": DO_NOT_USE,
        "limitations": LIMITATIONS,
        "supported_wikis": manifest.get("supported_wikis")
        or "every Wikipedia (language-agnostic features)",
        "training_data": manifest.get("training_data", {}),
        "features": features,
        "feature_count": len(features),
        "training_metrics": manifest.get("metrics", {}),
        "library_versions": manifest.get("library_versions", {}),
        "references": WIKIMEDIA_MODEL_CARDS,
    }
    if manifest.get("verdict"):
        card["verdict"] = manifest["verdict"]
    if evaluation:
        card["evaluation"] = _headline(evaluation)
        card["plots"] = {name: f"plots/{file}" for name, file in PLOT_FILES.items()}
        card["evaluation_report"] = "EVALUATION.md"
    else:
        card["evaluation"] = None
        card["evaluation_status"] = "not evaluated yet: run `revertrisk evaluate` (make models)"
    return card

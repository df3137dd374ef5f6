"""Model cards: what a model is for, what it must not be used for, what it was trained and measured on.

The use and misuse statements follow the published Wikimedia revert-risk model cards (on Meta-Wiki
under Machine_learning_models/Production), restated in this project's own words. A card is built
from the manifest alone when no evaluation exists yet, so `/info` always has something to say.
"""

from __future__ import annotations

from typing import Any

from revertrisk_service.transparency.plots import PLOT_FILES

MODEL_CARD_MD = "MODEL_CARD.md"

WIKIMEDIA_MODEL_CARDS = [
    "https://meta.wikimedia.org/wiki/Machine_learning_models/Production/Language-agnostic_revert_risk",
    "https://meta.wikimedia.org/wiki/Machine_learning_models/Production/Multilingual_revert_risk",
]

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
        "Trained and evaluated on a small offline sample, not on the Data Lake exports behind the "
        "production models; per-wiki figures rest on a handful of reverted edits, so the confidence "
        "intervals are wide and many wikis could not be evaluated at all."
    ),
    (
        "The label is 'reverted within the observation window', which includes reverts of good-faith "
        "edits and misses bad edits that nobody reverted."
    ),
    (
        "Anonymous edits are reverted more often than registered ones, and a model that uses "
        "anonymity as a feature inherits that gap; see the disparate impact figures."
    ),
]


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
        },
        "operating_points": evaluation.get("operating_points", []),
    }


def build_model_card(manifest: dict[str, Any], evaluation: dict[str, Any] | None) -> dict[str, Any]:
    """A JSON-serialisable card; `evaluation` may be None or empty when the model is not evaluated yet."""
    features = list(manifest.get("features", []))
    card: dict[str, Any] = {
        "name": manifest.get("name"),
        "version": manifest.get("version"),
        "description": manifest.get("description"),
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


def _fmt(body: Any) -> str:
    if isinstance(body, dict):
        if body.get("value") is None:
            return f"n/a ({body.get('reason', 'undefined')})" if "value" in body else "n/a"
        if body.get("ci_low") is not None:
            return f"{body['value']:.3f} [{body['ci_low']:.3f}, {body['ci_high']:.3f}]"
        return f"{body['value']:.3f}"
    if isinstance(body, float):
        return f"{body:.3f}"
    return "n/a" if body is None else str(body)


def _plain(value: Any) -> str:
    """Manifest values as prose: lists joined with commas, not Python reprs."""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "none"
    return str(value)


def _bullets(items: list[str]) -> list[str]:
    return [f"- {item}" for item in items]


def render_model_card_markdown(card: dict[str, Any]) -> str:
    lines = [f"# Model card: {card['name']} {card['version']}", ""]
    if card.get("description"):
        lines += [card["description"], ""]
    lines += [
        "## Intended use",
        "",
        *_bullets(card["intended_use"]),
        "",
        "## Do not use it for",
        "",
        *_bullets(card["do_not_use"]),
        "",
    ]
    wikis = card["supported_wikis"]
    lines += [
        "## Supported wikis",
        "",
        ", ".join(_wiki_label(w) for w in wikis) if isinstance(wikis, list) else str(wikis),
        "",
    ]
    lines += ["## Training data", ""]
    training = card["training_data"]
    if isinstance(training, dict) and training:
        lines += [f"- **{key}**: {_plain(value)}" for key, value in training.items()]
    else:
        lines.append(str(training) if training else "Not recorded in the manifest.")
    lines += [
        "",
        (
            "This is a small sample of real edits. The figures below are indicative, not "
            "production-grade: see the limitations."
        ),
        "",
    ]
    lines += [
        f"## Features ({card['feature_count']})",
        "",
        ", ".join(f"`{f}`" for f in card["features"]) or "Not recorded.",
        "",
    ]
    evaluation = card.get("evaluation")
    lines += ["## Evaluation on held-out edits", ""]
    if evaluation is None:
        lines += [card.get("evaluation_status", "Not evaluated yet."), ""]
    else:
        test = evaluation["test_set"]
        lines += [
            (
                f"{test['n']} held-out edits from {test['wikis']} wikis ({test['positives']} reverted). "
                "Values with 95% bootstrap intervals."
            ),
            "",
            "| metric | value |",
            "|---|---|",
        ]
        for key in ("roc_auc", "pr_auc", "precision_at_recall_0.75", "brier_score"):
            if key in evaluation:
                lines.append(f"| {key} | {_fmt(evaluation[key])} |")
        balanced = evaluation.get("balanced_at_0.5") or {}
        lines += [
            f"| F1 at 0.5 (balanced subsample) | {_fmt(balanced.get('f1'))} |",
            f"| accuracy at 0.5 (balanced subsample) | {_fmt(balanced.get('accuracy'))} |",
            f"| expected calibration error | {_fmt(evaluation.get('expected_calibration_error'))} |",
            "",
        ]
        groups = evaluation["user_groups"]
        lines += [
            "### Anonymous and registered editors",
            "",
            *_bullets([f"{key}: {_fmt(value)}" for key, value in groups.items()]),
            "",
        ]
        per_language = evaluation["per_language_roc_auc"]
        lines += [
            "### Per wiki",
            "",
            *_bullets([f"{wiki}: ROC AUC {_fmt(value)}" for wiki, value in per_language.items()]),
            (
                f"- {evaluation['languages_skipped']} wikis had too few reverted or non-reverted "
                "edits to evaluate."
            ),
            "",
        ]
        if evaluation.get("operating_points"):
            lines += ["### Operating points", ""]
            for point in evaluation["operating_points"]:
                t = point["threshold"]
                lines.append(
                    f"- {point['query']}: "
                    + (
                        "none qualifies"
                        if t is None
                        else f"threshold {t['threshold']:.3f} (precision {_fmt(t['precision'])}, "
                        f"recall {_fmt(t['recall'])})"
                    )
                )
            lines.append("")
        lines += [
            "Full report: [EVALUATION.md](EVALUATION.md). Plots: "
            + ", ".join(f"[{name}]({path})" for name, path in card.get("plots", {}).items()),
            "",
        ]
    lines += ["## Limitations", "", *_bullets(card["limitations"]), ""]
    if card.get("verdict"):
        lines += ["## Training verdict", "", card["verdict"], ""]
    if card["library_versions"]:
        lines += [
            "## Library versions",
            "",
            *_bullets([f"{lib} {version}" for lib, version in card["library_versions"].items()]),
            "",
        ]
    lines += ["## References", "", *_bullets(card["references"]), ""]
    return "\n".join(lines)


def _wiki_label(wiki: object) -> str:
    """Manifests list wikis as codes or as {"lang", "dbname"} entries."""
    if isinstance(wiki, dict):
        return str(wiki.get("dbname") or wiki.get("lang"))
    return str(wiki)

"""The model card as Markdown (MODEL_CARD.md), rendered offline from the card `/info` serves."""

from __future__ import annotations

from typing import Any

from revertrisk_service.training.source_holdouts import render_source_report


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
        lines += [f"- **{key}**: {_plain(value)}" for key, value in training.items()
                  if key != "sources"]
        lines += _sources_table(training.get("sources"))
    else:
        lines.append(str(training) if training else "Not recorded in the manifest.")
    lines += ["", *render_source_report(card.get("training_metrics", {}).get("sources", {}))]
    lines += [
        "",
        (
            "These are thousands of real edits from a handful of wikis, not the millions of "
            "edits of every wiki a production model learns from. The figures below are "
            "indicative, not production-grade: see the limitations."
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
    lines += [
        "## Observed in use",
        "",
        (
            "With patroller feedback on, a running service reports at "
            f"`GET /v1/models/{card['name']}/feedback` (and in `/info` as `observed_in_use`) how many "
        "edits patrollers judged and, at each threshold preset and per wiki, the share of judged "
        "edits at or above the threshold that they judged damaging, with a 95% Wilson interval "
        "and the number of judgments behind it. Patrollers choose which edits they open, so this "
        "is not a random sample: it describes the judged edits, not the model's precision on "
            "every edit, and says nothing about recall."
        ),
        "",
    ]
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


def _sources_table(sources: Any) -> list[str]:
    """Each source the model learned from: what it is, its rows, its hold-out and its licence."""
    if not isinstance(sources, list) or not sources:
        return []
    lines = ["", ("| source | kind | wikis | rows (reverted, anonymous) | pages | dates | held out "
             "| licence |"), "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in sources:
        dates = " to ".join(s.get("date_range") or []) or "n/a"
        lines.append(
            f"| {s['source']} ({_plain(s.get('files', []))}) | {s.get('kind', '')} "
            f"| {_plain(s.get('wikis', []))} | {s['rows']} ({s['positives']}, "
            f"{s.get('anonymous_rows', 'n/a')}) | {s.get('pages', 'n/a')} | {dates} "
            f"| {s.get('holdout') or 'n/a'} | {s.get('licence', '')} |")
    return lines


def _wiki_label(wiki: object) -> str:
    """Manifests list wikis as codes or as {"lang", "dbname"} entries."""
    if isinstance(wiki, dict):
        return str(wiki.get("dbname") or wiki.get("lang"))
    return str(wiki)

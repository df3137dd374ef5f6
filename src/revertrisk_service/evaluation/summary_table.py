"""What `revertrisk train` prints when it is done: the held-out figures of the model card, in
one schema whichever model was trained (the trainers' own summaries differ in shape), as a table
on a terminal and as tab-separated lines when piped."""

from __future__ import annotations

from typing import Any

# (label, path in the card's `evaluation` headline): the same rows for every model.
ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ROC AUC", ("roc_auc",)),
    ("PR AUC", ("pr_auc",)),
    ("precision at recall 0.75", ("precision_at_recall_0.75",)),
    ("Brier score", ("brier_score",)),
    ("expected calibration error", ("expected_calibration_error",)),
    ("ROC AUC, anonymous edits", ("user_groups", "roc_auc_anonymous")),
    ("ROC AUC, registered edits", ("user_groups", "roc_auc_registered")),
)


def _at(headline: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = headline
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _number(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def held_out_rows(card: dict[str, Any]) -> list[list[str]]:
    """Header, then one row per figure: name, value, its 95% bootstrap interval."""
    headline = card.get("evaluation") or {}
    test_set = headline.get("test_set", {})
    rows = [["held-out figure", "value", "95% interval"],
            ["edits (reverted)", f"{test_set.get('n', '-')} ({test_set.get('positives', '-')})", ""]]
    for label, path in ROWS:
        figure = _at(headline, path)
        if isinstance(figure, dict):
            interval = (f"[{_number(figure.get('ci_low'))}, {_number(figure.get('ci_high'))}]"
                        if figure.get("ci_low") is not None else "")
            rows.append([label, _number(figure.get("value")), interval])
        else:
            rows.append([label, _number(figure), ""])
    return rows


def print_held_out(card: dict[str, Any], *, terminal: bool) -> None:
    rows = held_out_rows(card)
    if not terminal:
        print("\n".join("\t".join(row) for row in rows))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{card.get('name')} {card.get('version')}: held-out evaluation")
    for index, column in enumerate(rows[0]):
        table.add_column(column, justify="left" if index == 0 else "right")
    for row in rows[1:]:
        table.add_row(*row)
    Console().print(table)

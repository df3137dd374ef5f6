"""An explanation as the cache keeps it, and as a response shows it.

Stored (with the score, in the score cache): `{base_value, values, contributions}`, the two lists
in the model's feature order, every feature. Shown: `{base_value, contributions, others}`, the
`top` largest contributions by absolute size, each with its signal's value and description, and
the sum of the rest in `others`, so that base_value + contributions + others is the log-odds.
A feature with a contribution of exactly zero (no tree of the model used it for this edit) is no
reason and is never listed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from revertrisk_service.explanations.descriptions import describe_signal
from revertrisk_service.explanations.options import ExplainOptions

EXPLANATION = "explanation"


def is_complete(stored: object, feature_count: int) -> bool:
    """Whether a stored explanation fits a model with this many features (an entry written by
    other code, or corrupted, is computed again rather than shown wrong)."""
    return (
        isinstance(stored, dict)
        and isinstance(stored.get("base_value"), (int, float))
        and isinstance(stored.get("values"), list)
        and isinstance(stored.get("contributions"), list)
        and len(stored["values"]) == len(stored["contributions"]) == feature_count
    )


def ranked(stored: dict[str, Any], names: Sequence[str]) -> list[dict[str, Any]]:
    """Every non-zero contribution, largest absolute size first, with value and description."""
    rows = [
        {"signal": name, "value": value, "contribution": contribution}
        for name, value, contribution in zip(
            names, stored["values"], stored["contributions"], strict=True
        )
        if contribution != 0.0
    ]
    rows.sort(key=lambda row: -abs(row["contribution"]))
    for row in rows:
        row["description"] = describe_signal(row["signal"])
    return rows


def explanation_body(
    stored: dict[str, Any], names: Sequence[str], options: ExplainOptions
) -> dict[str, Any]:
    rows = ranked(stored, names)
    shown, rest = rows[: options.top], rows[options.top :]
    body: dict[str, Any] = {
        "base_value": stored["base_value"],
        "contributions": shown,
        # fsum: the rest of 118 contributions, added without losing the 1e-6 the total keeps.
        "others": math.fsum(row["contribution"] for row in rest),
    }
    if options.with_values:
        body["values"] = dict(zip(names, stored["values"], strict=True))
    return body


def lacks_explanation(value: dict[str, Any]) -> bool:
    """A cached score (not a cached error) written without an explanation."""
    output = value.get("output")
    return isinstance(output, dict) and EXPLANATION not in output


def shown_result(
    result: dict[str, Any], names: Sequence[str], options: ExplainOptions | None
) -> dict[str, Any]:
    """The response body of one scored revision: the stored explanation shaped when asked for,
    dropped otherwise, so that a request without `explain` gets exactly the bytes it always got.
    Never changes `result`, which the cache and other waiters share."""
    output = result.get("output")
    if not isinstance(output, dict) or (EXPLANATION not in output and options is None):
        return result
    stored = output.get(EXPLANATION)
    shown_output = {k: v for k, v in output.items() if k != EXPLANATION}
    if options is not None and is_complete(stored, len(names)):
        assert isinstance(stored, dict)
        shown_output[EXPLANATION] = explanation_body(stored, names, options)
    return {**result, "output": shown_output}

"""ORES-style threshold optimisation queries, e.g. "maximum recall @ precision >= 0.9".

Grammar (case-insensitive, any amount of whitespace between tokens):

    (maximum|minimum) <stat> @ <stat> (>=|<=) <number>

How an answer is chosen from the threshold table:
- A threshold qualifies when the constraint statistic is defined there and satisfies the bound
  (with a 1e-9 tolerance, so "precision >= 0.9" accepts 9/10 computed in floating point).
  Undefined statistics never qualify: precision is undefined when nothing is flagged, so
  "maximum recall @ precision >= 0.9" never answers a threshold that flags no edit.
- Among qualifying thresholds whose target statistic is defined, the one with the best target
  wins. Ties on the target are broken by the higher F1 (for equal recall, fewer false positives;
  for equal fpr, more true positives), then by the higher threshold (the fewest flags on new data).
- When no threshold qualifies, the answer is None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from revertrisk_service.errors import InvalidThresholdQuery
from revertrisk_service.transparency.threshold_table import STATS, ThresholdTable

TOLERANCE = 1e-9

_STAT = "|".join(STATS)
_QUERY = re.compile(
    rf"^\s*(?P<goal>maximum|minimum)\s+(?P<target>{_STAT})\s*@\s*(?P<constraint>{_STAT})\s*"
    r"(?P<op>>=|<=)\s*(?P<bound>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*$",
    re.IGNORECASE,
)
GRAMMAR = (
    "a threshold query reads '(maximum|minimum) <stat> @ <stat> (>=|<=) <number>', "
    "e.g. 'maximum recall @ precision >= 0.9', where <stat> is one of: " + ", ".join(STATS)
)


@dataclass(frozen=True)
class ThresholdQuery:
    goal: Literal["maximum", "minimum"]
    target: str
    constraint: str
    operator: Literal[">=", "<="]
    bound: float

    def __str__(self) -> str:
        return f"{self.goal} {self.target} @ {self.constraint} {self.operator} {self.bound:g}"


def parse_threshold_query(text: str) -> ThresholdQuery:
    """Parse a query; anything off-grammar raises InvalidThresholdQuery explaining the grammar."""
    match = _QUERY.match(text or "")
    if match is None:
        raise InvalidThresholdQuery(f"cannot parse threshold query {text!r}: {GRAMMAR}")
    return ThresholdQuery(
        goal=match["goal"].lower(),  # type: ignore[arg-type]
        target=match["target"].lower(),
        constraint=match["constraint"].lower(),
        operator=match["op"],  # type: ignore[arg-type]
        bound=float(match["bound"]),
    )


def answer_threshold_query(
    table: ThresholdTable, query: ThresholdQuery | str
) -> dict[str, Any] | None:
    """The threshold row (threshold, every statistic, counts) answering the query, or None."""
    if isinstance(query, str):
        query = parse_threshold_query(query)
    constraint = table.stat(query.constraint)
    target = table.stat(query.target)
    with np.errstate(invalid="ignore"):
        satisfied = (
            constraint >= query.bound - TOLERANCE
            if query.operator == ">="
            else constraint <= query.bound + TOLERANCE
        )
    qualifying = np.flatnonzero(satisfied & ~np.isnan(constraint) & ~np.isnan(target))
    if qualifying.size == 0:
        return None
    goal = target[qualifying] if query.goal == "maximum" else -target[qualifying]
    f1 = np.nan_to_num(table.stat("f1")[qualifying], nan=-1.0)
    # np.lexsort sorts by the last key first: goal, then F1, then threshold; the last row is best.
    best = qualifying[np.lexsort((table.thresholds[qualifying], f1, goal))[-1]]
    return table.row(int(best))

"""From the stored explanation to the response: options, top contributions, `others`, and a
response without `explain` that is exactly what it always was."""

from __future__ import annotations

import copy
import math

import pytest

from revertrisk_service.errors import InvalidExplainOption
from revertrisk_service.explanations.options import (
    DEFAULT_TOP,
    MAX_TOP,
    ExplainOptions,
    explain_options,
)
from revertrisk_service.explanations.shaping import explanation_body, shown_result

NAMES = ("user_is_anonymous", "bytes_diff", "is_minor", "comment_length", "page_age_days")
STORED = {
    "base_value": -2.5,
    "values": [1.0, -350.0, 0.0, None, 4000.5],
    "contributions": [0.75, -1.25, 0.0, 0.125, 0.5],
}


def _result(explanation: dict | None = None) -> dict:
    output = {"prediction": False, "probabilities": {"true": 0.1, "false": 0.9}}
    if explanation is not None:
        output["explanation"] = explanation
    return {"model_name": "m", "model_version": "1", "wiki_db": "enwiki", "revision_id": 5,
            "output": output}  # fmt: skip


def test_top_contributions_by_size_and_the_rest_in_others() -> None:
    body = explanation_body(STORED, NAMES, ExplainOptions(top=2))
    assert [c["signal"] for c in body["contributions"]] == ["bytes_diff", "user_is_anonymous"]
    assert body["contributions"][0] == {
        "signal": "bytes_diff", "value": -350.0, "contribution": -1.25,
        "description": "Size of the page after the edit minus before, bytes.",
    }  # fmt: skip
    assert body["others"] == 0.5 + 0.125
    total = body["base_value"] + sum(c["contribution"] for c in body["contributions"])
    assert math.isclose(total + body["others"], -2.5 + sum(STORED["contributions"]))


def test_a_zero_contribution_is_never_a_reason() -> None:
    body = explanation_body(STORED, NAMES, ExplainOptions(top=DEFAULT_TOP))
    assert "is_minor" not in {c["signal"] for c in body["contributions"]}
    assert len(body["contributions"]) == 4 and body["others"] == 0.0
    assert "values" not in body


def test_values_for_the_ores_layer() -> None:
    body = explanation_body(STORED, NAMES, ExplainOptions(with_values=True))
    assert body["values"] == dict(zip(NAMES, STORED["values"], strict=True))


def test_without_explain_the_stored_explanation_is_dropped_and_nothing_is_mutated() -> None:
    cached = _result(copy.deepcopy(STORED))
    before = copy.deepcopy(cached)
    assert shown_result(cached, NAMES, None) == _result()
    assert list(shown_result(cached, NAMES, None)["output"]) == ["prediction", "probabilities"]
    shown = shown_result(cached, NAMES, ExplainOptions(top=1))
    assert shown["output"]["explanation"]["contributions"][0]["signal"] == "bytes_diff"
    assert cached == before
    plain = _result()
    assert shown_result(plain, NAMES, None) is plain


def test_a_stored_explanation_for_other_features_is_not_shown() -> None:
    stale = _result({**STORED, "values": STORED["values"][:3]})
    assert "explanation" not in shown_result(stale, NAMES, ExplainOptions())["output"]


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        ({"lang": "en", "rev_id": 1}, {}, None),
        ({"explain": False}, {}, None),
        ({"explain": True}, {}, ExplainOptions(DEFAULT_TOP)),
        ({"explain": True, "explain_top": 3}, {}, ExplainOptions(3)),
        ({"instances": [], "explain": True, "explain_top": MAX_TOP}, {}, ExplainOptions(MAX_TOP)),
        ({}, {"x-revertrisk-explain": "true"}, ExplainOptions(DEFAULT_TOP)),
        ({}, {"x-revertrisk-explain": "true", "x-revertrisk-explain-top": "4"}, ExplainOptions(4)),
        ({}, {"x-revertrisk-explain": "false"}, None),
        (["not", "a", "dict"], {}, None),
    ],
)
def test_explain_options(body: object, headers: dict, expected: ExplainOptions | None) -> None:
    assert explain_options(body, headers) == expected


@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        ({"explain": "true"}, {}, "explain"),
        ({"explain": 1}, {}, "explain"),
        ({"explain": None}, {}, "explain"),
        ({"explain": True, "explain_top": 0}, {}, "explain_top"),
        ({"explain": True, "explain_top": MAX_TOP + 1}, {}, "explain_top"),
        ({"explain": True, "explain_top": "3"}, {}, "explain_top"),
        ({"explain": True, "explain_top": True}, {}, "explain_top"),
        ({"explain": True, "explain_top": 2.5}, {}, "explain_top"),
        ({}, {"x-revertrisk-explain": "maybe"}, "explain"),
        ({}, {"x-revertrisk-explain": "yes"}, "explain"),
        ({}, {"x-revertrisk-explain": "1"}, "explain"),
        ({}, {"x-revertrisk-explain": "0"}, "explain"),
        ({}, {"x-revertrisk-explain": "true", "x-revertrisk-explain-top": "-1"}, "explain_top"),
        ({}, {"x-revertrisk-explain": "true", "x-revertrisk-explain-top": "ten"}, "explain_top"),
    ],
)
def test_bad_explain_options_are_refused_with_a_stable_code(
    body: dict, headers: dict, field: str
) -> None:
    with pytest.raises(InvalidExplainOption) as raised:
        explain_options(body, headers)
    assert raised.value.code == "invalid_explain" and raised.value.status == 400
    assert raised.value.details.get("field") == field

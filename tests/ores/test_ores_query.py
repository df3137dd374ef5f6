"""ORES v3 parameters and the alias table: what is accepted, what is refused and how."""

from __future__ import annotations

import pytest

from revertrisk_service.ores.aliases import AliasConfigError, parse_aliases
from revertrisk_service.ores.query import (
    MAX_REVIDS,
    OresRequestError,
    parse_model_info,
    parse_revids,
    split_pipes,
)
from revertrisk_service.ores.shapes import score_entry

LA = "revertrisk-language-agnostic"
ML = "revertrisk-multilingual"


def test_revids_are_pipe_separated_and_deduplicated() -> None:
    assert parse_revids("3|1|3| 2 ") == [3, 1, 2]
    assert parse_revids(["4", "5"]) == [4, 5]
    assert parse_revids(None) == []


@pytest.mark.parametrize("bad", ["abc", "1|-2", "0", "1.5"])
def test_bad_revids_are_400(bad: str) -> None:
    with pytest.raises(OresRequestError) as caught:
        parse_revids(bad)
    assert caught.value.status == 400
    assert caught.value.body()["error"]["code"] == "bad request"


def test_at_most_fifty_revids() -> None:
    assert len(parse_revids("|".join(str(i) for i in range(1, MAX_REVIDS + 1)))) == MAX_REVIDS
    with pytest.raises(OresRequestError, match="Too many revids"):
        parse_revids("|".join(str(i) for i in range(1, MAX_REVIDS + 2)))


def test_model_info_fields_and_threshold_queries() -> None:
    request = parse_model_info(
        "version|type|statistics.thresholds.true.\"maximum recall @ precision >= 0.9\""
        "|statistics.thresholds.true.'maximum filter_rate @ recall >= 0.9'"
    )
    assert request is not None
    assert request.fields == ("version", "type")
    assert [str(q) for q in request.threshold_queries] == [
        "maximum recall @ precision >= 0.9",
        "maximum filter_rate @ recall >= 0.9",
    ]
    assert parse_model_info(None) is None
    assert parse_model_info("").fields == ("version",)


@pytest.mark.parametrize(
    "bad", ["features", "statistics.thresholds.true.'best f1'", "statistics.roc_auc"]
)
def test_bad_model_info_is_400(bad: str) -> None:
    with pytest.raises(OresRequestError) as caught:
        parse_model_info(bad)
    assert caught.value.status == 400


def test_split_pipes_drops_empty_parts() -> None:
    assert split_pipes("a||b|") == ["a", "b"]


def test_default_alias_table() -> None:
    assert parse_aliases("reverted=revertrisk-language-agnostic", [LA, ML]) == {"reverted": LA}


def test_alias_of_a_model_not_served_is_left_out() -> None:
    assert parse_aliases("reverted=revertrisk-language-agnostic", [ML]) == {}
    assert parse_aliases("", [LA]) == {}


@pytest.mark.parametrize(
    "text", ["reverted", "=x", "Reverted!=revertrisk-language-agnostic", f"{ML}={LA}"]
)
def test_unreadable_alias_table_is_one_clear_line(text: str) -> None:
    with pytest.raises(AliasConfigError) as caught:
        parse_aliases(text, [LA, ML])
    assert "\n" not in str(caught.value) and "ORES_MODEL_ALIASES" in str(caught.value)


def test_score_entry_shapes() -> None:
    prediction = {"output": {"prediction": True, "probabilities": {"true": 0.8, "false": 0.2}}}
    assert score_entry(prediction) == {
        "score": {"prediction": True, "probability": {"true": 0.8, "false": 0.2}}
    }
    failed = {"error": {"code": "revision_info_deleted", "error": "text hidden"}}
    assert score_entry(failed) == {
        "error": {"type": "TextDeleted", "message": "text hidden", "code": "revision_info_deleted"}
    }
    unknown = {"error": {"code": "scoring_failed", "error": "boom"}}
    assert score_entry(unknown)["error"]["type"] == "ScoringError"

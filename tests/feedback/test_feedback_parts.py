"""Tokens, the per-tool rate limit, field validation and Wilson intervals, on their own."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from revertrisk_service.errors import FeedbackRateLimited, InvalidRequest, Unauthorized
from revertrisk_service.feedback.judgments import parse_judgment
from revertrisk_service.feedback.observed import wilson_interval
from revertrisk_service.feedback.rate import ToolRateLimit
from revertrisk_service.feedback.tokens import FeedbackTokens, TokensFileError, hash_token

LA = "revertrisk-language-agnostic"


def tokens_file(tmp_path: Path, text: str) -> FeedbackTokens:
    path = tmp_path / "tokens"
    path.write_text(text)
    return FeedbackTokens(path)


def test_tokens_match_by_hash_and_name_the_tool(tmp_path: Path) -> None:
    tokens = tokens_file(tmp_path, f"# tools\nhuggle {hash_token('s3cret')}\n"
                                   f"patrol-page {hash_token('other')}\n")
    assert tokens.tool_for("Bearer s3cret") == "huggle"
    assert tokens.tool_for("bearer other") == "patrol-page"
    for header in (None, "", "Bearer", "Basic s3cret", "Bearer wrong", f"Bearer {hash_token('s3cret')}"):
        with pytest.raises(Unauthorized):
            tokens.tool_for(header)


def test_tokens_file_is_reread_when_it_changes(tmp_path: Path) -> None:
    tokens = tokens_file(tmp_path, f"huggle {hash_token('old')}\n")
    assert tokens.tool_for("Bearer old") == "huggle"
    path = tmp_path / "tokens"
    path.write_text(f"huggle {hash_token('new')}\n")
    import os

    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert tokens.tool_for("Bearer new") == "huggle"
    with pytest.raises(Unauthorized):
        tokens.tool_for("Bearer old")
    # A broken edit of the running file keeps the last good tokens instead of failing writes.
    path.write_text("huggle not-a-hash\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 2 * 10**9))
    assert tokens.tool_for("Bearer new") == "huggle"


@pytest.mark.parametrize("text", ["huggle\n", "huggle nothex\n", f"a b {'0' * 64}\n",
                                  f"x {'0' * 64}\nx {'1' * 64}\n", "# only a comment\n"])
def test_bad_tokens_file_is_one_line(tmp_path: Path, text: str) -> None:
    with pytest.raises(TokensFileError) as error:
        tokens_file(tmp_path, text).load()
    assert "\n" not in str(error.value) and "FEEDBACK_TOKENS_FILE" in str(error.value)


def test_rate_limit_is_per_tool_and_refills() -> None:
    now = [0.0]
    limit = ToolRateLimit(per_minute=60, burst=3, clock=lambda: now[0])
    for _ in range(3):
        limit.take("a")
    with pytest.raises(FeedbackRateLimited) as refused:
        limit.take("a")
    assert refused.value.headers["Retry-After"] == "1"
    limit.take("b")  # another tool's bucket is untouched
    now[0] += 1.0
    limit.take("a")


def parse(body: object):
    return parse_judgment(body, "tool", datetime.now(UTC), frozenset({LA}))


def test_a_judgment_by_lang_or_wiki_db() -> None:
    by_lang = parse({"lang": "en", "rev_id": 5, "judgment": "ok", "reviewer": " Ann "})
    by_db = parse({"wiki_db": "enwiki", "rev_id": 5, "judgment": "ok", "reviewer": "Ann",
                   "model_name": LA, "score": 1, "comment": "fine"})
    assert (by_lang.wiki_db, by_lang.reviewer) == ("enwiki", "Ann")
    assert (by_db.wiki_db, by_db.score, by_db.model_name) == ("enwiki", 1.0, LA)


GOOD = {"lang": "en", "rev_id": 5, "judgment": "ok", "reviewer": "Ann"}


@pytest.mark.parametrize(("change", "code"), [
    ({"lang": "enwiki"}, "invalid_lang"),
    ({"lang": "xx-nope"}, "invalid_lang"),
    ({"wiki_db": "nowiki-at-all"}, "invalid_lang"),
    ({"lang": "en", "wiki_db": "enwiki"}, "invalid_request"),  # both
    ({"rev_id": 0}, "invalid_rev_id"),
    ({"rev_id": True}, "invalid_rev_id"),
    ({"rev_id": "5"}, "invalid_rev_id"),
    ({"judgment": "bad"}, "invalid_judgment"),
    ({"judgment": None}, "invalid_judgment"),
    ({"reviewer": ""}, "invalid_reviewer"),
    ({"reviewer": "x" * 256}, "invalid_reviewer"),
    ({"comment": 5}, "invalid_comment"),
    ({"model_name": "ores-damaging"}, "invalid_model_name"),
    ({"score": 1.5}, "invalid_score"),
    ({"score": "0.5"}, "invalid_score"),
    ({"extra": 1}, "invalid_request"),
])  # fmt: skip
def test_each_bad_field_has_its_code(change: dict, code: str) -> None:
    with pytest.raises(InvalidRequest) as error:
        base = {k: v for k, v in GOOD.items() if not (k == "lang" and "wiki_db" in change)}
        parse({**base, **change})
    assert error.value.code == code and error.value.status == 400


def test_missing_fields_and_wrong_shape() -> None:
    for body, code in (([], "invalid_request"), ({"rev_id": 5}, "invalid_request"),
                       ({"lang": "en"}, "invalid_rev_id"),
                       ({"lang": "en", "rev_id": 5, "judgment": "ok"}, "invalid_reviewer")):
        with pytest.raises(InvalidRequest) as error:
            parse(body)
        assert error.value.code == code


def test_wilson_interval_contains_the_proportion_and_narrows_with_n() -> None:
    assert wilson_interval(0, 0) is None
    small = wilson_interval(8, 10)
    large = wilson_interval(800, 1000)
    assert small[0] < 0.8 < small[1] and large[0] < 0.8 < large[1]
    assert large[1] - large[0] < small[1] - small[0]
    low, high = wilson_interval(0, 5)
    assert low == 0.0 and 0 < high < 1  # Wilson, unlike the normal approximation, is not [0, 0]


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (3, 7), (50, 60), (999, 1000), (0, 250)])
def test_wilson_interval_is_scipys(k: int, n: int) -> None:
    from scipy.stats import binomtest

    expected = binomtest(k, n).proportion_ci(0.95, method="wilson")
    assert wilson_interval(k, n) == pytest.approx([expected.low, expected.high], abs=2e-6)


@pytest.mark.parametrize("url", ["not a url", "mysql://db/feedback", "sqlite+nothing:///x"])
def test_unusable_database_url_is_one_line(url: str) -> None:
    from revertrisk_service.feedback.engine import DatabaseUrlError, make_feedback_engine

    with pytest.raises(DatabaseUrlError) as error:
        make_feedback_engine(url, 1.0)
    assert "FEEDBACK_DATABASE_URL" in str(error.value) and "\n" not in str(error.value)


def test_serve_stops_with_one_line_on_a_bad_tokens_file(tmp_path: Path) -> None:
    from revertrisk_service.config import Settings
    from revertrisk_service.feedback.service import build_feedback

    (tmp_path / "tokens").write_text("huggle 1234\n")
    settings = Settings(feedback_tokens_file=tmp_path / "tokens",
                        feedback_database_url=f"sqlite:///{tmp_path / 'f.sqlite3'}")
    with pytest.raises(SystemExit) as stopped:
        build_feedback(settings, {}, {})
    assert "FEEDBACK_TOKENS_FILE" in str(stopped.value) and "\n" not in str(stopped.value)
    assert build_feedback(Settings(), {}, {}) is None  # unset: feedback off


def test_migrate_command_creates_the_tables_once(tmp_path: Path, monkeypatch) -> None:
    from sqlalchemy import create_engine, inspect
    from typer.testing import CliRunner

    from revertrisk_service.cli import app

    url = f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    for _ in range(2):  # the second run finds the schema current
        result = CliRunner().invoke(app, ["feedback", "migrate"])
        assert result.exit_code == 0, result.output
        assert "at migration 0002 (newest: 0002)" in result.output
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"feedback_judgments", "feedback_current", "feedback_alembic_version",
            "outcome_scores", "edit_outcomes", "outcome_page_revisions"} <= tables

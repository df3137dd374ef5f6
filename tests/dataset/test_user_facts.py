"""The Spark build's editor facts (a window per editor, in the JVM) equal their definition
(user_facts.editor_facts, plain Python): on edge cases (ties in time, hidden editors, IP
editors, one name on two wikis) and on every revision of two shipped real histories."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataset.test_dump_formats import HISTORIES
from revertrisk_service.dataset.dump_reader import iter_revisions
from revertrisk_service.dataset.spark_job import _with_user_facts, spark_session
from revertrisk_service.dataset.staging import META_SCHEMA
from revertrisk_service.dataset.user_facts import user_facts_in_memory

pytestmark = pytest.mark.e2e

FACTS = ("user_edits_before", "user_first_edit")


@pytest.fixture(scope="module")
def spark():
    session = spark_session("local[1]")
    yield session
    session.stop()


def _row(wiki: str, rev_id: int, when: str, user: str | None, user_id: int | None) -> dict:
    return {"wiki_db": wiki, "page_id": 1, "page_namespace": 0, "page_title": "P",
            "user_id": user_id, "user_text": user, "revision_id": rev_id,
            "revision_parent_id": None, "revision_timestamp": when, "revision_minor_edit": False,
            "revision_comment": "", "revision_text_bytes": 0, "revision_text_sha1": "x",
            "revision_content_model": "wikitext", "text_hidden": False,
            "user_hidden": user is None, "chunk": 0}  # fmt: skip


def _assert_spark_equals_definition(spark, rows: list[dict], tmp_path: Path) -> None:
    # Read from Parquet, as the build reads its staged metadata.
    pq.write_table(pa.Table.from_pylist(rows, schema=META_SCHEMA), tmp_path / "meta.parquet")
    frame = spark.read.parquet(str(tmp_path / "meta.parquet"))
    got = {(r["wiki_db"], r["revision_id"]): {f: r[f] for f in FACTS}
           for r in _with_user_facts(frame).select("wiki_db", "revision_id", *FACTS).collect()}
    assert got == user_facts_in_memory(rows)


def test_edge_cases(spark, tmp_path: Path) -> None:
    rows = [
        _row("enwiki", 30, "2024-01-03T00:00:00Z", "A", 1),
        _row("enwiki", 12, "2024-01-01T00:00:00Z", "A", 1),  # same second: revision id decides
        _row("enwiki", 11, "2024-01-01T00:00:00Z", "A", 1),
        _row("dewiki", 5, "2023-06-01T00:00:00Z", "A", 9),  # the same name on another wiki
        _row("enwiki", 20, "2024-01-02T00:00:00Z", "192.0.2.1", None),
        _row("enwiki", 21, "2024-01-02T00:00:01Z", None, None),  # hidden editor
    ]
    _assert_spark_equals_definition(spark, rows, tmp_path)
    facts = user_facts_in_memory(rows)
    assert facts[("enwiki", 11)] == {"user_edits_before": 0, "user_first_edit": "2024-01-01T00:00:00Z"}
    assert facts[("enwiki", 30)]["user_edits_before"] == 2
    assert facts[("enwiki", 21)] == {"user_edits_before": None, "user_first_edit": None}


@pytest.mark.parametrize("name", ["aawiki-20260101-pages-meta-history.xml.7z",
                                  "enwiki-Rio_Grande-pages-meta-history.xml.bz2"])
def test_shipped_histories(spark, name: str, tmp_path: Path) -> None:
    path = Path(HISTORIES) / name
    rows = [{**rev.meta, "chunk": 0} for rev in iter_revisions(path)]
    _assert_spark_equals_definition(spark, rows, tmp_path)
